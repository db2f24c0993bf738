package org.iopfhir.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import org.iopfhir.testsupport.PostgresServerTest;
import org.junit.jupiter.api.Test;

/** Health, readiness, metrics, CORS and the OpenAPI description that operators and developers use. */
class OperationsEndpointsIT extends PostgresServerTest {

    private static final HttpClient HTTP = HttpClient.newHttpClient();

    @Test
    void livenessAndReadinessAreUpWhileTheDatabaseIsReachable() throws Exception {
        assertThat(get("/actuator/health/liveness").body()).contains("\"UP\"");
        HttpResponse<String> readiness = get("/actuator/health/readiness");
        assertThat(readiness.statusCode()).isEqualTo(200);
        assertThat(readiness.body()).contains("\"UP\"");
    }

    @Test
    void prometheusExposesRequestMetrics() throws Exception {
        get("/fhir/metadata");
        HttpResponse<String> metrics = get("/actuator/prometheus");
        assertThat(metrics.statusCode()).isEqualTo(200);
        assertThat(metrics.body()).contains("http_server_requests_seconds_count", "hikaricp_connections_active");
    }

    @Test
    void openApiDescriptionAndBrowsableUiAreServed() throws Exception {
        HttpResponse<String> apiDocs = get("/fhir/api-docs");
        assertThat(apiDocs.statusCode()).isEqualTo(200);
        assertThat(apiDocs.body()).contains("openapi:", "/Patient/{id}");
        HttpResponse<String> ui = get("/fhir/swagger-ui/");
        assertThat(ui.statusCode()).isEqualTo(200);
        assertThat(ui.body()).containsIgnoringCase("swagger");
    }

    @Test
    void aBrowserAppFromAnAllowedOriginPassesTheCorsPreflight() throws Exception {
        HttpResponse<String> response = preflight(BROWSER_APP_ORIGIN);
        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.headers().firstValue("Access-Control-Allow-Origin")).contains(BROWSER_APP_ORIGIN);
        assertThat(response.headers().firstValue("Access-Control-Allow-Methods")).get().asString().contains("POST");
    }

    @Test
    void aBrowserAppFromAnyOtherOriginIsRefused() throws Exception {
        HttpResponse<String> response = preflight("https://evil.example.org");
        assertThat(response.headers().firstValue("Access-Control-Allow-Origin")).isEmpty();

        HttpResponse<String> read = HTTP.send(HttpRequest.newBuilder(URI.create("http://localhost:" + port + "/fhir/metadata"))
                .header("Origin", "https://evil.example.org").build(), HttpResponse.BodyHandlers.ofString());
        assertThat(read.headers().firstValue("Access-Control-Allow-Origin")).isEmpty();
    }

    private HttpResponse<String> preflight(String origin) throws IOException, InterruptedException {
        HttpRequest preflight = HttpRequest.newBuilder(URI.create("http://localhost:" + port + "/fhir/Patient"))
                .method("OPTIONS", HttpRequest.BodyPublishers.noBody())
                .header("Origin", origin)
                .header("Access-Control-Request-Method", "POST")
                .header("Access-Control-Request-Headers", "authorization,content-type")
                .build();
        return HTTP.send(preflight, HttpResponse.BodyHandlers.ofString());
    }

    private HttpResponse<String> get(String path) throws IOException, InterruptedException {
        return HTTP.send(HttpRequest.newBuilder(URI.create("http://localhost:" + port + path)).build(),
                HttpResponse.BodyHandlers.ofString());
    }
}
