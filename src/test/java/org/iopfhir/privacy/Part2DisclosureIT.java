package org.iopfhir.privacy;

import static org.assertj.core.api.Assertions.assertThat;

import ca.uhn.fhir.rest.client.api.IGenericClient;
import java.net.URI;
import java.net.http.HttpRequest;
import java.util.List;
import org.hl7.fhir.instance.model.api.IBaseCoding;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.Consent;
import org.hl7.fhir.r4.model.DateTimeType;
import org.hl7.fhir.r4.model.Patient;
import org.iopfhir.privacy.MatrixData.State;
import org.iopfhir.testsupport.SecuredServerTest;
import org.iopfhir.testsupport.TestTokens;
import org.junit.jupiter.api.Test;

/**
 * Disclosure to payers beyond the matrix: the custom operations follow the read rules, revocation
 * and expiry take effect on the next request, and every disclosure carries the redisclosure notice.
 */
class Part2DisclosureIT extends SecuredServerTest {

    private static final String EXAMPLE_PAYER = "Organization/example-payer";

    private static String payer(String organization, String purpose) {
        return TestTokens.token().role("payer").scope("user/*.rs").purpose(purpose).organization(organization).sign();
    }

    private static String clinician() {
        return TestTokens.token().role("clinician").scope("user/*.cruds").purpose("TREAT")
                .organization(MatrixData.PROGRAM).sign();
    }

    private Response post(String path, String token, String body) {
        return send(HttpRequest.newBuilder(URI.create(baseUrl() + path)).header("Authorization", "Bearer " + token)
                .header("Content-Type", "application/fhir+json").header("Accept", "application/fhir+json")
                .POST(HttpRequest.BodyPublishers.ofString(body)).build());
    }

    @Test
    void customOperationsDiscloseOnlyWhatAReadWould() {
        String empty = "{\"resourceType\":\"Parameters\"}";
        List<String> operations = List.of("/Patient/example-patient/$level-of-care",
                "/QuestionnaireResponse/example-intake/$level-of-care", "/QuestionnaireResponse/example-intake/$extract",
                "/EpisodeOfCare/example-episode/$attendance", "/EpisodeOfCare/example-episode/$medical-necessity");
        for (String operation : operations) {
            assertThat(post(operation, payer(EXAMPLE_PAYER, "HPAYMT"), empty).status())
                    .as("consented payer: %s", operation).isEqualTo(200);
            assertThat(post(operation, clinician(), empty).status()).as("program clinician: %s", operation).isEqualTo(200);
            for (String refused : List.of(payer(MatrixData.PAYER, "HPAYMT"), payer(EXAMPLE_PAYER, "TREAT"))) {
                Response response = post(operation, refused, empty);
                assertThat(response.status()).as("refused payer: %s", operation).isIn(403, 404);
                assertThat(response.body()).doesNotContain("\"level\"", "example-intake\"", "\"week\"", "\"criterion\"");
            }
        }
    }

    @Test
    void theDocumentationPackageForAConsentedPayerCarriesTheNoticeAndOnlyPermittedEvidence() {
        String body = "{\"resourceType\":\"Parameters\",\"parameter\":[{\"name\":\"output\",\"valueCode\":\"bundle\"}]}";

        Response response = post("/EpisodeOfCare/example-episode/$medical-necessity", payer(EXAMPLE_PAYER, "HPAYMT"), body);

        assertThat(response.status()).isEqualTo(200);
        org.hl7.fhir.r4.model.Parameters verdict = (org.hl7.fhir.r4.model.Parameters) response.resource();
        assertThat(verdict.getMeta().getSecurity()).extracting(IBaseCoding::getCode).contains("NORDSCLCD");
        assertThat(response.header("X-Redisclosure-Notice")).contains("42 CFR part 2");
        // The example consent releases the SUD record, progress notes included, for payment; the review the
        // payer gets is the one the program gets.
        assertThat(verdict.getParameterValue("outcome").primitiveValue()).isEqualTo("met");
        Bundle documentation = (Bundle) verdict.getParameter("package").getResource();
        assertThat(documentation.getEntry()).anyMatch(e -> e.getResource() instanceof org.hl7.fhir.r4.model.DocumentReference)
                .noneMatch(e -> e.getResource().getMeta().getSecurity().stream()
                        .anyMatch(label -> "PSYTHPN".equals(label.getCode())));
    }

    @Test
    void theCdexAttachmentsForAPayerHoldExactlyWhatItsPackageHolds() {
        String bundle = "{\"resourceType\":\"Parameters\",\"parameter\":[{\"name\":\"output\",\"valueCode\":\"bundle\"}]}";
        String cdex = "{\"resourceType\":\"Parameters\",\"parameter\":[{\"name\":\"output\",\"valueCode\":\"cdex\"},"
                + "{\"name\":\"trackingId\",\"valueString\":\"urn:example:tcn|77\"},{\"name\":\"attachTo\",\"valueCode\":\"claim\"}]}";
        String path = "/EpisodeOfCare/example-episode/$medical-necessity";
        for (String token : List.of(payer(EXAMPLE_PAYER, "HPAYMT"), clinician())) {
            Bundle documentation = (Bundle) ((org.hl7.fhir.r4.model.Parameters) post(path, token, bundle).resource())
                    .getParameter("package").getResource();
            Response response = post(path, token, cdex);
            assertThat(response.status()).isEqualTo(200);
            org.hl7.fhir.r4.model.Parameters attachments = (org.hl7.fhir.r4.model.Parameters)
                    ((org.hl7.fhir.r4.model.Parameters) response.resource()).getParameter("attachments").getResource();
            List<org.hl7.fhir.r4.model.Resource> contents = attachments.getParameters("Attachment").stream()
                    .map(a -> a.getPart().stream().filter(p -> p.getName().equals("Content")).findFirst().orElseThrow().getResource())
                    .toList();
            assertThat(contents).extracting(r -> r.fhirType() + "/" + r.getIdElement().getIdPart())
                    .containsExactlyElementsOf(documentation.getEntry().stream()
                            .map(e -> e.getResource().fhirType() + "/" + e.getResource().getIdElement().getIdPart()).toList());
            assertThat(contents).noneMatch(r -> r.getMeta().getSecurity().stream().anyMatch(label -> "PSYTHPN".equals(label.getCode())));
        }
        for (String refused : List.of(payer(MatrixData.PAYER, "HPAYMT"), payer(EXAMPLE_PAYER, "TREAT"))) {
            Response response = post(path, refused, cdex);
            assertThat(response.status()).isIn(403, 404);
            assertThat(response.body()).doesNotContain("\"Attachment\"", "\"criterion\"");
        }
    }

    @Test
    void aTransactionThatBothReadsAndWritesIsRefusedBeforeAnythingIsStored() {
        String mixed = """
                {"resourceType":"Bundle","type":"transaction","entry":[
                 {"resource":{"resourceType":"Patient","id":"mixed-tx","active":true},"request":{"method":"PUT","url":"Patient/mixed-tx"}},
                 {"request":{"method":"GET","url":"Patient/example-patient"}}]}""";

        Response response = post("", clinician(), mixed);

        assertThat(response.status()).isEqualTo(400);
        assertThat(response.body()).contains("not both");
        assertThat(get("/fhir/Patient/mixed-tx", clinician()).status()).isEqualTo(404);
    }

    @Test
    void revocationAndExpiryStopDisclosureAtTheNextRequest() {
        IGenericClient staff = client(MatrixData.privacyOfficer());
        MatrixData.ensureLoaded(staff);
        State state = State.ACTIVE;
        Bundle records = new Bundle().setType(Bundle.BundleType.TRANSACTION);
        MatrixData.records(state, MatrixData.PROGRAM).forEach(r -> {
            r.setId(r.getIdElement().getIdPart().replace("mx-active", "mx-revocable"));
            records.addEntry().setResource(r).getRequest().setMethod(Bundle.HTTPVerb.PUT)
                    .setUrl(r.fhirType() + "/" + r.getIdElement().getIdPart());
        });
        records.getEntry().forEach(e -> FHIR.newTerser().getAllResourceReferences(e.getResource()).forEach(ref ->
                ref.getResourceReference().setReference(ref.getResourceReference().getReferenceElement().getValue()
                        .replace("mx-active", "mx-revocable"))));
        staff.transaction().withBundle(records).execute();
        Consent consent = MatrixData.part2Consent(state, Consent.ConsentState.ACTIVE, MatrixData.PAYER, null, false);
        consent.setId("mx-revocable-consent");
        consent.getPatient().setReference("Patient/mx-revocable");
        staff.update().resource(consent).execute();
        String payer = payer(MatrixData.PAYER, "HPAYMT");

        assertThat(get("/fhir/Patient/mx-revocable", payer).status()).isEqualTo(200);

        consent.setStatus(Consent.ConsentState.INACTIVE);
        staff.update().resource(consent).execute();
        assertThat(get("/fhir/Patient/mx-revocable", payer).status()).isEqualTo(404);
        assertThat(((Bundle) get("/fhir/Encounter?subject=Patient/mx-revocable", payer).resource()).getEntry()).isEmpty();

        consent.setStatus(Consent.ConsentState.ACTIVE);
        staff.update().resource(consent).execute();
        assertThat(get("/fhir/Patient/mx-revocable", payer).status()).isEqualTo(200);

        consent.getProvision().getPeriod().setEndElement(new DateTimeType("2025-06-30"));
        staff.update().resource(consent).execute();
        assertThat(get("/fhir/Patient/mx-revocable", payer).status()).isEqualTo(404);
    }

    @Test
    void everyDisclosureToAPayerCarriesTheRedisclosureNotice() {
        String payer = payer(EXAMPLE_PAYER, "HPAYMT");

        Response read = get("/fhir/Patient/example-patient", payer);
        Patient patient = (Patient) read.resource();
        assertThat(patient.getMeta().getSecurity()).extracting(IBaseCoding::getCode).contains("NORDSCLCD");
        assertThat(patient.getMeta().getExtensionString("http://iop-fhir.org/fhir/StructureDefinition/redisclosure-notice"))
                .contains("42 CFR part 2");
        assertThat(read.header("X-Redisclosure-Notice")).contains("42 CFR part 2");

        Response search = get("/fhir/Encounter?subject=Patient/example-patient&_count=3", payer);
        Bundle bundle = (Bundle) search.resource();
        assertThat(bundle.getMeta().getSecurity()).extracting(IBaseCoding::getCode).contains("NORDSCLCD");
        assertThat(bundle.getEntry()).isNotEmpty();
        assertThat(search.header("X-Redisclosure-Notice")).isNotNull();

        Response treatment = get("/fhir/Patient/example-patient", clinician());
        assertThat(treatment.header("X-Redisclosure-Notice")).isNull();
        // The stored record is unchanged: the notice is added to what is sent.
        assertThat(((Patient) treatment.resource()).getMeta().getSecurity()).extracting(IBaseCoding::getCode)
                .doesNotContain("NORDSCLCD");
    }

    @Test
    void aPatientContextTokenSearchesOnlyItsOwnCompartment() {
        String token = TestTokens.token().role("patient").scope("patient/*.rs").patient("example-patient").sign();

        Bundle own = (Bundle) get("/fhir/Encounter?_count=500", token).resource();

        assertThat(own.getEntry()).isNotEmpty().allSatisfy(e -> assertThat(
                ((org.hl7.fhir.r4.model.Encounter) e.getResource()).getSubject().getReference()).isEqualTo("Patient/example-patient"));
        assertThat(get("/fhir/Patient/mx-active", token).status()).isEqualTo(404);
    }
}
