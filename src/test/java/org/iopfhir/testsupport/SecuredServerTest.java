package org.iopfhir.testsupport;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.rest.client.api.IGenericClient;
import ca.uhn.fhir.rest.client.interceptor.BearerTokenAuthInterceptor;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpHeaders;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.iopfhir.IopFhirServerApplication;
import org.springframework.boot.test.autoconfigure.actuate.observability.AutoConfigureObservability;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * Base of the security tests: the whole application with security, Part 2 labelling and audit on (audit
 * by default: it follows security), trusting {@link TestTokens}' key and audience, on a database of its
 * own on the shared PostgreSQL, with the example episode loaded at start-up (so its labelling at start-up
 * is tested too). All subclasses share this one Spring context.
 */
@AutoConfigureObservability
@SpringBootTest(classes = IopFhirServerApplication.class, webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
public abstract class SecuredServerTest {

    protected static final FhirContext FHIR = TestFhir.CONTEXT;
    private static final HttpClient HTTP = HttpClient.newHttpClient();
    private static String databaseUrl;

    @LocalServerPort
    protected int port;

    @DynamicPropertySource
    static void securedServer(DynamicPropertyRegistry registry) {
        registry.add("spring.datasource.url", SecuredServerTest::database);
        registry.add("spring.datasource.username", () -> TestPostgres.USER);
        registry.add("spring.datasource.password", () -> "");
        registry.add("iop.security.enabled", () -> "true");
        registry.add("iop.security.issuer-uri", () -> TestTokens.ISSUER);
        registry.add("iop.security.audience", () -> TestTokens.AUDIENCE);
        registry.add("iop.security.public-key-location", TestTokens::publicKeyLocation);
        // Browser tests sign in through the test authorization server, which issues TestTokens' tokens.
        registry.add("iop.security.token-endpoint", () -> TestAuthorizationServer.shared().url() + "/token");
        registry.add("iop.security.authorization-endpoint", () -> TestAuthorizationServer.shared().url() + "/authorize");
        registry.add("iop.ig.load-examples", () -> "true");
        // The subscription tests run their rest-hook receiver on this machine.
        registry.add("iop.subscriptions.allow-loopback-endpoints", () -> "true");
    }

    private static synchronized String database() {
        if (databaseUrl == null) {
            databaseUrl = TestPostgres.createDatabase(TestPostgres.shared(), "iop_secured");
        }
        return databaseUrl;
    }

    protected String baseUrl() {
        return "http://localhost:" + port + "/fhir";
    }

    protected IGenericClient client(String token) {
        IGenericClient client = TestFhir.client(baseUrl());
        client.registerInterceptor(new BearerTokenAuthInterceptor(token));
        return client;
    }

    /** A plain HTTP GET (path relative to the server root, e.g. {@code /fhir/Patient/x}), with or without a token. */
    protected Response get(String path, String token) {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://localhost:" + port + path))
                .timeout(Duration.ofSeconds(60))
                .header("Accept", path.startsWith("/fhir/") ? "application/fhir+json" : "*/*");
        if (token != null) {
            request.header("Authorization", "Bearer " + token);
        }
        return send(request.GET().build());
    }

    protected Response send(HttpRequest request) {
        try {
            HttpResponse<String> response = HTTP.send(request, HttpResponse.BodyHandlers.ofString());
            return new Response(response.statusCode(), response.headers(), response.body());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    public record Response(int status, HttpHeaders headers, String body) {
        public IBaseResource resource() {
            return FHIR.newJsonParser().parseResource(body);
        }

        public String header(String name) {
            return headers.firstValue(name).orElse(null);
        }
    }
}
