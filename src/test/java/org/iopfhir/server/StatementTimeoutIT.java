package org.iopfhir.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import javax.sql.DataSource;
import org.hl7.fhir.r4.model.OperationOutcome;
import org.iopfhir.testsupport.PostgresServerTest;
import org.iopfhir.testsupport.TestPostgres;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;

/**
 * Every statement on PostgreSQL is bounded by {@code iop.server.statement-timeout} (5 s in the
 * tests). A slow statement is made deterministic by locking the table a name search reads: the
 * search waits for the lock until PostgreSQL stops it.
 */
@ExtendWith(OutputCaptureExtension.class)
class StatementTimeoutIT extends PostgresServerTest {

    private static final String MARKER = "PHI-MARKER-TIMEOUT";
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    @Autowired
    private DataSource dataSource;

    @Test
    void everyPooledConnectionCarriesTheStatementTimeout() throws Exception {
        try (Connection connection = dataSource.getConnection();
                Statement statement = connection.createStatement();
                ResultSet rs = statement.executeQuery("SHOW statement_timeout")) {
            rs.next();
            assertThat(rs.getString(1)).isEqualTo(STATEMENT_TIMEOUT);
        }
    }

    @Test
    void aSearchStoppedByTheTimeoutGets503WithAnOperationOutcomeAndLogsNoSearchValue(CapturedOutput output)
            throws Exception {
        HttpResponse<String> response;
        Duration waited;
        try (Connection locker = DriverManager.getConnection(TestPostgres.sharedDatabaseUrl(), TestPostgres.USER, "")) {
            locker.setAutoCommit(false);
            try (Statement statement = locker.createStatement()) {
                statement.execute("LOCK TABLE hfj_spidx_string IN ACCESS EXCLUSIVE MODE");
            }
            long started = System.nanoTime();
            response = get("/Patient?name=" + MARKER);
            waited = Duration.ofNanos(System.nanoTime() - started);
            locker.rollback();
        }

        assertThat(response.statusCode()).isEqualTo(503);
        OperationOutcome outcome = FHIR.newJsonParser().parseResource(OperationOutcome.class, response.body());
        assertThat(outcome.getIssueFirstRep().getCode()).isEqualTo(OperationOutcome.IssueType.TIMEOUT);
        assertThat(response.body()).doesNotContain("canceling statement", "at org.", "at ca.uhn");
        assertThat(waited).isGreaterThanOrEqualTo(Duration.ofSeconds(4)).isLessThan(Duration.ofSeconds(50));
        String requestId = response.headers().firstValue("X-Request-ID").orElseThrow();
        assertThat(output.getAll()).contains(requestId + " 503 ").doesNotContain(MARKER);

        // The connection the statement ran on is fine afterwards.
        assertThat(get("/Patient?name=" + MARKER).statusCode()).isEqualTo(200);
    }

    private HttpResponse<String> get(String path) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create(baseUrl() + path)).timeout(Duration.ofSeconds(120))
                .header("Accept", "application/fhir+json").build(), HttpResponse.BodyHandlers.ofString());
    }
}
