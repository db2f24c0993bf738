package org.iopfhir.necessity;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ca.uhn.fhir.rest.server.exceptions.BaseServerResponseException;
import ca.uhn.fhir.rest.server.exceptions.InvalidRequestException;
import ca.uhn.fhir.rest.server.exceptions.ResourceNotFoundException;
import ca.uhn.fhir.rest.server.exceptions.UnprocessableEntityException;
import java.net.http.HttpResponse;
import java.util.List;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.CapabilityStatement;
import org.hl7.fhir.r4.model.CodeType;
import org.hl7.fhir.r4.model.DateType;
import org.hl7.fhir.r4.model.EpisodeOfCare;
import org.hl7.fhir.r4.model.IdType;
import org.hl7.fhir.r4.model.OperationOutcome;
import org.hl7.fhir.r4.model.Parameters;
import org.hl7.fhir.r4.model.Reference;
import org.iopfhir.attendance.AttendanceOperation;
import org.iopfhir.testsupport.ExampleEpisodeServerTest;
import org.iopfhir.testsupport.RawHttp;
import org.junit.jupiter.api.Test;

/** $medical-necessity over HTTP on PostgreSQL, on the example episode. */
class MedicalNecessityIT extends ExampleEpisodeServerTest {

    private static final IdType EPISODE = new IdType("EpisodeOfCare/example-episode");

    @Test
    void theExampleEpisodeIsMetUnderBothPoliciesWithEvidenceForEveryCriterion() {
        String version = client().read().resource(EpisodeOfCare.class).withId("example-episode").execute()
                .getMeta().getVersionId();

        for (String policy : List.of("medicare-2024", "commercial-default")) {
            Parameters out = necessity(new Parameters().addParameter("policy", new CodeType(policy)));

            assertThat(out.getParameterValue("outcome").primitiveValue()).as(policy).isEqualTo("met");
            assertThat(out.getParameterValue("policy").primitiveValue()).isEqualTo(policy);
            List<Parameters.ParametersParameterComponent> criteria = out.getParameters("criterion");
            assertThat(criteria).hasSize(16);
            assertThat(criteria).allSatisfy(c -> {
                assertThat(c.getPart()).extracting(Parameters.ParametersParameterComponent::getName)
                        .startsWith("id", "status", "detail");
                assertThat(part(c, "status")).isIn("met", "not-applicable");
            });
            assertThat(out.getParameterValue("narrative").primitiveValue()).contains("<table>", "plan-of-care");
        }
        Parameters medicare = necessity(new Parameters().addParameter("policy", new CodeType("medicare-2024")));
        Parameters.ParametersParameterComponent certification = criterion(medicare, "certification");
        assertThat(certification.getPart()).filteredOn(p -> p.getName().equals("evidence"))
                .extracting(p -> ((Reference) p.getValue()).getReference())
                .containsExactly("DocumentReference/example-certification-01", "DocumentReference/example-certification-02");
        // read-only: nothing stored changed
        assertThat(client().read().resource(EpisodeOfCare.class).withId("example-episode").execute().getMeta().getVersionId())
                .isEqualTo(version);
    }

    @Test
    void theDocumentationPackageHoldsTheVerdictAndEachEvidenceResourceOnce() {
        Bundle bundle = client().operation().onInstance(EPISODE).named("$medical-necessity")
                .withParameters(new Parameters().addParameter("output", new CodeType("bundle")))
                .returnResourceType(Bundle.class).useHttpGet().execute();

        assertThat(bundle.getType()).isEqualTo(Bundle.BundleType.COLLECTION);
        Parameters verdict = (Parameters) bundle.getEntryFirstRep().getResource();
        assertThat(verdict.getParameterValue("outcome").primitiveValue()).isEqualTo("met");
        List<String> packaged = bundle.getEntry().stream().skip(1)
                .map(e -> e.getResource().fhirType() + "/" + e.getResource().getIdElement().getIdPart()).toList();
        assertThat(packaged).doesNotHaveDuplicates().contains("EpisodeOfCare/example-episode", "CarePlan/example-careplan",
                "QuestionnaireResponse/example-intake", "Consent/example-consent", "DocumentReference/example-discharge-summary");
        verdict.getParameters("criterion").stream().flatMap(c -> c.getPart().stream())
                .filter(p -> p.getName().equals("evidence"))
                .forEach(p -> assertThat(packaged).contains(((Reference) p.getValue()).getReference()));
        assertThat(bundle.getEntry().get(1).getFullUrl()).isEqualTo(baseUrl() + "/EpisodeOfCare/example-episode");
    }

    @Test
    void aBrowserGetsTheSummaryPage() {
        HttpResponse<String> page = RawHttp.get(baseUrl() + "/EpisodeOfCare/example-episode/$medical-necessity?policy=medicare-2024",
                "text/html");

        assertThat(page.statusCode()).isEqualTo(200);
        assertThat(page.headers().firstValue("Content-Type")).get().asString().startsWith("text/html");
        assertThat(page.body()).contains("Outcome: <b>met</b>", "medicare-2024", "hours-delivered");
    }

    @Test
    void badInputIsRefusedWithAnOperationOutcomeThatNamesTheProblem() {
        assertRefused(new Parameters().addParameter("policy", new CodeType("no-such-payer")), InvalidRequestException.class,
                "unknown policy 'no-such-payer'");
        assertRefused(new Parameters().addParameter("output", new CodeType("pdf")), InvalidRequestException.class,
                "unknown output 'pdf'");
        assertRefused(new Parameters().addParameter("asOf", new DateType("2025-12-01")), InvalidRequestException.class,
                "before the admission on 2026-01-05");
        assertThatThrownBy(() -> client().operation().onInstance(new IdType("EpisodeOfCare/no-such-episode"))
                .named("$medical-necessity").withNoParameters(Parameters.class).useHttpGet().execute())
                .isInstanceOf(ResourceNotFoundException.class);
        IdType other = otherEpisode();
        assertThatThrownBy(() -> client().operation().onInstance(other)
                .named("$medical-necessity").withNoParameters(Parameters.class).useHttpGet().execute())
                .isInstanceOf(UnprocessableEntityException.class).hasMessageContaining("not an intensive outpatient episode");

        HttpResponse<String> unparsable = RawHttp.get(baseUrl() + "/EpisodeOfCare/example-episode/$medical-necessity?asOf=2026-02-31",
                "application/fhir+json");
        assertThat(unparsable.statusCode()).isEqualTo(400);
        assertThat(unparsable.body()).contains("OperationOutcome").doesNotContain("\tat ");
    }

    @Test
    void bothOperationsArePublishedWithTheirDefinitions() {
        CapabilityStatement capabilities = client().capabilities().ofType(CapabilityStatement.class).execute();
        List<CapabilityStatement.CapabilityStatementRestResourceOperationComponent> operations = capabilities.getRestFirstRep()
                .getResource().stream().filter(r -> r.getType().equals("EpisodeOfCare")).findFirst().orElseThrow().getOperation();
        assertThat(operations).anyMatch(o -> o.getName().equals("attendance") && o.getDefinition().equals(AttendanceOperation.CANONICAL));
        assertThat(operations).anyMatch(o -> o.getName().equals("medical-necessity")
                && o.getDefinition().equals(MedicalNecessityOperation.CANONICAL));
        Bundle found = client().search().forResource(org.hl7.fhir.r4.model.OperationDefinition.class)
                .where(org.hl7.fhir.r4.model.OperationDefinition.URL.matches().value(MedicalNecessityOperation.CANONICAL))
                .returnBundle(Bundle.class).execute();
        assertThat(found.getEntry()).hasSize(1);
    }

    private Parameters necessity(Parameters in) {
        return client().operation().onInstance(EPISODE).named("$medical-necessity").withParameters(in).useHttpGet().execute();
    }

    private void assertRefused(Parameters in, Class<? extends BaseServerResponseException> status, String reason) {
        assertThatThrownBy(() -> necessity(in)).isInstanceOfSatisfying(status, e ->
                assertThat(((OperationOutcome) e.getOperationOutcome()).getIssueFirstRep().getDiagnostics()).contains(reason));
    }

    private static Parameters.ParametersParameterComponent criterion(Parameters out, String id) {
        return out.getParameters("criterion").stream().filter(c -> id.equals(part(c, "id"))).findFirst().orElseThrow();
    }

    private static String part(Parameters.ParametersParameterComponent parent, String name) {
        return parent.getPart().stream().filter(p -> name.equals(p.getName())).findFirst().orElseThrow().getValue().primitiveValue();
    }
}
