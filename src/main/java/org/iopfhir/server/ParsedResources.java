package org.iopfhir.server;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.jpa.api.dao.IDao;
import ca.uhn.fhir.jpa.model.dao.JpaPid;
import ca.uhn.fhir.jpa.model.entity.BaseTag;
import ca.uhn.fhir.jpa.model.entity.IBaseResourceEntity;
import ca.uhn.fhir.jpa.model.entity.ResourceEncodingEnum;
import ca.uhn.fhir.jpa.model.entity.ResourceHistoryTable;
import ca.uhn.fhir.jpa.model.entity.ResourceTable;
import ca.uhn.fhir.jpa.model.entity.TagDefinition;
import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.cache.CaffeineCacheMetrics;
import java.lang.reflect.Field;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.hl7.fhir.r4.model.Base;
import org.hl7.fhir.r4.model.DomainResource;
import org.hl7.fhir.r4.model.Reference;
import org.hl7.fhir.r4.model.Resource;
import org.iopfhir.fhir.ElementFinder;

/**
 * Stored versions as HAPI built them from their rows, kept so that loading the same version again copies it
 * instead of parsing it again. Parsing is most of the cost of loading a stored record, and with narratives more
 * than half: HAPI's XHTML parser builds its whole entity table anew for every narrative it reads. The same
 * versions are loaded again and again: a search with consent enforced loads its matches once to decide what
 * the caller may see and again for the page, the review operations load a whole episode on every call, and a
 * record being worked on is read repeatedly.
 *
 * <p>What is kept is exactly what HAPI would build again. The key is everything HAPI builds it from: the
 * version's row (its database id is never reused, not even after a rolled-back write), the row's text and version
 * number (HAPI can rewrite a row in place), whether it was reached
 * through the resource or the version row, its last-updated time, the tags and security labels the record has
 * now (they change without a new version, e.g. {@code $meta-add} of a 42 CFR Part 2 label, and the key changes
 * with them) and whether it is built for a history page. Callers always get their own copy, with the user data
 * HAPI attached and the row id set afresh from the caller's entity, so nothing one request changes reaches another. Deleted and
 * externally stored versions are not kept. The cache is bounded by the heap its versions take, estimated from their
 * stored JSON ({@code iop.server.parsed-resource-cache}; 0 turns it off) and reports to Micrometer as
 * {@code cache.*{cache=parsed-resources}}. HAPI builds resources in two places, both stand-ins use this:
 * {@link CachingResourceParser} (reads, version reads, history pages, meta operations) and
 * {@link CachingBatchResourceLoader} (search results and includes, also the review operations' searches).
 */
final class ParsedResources {

    /**
     * Heap a kept version takes per character of its stored JSON, measured by filling a heap with parsed copies:
     * 4.4 bytes for the example episode's records (each with a narrative), 4.7 for Synthea-shaped ones (many small
     * elements, no narrative); rounded up. The cache's bound is heap, as an operator sizes it.
     */
    static final int HEAP_PER_JSON_CHAR = 5;
    /** The key and the cache's own entry: record, tag strings, Caffeine's node. */
    private static final int KEY_HEAP = 256;

    private static final Field USER_DATA = userDataField();
    private static final ElementFinder ELEMENTS = new ElementFinder(FhirContext.forR4Cached());

    private final Cache<Key, Resource> parsed;
    private final boolean enabled;

    ParsedResources(IopServerProperties properties, MeterRegistry meters) {
        long bytes = properties.parsedResourceCache().toBytes();
        this.enabled = bytes > 0;
        this.parsed = Caffeine.newBuilder()
                .maximumWeight(Math.max(bytes, 1))
                .weigher((Key key, Resource resource) -> key.weight())
                .recordStats()
                .build();
        CaffeineCacheMetrics.monitor(meters, parsed, "parsed-resources");
    }

    /**
     * The key of a version HAPI builds from {@code entity} (the resource's row or the version's), or null when it
     * is not to be kept.
     */
    Key keyOf(IBaseResourceEntity<?> entity, ResourceHistoryTable version, Collection<? extends BaseTag> tags,
            boolean forHistory) {
        if (!enabled || version == null || entity.getDeleted() != null || version.getId().getId() == null
                || version.getEncoding() == ResourceEncodingEnum.DEL || version.getEncoding() == ResourceEncodingEnum.ESR) {
            return null;
        }
        List<String> labels = tagsOf(tags);
        if (labels == null) {
            return null;
        }
        String text = version.getResourceTextVc();
        byte[] bytes = version.getResource();
        if (text == null && version.getEncoding() != ResourceEncodingEnum.JSON) {
            // Compressed JSON (rows written by HAPI before 7.0): its size says too little about the parsed version's.
            return null;
        }
        // The row's text is in the key too: HAPI can rewrite a version row in place (history rewrite, or one row
        // per resource when the version history is turned off), which nothing else in the key would show.
        int content = text != null ? text.hashCode() : Arrays.hashCode(bytes);
        int weight = KEY_HEAP + HEAP_PER_JSON_CHAR * (text != null ? text.length() : bytes != null ? bytes.length : 0);
        return new Key(version.getResourceType(), version.getId().getId(), version.getVersion(), content,
                entity instanceof ResourceTable, entity.getUpdated().getValue().getTime(), forHistory, labels, weight);
    }

    /** A copy of the kept version, with the row id HAPI would have attached from {@code entity}; or null. */
    IBaseResource find(Key key, IBaseResourceEntity<?> entity) {
        Resource kept = key == null ? null : parsed.getIfPresent(key);
        if (kept == null) {
            return null;
        }
        Resource copy = copy(kept);
        IDao.RESOURCE_PID.put(copy, (JpaPid) entity.getResourceId());
        return copy;
    }

    /** Keeps a copy of what HAPI built (the caller goes on with the original). */
    void keep(Key key, IBaseResource built) {
        if (key != null && built instanceof Resource resource) {
            parsed.put(key, copy(resource));
        }
    }

    /**
     * What HAPI copies from each tag into the resource (a tag being added has no row id yet); null when a tag's
     * definition is missing (HAPI then leaves the tag out with a warning, and such a version is not kept).
     */
    private static List<String> tagsOf(Collection<? extends BaseTag> tags) {
        if (tags == null) {
            return List.of();
        }
        List<String> labels = new ArrayList<>(tags.size());
        for (BaseTag tag : tags) {
            TagDefinition t = tag.getTag();
            if (t == null) {
                return null;
            }
            labels.add(t.getTagType() + "|" + t.getSystem() + "|" + t.getCode() + "|" + t.getVersion() + "|"
                    + t.getUserSelected() + "|" + t.getDisplay());
        }
        Collections.sort(labels);
        return labels;
    }

    /**
     * A deep copy, with the user data HAPI attached while building it (R4's copy leaves that out), whose references
     * to contained resources point at its own contained resources (R4's copy keeps the original's).
     */
    private static Resource copy(Resource resource) {
        Resource copy = resource.copy();
        if (copy instanceof DomainResource domain && domain.hasContained()) {
            Map<String, Resource> contained = new HashMap<>();
            domain.getContained().forEach(c -> contained.put(c.getIdElement().getIdPart(), c));
            for (Reference reference : ELEMENTS.all(copy, Reference.class)) {
                if (reference.getResource() != null) {
                    String local = reference.getReference() == null ? "" : reference.getReference().replaceFirst("^#", "");
                    reference.setResource(contained.get(local));
                }
            }
        }
        try {
            @SuppressWarnings("unchecked")
            Map<String, Object> userData = (Map<String, Object>) USER_DATA.get(resource);
            if (userData != null) {
                USER_DATA.set(copy, new HashMap<>(userData));
            }
        } catch (IllegalAccessException e) {
            throw new IllegalStateException(e);
        }
        return copy;
    }

    private static Field userDataField() {
        try {
            Field field = Base.class.getDeclaredField("userData");
            field.setAccessible(true);
            return field;
        } catch (NoSuchFieldException e) {
            throw new IllegalStateException("this FHIR model version keeps a resource's user data elsewhere: "
                    + "check how ParsedResources copies it", e);
        }
    }

    record Key(String type, Long versionRow, long version, int content, boolean throughResource, long updated,
            boolean forHistory, List<String> tags, int weight) {
    }
}
