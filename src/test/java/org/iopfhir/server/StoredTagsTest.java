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
import ca.uhn.fhir.jpa.model.entity.ResourceTable;
import ca.uhn.fhir.jpa.model.entity.ResourceTag;
import ca.uhn.fhir.jpa.model.entity.TagDefinition;
import ca.uhn.fhir.jpa.model.entity.TagTypeEnum;
import jakarta.persistence.EntityManager;
import jakarta.persistence.FlushModeType;
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
import org.hibernate.persister.entity.EntityPersister;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.transaction.support.TransactionSynchronizationManager;

/** Tags built from plain rows: keyed by resource, every column carried, a missing definition kept as missing. */
class StoredTagsTest {

    private final EntityManager entityManager = mock(EntityManager.class);
    @SuppressWarnings("unchecked")
    private final TypedQuery<Object[]> query = mock(TypedQuery.class);
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
        when(entityManager.createQuery(anyString(), eq(Object[].class))).thenReturn(query);
        when(query.setParameter(eq("ids"), any())).thenReturn(query);
        when(query.getResultList()).thenReturn(List.of());
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

    @Test
    void buildsEachResourcesTagsFromItsRows() {
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
        verify(query).setParameter(eq("ids"), eq(Set.of(1L, 2L)));
    }

    @Test
    void asksNothingWhenNoVersionHasTags() {
        assertThat(tags.of(List.of(version(1, false)))).isEmpty();
        verify(entityManager, never()).createQuery(anyString(), eq(Object[].class));
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
