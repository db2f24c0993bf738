package org.iopfhir.testsupport;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.rest.client.api.IGenericClient;
import org.iopfhir.IopFhirServerApplication;
import org.springframework.boot.test.autoconfigure.actuate.observability.AutoConfigureObservability;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * Base of the integration tests that talk HTTP to the whole application on the shared
 * PostgreSQL. Spring caches the context, so all subclasses share one running server. Metrics
 * export is on, as in production (Boot's test support turns it off otherwise).
 */
@AutoConfigureObservability
@SpringBootTest(classes = IopFhirServerApplication.class, webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
public abstract class PostgresServerTest {

    protected static final FhirContext FHIR = TestFhir.CONTEXT;
    protected static final String STATEMENT_TIMEOUT = "5s";
    /** The one origin browser apps may call this server from (cross-origin calls are off by default). */
    protected static final String BROWSER_APP_ORIGIN = "https://app.example.org";

    @LocalServerPort
    protected int port;

    @DynamicPropertySource
    static void postgres(DynamicPropertyRegistry registry) {
        registry.add("spring.datasource.url", TestPostgres::sharedDatabaseUrl);
        registry.add("spring.datasource.username", () -> TestPostgres.USER);
        registry.add("spring.datasource.password", () -> "");
        // Short enough for StatementTimeoutIT to wait out, long enough for every other statement.
        registry.add("iop.server.statement-timeout", () -> STATEMENT_TIMEOUT);
        registry.add("iop.server.cors-allowed-origins", () -> BROWSER_APP_ORIGIN);
    }

    protected String baseUrl() {
        return "http://localhost:" + port + "/fhir";
    }

    protected IGenericClient client() {
        return TestFhir.client(baseUrl());
    }
}
