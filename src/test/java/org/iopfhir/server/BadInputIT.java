package org.iopfhir.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.zip.GZIPOutputStream;
import java.util.stream.Stream;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.CapabilityStatement;
import org.hl7.fhir.r4.model.CodeType;
import org.hl7.fhir.r4.model.OperationOutcome;
import org.iopfhir.testsupport.PostgresServerTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.util.unit.DataSize;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Bad requests get the 4xx status that names the problem and an OperationOutcome saying what
 * was wrong; never a 500, never an HTML error page.
 */
class BadInputIT extends PostgresServerTest {

    @Value("${iop.server.max-request-size}")
    private DataSize maxRequestSize;

    private static final String JSON = "application/fhir+json";
    private static final HttpClient HTTP = HttpClient.newHttpClient();
    private static final String OVERSIZE = "oversize";

    static Stream<Arguments> badRequests() {
        String longId = "x".repeat(65);
        return Stream.of(
                Arguments.of("malformed JSON", "POST", "/Patient", JSON, "{\"resourceType\":\"Patient\",", 400),
                Arguments.of("JSON that is not a resource", "POST", "/Patient", JSON, "[1,2,3]", 400),
                Arguments.of("unknown resource type in the URL", "GET", "/Treatment/1", null, null, 404),
                Arguments.of("unknown resource type in the body", "POST", "/Patient", JSON,
                        "{\"resourceType\":\"Treatment\"}", 400),
                Arguments.of("body type differs from the URL", "POST", "/Patient", JSON,
                        "{\"resourceType\":\"Observation\",\"status\":\"final\",\"code\":{\"text\":\"x\"}}", 400),
                Arguments.of("plain text body", "POST", "/Patient", "text/plain", "hello", 415),
                Arguments.of("form body", "POST", "/Patient", "application/x-www-form-urlencoded", "a=b", 415),
                Arguments.of("id with illegal characters", "GET", "/Patient/bad%20id!", null, null, 400),
                Arguments.of("id longer than 64 characters", "PUT", "/Patient/" + longId, JSON,
                        "{\"resourceType\":\"Patient\",\"id\":\"" + longId + "\"}", 400),
                Arguments.of("update whose body id differs from the URL", "PUT", "/Patient/abc", JSON,
                        "{\"resourceType\":\"Patient\",\"id\":\"xyz\"}", 400),
                Arguments.of("unknown search parameter", "GET", "/Patient?favourite-colour=blue", null, null, 400),
                Arguments.of("unparseable date search", "GET", "/Patient?birthdate=yesterday", null, null, 400),
                Arguments.of("more sort keys than allowed", "GET", "/Patient?_sort=name,-birthdate,gender,_id", null, null,
                        400),
                Arguments.of("sort keys over repeated _sort parameters", "GET",
                        "/Patient?_sort=name&_sort=birthdate&_sort=gender,_lastUpdated", null, null, 400),
                Arguments.of("NUL character in a search value", "GET", "/Patient?name=Ri%00vera", null, null, 400),
                Arguments.of("misspelt element would be silently dropped", "POST", "/Patient", JSON,
                        "{\"resourceType\":\"Patient\",\"nmae\":[{\"family\":\"Rivera\"}]}", 400),
                Arguments.of("wrong JSON type for a boolean", "POST", "/Patient", JSON,
                        "{\"resourceType\":\"Patient\",\"active\":\"yes\"}", 400),
                Arguments.of("invalid code", "POST", "/Patient", JSON,
                        "{\"resourceType\":\"Patient\",\"gender\":\"unknown-gender\"}", 400),
                Arguments.of("impossible date", "POST", "/Patient", JSON,
                        "{\"resourceType\":\"Patient\",\"birthDate\":\"2020-13-45\"}", 400),
                Arguments.of("transaction entry without a request", "POST", "", JSON,
                        "{\"resourceType\":\"Bundle\",\"type\":\"transaction\",\"entry\":[{\"resource\":"
                                + "{\"resourceType\":\"Patient\"}}]}", 400),
                Arguments.of("bundle posted to the base that is not a transaction or batch", "POST", "", JSON,
                        "{\"resourceType\":\"Bundle\",\"type\":\"collection\"}", 400),
                Arguments.of("JSON patch of a resource that does not exist", "PATCH", "/Patient/no-such-patient",
                        "application/json-patch+json", "[{\"op\":\"remove\",\"path\":\"/active\"}]", 404),
                Arguments.of("body over the size limit", "POST", "/Patient", JSON, OVERSIZE, 413),
                Arguments.of("Turtle (RDF) asked for by _format", "GET", "/Patient?_format=ttl", null, null, 406),
                Arguments.of("Turtle asked for by its media type in _format", "GET", "/Patient?_format=text/turtle",
                        null, null, 406),
                Arguments.of("Turtle shown as HTML", "GET", "/Patient?_format=html/turtle", null, null, 406),
                Arguments.of("Turtle body", "POST", "/Patient", "text/turtle", "[ a fhir:Patient ] .", 415),
                Arguments.of("$subsumes, which needs a free-text index this server does not run", "GET",
                        "/CodeSystem/$subsumes?system=http%3A%2F%2Fiop-fhir.org%2Ffhir%2FCodeSystem%2Fiop-program-track"
                                + "&codeA=sud&codeB=co-occurring", null, null, 400));
    }

    @ParameterizedTest(name = "{0} -> {5}")
    @MethodSource("badRequests")
    void badRequestGetsItsStatusAndAnOperationOutcome(String why, String method, String path, String contentType,
            String body, int expectedStatus) throws IOException, InterruptedException {
        String payload = OVERSIZE.equals(body) ? oversizeBody(maxRequestSize.toBytes()) : body;
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(baseUrl() + path))
                .header("Accept", JSON)
                .method(method, payload == null ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofString(payload));
        if (contentType != null) {
            request.header("Content-Type", contentType);
        }

        HttpResponse<String> response = HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());

        assertThat(response.statusCode()).as(why).isEqualTo(expectedStatus);
        assertThat(response.headers().firstValue("Content-Type")).get().asString().contains("json");
        IBaseResource parsed = FHIR.newJsonParser().parseResource(response.body());
        assertThat(parsed).isInstanceOf(OperationOutcome.class);
        assertThat(((OperationOutcome) parsed).getIssue()).as(why).anySatisfy(issue -> {
            assertThat(issue.getSeverity()).isIn(OperationOutcome.IssueSeverity.ERROR, OperationOutcome.IssueSeverity.FATAL);
            assertThat(issue.getDiagnostics()).isNotBlank();
        });
    }

    /** Turtle is not offered: 406 with the OperationOutcome in JSON, and the CapabilityStatement lists JSON and XML. */
    @Test
    void turtleAskedForByTheAcceptHeaderGets406InJson() throws IOException, InterruptedException {
        HttpResponse<String> response = HTTP.send(HttpRequest.newBuilder(URI.create(baseUrl() + "/Patient?_count=1"))
                .header("Accept", "text/turtle").GET().build(), HttpResponse.BodyHandlers.ofString());

        assertThat(response.statusCode()).isEqualTo(406);
        assertThat(response.headers().firstValue("Content-Type")).get().asString().contains("application/fhir+json");
        OperationOutcome outcome = (OperationOutcome) FHIR.newJsonParser().parseResource(response.body());
        assertThat(outcome.getIssueFirstRep().getCode()).isEqualTo(OperationOutcome.IssueType.NOTSUPPORTED);

        HttpResponse<String> turtleOrJson = HTTP.send(HttpRequest.newBuilder(URI.create(baseUrl() + "/Patient?_count=1"))
                .header("Accept", "text/turtle, application/fhir+json").GET().build(), HttpResponse.BodyHandlers.ofString());
        assertThat(turtleOrJson.statusCode()).as("JSON is acceptable too: answered in JSON").isEqualTo(200);
        assertThat(FHIR.newJsonParser().parseResource(turtleOrJson.body())).isInstanceOf(Bundle.class);

        HttpResponse<String> metadata = HTTP.send(HttpRequest.newBuilder(URI.create(baseUrl() + "/metadata"))
                .header("Accept", JSON).GET().build(), HttpResponse.BodyHandlers.ofString());
        assertThat(((CapabilityStatement) FHIR.newJsonParser().parseResource(metadata.body())).getFormat())
                .extracting(CodeType::getValue).contains("json", "xml").noneMatch(format -> format.contains("turtle")
                        || format.contains("ttl"));
    }

    @Test
    void theCapabilityStatementOffersNoOperationTheServerRefuses() throws IOException, InterruptedException {
        HttpResponse<String> metadata = HTTP.send(HttpRequest.newBuilder(URI.create(baseUrl() + "/metadata"))
                .header("Accept", JSON).GET().build(), HttpResponse.BodyHandlers.ofString());
        CapabilityStatement capabilities = (CapabilityStatement) FHIR.newJsonParser().parseResource(metadata.body());

        assertThat(capabilities.getRestFirstRep().getResource()).flatExtracting(r -> r.getOperation())
                .extracting(o -> o.getName()).contains("lookup", "validate-code").doesNotContain("subsumes", "$subsumes");
        assertThat(capabilities.getRestFirstRep().getOperation()).extracting(o -> o.getName())
                .doesNotContain("reindex-terminology", "$reindex-terminology");
    }

    @Test
    void searchWithAsManySortKeysAsAllowedIsAnswered() throws IOException, InterruptedException {
        HttpResponse<String> response = HTTP.send(HttpRequest.newBuilder(
                URI.create(baseUrl() + "/Patient?_sort=name,-birthdate,_id")).header("Accept", JSON).build(),
                HttpResponse.BodyHandlers.ofString());

        assertThat(response.statusCode()).isEqualTo(200);
    }

    @Test
    void searchInsideABatchIsHeldToTheSortLimitToo() throws IOException, InterruptedException {
        String batch = "{\"resourceType\":\"Bundle\",\"type\":\"batch\",\"entry\":["
                + "{\"request\":{\"method\":\"GET\",\"url\":\"Patient?_sort=name,birthdate,gender,_id\"}},"
                + "{\"request\":{\"method\":\"GET\",\"url\":\"Patient?_sort=name\"}}]}";
        HttpResponse<String> response = HTTP.send(HttpRequest.newBuilder(URI.create(baseUrl()))
                .header("Accept", JSON).header("Content-Type", JSON)
                .POST(HttpRequest.BodyPublishers.ofString(batch)).build(), HttpResponse.BodyHandlers.ofString());

        assertThat(response.statusCode()).isEqualTo(200);
        org.hl7.fhir.r4.model.Bundle answer = FHIR.newJsonParser().parseResource(org.hl7.fhir.r4.model.Bundle.class,
                response.body());
        assertThat(answer.getEntry().get(0).getResponse().getStatus()).startsWith("400");
        assertThat(answer.getEntry().get(1).getResponse().getStatus()).startsWith("200");
    }

    @Test
    void smallGzipBodyInflatingBeyondTheLimitGets413() throws IOException, InterruptedException {
        byte[] bomb = gzippedOversizeBody(maxRequestSize.toBytes());
        assertThat(bomb.length).as("compressed size").isLessThan(1_000_000);

        HttpResponse<String> response = post(bomb, "gzip");

        assertThat(response.statusCode()).isEqualTo(413);
        OperationOutcome outcome = FHIR.newJsonParser().parseResource(OperationOutcome.class, response.body());
        assertThat(outcome.getIssueFirstRep().getCode()).isEqualTo(OperationOutcome.IssueType.TOOLONG);
    }

    @Test
    void gzipBodyWithinTheLimitIsDecodedAndStored() throws IOException, InterruptedException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (GZIPOutputStream gzip = new GZIPOutputStream(out)) {
            gzip.write("{\"resourceType\":\"Patient\",\"name\":[{\"family\":\"Gzipped\"}]}".getBytes(StandardCharsets.UTF_8));
        }

        HttpResponse<String> response = post(out.toByteArray(), "gzip");

        assertThat(response.statusCode()).isEqualTo(201);
        assertThat(response.body()).contains("Gzipped");
    }

    @Test
    void bodyInAnEncodingTheServerCannotDecodeGets415() throws IOException, InterruptedException {
        HttpResponse<String> response = post("{\"resourceType\":\"Patient\"}".getBytes(StandardCharsets.UTF_8), "br");

        assertThat(response.statusCode()).isEqualTo(415);
        assertThat(FHIR.newJsonParser().parseResource(response.body())).isInstanceOf(OperationOutcome.class);
    }

    private HttpResponse<String> post(byte[] body, String contentEncoding) throws IOException, InterruptedException {
        return HTTP.send(HttpRequest.newBuilder(URI.create(baseUrl() + "/Patient"))
                .header("Accept", JSON).header("Content-Type", JSON).header("Content-Encoding", contentEncoding)
                .header("Prefer", "return=representation")
                .POST(HttpRequest.BodyPublishers.ofByteArray(body)).build(), HttpResponse.BodyHandlers.ofString());
    }

    /** {@link #oversizeBody} gzipped as it is written, so the test never holds the inflated body. */
    private static byte[] gzippedOversizeBody(long limit) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (GZIPOutputStream gzip = new GZIPOutputStream(out)) {
            gzip.write(("{\"resourceType\":\"Patient\",\"text\":{\"status\":\"generated\",\"div\":"
                    + "\"<div xmlns=\\\"http://www.w3.org/1999/xhtml\\\">").getBytes(StandardCharsets.UTF_8));
            byte[] padding = "x".repeat(1 << 20).getBytes(StandardCharsets.US_ASCII);
            for (long written = 0; written <= limit; written += padding.length) {
                gzip.write(padding);
            }
            gzip.write("</div>\"}}".getBytes(StandardCharsets.UTF_8));
        }
        return out.toByteArray();
    }

    private static String oversizeBody(long limit) {
        String padding = "x".repeat((int) limit);
        return "{\"resourceType\":\"Patient\",\"text\":{\"status\":\"generated\",\"div\":"
                + "\"<div xmlns=\\\"http://www.w3.org/1999/xhtml\\\">" + padding + "</div>\"}}";
    }

    /** What curl sends for the README's identifier search: the token separator unencoded. */
    @org.junit.jupiter.api.Test
    void aTokenSearchWithAnUnencodedBarGetsAFhirAnswer() throws Exception {
        try (java.net.Socket socket = new java.net.Socket("localhost", port)) {
            socket.getOutputStream().write(("GET /fhir/Patient?identifier=http://example.org/mrn|A-1001 HTTP/1.1\r\n"
                    + "Host: localhost\r\nAccept: application/fhir+json\r\nConnection: close\r\n\r\n")
                    .getBytes(java.nio.charset.StandardCharsets.US_ASCII));
            String response = new String(socket.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);

            assertThat(response).startsWith("HTTP/1.1 200");
            assertThat(response).contains("\"resourceType\":\"Bundle\"");
        }
    }
}
