package org.iopfhir.server;

import static org.assertj.core.api.Assertions.assertThat;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.jpa.model.dao.JpaPid;
import ca.uhn.fhir.rest.api.server.storage.TransactionDetails;
import jakarta.persistence.EntityManager;
import jakarta.persistence.FlushModeType;
import jakarta.persistence.Tuple;
import jakarta.persistence.TypedQuery;
import java.lang.reflect.Proxy;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.hl7.fhir.instance.model.api.IIdType;
import org.hl7.fhir.r4.model.Encounter;
import org.hl7.fhir.r4.model.IdType;
import org.hl7.fhir.r4.model.Observation;
import org.hl7.fhir.r4.model.Patient;
import org.hl7.fhir.r4.model.Reference;
import org.junit.jupiter.api.Test;

/** Which references of a write are looked up ahead of HAPI, and what HAPI is handed for them. */
class ReferenceTargetsTest {

    /** Stored resources by {@code Type/id}: their database ids, as the query would find them. */
    private final Map<String, Long> stored = new HashMap<>(Map.of("Patient/p1", 41L, "Encounter/e1", 42L));
    /** The targets looked up, in order. */
    private final List<String> queried = new ArrayList<>();
    private final List<Object> flushModes = new ArrayList<>();
    private final ReferenceTargets targets = new ReferenceTargets(FhirContext.forR4Cached(), entityManager());

    private EntityManager entityManager() {
        return (EntityManager) Proxy.newProxyInstance(getClass().getClassLoader(), new Class<?>[] {EntityManager.class},
                (proxy, method, args) -> {
                    assertThat(method.getName()).isEqualTo("createQuery");
                    assertThat(args[0]).isEqualTo(ReferenceTargets.QUERY);
                    return query();
                });
    }

    private TypedQuery<?> query() {
        Map<String, Object> parameters = new HashMap<>();
        return (TypedQuery<?>) Proxy.newProxyInstance(getClass().getClassLoader(), new Class<?>[] {TypedQuery.class},
                (proxy, method, args) -> switch (method.getName()) {
                    case "setParameter" -> {
                        parameters.put((String) args[0], args[1]);
                        yield proxy;
                    }
                    case "setFlushMode" -> {
                        flushModes.add(args[0]);
                        yield proxy;
                    }
                    case "getResultList" -> {
                        String target = parameters.get("type") + "/" + parameters.get("id");
                        queried.add(target);
                        Long pid = stored.get(target);
                        yield pid == null ? List.of() : List.of(row(JpaPid.fromId(pid), null));
                    }
                    default -> throw new UnsupportedOperationException(method.getName());
                });
    }

    private static Tuple row(Object... values) {
        return (Tuple) Proxy.newProxyInstance(ReferenceTargetsTest.class.getClassLoader(), new Class<?>[] {Tuple.class},
                (proxy, method, args) -> {
                    assertThat(method.getName()).isEqualTo("get");
                    return values[(Integer) args[0]];
                });
    }

    @Test
    void onlyStoredTargetsNamedByTypeAndIdAreLookedUp() {
        Observation result = new Observation();
        result.addContained(new Patient().setId("held"));
        result.setSubject(new Reference("Patient/p1/_history/3"));
        result.setEncounter(new Reference("Encounter/e1"));
        result.addPerformer(new Reference("#held"));
        result.addPerformer(new Reference("urn:uuid:8b1c43c6-6e5b-4b5e-9d2a-0f3f2c0c1a11"));
        result.addPerformer(new Reference("Practitioner?identifier=123"));
        result.addPerformer(new Reference("https://elsewhere.example/fhir/Practitioner/9"));
        result.addPerformer(new Reference("Nonsense/1"));
        result.addBasedOn(new Reference("CarePlan/known"));
        TransactionDetails details = new TransactionDetails();
        details.addResolvedResourceId(new IdType("CarePlan/known"), JpaPid.fromId(7L));

        assertThat(targets.targets(result, details)).extracting(IIdType::getValue)
                .containsExactly("Patient/p1", "Encounter/e1");
    }

    @Test
    void foundTargetsAreHandedToTheWriteAndMissingOnesLeftToHapi() {
        Observation result = new Observation();
        result.setSubject(new Reference("Patient/p1"));
        result.setEncounter(new Reference("Encounter/missing"));
        TransactionDetails details = new TransactionDetails();

        targets.created(result, details);

        assertThat(((JpaPid) details.getResolvedResourceId(new IdType("Patient/p1"))).getId()).isEqualTo(41L);
        assertThat(details.getResolvedResourceId(new IdType("Encounter/missing"))).isNull();
    }

    /**
     * A write's hook flushes nothing of the write; a server's own write (a Provenance) asks like HAPI, after the
     * transaction's pending rows are written, and learns which of its references exist.
     */
    @Test
    void aServerWriteFindsWhatExistsAfterPendingRowsAreWritten() {
        stored.put("Organization/program", 5L);
        TransactionDetails hooked = new TransactionDetails();
        targets.created(new Observation().setSubject(new Reference("Patient/missing")), hooked);
        assertThat(flushModes).containsExactly(FlushModeType.COMMIT);

        TransactionDetails details = new TransactionDetails();
        targets.resolveStored(List.of(new IdType("Organization/program"), new IdType("Practitioner/gone")), details);

        assertThat(flushModes).containsExactly(FlushModeType.COMMIT, FlushModeType.AUTO,
                FlushModeType.AUTO);
        assertThat(((JpaPid) details.getResolvedResourceId(new IdType("Organization/program"))).getId()).isEqualTo(5L);
        assertThat(details.getResolvedResourceId(new IdType("Practitioner/gone"))).isNull();
    }

    @Test
    void anUpdateLooksUpOnlyTargetsThePreviousVersionDidNotHave() {
        Observation previous = new Observation();
        previous.setSubject(new Reference("Patient/p1"));
        Observation updated = previous.copy();
        updated.setEncounter(new Reference("Encounter/e1"));
        TransactionDetails details = new TransactionDetails();

        targets.updated(previous, updated, details);

        assertThat(queried).containsExactly("Encounter/e1");
        assertThat(((JpaPid) details.getResolvedResourceId(new IdType("Encounter/e1"))).getId()).isEqualTo(42L);
    }

    @Test
    void aFhirTransactionIsLeftToHapi() {
        Encounter session = new Encounter();
        session.setSubject(new Reference("Patient/p1"));
        TransactionDetails details = new TransactionDetails();
        details.setFhirTransaction(true);

        targets.updated(null, session, details);

        assertThat(details.getResolvedResourceId(new IdType("Patient/p1"))).isNull();
    }
}
