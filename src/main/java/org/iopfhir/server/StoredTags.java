package org.iopfhir.server;

import ca.uhn.fhir.jpa.api.config.JpaStorageSettings;
import ca.uhn.fhir.jpa.model.dao.JpaPid;
import ca.uhn.fhir.jpa.model.entity.BaseTag;
import ca.uhn.fhir.jpa.model.entity.ResourceHistoryTable;
import ca.uhn.fhir.jpa.model.entity.ResourceTag;
import ca.uhn.fhir.jpa.model.entity.TagDefinition;
import ca.uhn.fhir.jpa.model.entity.TagTypeEnum;
import jakarta.persistence.EntityManager;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

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
        List<Object[]> rows = entityManager.createQuery("SELECT t.myResourceId, d.myId, d.myTagType, d.mySystem, d.myCode, "
                        + "d.myDisplay, d.myVersion, d.myUserSelected FROM ResourceTag t LEFT JOIN t.myTag d "
                        + "WHERE t.myResourceId IN (:ids)", Object[].class)
                .setParameter("ids", tagged.keySet())
                .getResultList();
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

    private static TagDefinition definition(Object[] row) {
        TagDefinition definition = new TagDefinition((TagTypeEnum) row[2], (String) row[3], (String) row[4], (String) row[5]);
        definition.setId((Long) row[1]);
        definition.setVersion((String) row[6]);
        definition.setUserSelected((Boolean) row[7]);
        return definition;
    }
}
