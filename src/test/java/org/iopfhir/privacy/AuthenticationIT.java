package org.iopfhir.privacy;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.stream.Stream;
import org.hl7.fhir.r4.model.CapabilityStatement;
import org.hl7.fhir.r4.model.OperationOutcome;
import org.iopfhir.testsupport.SecuredServerTest;
import org.iopfhir.testsupport.TestAuthorizationServer;
import org.iopfhir.testsupport.TestTokens;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Who gets in: 401 without a valid token, 403 without the scope, public discovery endpoints. */
class AuthenticationIT extends SecuredServerTest {

    private static final String CLINICIAN_SCOPES = "user/*.cruds";

    static Stream<Arguments> rejectedTokens() {
        return Stream.of(
                Arguments.of("no token at all", null),
                Arguments.of("an expired token", TestTokens.token().scope(CLINICIAN_SCOPES).expired().sign()),
                Arguments.of("a token signed by another key", TestTokens.token().scope(CLINICIAN_SCOPES).signedByStranger().sign()),
                Arguments.of("a token from another issuer", TestTokens.token().scope(CLINICIAN_SCOPES)
                        .issuer("https://evil.example.org").sign()),
                Arguments.of("a token without expiry", TestTokens.token().scope(CLINICIAN_SCOPES).withoutExpiry().sign()),
                Arguments.of("a token for another server", TestTokens.token().scope(CLINICIAN_SCOPES)
                        .audience("https://other-fhir.example.org/fhir").sign()),
                Arguments.of("a token without an audience", TestTokens.token().scope(CLINICIAN_SCOPES).audience().sign()),
                Arguments.of("something that is not a JWT", "not-a-token"));
    }

    @ParameterizedTest(name = "{0} gets 401 with a Bearer challenge and an OperationOutcome")
    @MethodSource("rejectedTokens")
    void invalidOrMissingTokensAreChallenged(String why, String token) {
        Response response = get("/fhir/Patient/example-patient", token);

        assertThat(response.status()).isEqualTo(401);
        assertThat(response.header("WWW-Authenticate")).startsWith("Bearer");
        if (token != null) {
            assertThat(response.header("WWW-Authenticate")).contains("invalid_token");
        }
        assertThat(response.resource()).isInstanceOf(OperationOutcome.class);
        assertThat(response.body()).doesNotContain("Harper");
    }

    @Test
    void capabilityStatementIsPublicAndDescribesSmartSecurity() {
        Response response = get("/fhir/metadata", null);

        assertThat(response.status()).isEqualTo(200);
        CapabilityStatement cs = (CapabilityStatement) response.resource();
        assertThat(cs.getRestFirstRep().getSecurity().getServiceFirstRep().getCodingFirstRep().getCode())
                .isEqualTo("SMART-on-FHIR");
        assertThat(cs.getRestFirstRep().getSecurity().getExtensionFirstRep().getExtensionString("token"))
                .isEqualTo(TestAuthorizationServer.shared().url() + "/token");
    }

    @Test
    void smartConfigurationIsPublic() {
        Response response = get("/fhir/.well-known/smart-configuration", null);

        assertThat(response.status()).isEqualTo(200);
        assertThat(response.header("Content-Type")).startsWith("application/json");
        assertThat(response.body()).contains("\"issuer\":\"" + TestTokens.ISSUER + "\"", "\"scopes_supported\"",
                "patient/*.rs", "\"capabilities\"", "permission-v2", "\"token_endpoint\"", "launch-ehr", "context-ehr-patient",
                "permission-offline", "\"token_endpoint_auth_signing_alg_values_supported\":[\"RS384\",\"ES384\"]");
    }

    @Test
    void healthIsPublicButMetricsNeedAToken() {
        assertThat(get("/actuator/health/liveness", null).status()).isEqualTo(200);
        assertThat(get("/actuator/info", null).status()).isEqualTo(200);
        assertThat(get("/actuator/prometheus", null).status()).isEqualTo(401);
        assertThat(get("/actuator/prometheus", TestTokens.token().scope("system/*.rs").sign()).status()).isEqualTo(200);
    }

    @Test
    void aScopeForAnotherResourceTypeGets403OnSearchAndTheMissingAnswerOnRead() {
        String token = TestTokens.token().scope("user/Observation.rs").role("clinician").purpose("TREAT")
                .organization("Organization/example-program").sign();

        Response search = get("/fhir/Patient?_id=example-patient", token);
        assertThat(search.status()).isEqualTo(403);
        assertThat(search.resource()).isInstanceOf(OperationOutcome.class);
        assertThat(search.body()).doesNotContain("Harper");

        // A read it may not make answers like a read of a record that does not exist.
        Response read = get("/fhir/Patient/example-patient", token);
        assertThat(read.status()).isEqualTo(404);
        assertThat(read.resource()).isInstanceOf(OperationOutcome.class);
        assertThat(read.body().replace("example-patient", "X"))
                .isEqualTo(get("/fhir/Patient/no-such-patient", token).body().replace("no-such-patient", "X"));
    }

    @Test
    void aReadScopeDoesNotAllowWriting() {
        String token = TestTokens.token().scope("user/*.rs").role("clinician").purpose("TREAT")
                .organization("Organization/example-program").sign();
        Response response = send(java.net.http.HttpRequest.newBuilder(
                        java.net.URI.create(baseUrl() + "/Patient"))
                .header("Authorization", "Bearer " + token).header("Content-Type", "application/fhir+json")
                .POST(java.net.http.HttpRequest.BodyPublishers.ofString("{\"resourceType\":\"Patient\"}")).build());

        assertThat(response.status()).isEqualTo(403);
        assertThat(response.resource()).isInstanceOf(OperationOutcome.class);
    }

    @Test
    void aPayerRoleNeverWritesWhateverItsScopes() {
        String token = TestTokens.token().scope("user/*.cruds").role("payer").purpose("HPAYMT")
                .organization("Organization/example-payer").sign();
        Response response = send(java.net.http.HttpRequest.newBuilder(java.net.URI.create(baseUrl() + "/Patient"))
                .header("Authorization", "Bearer " + token).header("Content-Type", "application/fhir+json")
                .POST(java.net.http.HttpRequest.BodyPublishers.ofString("{\"resourceType\":\"Patient\"}")).build());

        assertThat(response.status()).isEqualTo(403);
    }

    @Test
    void anEncounterLaunchContextIsHonouredOnlyForAnEncounterOfTheTokensPatient() {
        String inContext = TestTokens.token().role("patient").scope("patient/*.rs").patient("example-patient")
                .encounter("example-enc-g01").sign();
        assertThat(get("/fhir/Patient/example-patient", inContext).status()).isEqualTo(200);
        assertThat(get("/fhir/Encounter/example-enc-g01", inContext).status()).isEqualTo(200);

        Stream.of(
                Arguments.of("another patient's encounter", TestTokens.token().role("patient").scope("patient/*.rs")
                        .patient("mx-active-p1").encounter("example-enc-g01").sign(), "is not an encounter of its patient"),
                Arguments.of("an encounter that does not exist", TestTokens.token().role("patient").scope("patient/*.rs")
                        .patient("example-patient").encounter("no-such-encounter").sign(), "is not an encounter of its patient"),
                Arguments.of("an encounter without its patient", TestTokens.token().role("clinician").scope(CLINICIAN_SCOPES)
                        .purpose("TREAT").encounter("example-enc-g01").sign(), "without the patient"))
                .forEach(refused -> {
                    String token = (String) refused.get()[1];
                    Response search = get("/fhir/Observation?_count=1", token);
                    assertThat(search.status()).as((String) refused.get()[0]).isEqualTo(403);
                    assertThat(search.resource()).isInstanceOf(OperationOutcome.class);
                    assertThat(search.body()).contains((String) refused.get()[2]);
                    // A read answers 403 with the reason, or 404 like a missing record when the token could not
                    // read the record anyway (one answer for "missing" and "not yours"); never the record.
                    for (String path : java.util.List.of("/fhir/Patient/example-patient", "/fhir/Encounter/example-enc-g01")) {
                        Response read = get(path, token);
                        assertThat(read.status()).as(refused.get()[0] + ": " + path).isIn(403, 404);
                        assertThat(read.resource()).isInstanceOf(OperationOutcome.class);
                    }
                });
        Response ownPatientWrongEncounter = get("/fhir/Patient/example-patient", TestTokens.token().role("patient")
                .scope("patient/*.rs").patient("example-patient").encounter("no-such-encounter").sign());
        assertThat(ownPatientWrongEncounter.status()).isEqualTo(403);
        // A missing encounter is refused with the words another patient's encounter gets: nothing about which exist.
        assertThat(ownPatientWrongEncounter.body()).contains("is not an encounter of its patient").doesNotContain("does not exist");
    }
}
