package org.iopfhir.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.mockito.ArgumentMatchers.any;
import static org.mockito.ArgumentMatchers.anyString;
import static org.mockito.ArgumentMatchers.eq;
import static org.mockito.ArgumentMatchers.startsWith;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.never;
import static org.mockito.Mockito.times;
import static org.mockito.Mockito.verify;
import static org.mockito.Mockito.when;

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
import jakarta.persistence.Query;
import jakarta.persistence.TypedQuery;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.hibernate.collection.spi.PersistentSet;
import org.hibernate.engine.spi.ActionQueue;
import org.hibernate.engine.spi.EntityEntry;
import org.hibernate.engine.spi.PersistenceContext;
import org.hibernate.engine.spi.SessionFactoryImplementor;
import org.hibernate.engine.spi.SessionImplementor;
import org.hibernate.metamodel.spi.MappingMetamodelImplementor;
import org.hibernate.query.NativeQuery;
import org.hibernate.persister.entity.EntityPersister;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.mockito.ArgumentCaptor;
import org.springframework.transaction.support.TransactionSynchronizationManager;

/**
 * Tags built from plain rows: keyed by resource, every column carried, definitions read once, a missing definition
 * kept as missing.
 */
class StoredTagsTest {

    private final EntityManager entityManager = mock(EntityManager.class);
    /** The query of tag rows: SQL, the resource ids bound as one array. */
    @SuppressWarnings("rawtypes")
    private final NativeQuery query = mock(NativeQuery.class);
    @SuppressWarnings("unchecked")
    private final TypedQuery<Object[]> definitionQuery = mock(TypedQuery.class);
    private final JpaStorageSettings settings = new JpaStorageSettings();
    private final StoredTags tags = new StoredTags(settings, entityManager);
    private final SessionImplementor session = mock(SessionImplementor.class);
    private final ActionQueue actions = mock(ActionQueue.class);
    private final PersistenceContext persistenceContext = mock(PersistenceContext.class);

    @BeforeEach
    void aTransactionWhoseSessionManagesNothing() {
        TransactionSynchronizationManager.setActualTransactionActive(true);
        when(entityManager.unwrap(SessionImplementor.class)).thenReturn(session);
        when(session.getActionQueue()).thenReturn(actions);
        when(session.getPersistenceContextInternal()).thenReturn(persistenceContext);
        SessionFactoryImplementor factory = mock(SessionFactoryImplementor.class);
        MappingMetamodelImplementor metamodel = mock(MappingMetamodelImplementor.class);
        when(session.getFactory()).thenReturn(factory);
        when(factory.getMappingMetamodel()).thenReturn(metamodel);
        EntityPersister tags = mock(EntityPersister.class);
        when(tags.getQuerySpaces()).thenReturn(new String[] {"HFJ_RES_TAG"});
        EntityPersister definitions = mock(EntityPersister.class);
        when(definitions.getQuerySpaces()).thenReturn(new String[] {"HFJ_TAG_DEF"});
        when(metamodel.getEntityDescriptor(ResourceTag.class)).thenReturn(tags);
        when(metamodel.getEntityDescriptor(TagDefinition.class)).thenReturn(definitions);
        managed();
        Query untyped = mock(Query.class);
        when(entityManager.createNativeQuery(startsWith("SELECT RES_ID, TAG_ID FROM HFJ_RES_TAG"))).thenReturn(untyped);
        when(untyped.unwrap(NativeQuery.class)).thenReturn(query);
        when(query.setParameter(eq("ids"), any())).thenReturn(query);
        when(query.getResultList()).thenReturn(List.of());
        when(entityManager.createQuery(startsWith("SELECT d."), eq(Object[].class))).thenReturn(definitionQuery);
        when(definitionQuery.setParameter(eq("ids"), any())).thenReturn(definitionQuery);
        when(definitionQuery.getResultList()).thenReturn(List.of());
    }

    @AfterEach
    void noTransaction() {
        TransactionSynchronizationManager.setActualTransactionActive(false);
    }

    @SuppressWarnings("unchecked")
    private void managed(Object... entities) {
        Map.Entry<Object, EntityEntry>[] entries = new Map.Entry[entities.length];
        for (int i = 0; i < entities.length; i++) {
            entries[i] = Map.entry(entities[i], mock(EntityEntry.class));
        }
        when(persistenceContext.reentrantSafeEntityEntries()).thenReturn(entries);
    }

    /** A resource as Hibernate loads it: its tag collection Hibernate's, changed or not. */
    @SuppressWarnings("unchecked")
    private static ResourceTable resource(long id, boolean tagsChanged) {
        ResourceTable resource = mock(ResourceTable.class);
        when(resource.getId()).thenReturn(JpaPid.fromId(id));
        PersistentSet<ResourceTag> tags = mock(PersistentSet.class);
        when(tags.isDirty()).thenReturn(tagsChanged);
        when(resource.getTags()).thenReturn(tags);
        return resource;
    }

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

    private void storedDefinitions() {
        when(definitionQuery.getResultList()).thenReturn(List.of(
                new Object[] {11L, TagTypeEnum.SECURITY_LABEL, "http://terminology.hl7.org/CodeSystem/v3-ActCode", "SUD",
                        "substance use disorder information sensitivity", null, null},
                new Object[] {12L, TagTypeEnum.TAG, "http://example.org/tags", "reviewed", "Reviewed", "2", Boolean.TRUE},
                new Object[] {13L, TagTypeEnum.PROFILE, "http://hl7.org/fhir/StructureDefinition/Profile",
                        "http://example.org/StructureDefinition/p", null, null, null}));
    }

    /** The resource ids the tag query was given: one array. */
    private Long[] resourceIdsBound() {
        ArgumentCaptor<Object> bound = ArgumentCaptor.forClass(Object.class);
        verify(query).setParameter(eq("ids"), bound.capture());
        return (Long[]) bound.getValue();
    }

    @Test
    void buildsEachResourcesTagsFromItsRows() {
        when(query.getResultList()).thenReturn(List.of(new Object[] {1L, 11L}, new Object[] {1L, 12L},
                new Object[] {2L, 13L}, new Object[] {2L, 99L}));
        storedDefinitions(); // 99 is gone

        Map<JpaPid, Collection<BaseTag>> read = tags.of(List.of(version(1, true), version(2, true), version(3, false)));

        assertThat(read).containsOnlyKeys(JpaPid.fromId(1L), JpaPid.fromId(2L));
        assertThat(read.get(JpaPid.fromId(1L))).extracting(t -> t.getTag().getId() + " " + t.getTag().getTagType() + " "
                        + t.getTag().getCode() + " " + t.getTag().getDisplay() + " " + t.getTag().getVersion() + " "
                        + t.getTag().getUserSelected())
                .containsExactly("11 SECURITY_LABEL SUD substance use disorder information sensitivity null null",
                        "12 TAG reviewed Reviewed 2 true");
        assertThat(read.get(JpaPid.fromId(2L))).extracting(BaseTag::getTag).hasSize(2).containsNull();
        assertThat(resourceIdsBound()).containsExactlyInAnyOrder(1L, 2L);
        verify(query).addSynchronizedEntityClass(ResourceTag.class);
        verify(definitionQuery).setParameter(eq("ids"), eq(Set.of(11L, 12L, 13L, 99L)));
    }

    @Test
    void readsOnlyTheDefinitionsItHasNotReadBefore() {
        when(query.getResultList()).thenReturn(List.<Object[]>of(new Object[] {1L, 11L}));
        when(definitionQuery.getResultList()).thenReturn(List.<Object[]>of(new Object[] {11L, TagTypeEnum.SECURITY_LABEL,
                "http://terminology.hl7.org/CodeSystem/v3-ActCode", "SUD", null, null, null}));
        tags.of(List.of(version(1, true)));
        when(query.getResultList()).thenReturn(List.of(new Object[] {1L, 11L}, new Object[] {2L, 12L}));
        when(definitionQuery.getResultList()).thenReturn(List.<Object[]>of(
                new Object[] {12L, TagTypeEnum.TAG, "http://example.org/tags", "reviewed", "Reviewed", "2", Boolean.TRUE}));

        Map<JpaPid, Collection<BaseTag>> read = tags.of(List.of(version(1, true), version(2, true)));

        verify(definitionQuery).setParameter(eq("ids"), eq(Set.of(11L))); // the first time
        verify(definitionQuery).setParameter(eq("ids"), eq(Set.of(12L))); // 11 known
        assertThat(read.get(JpaPid.fromId(1L))).extracting(t -> t.getTag().getCode()).containsExactly("SUD");
        assertThat(read.get(JpaPid.fromId(2L))).extracting(t -> t.getTag().getCode()).containsExactly("reviewed");
        // Each tag gets its own definition entity, never one another tag holds.
        assertThat(read.get(JpaPid.fromId(1L)).iterator().next().getTag())
                .isNotSameAs(tags.of(List.of(version(1, true))).get(JpaPid.fromId(1L)).iterator().next().getTag());
    }

    @Test
    void aDefinitionThatWasGoneIsAskedForAgain() {
        when(query.getResultList()).thenReturn(List.<Object[]>of(new Object[] {1L, 99L}));
        tags.of(List.of(version(1, true)));
        tags.of(List.of(version(1, true)));

        verify(definitionQuery, times(2)).setParameter(eq("ids"), eq(Set.of(99L)));
    }

    @Test
    void aReadTakesTheTagsHibernateHoldsOrReadsTheRows() {
        ResourceTable untagged = mock(ResourceTable.class);
        assertThat(tags.of(untagged)).isEmpty();
        verify(entityManager, never()).createNativeQuery(anyString());

        ResourceTable held = resource(1, false);
        when(held.isHasTags()).thenReturn(true);
        when(((PersistentSet<?>) held.getTags()).wasInitialized()).thenReturn(true);
        assertThat(tags.of(held)).isSameAs(held.getTags());
        verify(entityManager, never()).createNativeQuery(anyString());

        ResourceTable created = mock(ResourceTable.class);
        when(created.isHasTags()).thenReturn(true);
        Set<ResourceTag> inMemory = new HashSet<>();
        when(created.getTags()).thenReturn(inMemory);
        assertThat(tags.of(created)).isSameAs(inMemory);

        ResourceTable stored = resource(2, false);
        when(stored.isHasTags()).thenReturn(true);
        when(query.getResultList()).thenReturn(List.<Object[]>of(new Object[] {2L, 12L}));
        storedDefinitions();
        assertThat(tags.of(stored)).extracting(t -> t.getTag().getCode()).containsExactly("reviewed");
        assertThat(resourceIdsBound()).containsExactly(2L);
        verify(query).setFlushMode(FlushModeType.COMMIT);
    }

    @Test
    void asksNothingWhenNoVersionHasTags() {
        assertThat(tags.of(List.of(version(1, false)))).isEmpty();
        verify(entityManager, never()).createNativeQuery(anyString());
    }

    @Test
    void skipsTheFlushWhenTheSessionCannotHoldUnwrittenTagsOfTheBatch() {
        managed(resource(1, false), resource(7, true)); // resource 7's tag changes are not read here

        tags.of(List.of(version(1, true), version(2, true)));

        verify(query).setFlushMode(FlushModeType.COMMIT);
    }

    @Test
    void flushesFirstWhenTheTagsOfAResourceOfTheBatchWereChanged() {
        managed(resource(1, false), resource(2, true)); // a tag added to its collection is written only by the flush

        tags.of(List.of(version(1, true), version(2, true)));

        verify(query, never()).setFlushMode(any());
    }

    @Test
    void flushesFirstWhenAResourceOfTheBatchHasTagsHibernateHasNotTakenYet() {
        ResourceTable created = mock(ResourceTable.class);
        when(created.getId()).thenReturn(JpaPid.fromId(2L));
        when(created.getTags()).thenReturn(new HashSet<>());
        managed(created);

        tags.of(List.of(version(1, true), version(2, true)));

        verify(query, never()).setFlushMode(any());
    }

    @Test
    void flushesFirstWhenAnInsertOrDeleteOfTagsIsQueued() {
        when(actions.areTablesToBeUpdated(Set.of("HFJ_RES_TAG", "HFJ_TAG_DEF"))).thenReturn(true);

        tags.of(List.of(version(1, true)));

        verify(query, never()).setFlushMode(any());
    }

    @Test
    void flushesFirstWhenATagOfTheBatchOrAnyTagDefinitionIsManaged() {
        ResourceTag tag = new ResourceTag();
        tag.setResourceId(2L);
        managed(tag);
        tags.of(List.of(version(1, true), version(2, true)));
        managed(new TagDefinition(TagTypeEnum.SECURITY_LABEL, "http://terminology.hl7.org/CodeSystem/v3-ActCode", "SUD", null));
        tags.of(List.of(version(1, true)));

        verify(query, never()).setFlushMode(any());
    }

    @Test
    void outsideATransactionDecidesNothing() {
        TransactionSynchronizationManager.setActualTransactionActive(false);

        tags.of(List.of(version(1, true)));

        verify(entityManager, never()).unwrap(any());
        verify(query, never()).setFlushMode(any());
    }
}
