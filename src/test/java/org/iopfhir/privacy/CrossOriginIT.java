package org.iopfhir.privacy;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpRequest;
import org.iopfhir.testsupport.SecuredServerTest;
import org.iopfhir.testsupport.TestTokens;
import org.junit.jupiter.api.Test;

/** The secured server runs with the default settings for CORS: no origin may call it from a browser. */
class CrossOriginIT extends SecuredServerTest {

    private static final String ORIGIN = "https://app.example.org";

    @Test
    void noCrossOriginAccessByDefault() {
        Response preflight = send(HttpRequest.newBuilder(URI.create(baseUrl() + "/Patient"))
                .method("OPTIONS", HttpRequest.BodyPublishers.noBody())
                .header("Origin", ORIGIN)
                .header("Access-Control-Request-Method", "GET")
                .header("Access-Control-Request-Headers", "authorization").build());
        assertThat(preflight.header("Access-Control-Allow-Origin")).isNull();

        Response read = send(HttpRequest.newBuilder(URI.create(baseUrl() + "/Patient?_count=1"))
                .header("Origin", ORIGIN).header("Accept", "application/fhir+json")
                .header("Authorization", "Bearer " + TestTokens.token().scope("user/*.rs").role("clinician")
                        .purpose("TREAT").organization("Organization/example-program").sign())
                .GET().build());
        assertThat(read.status()).isLessThan(500);
        assertThat(read.header("Access-Control-Allow-Origin")).isNull();
    }
}
