package org.iopfhir.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.mockito.ArgumentMatchers.any;
import static org.mockito.ArgumentMatchers.anyBoolean;
import static org.mockito.ArgumentMatchers.anyLong;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.times;
import static org.mockito.Mockito.verify;
import static org.mockito.Mockito.when;

import ca.uhn.fhir.context.FhirVersionEnum;
import ca.uhn.fhir.jpa.api.config.JpaStorageSettings;
import ca.uhn.fhir.jpa.dao.IJpaStorageResourceParser;
import ca.uhn.fhir.jpa.dao.IResourceMetadataExtractorSvc;
import ca.uhn.fhir.jpa.esr.ExternallyStoredResourceServiceRegistry;
import ca.uhn.fhir.jpa.model.config.PartitionSettings;
import ca.uhn.fhir.jpa.model.dao.JpaPid;
import ca.uhn.fhir.jpa.model.entity.BaseTag;
import ca.uhn.fhir.jpa.model.entity.ResourceEncodingEnum;
import ca.uhn.fhir.jpa.model.entity.ResourceHistoryTable;
import ca.uhn.fhir.jpa.model.entity.ResourceHistoryTablePk;
import ca.uhn.fhir.jpa.partition.IPartitionLookupSvc;
import ca.uhn.fhir.jpa.search.BatchResourceLoader.ResourceLoadResult;
import ca.uhn.fhir.model.primitive.InstantDt;
import ca.uhn.fhir.util.IMetaTagSorter;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import jakarta.persistence.EntityManager;
import java.time.Duration;
import java.util.Collection;
import java.util.Date;
import java.util.List;
import java.util.Map;
import org.hl7.fhir.r4.model.Observation;
import org.iopfhir.testsupport.TestFhir;
import org.junit.jupiter.api.Test;
import org.springframework.util.unit.DataSize;

class CachingBatchResourceLoaderTest {

    private final IResourceMetadataExtractorSvc metadata = mock(IResourceMetadataExtractorSvc.class);
    private final IJpaStorageResourceParser hapi = mock(IJpaStorageResourceParser.class);
    private final CachingBatchResourceLoader loader = new CachingBatchResourceLoader(
            new ParsedResources(new IopServerProperties("", 20, 500, DataSize.ofMegabytes(64), List.of(), 3,
                    Duration.ofSeconds(30), DataSize.ofMegabytes(1), Duration.ofSeconds(5)), new SimpleMeterRegistry()),
            TestFhir.CONTEXT, metadata, hapi, mock(ExternallyStoredResourceServiceRegistry.class),
            mock(IMetaTagSorter.class), new PartitionSettings(), mock(IPartitionLookupSvc.class),
            new StoredTags(new JpaStorageSettings(), mock(EntityManager.class)));

    private static ResourceHistoryTable version(long row, String text) {
        ResourceHistoryTable version = mock(ResourceHistoryTable.class);
        ResourceHistoryTablePk id = mock(ResourceHistoryTablePk.class);
        when(id.getId()).thenReturn(row);
        when(version.getId()).thenReturn(id);
        when(version.getPersistentId()).thenReturn(JpaPid.fromId(row * 10));
        when(version.getResourceId()).thenReturn(JpaPid.fromId(row * 10));
        when(version.getEncoding()).thenReturn(ResourceEncodingEnum.JSON);
        when(version.getFhirVersion()).thenReturn(FhirVersionEnum.R4);
        when(version.getResourceType()).thenReturn("Observation");
        when(version.getResourceTextVc()).thenReturn(text);
        when(version.getUpdated()).thenReturn(new InstantDt(new Date(1_700_000_000_000L)));
        when(version.getVersion()).thenReturn(1L);
        return version;
    }

    @Test
    void aBatchReadsItsTagsOnceAndALaterLoadOfTheSameVersionIsACopy() {
        ResourceHistoryTable version = version(7, "{\"resourceType\":\"Observation\",\"status\":\"final\"}");
        Map<JpaPid, Collection<BaseTag>> none = Map.of();
        when(metadata.getTagsBatch(any())).thenReturn(none);
        when(metadata.getProvenanceDetails(any())).thenReturn(new IResourceMetadataExtractorSvc.ProvenanceDetails(null, null));

        List<ResourceLoadResult> first = loader.loadResources(List.of(version), false);
        verify(metadata, times(1)).getTagsBatch(any());
        List<ResourceLoadResult> second = loader.loadResources(List.of(version), false);

        assertThat(((Observation) second.get(0).resource()).getStatus()).isEqualTo(Observation.ObservationStatus.FINAL);
        assertThat(second.get(0).resource()).isNotSameAs(first.get(0).resource());
        assertThat(second.get(0).pid()).isEqualTo(JpaPid.fromId(70L));
        verify(metadata, times(2)).getTagsBatch(any());
    }

    @Test
    void twoVersionsOfOneResourceInOneBatchAreBuiltButNotKept() {
        ResourceHistoryTable one = version(7, "{\"resourceType\":\"Observation\",\"status\":\"preliminary\"}");
        ResourceHistoryTable two = version(8, "{\"resourceType\":\"Observation\",\"status\":\"final\"}");
        when(two.getPersistentId()).thenReturn(JpaPid.fromId(70L));
        when(metadata.getTagsBatch(any())).thenReturn(Map.of());
        when(metadata.getProvenanceDetails(any())).thenReturn(new IResourceMetadataExtractorSvc.ProvenanceDetails(null, null));

        assertThat(loader.loadResources(List.of(one, two), false)).hasSize(2);
        verify(hapi, times(2)).populateResourceMetadata(any(), anyBoolean(), any(), anyLong(), any());
        List<ResourceLoadResult> again = loader.loadResources(List.of(two), false);

        // The results name only the resource, so which result is which version cannot be told: built afresh.
        verify(hapi, times(3)).populateResourceMetadata(any(), anyBoolean(), any(), anyLong(), any());
        assertThat(((Observation) again.get(0).resource()).getStatus()).isEqualTo(Observation.ObservationStatus.FINAL);
    }
}
