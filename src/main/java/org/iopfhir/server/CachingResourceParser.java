package org.iopfhir.server;

import ca.uhn.fhir.jpa.dao.IResourceMetadataExtractorSvc;
import ca.uhn.fhir.jpa.dao.JpaStorageResourceParser;
import ca.uhn.fhir.jpa.dao.data.IResourceHistoryTableDao;
import ca.uhn.fhir.jpa.model.entity.BaseTag;
import ca.uhn.fhir.jpa.model.entity.IBaseResourceEntity;
import ca.uhn.fhir.jpa.model.entity.ResourceHistoryTable;
import ca.uhn.fhir.jpa.model.entity.ResourceTable;
import ca.uhn.fhir.rest.api.RestOperationTypeEnum;
import ca.uhn.fhir.rest.api.server.RequestDetails;
import java.util.Collection;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.springframework.beans.factory.support.BeanDefinitionRegistryPostProcessor;

/** HAPI's building of one stored version (reads, version reads, history pages, meta operations), through {@link ParsedResources}. */
final class CachingResourceParser extends JpaStorageResourceParser {

    /** The name of HAPI's bean ({@code JpaConfig#jpaStorageResourceParser}) this class stands in for. */
    static final String BEAN_NAME = "jpaStorageResourceParser";

    private final ParsedResources parsed;
    private final IResourceMetadataExtractorSvc metadata;
    private final IResourceHistoryTableDao versions;
    private final StoredTags storedTags;

    CachingResourceParser(ParsedResources parsed, IResourceMetadataExtractorSvc metadata, IResourceHistoryTableDao versions,
            StoredTags storedTags) {
        this.parsed = parsed;
        this.metadata = metadata;
        this.versions = versions;
        this.storedTags = storedTags;
    }

    static BeanDefinitionRegistryPostProcessor replacingHapisBean() {
        return HapiBeanReplacement.replacing(BEAN_NAME, CachingResourceParser.class,
                "check how this HAPI version builds a stored version (IJpaStorageResourceParser)");
    }

    @Override
    @SuppressWarnings("unchecked")
    public <R extends IBaseResource> R toResource(RequestDetails request, Class<R> type, IBaseResourceEntity<?> entity,
            Collection<BaseTag> tags, boolean forHistory) {
        ResourceHistoryTable version = versionOf(entity);
        if (version == null) {
            return super.toResource(request, type, entity, tags, forHistory);
        }
        Collection<? extends BaseTag> current = tags != null ? tags
                : !(entity instanceof ResourceTable table) ? metadata.getTags(version)
                : storedTags.applies() && isRead(request) ? storedTags.of(table) : metadata.getTags(table);
        ParsedResources.Key key = parsed.keyOf(entity, version, current, forHistory);
        IBaseResource kept = parsed.find(key, entity);
        if (kept != null && type.isInstance(kept)) {
            return type.cast(kept);
        }
        R built = super.toResource(request, type, entity, (Collection<BaseTag>) current, forHistory);
        parsed.keep(key, built);
        return built;
    }

    /**
     * A client's read of a resource: its tags are read as rows ({@link StoredTags#of(ResourceTable)}). Anything else that
     * builds a current resource (an update building the version it replaces, an interceptor or operation reading what
     * it needs, often inside a write) keeps HAPI's loading of the tag collection: a write goes on to use that
     * collection itself, and its session may hold unwritten changes that reading rows would first have to flush.
     */
    private static boolean isRead(RequestDetails request) {
        return request != null && request.getRestOperationType() == RestOperationTypeEnum.READ;
    }

    /** The stored version the entity stands for, loaded as HAPI would load it (and left on the entity for HAPI). */
    private ResourceHistoryTable versionOf(IBaseResourceEntity<?> entity) {
        if (entity instanceof ResourceHistoryTable history) {
            return history;
        }
        if (!(entity instanceof ResourceTable table)) {
            return null;
        }
        if (table.getCurrentVersionEntity() == null) {
            // Null when the row is missing: HAPI then looks for the latest version itself, and nothing is kept.
            table.setCurrentVersionEntity(versions.findForIdAndVersion(table.getResourceId().toFk(), table.getVersion()));
        }
        return table.getCurrentVersionEntity();
    }
}
