package org.iopfhir.server;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.jpa.dao.IJpaStorageResourceParser;
import ca.uhn.fhir.jpa.dao.IResourceMetadataExtractorSvc;
import ca.uhn.fhir.jpa.esr.ExternallyStoredResourceServiceRegistry;
import ca.uhn.fhir.jpa.model.config.PartitionSettings;
import ca.uhn.fhir.jpa.model.dao.JpaPid;
import ca.uhn.fhir.jpa.model.entity.BaseTag;
import ca.uhn.fhir.jpa.model.entity.ResourceHistoryTable;
import ca.uhn.fhir.jpa.model.entity.ResourceTable;
import ca.uhn.fhir.jpa.partition.IPartitionLookupSvc;
import ca.uhn.fhir.jpa.search.BatchResourceLoader;
import ca.uhn.fhir.util.IMetaTagSorter;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.springframework.beans.factory.support.BeanDefinitionRegistryPostProcessor;

/**
 * HAPI's building of search results and includes from their version rows, through {@link ParsedResources}: kept
 * versions are copied, the others built by HAPI in one batch as before. The tags are read once and HAPI builds
 * from the very tags the keys were made of: read twice, a label removed in between could be kept under a key
 * that still names it. They are read as plain rows ({@link StoredTags}) where the storage mode allows.
 */
final class CachingBatchResourceLoader extends BatchResourceLoader {

    /** The name of HAPI's bean ({@code SearchConfig#batchResourceLoader}) this class stands in for. */
    static final String BEAN_NAME = "batchResourceLoader";

    private final ParsedResources parsed;
    private final TagsReadOnce tags;
    private final StoredTags storedTags;

    CachingBatchResourceLoader(ParsedResources parsed, FhirContext context, IResourceMetadataExtractorSvc metadata,
            IJpaStorageResourceParser parser, ExternallyStoredResourceServiceRegistry externalStores, IMetaTagSorter sorter,
            PartitionSettings partitions, IPartitionLookupSvc partitionLookup, StoredTags storedTags) {
        this(parsed, new TagsReadOnce(metadata), storedTags, context, parser, externalStores,
                sorter, partitions, partitionLookup);
    }

    private CachingBatchResourceLoader(ParsedResources parsed, TagsReadOnce tags, StoredTags storedTags, FhirContext context,
            IJpaStorageResourceParser parser, ExternallyStoredResourceServiceRegistry externalStores, IMetaTagSorter sorter,
            PartitionSettings partitions, IPartitionLookupSvc partitionLookup) {
        super(context, tags, parser, externalStores, sorter, partitions, partitionLookup);
        this.parsed = parsed;
        this.tags = tags;
        this.storedTags = storedTags;
    }

    static BeanDefinitionRegistryPostProcessor replacingHapisBean() {
        return HapiBeanReplacement.replacing(BEAN_NAME, CachingBatchResourceLoader.class,
                "check how this HAPI version builds search results from version rows (BatchResourceLoader)");
    }

    @Override
    public List<ResourceLoadResult> loadResources(List<ResourceHistoryTable> versions, boolean forHistory) {
        Map<JpaPid, Collection<BaseTag>> read = storedTags.applies() ? storedTags.of(versions) : tags.delegate.getTagsBatch(versions);
        List<ResourceLoadResult> loaded = new ArrayList<>(versions.size());
        List<ResourceHistoryTable> toBuild = new ArrayList<>();
        Map<JpaPid, ParsedResources.Key> keys = new HashMap<>();
        for (ResourceHistoryTable version : versions) {
            ParsedResources.Key key = parsed.keyOf(version, version, read.get(version.getPersistentId()), forHistory);
            IBaseResource kept = parsed.find(key, version);
            if (kept != null) {
                loaded.add(new ResourceLoadResult(version.getPersistentId(), kept, false));
            } else {
                toBuild.add(version);
                if (keys.containsKey(version.getPersistentId())) {
                    // Two versions of one resource: the results name only the resource, so neither is kept.
                    keys.put(version.getPersistentId(), null);
                } else {
                    keys.put(version.getPersistentId(), key);
                }
            }
        }
        if (!toBuild.isEmpty()) {
            tags.read.set(read);
            try {
                for (ResourceLoadResult built : super.loadResources(toBuild, forHistory)) {
                    if (!built.isDeleted()) {
                        parsed.keep(keys.get(built.pid()), built.resource());
                    }
                    loaded.add(built);
                }
            } finally {
                tags.read.remove();
            }
        }
        if (!forHistory) {
            loaded.stream().filter(r -> !r.isDeleted()).forEach(r -> noteTags(r, read.get(r.pid())));
        }
        return loaded;
    }

    /** The tags a current version was built with, for a page that may take it later ({@link LoadedMatches}). */
    private static void noteTags(ResourceLoadResult result, Collection<BaseTag> tags) {
        Set<Long> definitions = new HashSet<>();
        for (BaseTag tag : tags == null ? List.<BaseTag>of() : tags) {
            if (tag.getTag() == null || tag.getTag().getId() == null) {
                return; // not comparable with what is stored: such a resource is not taken by a page
            }
            definitions.add(tag.getTag().getId());
        }
        LoadedMatches.builtWithTags(result.resource(), definitions);
    }

    /** HAPI's tag reading, except that the batch being built gets the tags this loader already read for it. */
    private static final class TagsReadOnce implements IResourceMetadataExtractorSvc {
        private final IResourceMetadataExtractorSvc delegate;
        private final ThreadLocal<Map<JpaPid, Collection<BaseTag>>> read = new ThreadLocal<>();

        TagsReadOnce(IResourceMetadataExtractorSvc delegate) {
            this.delegate = delegate;
        }

        @Override
        public Map<JpaPid, Collection<BaseTag>> getTagsBatch(Collection<ResourceHistoryTable> versions) {
            Map<JpaPid, Collection<BaseTag>> already = read.get();
            return already != null ? already : delegate.getTagsBatch(versions);
        }

        @Override
        public Collection<? extends BaseTag> getTags(ResourceHistoryTable version) {
            return delegate.getTags(version);
        }

        @Override
        public Collection<? extends BaseTag> getTags(ResourceTable resource) {
            return delegate.getTags(resource);
        }

        @Override
        public ProvenanceDetails getProvenanceDetails(ResourceHistoryTable version) {
            return delegate.getProvenanceDetails(version);
        }
    }
}
