package org.iopfhir.server;

import ca.uhn.fhir.jpa.api.config.JpaStorageSettings;
import ca.uhn.fhir.jpa.model.dao.JpaPid;
import ca.uhn.fhir.jpa.model.entity.BaseTag;
import ca.uhn.fhir.jpa.model.entity.ResourceHistoryTable;
import ca.uhn.fhir.jpa.model.entity.ResourceTable;
import ca.uhn.fhir.jpa.model.entity.ResourceTag;
import ca.uhn.fhir.jpa.model.entity.TagDefinition;
import ca.uhn.fhir.jpa.model.entity.TagTypeEnum;
import jakarta.persistence.EntityManager;
import jakarta.persistence.FlushModeType;
import jakarta.persistence.TypedQuery;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.hibernate.collection.spi.PersistentCollection;
import org.hibernate.engine.spi.EntityEntry;
import org.hibernate.engine.spi.SessionImplementor;
import org.hibernate.metamodel.spi.MappingMetamodelImplementor;
import org.springframework.transaction.support.TransactionSynchronizationManager;

/**
 * The tags and security labels of a batch of stored resources, read as plain column values in one query. HAPI
 * reads them as entities (each tag and its definition hydrated into the session, with snapshots kept for dirty
 * checking), which cost a sixth of a search with consent enforced and of the review operations: the batch is
 * only read, to build the resources' {@code meta}. The tags built here are detached copies that nothing stores.
 * Only for HAPI's non-versioned tag storage, where a resource's tags are one set for all its versions (this
 * server's setting); with another mode HAPI's own reading is used.
 */
final class StoredTags {

    private final JpaStorageSettings settings;
    private final EntityManager entityManager;
    private volatile Set<Serializable> tagTables;

    StoredTags(JpaStorageSettings settings, EntityManager entityManager) {
        this.settings = settings;
        this.entityManager = entityManager;
    }

    /** Whether {@link #of} can read tags under the current storage mode. */
    boolean applies() {
        return settings.getTagStorageMode() == JpaStorageSettings.TagStorageModeEnum.NON_VERSIONED;
    }

    /** The tags of each resource, keyed like HAPI's batch (by resource id); resources without tags are absent. */
    Map<JpaPid, Collection<BaseTag>> of(Collection<ResourceHistoryTable> versions) {
        Map<Long, JpaPid> tagged = new HashMap<>();
        for (ResourceHistoryTable version : versions) {
            if (version.isHasTags()) {
                tagged.put(version.getResourceId().getId(), version.getResourceId());
            }
        }
        Map<JpaPid, Collection<BaseTag>> tags = new HashMap<>();
        if (tagged.isEmpty()) {
            return tags;
        }
        TypedQuery<Object[]> query = entityManager.createQuery("SELECT t.myResourceId, d.myId, d.myTagType, d.mySystem, "
                        + "d.myCode, d.myDisplay, d.myVersion, d.myUserSelected FROM ResourceTag t LEFT JOIN t.myTag d "
                        + "WHERE t.myResourceId IN (:ids)", Object[].class)
                .setParameter("ids", tagged.keySet());
        if (!mayHoldUnwrittenTags(tagged.keySet())) {
            query.setFlushMode(FlushModeType.COMMIT);
        }
        List<Object[]> rows = query.getResultList();
        for (Object[] row : rows) {
            ResourceTag tag = new ResourceTag();
            // A tag whose definition row is gone stays without one, as HAPI reads it (it skips such a tag, with a
            // warning, and ParsedResources keeps no version built with one).
            tag.setTag(row[1] == null ? null : definition(row));
            tag.setResourceId((Long) row[0]);
            tags.computeIfAbsent(tagged.get((Long) row[0]), pid -> new ArrayList<>()).add(tag);
        }
        return tags;
    }

    /**
     * Whether this session may hold tag changes of these resources not yet written to the database. HAPI changes a
     * resource's tags through its tag collection (on create and update), which Hibernate writes, cascading and
     * removing orphans, only when it flushes; {@code $meta-add} and {@code $meta-delete} persist or remove a tag
     * directly and new tag definitions are saved, which waits in the session's queue until then. So only a queued
     * write to the tag tables, or a resource of the batch whose tag collection was changed (or is not Hibernate's
     * yet), holds one; HAPI never edits a stored tag or definition in place, but one managed here is taken as a
     * possible change too. Without any of these, the tag query skips the flush Hibernate does before a query, which
     * dirty-checks every entity of the session: on a search page, the page's resources and versions, which HAPI
     * loads together; half of the query's cost. (A search queues rows of its own, in other tables.) Outside a
     * transaction there is no session to flush, and nothing is decided.
     */
    private boolean mayHoldUnwrittenTags(Set<Long> ids) {
        if (!TransactionSynchronizationManager.isActualTransactionActive()) {
            return true;
        }
        SessionImplementor session = entityManager.unwrap(SessionImplementor.class);
        if (session.getActionQueue().areTablesToBeUpdated(tagTables(session))) {
            return true;
        }
        for (Map.Entry<Object, EntityEntry> managed : session.getPersistenceContextInternal().reentrantSafeEntityEntries()) {
            Object entity = managed.getKey();
            if (entity instanceof TagDefinition
                    || entity instanceof ResourceTag tag
                            && (tag.getResourceId() == null || ids.contains(tag.getResourceId().getId()))
                    || entity instanceof ResourceTable resource && ids.contains(resource.getId().getId())
                            && !(resource.getTags() instanceof PersistentCollection<?> tags && !tags.isDirty())) {
                return true;
            }
        }
        return false;
    }

    /** The tables of tags and tag definitions, as the session's queue names them. */
    private Set<Serializable> tagTables(SessionImplementor session) {
        if (tagTables == null) {
            MappingMetamodelImplementor entities = session.getFactory().getMappingMetamodel();
            Set<Serializable> tables = new HashSet<>();
            for (Class<?> tagEntity : List.of(ResourceTag.class, TagDefinition.class)) {
                tables.addAll(Arrays.asList(entities.getEntityDescriptor(tagEntity).getQuerySpaces()));
            }
            tagTables = Set.copyOf(tables);
        }
        return tagTables;
    }

    private static TagDefinition definition(Object[] row) {
        TagDefinition definition = new TagDefinition((TagTypeEnum) row[2], (String) row[3], (String) row[4], (String) row[5]);
        definition.setId((Long) row[1]);
        definition.setVersion((String) row[6]);
        definition.setUserSelected((Boolean) row[7]);
        return definition;
    }
}
