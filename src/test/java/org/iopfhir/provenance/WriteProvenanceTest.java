package org.iopfhir.provenance;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.hl7.fhir.r4.model.Coding;
import org.hl7.fhir.r4.model.IdType;
import org.hl7.fhir.r4.model.Provenance;
import org.hl7.fhir.r4.model.Reference;
import org.iopfhir.privacy.auth.CallerContext;
import org.iopfhir.privacy.auth.Role;
import org.iopfhir.privacy.auth.SmartScope;
import org.iopfhir.provenance.WriteProvenance.Activity;
import org.junit.jupiter.api.Test;

class WriteProvenanceTest {

    private static final Instant NOW = Instant.parse("2026-03-02T10:15:00Z");
    private static final CallerContext CLINICIAN = new CallerContext("ehr-app", "https://ehr.example.org/fhir/Practitioner/p-7",
            Set.of(Role.CLINICIAN), List.of(SmartScope.parse("user/*.cruds").orElseThrow()), Optional.empty(),
            Optional.empty(), Optional.of("TREAT"), Optional.of("Organization/program-a"));

    @Test
    void theCallersProgramAndUserResourceAreWhatItMayReference() {
        assertThat(WriteProvenance.callerReferences(CLINICIAN)).containsExactly("Organization/program-a", "Practitioner/p-7");
        CallerContext backend = new CallerContext("batch-job", "service-account-7", Set.of(), List.of(), Optional.empty(),
                Optional.empty(), Optional.empty(), Optional.empty());
        assertThat(WriteProvenance.callerReferences(backend)).isEmpty();
    }

    @Test
    void usCoreShapeTheRecordFirstThenItsPatient() {
        Provenance p = WriteProvenance.of(List.of(new IdType("Observation/o1/_history/2")), List.of(), List.of("Patient/x"), CLINICIAN,
                Activity.UPDATE, NOW, ref -> true);

        assertThat(p.getTarget()).extracting(Reference::getReference).containsExactly("Observation/o1/_history/2", "Patient/x");
        assertThat(p.getRecorded().toInstant()).isEqualTo(NOW);
        assertThat(p.getActivity().getCodingFirstRep().getCode()).isEqualTo("UPDATE");
        assertThat(p.getAgent()).extracting(a -> a.getType().getCodingFirstRep().getCode()).containsExactly("author", "transmitter");
        assertThat(p.getAgentFirstRep().getWho().getReference()).isEqualTo("Practitioner/p-7");
        assertThat(p.getAgent()).allSatisfy(a -> assertThat(a.getOnBehalfOf().getReference()).isEqualTo("Organization/program-a"));
        assertThat(p.getAgent().get(1).getWho().getIdentifier().getValue()).isEqualTo("ehr-app");
    }

    @Test
    void aPatientWrittenIsItsOwnOnlyTarget() {
        Provenance p = WriteProvenance.of(List.of(new IdType("Patient/x/_history/1")), List.of(), List.of("Patient/x"), CLINICIAN,
                Activity.CREATE, NOW, ref -> true);

        assertThat(p.getTarget()).extracting(Reference::getReference).containsExactly("Patient/x/_history/1");
    }

    @Test
    void whoIsNotStoredHereIsNamedByIdentifierSoTheReferenceNeverDangles() {
        Provenance p = WriteProvenance.of(List.of(new IdType("Observation/o1/_history/1")), List.of(), List.of(), CLINICIAN,
                Activity.CREATE, NOW, ref -> false);

        Reference author = p.getAgentFirstRep().getWho();
        assertThat(author.hasReference()).isFalse();
        assertThat(author.getIdentifier().getValue()).isEqualTo(CLINICIAN.user());
        assertThat(p.getAgentFirstRep().getOnBehalfOf().hasReference()).isFalse();
        assertThat(p.getAgentFirstRep().getOnBehalfOf().getIdentifier().getValue()).isEqualTo("Organization/program-a");
    }

    @Test
    void theRecordsLabelsComeAlong() {
        List<Coding> labels = List.of(new Coding("http://terminology.hl7.org/CodeSystem/v3-ActCode", "PSYTHPN", null),
                new Coding("http://terminology.hl7.org/CodeSystem/v3-ActCode", "42CFRPart2", null));
        Provenance p = WriteProvenance.of(List.of(new IdType("DocumentReference/n1/_history/1")), labels, List.of("Patient/x"), CLINICIAN,
                Activity.CREATE, NOW, ref -> true);

        assertThat(p.getMeta().getSecurity()).extracting(Coding::getCode).containsExactly("PSYTHPN", "42CFRPart2");
    }

    @Test
    void provenanceAndTheAuditTrailAreNotRecordedAgain() {
        assertThat(WriteProvenance.recorded("Provenance")).isFalse();
        assertThat(WriteProvenance.recorded("AuditEvent")).isFalse();
        assertThat(WriteProvenance.recorded("Subscription")).as("its owner's configuration, hidden from others").isFalse();
        assertThat(WriteProvenance.recorded("Observation")).isTrue();
    }
}
