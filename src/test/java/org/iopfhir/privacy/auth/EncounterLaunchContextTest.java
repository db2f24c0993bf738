package org.iopfhir.privacy.auth;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.hl7.fhir.r4.model.Encounter;
import org.hl7.fhir.r4.model.Reference;
import org.junit.jupiter.api.Test;

/** The encounter launch context is held to the token's patient. */
class EncounterLaunchContextTest {

    private static CallerContext caller(String patient, String encounter) {
        return new CallerContext("app", "Practitioner/d1", Set.of(Role.CLINICIAN),
                List.of(SmartScope.parse("patient/*.rs").orElseThrow()), Optional.ofNullable(patient),
                Optional.ofNullable(encounter), Optional.of("TREAT"), Optional.empty());
    }

    private static Optional<Encounter> of(String subject) {
        return Optional.of(new Encounter().setSubject(new Reference(subject)));
    }

    @Test
    void anEncounterOfTheTokensPatientIsHonoured() {
        assertThat(EncounterLaunchContext.problem(caller("p1", "e1"), of("Patient/p1"))).isEmpty();
        assertThat(EncounterLaunchContext.problem(caller("p1", "e1"), of("Patient/p1/_history/3"))).isEmpty();
    }

    @Test
    void anyOtherEncounterContextIsRefusedWithTheReason() {
        assertThat(EncounterLaunchContext.problem(caller("p1", "e1"), of("Patient/p2"))).get().asString()
                .contains("Encounter/e1 is not an encounter of its patient Patient/p1");
        assertThat(EncounterLaunchContext.problem(caller("p1", "e1"), of("Group/g1"))).isPresent();
        assertThat(EncounterLaunchContext.problem(caller("p1", "e1"), of("http://other.example/fhir/Patient/p1")))
                .as("another server's patient p1").isPresent();
        assertThat(EncounterLaunchContext.problem(caller("p1", "e1"), Optional.of(new Encounter()))).isPresent();
        assertThat(EncounterLaunchContext.problem(caller("p1", "e1"), Optional.empty())).as("a missing encounter answers as another's")
                .isEqualTo(EncounterLaunchContext.problem(caller("p1", "e1"), of("Patient/p2")));
        assertThat(EncounterLaunchContext.problem(caller(null, "e1"), of("Patient/p1"))).get().asString()
                .contains("without the patient");
    }
}
