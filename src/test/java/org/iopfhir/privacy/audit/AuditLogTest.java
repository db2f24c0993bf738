package org.iopfhir.privacy.audit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ca.uhn.fhir.context.FhirContext;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import org.h2.jdbcx.JdbcDataSource;
import org.hl7.fhir.r4.model.AuditEvent;
import org.hl7.fhir.r4.model.AuditEvent.AuditEventAction;
import org.hl7.fhir.r4.model.AuditEvent.AuditEventOutcome;
import org.hl7.fhir.r4.model.Coding;
import org.hl7.fhir.r4.model.Identifier;
import org.hl7.fhir.r4.model.Reference;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The trail's tables: what is stored comes back as it was, and each criterion finds exactly its events. */
class AuditLogTest {

    private static final FhirContext FHIR = FhirContext.forR4Cached();
    private static final Instant T0 = Instant.parse("2026-03-01T10:00:00Z");
    private AuditLog log;
    private JdbcDataSource dataSource;

    @BeforeEach
    void emptyDatabase() {
        dataSource = new JdbcDataSource();
        dataSource.setURL("jdbc:h2:mem:audit-" + UUID.randomUUID() + ";DB_CLOSE_DELAY=-1");
        log = new AuditLog(dataSource, FHIR);
        log.createSchema();
        log.createSchema(); // a second start finds the tables there
    }

    private static AuditEvent event(int minute, String client, Interaction interaction, int status, String... patients) {
        AuditEvent event = new AuditEvent();
        event.addSubtype(new Coding(AuditEventFactory.INTERACTION, interaction.code(), null));
        event.setAction(interaction.action());
        event.setRecorded(Date.from(T0.plusSeconds(60L * minute)));
        event.setOutcome(AuditEventFactory.outcome(status));
        event.addAgent().setRequestor(true).setAltId(client);
        for (String patient : patients) {
            event.addEntity().setWhat(new Reference(patient)).setRole(new Coding(null, "1", null));
        }
        return event;
    }

    private List<String> clientsFound(AuditQuery query) {
        return log.search(query, 0, 100).stream().map(e -> e.getAgentFirstRep().getAltId()).toList();
    }

    @Test
    void anEventComesBackAsStoredWithAnIdAndOneVersion() {
        AuditEvent stored = event(0, "a", Interaction.READ, 200, "Patient/p1");
        stored.setOutcomeDesc("HTTP 200");
        log.store(List.of(stored));

        AuditEvent found = log.search(new AuditQuery(), 0, 10).get(0);

        assertThat(found.getIdElement().getIdPart()).isNotBlank();
        assertThat(found.getIdElement().getVersionIdPart()).isEqualTo("1");
        assertThat(found.getMeta().getLastUpdated()).isEqualTo(Date.from(T0));
        found.setId((String) null);
        found.setMeta(null);
        assertThat(found.equalsDeep(stored)).isTrue();
    }

    /**
     * The row's JSON is written by the FHIR core library's composer: it must be exactly what HAPI's parser writes
     * (rows written before, and HAPI reading them back), for every kind of element an event carries.
     */
    @Test
    void anEventIsStoredAsTheJsonHapiWouldWrite() {
        AuditEvent event = event(0, "client-\u00e9", Interaction.SEARCH_TYPE, 200, "Patient/p1");
        event.getText().setStatus(org.hl7.fhir.r4.model.Narrative.NarrativeStatus.GENERATED)
                .setDivAsString("<div xmlns=\"http://www.w3.org/1999/xhtml\">search &amp; read</div>");
        event.addExtension("http://example.org/x", new org.hl7.fhir.r4.model.BooleanType(true));
        event.setType(new Coding("http://terminology.hl7.org/CodeSystem/audit-event-type", "rest", "RESTful Operation"));
        event.getAgentFirstRep().addPurposeOfUse().addCoding(new Coding("http://terminology.hl7.org/CodeSystem/v3-ActReason",
                "TREAT", null));
        event.getAgentFirstRep().getNetwork().setAddress("10.0.0.1").setType(AuditEvent.AuditEventAgentNetworkType._2);
        event.getSource().setObserver(new Reference().setDisplay("iop")).addType(new Coding(null, "4", null));
        for (int i = 0; i < 40; i++) {
            event.addEntity().setWhat(new Reference().setIdentifier(new Identifier().setSystem("urn:ietf:rfc:3986")
                            .setValue("Encounter/" + i)).setDisplay("Encounter/" + i))
                    .setLifecycle(new Coding("http://terminology.hl7.org/CodeSystem/dicom-audit-lifecycle", "11", "Disclosure"));
        }
        event.addEntity().setQuery("subject=Patient/p1&_count=50".getBytes(java.nio.charset.StandardCharsets.UTF_8));
        log.store(List.of(event));

        String stored = new org.springframework.jdbc.core.JdbcTemplate(dataSource)
                .queryForObject("SELECT RESOURCE_JSON FROM " + AuditLog.EVENTS, String.class);
        assertThat(stored).isEqualTo(FHIR.newJsonParser().encodeResourceToString(event));
        AuditEvent found = log.search(new AuditQuery(), 0, 10).get(0);
        found.setId((String) null);
        found.setMeta(null);
        assertThat(found.equalsDeep(event)).isTrue();
    }

    @Test
    void readFindsAnEventByItsIdOnly() {
        log.store(List.of(event(0, "a", Interaction.READ, 200)));
        String id = log.search(new AuditQuery(), 0, 1).get(0).getIdElement().getIdPart();

        assertThat(log.read(id)).hasValueSatisfying(e -> assertThat(e.getAgentFirstRep().getAltId()).isEqualTo("a"));
        assertThat(log.read("no-such-event")).isEmpty();
    }

    @Test
    void eachCriterionFindsItsEvents() {
        log.store(List.of(
                event(0, "a", Interaction.READ, 200, "Patient/p1"),
                event(1, "b", Interaction.SEARCH_TYPE, 200, "Patient/p1", "Patient/p2"),
                event(2, "c", Interaction.CREATE, 403),
                event(3, "d", Interaction.DELETE, 500, "Patient/p2")));

        assertThat(clientsFound(new AuditQuery().patients(Set.of("Patient/p1")))).containsExactly("a", "b");
        assertThat(clientsFound(new AuditQuery().patients(Set.of("Patient/p1", "Patient/p2")))).containsExactly("a", "b", "d");
        assertThat(clientsFound(new AuditQuery().patients(Set.of("Patient/p1")).patients(Set.of("Patient/p2"))))
                .containsExactly("b");
        assertThat(clientsFound(new AuditQuery().clients(Set.of("c", "d")))).containsExactly("c", "d");
        assertThat(clientsFound(new AuditQuery().actions(Set.of(AuditEventAction.E.toCode())))).containsExactly("b");
        assertThat(clientsFound(new AuditQuery().subtypes(Set.of("delete")))).containsExactly("d");
        assertThat(clientsFound(new AuditQuery().outcomes(Set.of(AuditEventOutcome._4.toCode())))).containsExactly("c");
        assertThat(clientsFound(new AuditQuery().recordedFrom(T0.plusSeconds(60).toEpochMilli())
                .recordedTo(T0.plusSeconds(120).toEpochMilli()))).containsExactly("b", "c");
        assertThat(clientsFound(new AuditQuery().clients(Set.of()))).isEmpty();
        assertThat(clientsFound(new AuditQuery().newestFirst())).containsExactly("d", "c", "b", "a");
        assertThat(log.count(new AuditQuery().patients(Set.of("Patient/p2")))).isEqualTo(2);
    }

    @Test
    void pagesFollowEachOtherWithoutGapOrOverlapAlsoAtTheSameInstant() {
        List<AuditEvent> events = new java.util.ArrayList<>();
        for (int i = 0; i < 7; i++) {
            events.add(event(0, "client-" + i, Interaction.READ, 200));
        }
        log.store(events);

        List<String> pages = new java.util.ArrayList<>();
        for (int offset = 0; offset < 7; offset += 3) {
            log.search(new AuditQuery(), offset, 3).forEach(e -> pages.add(e.getIdElement().getIdPart()));
        }

        assertThat(pages).hasSize(7).doesNotHaveDuplicates();
    }

    @Test
    void aPatientNamedByIdentifierIsFoundLikeOneReferenced() {
        AuditEvent deletion = event(0, "a", Interaction.DELETE, 204);
        deletion.addEntity().setWhat(new Reference().setIdentifier(
                new Identifier().setSystem(AuditEventFactory.RESOURCE_SYSTEM).setValue("Patient/gone")))
                .setRole(new Coding(null, "1", null));
        deletion.addEntity().setWhat(new Reference().setIdentifier(
                new Identifier().setSystem(AuditEventFactory.RESOURCE_SYSTEM).setValue("Observation/o1")))
                .setRole(new Coding(null, "4", null));
        log.store(List.of(deletion));

        assertThat(AuditLog.patientsOf(deletion)).containsExactly("Patient/gone");
        assertThat(clientsFound(new AuditQuery().patients(Set.of("Patient/gone")))).containsExactly("a");
    }

    @Test
    void anEventMovedWithItsIdKeepsItAndIsStoredOnceWhenMovedAgain() {
        AuditEvent earlier = event(0, "a", Interaction.READ, 200, "Patient/p1");
        earlier.setId("AuditEvent/1234/_history/3");

        log.store(List.of(earlier));
        log.store(List.of(earlier));

        assertThat(log.read("1234")).hasValueSatisfying(e -> assertThat(e.getIdElement().getVersionIdPart()).isEqualTo("1"));
        assertThat(log.count(new AuditQuery())).isEqualTo(1);
        assertThat(log.count(new AuditQuery().patients(Set.of("Patient/p1")))).isEqualTo(1);
    }

    @Test
    void noClientIdOrPatientIdMakesAnEventUnstorable() {
        String longClient = "c".repeat(5000) + "\0";
        AuditEvent event = event(0, longClient, Interaction.READ, 200, "Patient/" + "p".repeat(300) + "1",
                "Patient/" + "p".repeat(300) + "2");

        log.store(List.of(event));

        assertThat(clientsFound(new AuditQuery().clients(Set.of(longClient)))).singleElement()
                .isEqualTo(longClient); // the JSON keeps the value as it was
        assertThat(log.count(new AuditQuery().patients(Set.of("Patient/" + "p".repeat(300) + "2")))).isEqualTo(1);
    }

    @Test
    void aBatchIsStoredWhollyOrNotAtAll() {
        AuditEvent fine = event(0, "a", Interaction.READ, 200);
        AuditEvent tooLong = event(1, "b", Interaction.READ, 200);
        tooLong.setId("x".repeat(65)); // longer than an id may be

        assertThatThrownBy(() -> log.store(List.of(fine, tooLong))).isInstanceOf(RuntimeException.class);

        assertThat(log.count(new AuditQuery())).isZero();
    }
}
