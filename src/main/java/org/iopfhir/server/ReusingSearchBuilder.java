package org.iopfhir.server;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.interceptor.api.IInterceptorBroadcaster;
import ca.uhn.fhir.jpa.api.config.JpaStorageSettings;
import ca.uhn.fhir.jpa.api.dao.DaoRegistry;
import ca.uhn.fhir.jpa.api.svc.IIdHelperService;
import ca.uhn.fhir.jpa.config.HapiFhirLocalContainerEntityManagerFactoryBean;
import ca.uhn.fhir.jpa.config.HibernatePropertiesProvider;
import ca.uhn.fhir.jpa.dao.data.IResourceHistoryTableDao;
import ca.uhn.fhir.jpa.dao.data.IResourceTagDao;
import ca.uhn.fhir.jpa.model.config.PartitionSettings;
import ca.uhn.fhir.jpa.model.dao.JpaPid;
import ca.uhn.fhir.jpa.model.entity.ResourceTable;
import ca.uhn.fhir.jpa.model.entity.ResourceTag;
import ca.uhn.fhir.jpa.search.BatchResourceLoader;
import ca.uhn.fhir.jpa.search.builder.SearchBuilder;
import ca.uhn.fhir.jpa.search.builder.sql.SqlObjectFactory;
import ca.uhn.fhir.jpa.util.QueryChunker;
import ca.uhn.fhir.rest.api.server.RequestDetails;
import ca.uhn.fhir.rest.server.util.ISearchParamRegistry;
import io.micrometer.core.instrument.Counter;
import jakarta.persistence.EntityManager;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import org.hl7.fhir.instance.model.api.IBaseResource;

/**
 * HAPI's search builder, except that a page takes the matches its request already loaded for the consent
 * check ({@link LoadedMatches}) when they are still stored as checked: one small query (current version, tag
 * ids) replace loading their bodies and tags again. A match updated, relabelled or deleted since, a specific
 * version (a versioned include), history and everything else are loaded by HAPI as before.
 */
final class ReusingSearchBuilder extends SearchBuilder {

    private final JpaStorageSettings storageSettings;
    private final Counter reused;
    private final Counter reloaded;

    @SuppressWarnings("checkstyle:ParameterNumber")
    ReusingSearchBuilder(String resourceName, JpaStorageSettings storageSettings,
            HapiFhirLocalContainerEntityManagerFactoryBean entityManagerFactory, SqlObjectFactory sqlBuilderFactory,
            HibernatePropertiesProvider dialectProvider, ISearchParamRegistry searchParamRegistry,
            PartitionSettings partitionSettings, IInterceptorBroadcaster interceptorBroadcaster,
            IResourceTagDao resourceTagDao, DaoRegistry daoRegistry, FhirContext context, IIdHelperService<JpaPid> idHelperService,
            IResourceHistoryTableDao resourceHistoryTableDao, BatchResourceLoader batchResourceLoader,
            Class<? extends IBaseResource> resourceType, Counter reused, Counter reloaded) {
        super(resourceName, storageSettings, entityManagerFactory, sqlBuilderFactory, dialectProvider, searchParamRegistry,
                partitionSettings, interceptorBroadcaster, resourceTagDao, daoRegistry, context, idHelperService,
                resourceHistoryTableDao, batchResourceLoader, resourceType);
        this.storageSettings = storageSettings;
        this.reused = reused;
        this.reloaded = reloaded;
    }

    @Override
    public void loadResourcesByPid(Collection<JpaPid> pids, Collection<JpaPid> included, List<IBaseResource> results,
            boolean forHistory, RequestDetails request) {
        Map<Long, IBaseResource> remembered = forHistory || loadsFromIndex() ? Map.of() : LoadedMatches.of(request, false);
        if (remembered.isEmpty()) {
            super.loadResourcesByPid(pids, included, results, forHistory, request);
        } else {
            LoadedMatches.Reuse reuse = LoadedMatches.fill(pids, included, results, remembered,
                    ids -> stored(myEntityManager, ids),
                    (toLoad, loaded) -> super.loadResourcesByPid(toLoad, included, loaded, false, request));
            reused.increment(reuse.reused());
            reloaded.increment(reuse.reloaded());
        }
        if (request != null) {
            // A page, or the matches of a search a custom operation makes (consent checks those after loading).
            // The consent check's own loads come without a request.
            LoadedMatches.handedOut(results);
        }
    }

    /** HAPI's loading from a Hibernate Search index (off here) adds results in its own order: not reused. */
    private boolean loadsFromIndex() {
        return storageSettings.isStoreResourceInHSearchIndex() && storageSettings.isHibernateSearchIndexSearchParams();
    }

    /**
     * The current version and tag definitions of each of these resources that is not deleted: one row per tag (or one
     * without a tag), in one query, after the session wrote what it holds for these tables (as before a JPQL query).
     */
    static Map<Long, LoadedMatches.Stored> stored(EntityManager entityManager, Set<Long> ids) {
        Map<Long, LoadedMatches.Stored> stored = new HashMap<>();
        QueryChunker.chunk(ids, chunk -> IdArrayQuery.rows(entityManager, "SELECT r.RES_ID, r.RES_VER, t.TAG_ID"
                        + " FROM HFJ_RESOURCE r LEFT JOIN HFJ_RES_TAG t ON t.RES_ID = r.RES_ID"
                        + " WHERE r.RES_ID = ANY(:ids) AND r.RES_DELETED_AT IS NULL", chunk, true,
                        ResourceTable.class, ResourceTag.class)
                .forEach(row -> {
                    Set<Long> tags = stored.computeIfAbsent(((Number) row[0]).longValue(),
                            id -> new LoadedMatches.Stored(((Number) row[1]).longValue(), new HashSet<>())).tags();
                    if (row[2] != null) {
                        tags.add(((Number) row[2]).longValue());
                    }
                }));
        return stored;
    }
}
