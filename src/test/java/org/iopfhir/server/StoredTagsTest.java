package org.iopfhir.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.mockito.ArgumentMatchers.any;
import static org.mockito.ArgumentMatchers.anyString;
import static org.mockito.ArgumentMatchers.eq;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.never;
import static org.mockito.Mockito.verify;
import static org.mockito.Mockito.when;

import ca.uhn.fhir.jpa.api.config.JpaStorageSettings;
import ca.uhn.fhir.jpa.model.dao.JpaPid;
import ca.uhn.fhir.jpa.model.entity.BaseTag;
import ca.uhn.fhir.jpa.model.entity.ResourceHistoryTable;
import ca.uhn.fhir.jpa.model.entity.TagTypeEnum;
import jakarta.persistence.EntityManager;
import jakarta.persistence.TypedQuery;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Tags built from plain rows: keyed by resource, every column carried, a missing definition kept as missing. */
class StoredTagsTest {

    private final EntityManager entityManager = mock(EntityManager.class);
    @SuppressWarnings("unchecked")
    private final TypedQuery<Object[]> query = mock(TypedQuery.class);
    private final JpaStorageSettings settings = new JpaStorageSettings();
    private final StoredTags tags = new StoredTags(settings, entityManager);

    private static ResourceHistoryTable version(long resource, boolean hasTags) {
        ResourceHistoryTable version = mock(ResourceHistoryTable.class);
        when(version.isHasTags()).thenReturn(hasTags);
        when(version.getResourceId()).thenReturn(JpaPid.fromId(resource));
        return version;
    }

    @Test
    void appliesOnlyToNonVersionedTagStorage() {
        settings.setTagStorageMode(JpaStorageSettings.TagStorageModeEnum.VERSIONED);
        assertThat(tags.applies()).isFalse();
        settings.setTagStorageMode(JpaStorageSettings.TagStorageModeEnum.NON_VERSIONED);
        assertThat(tags.applies()).isTrue();
    }

    @Test
    void buildsEachResourcesTagsFromItsRows() {
        when(entityManager.createQuery(anyString(), eq(Object[].class))).thenReturn(query);
        when(query.setParameter(eq("ids"), any())).thenReturn(query);
        when(query.getResultList()).thenReturn(List.of(
                new Object[] {1L, 11L, TagTypeEnum.SECURITY_LABEL, "http://terminology.hl7.org/CodeSystem/v3-ActCode", "SUD",
                        "substance use disorder information sensitivity", null, null},
                new Object[] {1L, 12L, TagTypeEnum.TAG, "http://example.org/tags", "reviewed", "Reviewed", "2", Boolean.TRUE},
                new Object[] {2L, 13L, TagTypeEnum.PROFILE, "http://hl7.org/fhir/StructureDefinition/Profile",
                        "http://example.org/StructureDefinition/p", null, null, null},
                new Object[] {2L, null, null, null, null, null, null, null}));

        Map<JpaPid, Collection<BaseTag>> read = tags.of(List.of(version(1, true), version(2, true), version(3, false)));

        assertThat(read).containsOnlyKeys(JpaPid.fromId(1L), JpaPid.fromId(2L));
        assertThat(read.get(JpaPid.fromId(1L))).extracting(t -> t.getTag().getTagType() + " " + t.getTag().getCode() + " "
                        + t.getTag().getDisplay() + " " + t.getTag().getVersion() + " " + t.getTag().getUserSelected())
                .containsExactly("SECURITY_LABEL SUD substance use disorder information sensitivity null null",
                        "TAG reviewed Reviewed 2 true");
        assertThat(read.get(JpaPid.fromId(2L))).extracting(BaseTag::getTag).hasSize(2).containsNull();
        verify(query).setParameter(eq("ids"), eq(java.util.Set.of(1L, 2L)));
    }

    @Test
    void asksNothingWhenNoVersionHasTags() {
        assertThat(tags.of(List.of(version(1, false)))).isEmpty();
        verify(entityManager, never()).createQuery(anyString(), eq(Object[].class));
    }
}
