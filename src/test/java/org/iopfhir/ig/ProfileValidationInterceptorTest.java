package org.iopfhir.ig;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ca.uhn.fhir.rest.server.exceptions.UnprocessableEntityException;
import java.util.Map;
import org.hl7.fhir.r4.model.Encounter;
import org.hl7.fhir.r4.model.EpisodeOfCare;
import org.hl7.fhir.r4.model.OperationOutcome;
import org.iopfhir.testsupport.IgValidator;
import org.junit.jupiter.api.Test;

class ProfileValidationInterceptorTest {

    private static final String IOP_ENCOUNTER = ImplementationGuide.PROFILE_BASE + "iop-encounter";
    private static final String IOP_EPISODE = ImplementationGuide.PROFILE_BASE + "iop-episode-of-care";

    private final ProfileValidationInterceptor interceptor = new ProfileValidationInterceptor(
            IgValidator.FHIR, IgValidator.module(), Map.of("EpisodeOfCare", IOP_EPISODE));

    @Test
    void resourceClaimingAnIopProfileIsRejectedWithEveryIssueAndItsLocation() {
        Encounter session = new Encounter().setStatus(Encounter.EncounterStatus.FINISHED);
        session.getMeta().addProfile(IOP_ENCOUNTER);
        session.getClass_().setSystem("http://terminology.hl7.org/CodeSystem/v3-ActCode").setCode("EMER");

        assertThatThrownBy(() -> interceptor.beforeCreate(session))
                .isInstanceOfSatisfying(UnprocessableEntityException.class, e -> {
                    assertThat(e.getStatusCode()).isEqualTo(422);
                    OperationOutcome outcome = (OperationOutcome) e.getOperationOutcome();
                    assertThat(outcome.getIssue()).filteredOn(i -> i.getSeverity() == OperationOutcome.IssueSeverity.ERROR)
                            .extracting(i -> i.getDiagnostics())
                            .anyMatch(d -> d.contains("Encounter.subject"))
                            .anyMatch(d -> d.contains("Encounter.episodeOfCare"))
                            .anyMatch(d -> d.contains("iop-encounter-class"));
                    assertThat(outcome.getIssue()).allSatisfy(i -> assertThat(i.getExpression()).isNotEmpty());
                });
    }

    @Test
    void thirdPartyProfilesAreNotValidatedHere() {
        Encounter synthetic = new Encounter().setStatus(Encounter.EncounterStatus.FINISHED);
        synthetic.getMeta().addProfile("http://hl7.org/fhir/us/core/StructureDefinition/us-core-encounter");

        assertThatCode(() -> interceptor.beforeCreate(synthetic)).doesNotThrowAnyException();
    }

    @Test
    void requiredProfileMustBeClaimedOnCreateAndUpdate() {
        EpisodeOfCare unprofiled = new EpisodeOfCare().setStatus(EpisodeOfCare.EpisodeOfCareStatus.ACTIVE);

        assertThatThrownBy(() -> interceptor.beforeCreate(unprofiled))
                .isInstanceOf(UnprocessableEntityException.class)
                .hasMessageContaining(IOP_EPISODE);
        assertThatThrownBy(() -> interceptor.beforeUpdate(unprofiled, unprofiled))
                .isInstanceOf(UnprocessableEntityException.class);
    }

    @Test
    void versionedCanonicalSatisfiesTheRequiredProfileAndIsThenValidated() {
        EpisodeOfCare episode = new EpisodeOfCare().setStatus(EpisodeOfCare.EpisodeOfCareStatus.ACTIVE);
        episode.getMeta().addProfile(IOP_EPISODE + "|0.2.0");

        assertThatThrownBy(() -> interceptor.beforeCreate(episode))
                .isInstanceOf(UnprocessableEntityException.class)
                .satisfies(e -> assertThat(((OperationOutcome) ((UnprocessableEntityException) e).getOperationOutcome())
                        .getIssue()).anyMatch(i -> i.getDiagnostics().contains("EpisodeOfCare.diagnosis")));
    }
}
