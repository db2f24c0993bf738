package org.iopfhir.server;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.jpa.dao.IJpaStorageResourceParser;
import ca.uhn.fhir.jpa.dao.IResourceMetadataExtractorSvc;
import ca.uhn.fhir.jpa.esr.ExternallyStoredResourceServiceRegistry;
import ca.uhn.fhir.jpa.model.config.PartitionSettings;
import ca.uhn.fhir.jpa.model.dao.JpaPid;
import ca.uhn.fhir.jpa.model.entity.BaseTag;
import ca.uhn.fhir.jpa.model.entity.ResourceHistoryTable;
import ca.uhn.fhir.jpa.partition.IPartitionLookupSvc;
import ca.uhn.fhir.jpa.search.BatchResourceLoader;
import ca.uhn.fhir.util.IMetaTagSorter;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.springframework.beans.factory.support.BeanDefinitionRegistryPostProcessor;

/**
 * HAPI's building of search results, includes and history pages from their version rows, through
 * {@link ParsedResources}: kept versions are copied, the others built by HAPI in one batch as before.
 */
final class CachingBatchResourceLoader extends BatchResourceLoader {

    /** The name of HAPI's bean ({@code SearchConfig#batchResourceLoader}) this class stands in for. */
    static final String BEAN_NAME = "batchResourceLoader";

    private final ParsedResources parsed;
    private final IResourceMetadataExtractorSvc metadata;

    CachingBatchResourceLoader(ParsedResources parsed, FhirContext context, IResourceMetadataExtractorSvc metadata,
            IJpaStorageResourceParser parser, ExternallyStoredResourceServiceRegistry externalStores, IMetaTagSorter sorter,
            PartitionSettings partitions, IPartitionLookupSvc partitionLookup) {
        super(context, metadata, parser, externalStores, sorter, partitions, partitionLookup);
        this.parsed = parsed;
        this.metadata = metadata;
    }

    static BeanDefinitionRegistryPostProcessor replacingHapisBean() {
        return HapiBeanReplacement.replacing(BEAN_NAME, CachingBatchResourceLoader.class,
                "check how this HAPI version builds search results from version rows (BatchResourceLoader)");
    }

    @Override
    public List<ResourceLoadResult> loadResources(List<ResourceHistoryTable> versions, boolean forHistory) {
        Map<JpaPid, Collection<BaseTag>> tags = metadata.getTagsBatch(versions);
        List<ResourceLoadResult> loaded = new ArrayList<>(versions.size());
        List<ResourceHistoryTable> toBuild = new ArrayList<>();
        Map<JpaPid, ParsedResources.Key> keys = new HashMap<>();
        for (ResourceHistoryTable version : versions) {
            ParsedResources.Key key = parsed.keyOf(version, version, tags.get(version.getPersistentId()), forHistory);
            IBaseResource kept = parsed.find(key);
            if (kept != null) {
                loaded.add(new ResourceLoadResult(version.getPersistentId(), kept, false));
            } else {
                toBuild.add(version);
                keys.put(version.getPersistentId(), key);
            }
        }
        if (!toBuild.isEmpty()) {
            for (ResourceLoadResult built : super.loadResources(toBuild, forHistory)) {
                if (!built.isDeleted()) {
                    parsed.keep(keys.get(built.pid()), built.resource());
                }
                loaded.add(built);
            }
        }
        return loaded;
    }
}
