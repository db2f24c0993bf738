package org.iopfhir.necessity;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ca.uhn.fhir.rest.server.exceptions.InvalidRequestException;
import ca.uhn.fhir.rest.server.exceptions.UnprocessableEntityException;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.hl7.fhir.r4.model.CodeType;
import org.hl7.fhir.r4.model.CodeableConcept;
import org.hl7.fhir.r4.model.Identifier;
import org.hl7.fhir.r4.model.Organization;
import org.hl7.fhir.r4.model.Parameters;
import org.hl7.fhir.r4.model.Practitioner;
import org.hl7.fhir.r4.model.Resource;
import org.hl7.fhir.r4.model.StringType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The documentation package as a CDex $submit-attachment input, on the shipped example episode. */
class CdexAttachmentsTest {

    private static final String COMMERCIAL = "commercial-default";
    private static final CdexAttachments.Submission CLAIM = CdexAttachments.submission(true,
            new StringType("http://payer.example/tcn|A-123"), new CodeType("claim")).orElseThrow();

    @Test
    void trackingIdAndAttachToAreRequiredWithCdexAndRefusedWithoutIt() {
        assertThat(CdexAttachments.submission(false, null, null)).isEmpty();
        assertThat(CLAIM.trackingId().getSystem()).isEqualTo("http://payer.example/tcn");
        assertThat(CLAIM.trackingId().getValue()).isEqualTo("A-123");
        assertThat(CLAIM.attachTo()).isEqualTo("claim");
        assertThatThrownBy(() -> CdexAttachments.submission(false, new StringType("s|v"), null))
                .isInstanceOf(InvalidRequestException.class).hasMessageContaining("output=cdex only");
        assertThatThrownBy(() -> CdexAttachments.submission(true, new StringType("s|v"), null))
                .isInstanceOf(InvalidRequestException.class).hasMessageContaining("attachTo");
        assertThatThrownBy(() -> CdexAttachments.submission(true, null, new CodeType("claim")))
                .isInstanceOf(InvalidRequestException.class).hasMessageContaining("trackingId");
        assertThatThrownBy(() -> CdexAttachments.submission(true, new StringType("s|v"), new CodeType("prior-authorization")))
                .isInstanceOf(InvalidRequestException.class).hasMessageContaining("claim or preauthorization");
    }

    @ParameterizedTest
    @ValueSource(strings = {"A-123", "|A-123", "http://payer.example/tcn|", "a|b|c", " "})
    void aTrackingIdThatIsNotSystemBarValueIsRefused(String token) {
        assertThatThrownBy(() -> CdexAttachments.submission(true, new StringType(token), new CodeType("preauthorization")))
                .isInstanceOf(InvalidRequestException.class);
    }

    @Test
    void theExampleEpisodeBecomesOneAttachmentPerPackagedItemWithItsLoincCode() {
        ExampleReview example = new ExampleReview();
        Review review = example.review(COMMERCIAL, ExampleReview.AFTER_DISCHARGE, null);
        Map<String, Resource> items = MedicalNecessityOperation.items(review.record(), Checklist.evaluate(review));

        Parameters out = CdexAttachments.parameters(CLAIM, review, items, example.get("Organization/example-payer", Organization.class),
                List.of(example.get("Organization/example-program", Organization.class)), List.of());

        assertThat(out.getParameter()).extracting(Parameters.ParametersParameterComponent::getName).startsWith("TrackingId",
                "AttachTo", "PayerId", "OrganizationId", "MemberId", "ServiceDate", "Attachment");
        assertThat(((Identifier) out.getParameterValue("PayerId")).getValue()).isEqualTo("BVHP-01");
        assertThat(((Identifier) out.getParameterValue("OrganizationId")).getValue()).isEqualTo("9941339100");
        Identifier member = (Identifier) out.getParameterValue("MemberId");
        assertThat(member.getValue()).isEqualTo("BVH-55501234");
        assertThat(member.getType().getCodingFirstRep().getCode()).isEqualTo("MB");
        assertThat(out.getParameterValue("ServiceDate").primitiveValue()).isEqualTo("2026-01-05");
        List<Parameters.ParametersParameterComponent> attachments = out.getParameters("Attachment");
        assertThat(attachments).hasSize(items.size());
        Map<String, String> codes = attachments.stream().collect(Collectors.toMap(
                a -> a.getPart().get(1).getResource().fhirType() + "/" + a.getPart().get(1).getResource().getIdElement().getIdPart(),
                a -> ((CodeableConcept) a.getPart().get(0).getValue()).getCodingFirstRep().getCode()));
        assertThat(codes).containsEntry("DocumentReference/example-note-g01", "11506-3")
                .containsEntry("DocumentReference/example-discharge-summary", "18842-5")
                .containsEntry("CarePlan/example-careplan", "18776-5")
                .containsEntry("Observation/example-uds-01", "11502-2")
                .containsEntry("ServiceRequest/example-aftercare-referral", "57133-1")
                .containsEntry("EpisodeOfCare/example-episode", "18823-5");
        assertThat(attachments).allSatisfy(a -> assertThat(a.getPart()).extracting(Parameters.ParametersParameterComponent::getName)
                .containsExactly("Code", "Content"));
    }

    @Test
    void withoutAnNpiOrAMemberIdThereIsNothingToSend() {
        ExampleReview example = new ExampleReview();
        Review review = example.review(COMMERCIAL, ExampleReview.AFTER_DISCHARGE, null);
        Map<String, Resource> items = MedicalNecessityOperation.items(review.record(), Checklist.evaluate(review));
        Organization program = example.get("Organization/example-program", Organization.class);

        assertThatThrownBy(() -> CdexAttachments.parameters(CLAIM, review, items, null, List.of(), List.of()))
                .isInstanceOf(UnprocessableEntityException.class).hasMessageContaining("no NPI");
        Practitioner physician = new Practitioner().addIdentifier(new Identifier().setSystem(CdexAttachments.NPI).setValue("9941339108"));
        Parameters byPhysician = CdexAttachments.parameters(CLAIM, review, items, null, List.of(), List.of(physician));
        assertThat(byPhysician.getParameter("OrganizationId")).isNull();
        assertThat(((Identifier) byPhysician.getParameterValue("ProviderId")).getValue()).isEqualTo("9941339108");
        assertThat(byPhysician.getParameter("PayerId")).isNull();

        Review uninsured = new ExampleReview().remove("Coverage/").review(COMMERCIAL, ExampleReview.AFTER_DISCHARGE, null);
        assertThatThrownBy(() -> CdexAttachments.parameters(CLAIM, uninsured, items, null, List.of(program), List.of()))
                .isInstanceOf(UnprocessableEntityException.class).hasMessageContaining("no member id");
    }
}
