package org.iopfhir.server;

import static org.assertj.core.api.Assertions.assertThat;

import ca.uhn.fhir.jpa.dao.IJpaStorageResourceParser;
import ca.uhn.fhir.jpa.model.entity.ResourceHistoryTable;
import ca.uhn.fhir.jpa.model.entity.ResourceTable;
import ca.uhn.fhir.jpa.model.entity.ResourceTag;
import ca.uhn.fhir.jpa.model.entity.TagDefinition;
import ca.uhn.fhir.jpa.model.entity.TagTypeEnum;
import ca.uhn.fhir.jpa.search.BatchResourceLoader;
import ca.uhn.fhir.rest.api.RestOperationTypeEnum;
import ca.uhn.fhir.rest.api.server.SystemRequestDetails;
import jakarta.persistence.EntityManager;
import jakarta.persistence.FlushModeType;
import java.util.List;
import java.util.Set;
import java.util.function.Consumer;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.hl7.fhir.r4.model.Coding;
import org.hl7.fhir.r4.model.IdType;
import org.hl7.fhir.r4.model.Observation;
import org.iopfhir.testsupport.SecuredServerTest;
import org.iopfhir.testsupport.TestTokens;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * A batch of stored resources, or one resource read, built in a transaction that changed their tags and has not
 * written the change yet shows the change, as Hibernate's flush before the tag query would make it: the tag query
 * skips that flush only when the session cannot hold such a change ({@link StoredTags}). The search reuse check sees
 * such a change too. Tags and security labels are the same rows, and labels decide disclosure.
 */
class UnwrittenTagsIT extends SecuredServerTest {

    private static final String TAGS = "http://example.org/fhir/review-state";

    @Autowired
    private EntityManager entityManager;
    @Autowired
    private PlatformTransactionManager transactions;
    @Autowired
    private BatchResourceLoader loader;
    @Autowired
    private IJpaStorageResourceParser parser;

    @Test
    void aTagRemovedThroughItsResourcesCollectionIsGoneFromTheBatch() {
        IdType id = stored("draft", "checked");

        List<String> shown = inRolledBackTransaction(resource ->
                resource.getTags().removeIf(tag -> tag.getTag().getCode().equals("draft")), id);

        assertThat(shown).containsExactly("checked");
    }

    @Test
    void aTagPersistedOnItsOwnIsInTheBatch() {
        stored("signed");
        IdType id = stored("checked");
        Long signed = definitionId("signed");

        List<String> shown = inRolledBackTransaction(resource -> entityManager.persist(new ResourceTag(resource,
                entityManager.getReference(TagDefinition.class, signed), resource.getPartitionId())), id);

        assertThat(shown).containsExactlyInAnyOrder("checked", "signed");
    }

    /** A client's read builds one resource from its row; its tags are read as rows too, when Hibernate does not hold them. */
    @Test
    void aReadShowsTheSameUnwrittenChanges() {
        IdType twoStates = stored("draft", "checked");
        assertThat(readInRolledBackTransaction(resource ->
                resource.getTags().removeIf(tag -> tag.getTag().getCode().equals("draft")), twoStates))
                .containsExactly("checked");

        stored("signed");
        IdType checked = stored("checked");
        Long signed = definitionId("signed");
        assertThat(readInRolledBackTransaction(resource -> entityManager.persist(new ResourceTag(resource,
                entityManager.getReference(TagDefinition.class, signed), resource.getPartitionId())), checked))
                .containsExactlyInAnyOrder("checked", "signed");

        // A definition new to this transaction, and so to the cache of definitions.
        assertThat(readInRolledBackTransaction(resource -> {
            TagDefinition approved = new TagDefinition(TagTypeEnum.TAG, TAGS, "approved", null);
            entityManager.persist(approved);
            entityManager.persist(new ResourceTag(resource, approved, resource.getPartitionId()));
        }, checked)).containsExactlyInAnyOrder("checked", "approved");

        // A tag removed on its own, its resource's collection never loaded.
        Long checkedTag = definitionId("checked");
        assertThat(readInRolledBackTransaction(resource -> entityManager.remove(tagOf(resource, checkedTag)), checked))
                .isEmpty();

        assertThat(readInRolledBackTransaction(resource -> { }, checked)).as("all rolled back").containsExactly("checked");
    }

    /**
     * A search page checks that the matches its consent check loaded are still stored as they were (version, tag
     * definitions): that check sees what its transaction changed and has not written yet.
     */
    @Test
    void theSearchReuseCheckSeesUnwrittenTagChanges() {
        stored("signed");
        IdType id = stored("checked");
        Long signed = definitionId("signed");
        Long checked = definitionId("checked");

        assertThat(reuseCheckInRolledBackTransaction(resource -> entityManager.persist(new ResourceTag(resource,
                entityManager.getReference(TagDefinition.class, signed), resource.getPartitionId())), id))
                .containsExactlyInAnyOrder(signed, checked);
        assertThat(reuseCheckInRolledBackTransaction(resource -> entityManager.remove(tagOf(resource, checked)), id))
                .isEmpty();
        assertThat(reuseCheckInRolledBackTransaction(resource -> { }, id)).containsExactly(checked);
    }

    /** An Observation with these review-state tags, stored by the privacy officer. */
    private IdType stored(String... states) {
        Observation observation = new Observation();
        observation.setStatus(Observation.ObservationStatus.FINAL);
        observation.getCode().setText("Urine drug screen");
        for (String state : states) {
            observation.getMeta().addTag(new Coding(TAGS, state, null));
        }
        String officer = TestTokens.token().role("privacy-officer").scope("user/*.cruds").sign();
        return (IdType) client(officer).create().resource(observation).execute().getId().toUnqualifiedVersionless();
    }

    private Long definitionId(String code) {
        return new TransactionTemplate(transactions).execute(status -> entityManager.createQuery(
                        "SELECT d.myId FROM TagDefinition d WHERE d.mySystem = :system AND d.myCode = :code", Long.class)
                .setParameter("system", TAGS).setParameter("code", code).getSingleResult());
    }

    /**
     * In one transaction, rolled back: the change to the stored resource, then its current version built by the
     * batch loader (the version read without a flush, so that only the loader's own query could write the change);
     * the review-state tags it is built with.
     */
    private List<String> inRolledBackTransaction(Consumer<ResourceTable> change, IdType id) {
        return new TransactionTemplate(transactions).execute(status -> {
            status.setRollbackOnly();
            ResourceTable resource = storedResource(id);
            change.accept(resource);
            List<ResourceHistoryTable> versions = entityManager.createQuery(
                            "SELECT h FROM ResourceHistoryTable h WHERE h.myResourceId = :pid AND h.myResourceVersion = :version",
                            ResourceHistoryTable.class)
                    .setParameter("pid", resource.getId().getId()).setParameter("version", resource.getVersion())
                    .setFlushMode(FlushModeType.COMMIT).getResultList();
            IBaseResource built = loader.loadResources(versions, false).get(0).resource();
            return states(built);
        });
    }

    /** The same for a read: in one rolled-back transaction, the change, then the resource built from its row. */
    private List<String> readInRolledBackTransaction(Consumer<ResourceTable> change, IdType id) {
        return new TransactionTemplate(transactions).execute(status -> {
            status.setRollbackOnly();
            ResourceTable resource = storedResource(id);
            change.accept(resource);
            SystemRequestDetails read = new SystemRequestDetails();
            read.setRestOperationType(RestOperationTypeEnum.READ);
            return states(parser.toResource(read, Observation.class, resource, null, false));
        });
    }

    /** The same for the search reuse check: the tag definition ids it finds for the resource. */
    private Set<Long> reuseCheckInRolledBackTransaction(Consumer<ResourceTable> change, IdType id) {
        return new TransactionTemplate(transactions).execute(status -> {
            status.setRollbackOnly();
            ResourceTable resource = storedResource(id);
            change.accept(resource);
            Long pid = resource.getId().getId();
            return ReusingSearchBuilder.stored(entityManager, Set.of(pid)).get(pid).tags();
        });
    }

    /** The stored tag row of this resource with this definition, without loading the resource's tag collection. */
    private ResourceTag tagOf(ResourceTable resource, Long definition) {
        return entityManager.createQuery("SELECT t FROM ResourceTag t WHERE t.myResourceId = :resource AND t.myTagId = :tag",
                        ResourceTag.class)
                .setParameter("resource", resource.getId().getId()).setParameter("tag", definition).getSingleResult();
    }

    private ResourceTable storedResource(IdType id) {
        return entityManager.createQuery(
                        "SELECT r FROM ResourceTable r WHERE r.myResourceType = :type AND r.myFhirId = :id", ResourceTable.class)
                .setParameter("type", "Observation").setParameter("id", id.getIdPart()).getSingleResult();
    }

    private static List<String> states(IBaseResource built) {
        return built.getMeta().getTag().stream().filter(t -> TAGS.equals(t.getSystem())).map(t -> t.getCode()).toList();
    }
}
