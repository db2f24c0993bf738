package org.iopfhir.server;

import ca.uhn.fhir.jpa.api.config.JpaStorageSettings;
import ca.uhn.fhir.jpa.model.dao.JpaPid;
import ca.uhn.fhir.jpa.model.entity.BaseTag;
import ca.uhn.fhir.jpa.model.entity.ResourceHistoryTable;
import ca.uhn.fhir.jpa.model.entity.ResourceTable;
import ca.uhn.fhir.jpa.model.entity.ResourceTag;
import ca.uhn.fhir.jpa.model.entity.TagDefinition;
import ca.uhn.fhir.jpa.model.entity.TagTypeEnum;
import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import jakarta.persistence.EntityManager;
import jakarta.persistence.FlushModeType;
import jakarta.persistence.TypedQuery;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import org.hibernate.collection.spi.PersistentCollection;
import org.hibernate.engine.spi.EntityEntry;
import org.hibernate.engine.spi.SessionImplementor;
import org.hibernate.metamodel.spi.MappingMetamodelImplementor;
import org.springframework.transaction.support.TransactionSynchronizationManager;

/**
 * The tags and security labels of stored resources (a batch of search results, or one resource read), read as plain
 * column values: the tag rows' definition ids in one query, and the definitions from a cache that reads those it has
 * not seen yet. HAPI reads them as entities (each tag and its definition hydrated into the session, with snapshots
 * kept for dirty checking), which cost a sixth of a search with consent enforced and of the review operations: the
 * tags are only read, to build the resources' {@code meta}. The tags built here are detached copies that nothing
 * stores. Only for HAPI's non-versioned tag storage, where a resource's tags are one set for all its versions (this
 * server's setting); with another mode HAPI's own reading is used.
 */
final class StoredTags {

    private final JpaStorageSettings settings;
    private final EntityManager entityManager;
    /** Bounded: a client can create as many distinct tags as it likes. */
    private final Cache<Long, Definition> definitions = Caffeine.newBuilder().maximumSize(10_000).build();
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
        read(tagged.keySet()).forEach((id, ofResource) -> tags.put(tagged.get(id), ofResource));
        return tags;
    }

    /**
     * The tags of one stored resource (a read): none when the resource row says it has none (as HAPI decides), its tag
     * collection when that is loaded or not Hibernate's (a new resource), otherwise its rows, after the session wrote
     * what it may hold for them ({@link #mayHoldUnwrittenTags}; HAPI's loading of the collection would not).
     */
    Collection<? extends BaseTag> of(ResourceTable resource) {
        if (!resource.isHasTags()) {
            return List.of();
        }
        if (!(resource.getTags() instanceof PersistentCollection<?> held) || held.wasInitialized()) {
            return resource.getTags();
        }
        Long id = resource.getId().getId();
        return read(Collections.singleton(id)).getOrDefault(id, List.of());
    }

    /** The tags of these resources, by resource id: their tag ids in one query, definitions not known yet in another. */
    private Map<Long, List<BaseTag>> read(Set<Long> ids) {
        Map<Long, List<BaseTag>> tags = new HashMap<>();
        if (ids.isEmpty()) {
            return tags;
        }
        boolean flush = mayHoldUnwrittenTags(ids);
        List<Object[]> rows = IdArrayQuery.rows(entityManager, "SELECT RES_ID, TAG_ID FROM HFJ_RES_TAG WHERE RES_ID = ANY(:ids)",
                ids, flush, ResourceTag.class);
        Map<Long, List<Long>> definitionIdsByResource = new HashMap<>();
        for (Object[] row : rows) {
            definitionIdsByResource.computeIfAbsent(((Number) row[0]).longValue(), id -> new ArrayList<>())
                    .add(row[1] == null ? null : ((Number) row[1]).longValue());
        }
        Set<Long> definitionIds = new HashSet<>();
        definitionIdsByResource.values().forEach(ofResource -> ofResource.stream().filter(Objects::nonNull)
                .forEach(definitionIds::add));
        Map<Long, Definition> known = definitions(definitionIds, flush);
        definitionIdsByResource.forEach((resource, definitionIdsOfResource) -> {
            List<BaseTag> ofResource = new ArrayList<>(definitionIdsOfResource.size());
            for (Long definitionId : definitionIdsOfResource) {
                ResourceTag tag = new ResourceTag();
                // A tag whose definition row is gone stays without one, as HAPI reads it (it skips such a tag, with a
                // warning, and ParsedResources keeps no version built with one).
                Definition definition = definitionId == null ? null : known.get(definitionId);
                tag.setTag(definition == null ? null : definition.entity(definitionId));
                tag.setResourceId(resource);
                ofResource.add(tag);
            }
            tags.put(resource, ofResource);
        });
        return tags;
    }

    /**
     * The definitions with these ids: those read before from {@link #definitions}, the others from the database (and
     * kept). HAPI never changes a stored definition (it finds one by all its fields, or creates one) and never reuses an
     * id (they come from a sequence), so a definition once read stays true for its id; one read inside a transaction
     * that is later rolled back names an id no stored tag will ever carry. HAPI deletes definitions only when it
     * expunges everything, tags first. (It keeps no foreign key from a tag to its definition, so a definition row
     * deleted by hand under a tag would still be read from here, once read.)
     */
    private Map<Long, Definition> definitions(Set<Long> ids, boolean flush) {
        Map<Long, Definition> found = new HashMap<>(definitions.getAllPresent(ids));
        if (found.size() < ids.size()) {
            Set<Long> missing = new HashSet<>(ids);
            missing.removeAll(found.keySet());
            TypedQuery<Object[]> query = entityManager.createQuery("SELECT d.myId, d.myTagType, d.mySystem, d.myCode,"
                    + " d.myDisplay, d.myVersion, d.myUserSelected FROM TagDefinition d WHERE d.myId IN (:ids)", Object[].class)
                    .setParameter("ids", missing);
            if (!flush) {
                query.setFlushMode(FlushModeType.COMMIT);
            }
            for (Object[] row : query.getResultList()) {
                Definition definition = new Definition((TagTypeEnum) row[1], (String) row[2], (String) row[3],
                        (String) row[4], (String) row[5], (Boolean) row[6]);
                definitions.put((Long) row[0], definition);
                found.put((Long) row[0], definition);
            }
        }
        return found;
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
                    || entity instanceof ResourceTag tag && (idOf(tag.getResourceId()) == null
                            || ids.contains(idOf(tag.getResourceId())))
                    || entity instanceof ResourceTable resource && idOf(resource.getId()) != null
                            && ids.contains(idOf(resource.getId()))
                            && !(resource.getTags() instanceof PersistentCollection<?> tags && !tags.isDirty())) {
                return true;
            }
        }
        return false;
    }

    /** The row id of a resource, null while it has none (or no pid at all). */
    private static Long idOf(JpaPid pid) {
        return pid == null ? null : pid.getId();
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

    /** A stored tag definition's fields; each tag gets its own entity built from them. */
    private record Definition(TagTypeEnum type, String system, String code, String display, String version,
            Boolean userSelected) {

        TagDefinition entity(Long id) {
            TagDefinition definition = new TagDefinition(type, system, code, display);
            definition.setId(id);
            definition.setVersion(version);
            definition.setUserSelected(userSelected);
            return definition;
        }
    }
}
