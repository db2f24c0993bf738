package org.iopfhir.server;

import static org.assertj.core.api.Assertions.assertThat;

import ca.uhn.fhir.parser.DataFormatException;
import ca.uhn.fhir.rest.server.exceptions.BaseServerResponseException;
import ca.uhn.fhir.rest.server.exceptions.InternalErrorException;
import ca.uhn.fhir.rest.server.exceptions.InvalidRequestException;
import ca.uhn.fhir.rest.server.exceptions.NotImplementedOperationException;
import ca.uhn.fhir.rest.server.exceptions.ResourceNotFoundException;
import ca.uhn.fhir.rest.server.servlet.ServletRequestDetails;
import java.sql.SQLException;
import java.sql.SQLTransientConnectionException;
import org.hl7.fhir.r4.model.OperationOutcome;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.dao.QueryTimeoutException;

@ExtendWith(OutputCaptureExtension.class)
class ErrorResponseInterceptorTest {

    private static final String MARKER = "PHI-MARKER-4711";
    private final ErrorResponseInterceptor interceptor = new ErrorResponseInterceptor();

    @Test
    void aStatementStoppedByTheTimeoutIs503WithATimeoutIssue() {
        SQLException canceled = new SQLException("ERROR: canceling statement due to statement timeout", "57014");
        BaseServerResponseException answer = answer(new QueryTimeoutException("JDBC exception executing SQL", canceled));

        assertThat(answer.getStatusCode()).isEqualTo(503);
        assertThat(issue(answer).getCode()).isEqualTo(OperationOutcome.IssueType.TIMEOUT);
    }

    @Test
    void aDatabaseThatIsGoneIs503NotAServerFault() {
        // What a request meets while PostgreSQL is stopped or restarting (FaultsIT).
        assertThat(answer(new RuntimeException(new SQLException("An I/O error occurred while sending to the backend.",
                "08006"))).getStatusCode()).isEqualTo(503);
        assertThat(answer(new RuntimeException(new SQLException("Connection to localhost:5432 refused.", "08001",
                new java.net.ConnectException("Connection refused")))).getStatusCode()).isEqualTo(503);
        assertThat(answer(new RuntimeException(new SQLException("terminating connection due to administrator command",
                "57P01"))).getStatusCode()).isEqualTo(503);
        assertThat(answer(new RuntimeException(new org.hibernate.TransactionException("Unable to rollback against JDBC "
                + "Connection", new SQLException("This connection has been closed.")))).getStatusCode()).isEqualTo(503);
        // Other database errors stay server faults.
        assertThat(answer(new RuntimeException(new SQLException("duplicate key value", "23505"))).getStatusCode())
                .isEqualTo(500);
    }

    @Test
    void aBodyThatIsNotFhirByItsContentTypeIs415() {
        BaseServerResponseException answer = answer(new InvalidRequestException("HAPI-0449: Incorrect Content-Type "
                + "header value of \"text/plain\" was provided in the request. A FHIR Content-Type is required for "
                + "\"CREATE\" operation"));

        assertThat(answer.getStatusCode()).isEqualTo(415);
        assertThat(issue(answer).getCode()).isEqualTo(OperationOutcome.IssueType.NOTSUPPORTED);
        assertThat(answer(new InvalidRequestException("HAPI-0450: Failed to parse request body")).getStatusCode())
                .isEqualTo(400);
    }

    @Test
    void aMalformedPercentEncodingIsTheClientsMistake() {
        // What HAPI's query decoding throws for ?_id=% or ?_id=%zz (MalformedInputCorpusIT).
        IllegalArgumentException decoding = new IllegalArgumentException(
                "URLDecoder: Illegal hex characters in escape (%) pattern - Error at index 0 in: \"zz\"");
        assertThat(answer(decoding).getStatusCode()).isEqualTo(400);
        assertThat(answer(new IllegalArgumentException("something else")).getStatusCode()).isEqualTo(500);
    }

    @Test
    void timeoutsThatReachTheRequestAsMessagesOnlyAre503Too() {
        // HAPI's search thread reports a failed search by the root cause's message alone.
        assertThat(answer(new InternalErrorException("ERROR: canceling statement due to statement timeout"))
                .getStatusCode()).isEqualTo(503);
        assertThat(answer(new InternalErrorException(
                "Statement was canceled or the session timed out; SQL statement: SELECT 1 [57014-232]"))
                .getStatusCode()).isEqualTo(503);
        assertThat(answer(new InternalErrorException("HAPI-1163: Request timed out after 60012ms")).getStatusCode())
                .isEqualTo(503);
        assertThat(answer(new RuntimeException(new SQLTransientConnectionException(
                "HikariPool-1 - Connection is not available, request timed out after 5000ms."))).getStatusCode())
                .isEqualTo(503);
    }

    @Test
    void theClientsOwnMistakeStaysItsOwnWhateverItQuotes() {
        InvalidRequestException chosen = new InvalidRequestException(
                "Unknown value \"canceling statement due to statement timeout\"");
        BaseServerResponseException answer = answer(chosen);

        assertThat(answer).isSameAs(chosen);
        assertThat(issue(answer).getDiagnostics()).contains("Unknown value");
        assertThat(answer(new ResourceNotFoundException("Patient/x is not known")).getStatusCode()).isEqualTo(404);
        assertThat(answer(new NotImplementedOperationException("not here")).getStatusCode()).isEqualTo(501);
    }

    @Test
    void unparseableInputIs400WithTheParsersMessage() {
        BaseServerResponseException answer = answer(new DataFormatException("HAPI-1941: Invalid prefix: \"PHI\""));

        assertThat(answer.getStatusCode()).isEqualTo(400);
        assertThat(issue(answer).getDiagnostics()).isEqualTo("HAPI-1941: Invalid prefix: \"PHI\"");
    }

    @Test
    void aServerFaultIs500WithTheRequestIdAndNothingOfTheMessage(CapturedOutput output) {
        ServletRequestDetails request = new ServletRequestDetails();
        request.setRequestId("req4711");
        SQLException database = new SQLException("ERROR: value \"" + MARKER + "\" is out of range", "22003");
        BaseServerResponseException answer = interceptor.toResponse(request,
                new IllegalStateException("lookup of " + MARKER + " failed", database));

        assertThat(answer.getStatusCode()).isEqualTo(500);
        assertThat(issue(answer).getDiagnostics()).contains("req4711").doesNotContain(MARKER);
        assertThat(output.getAll())
                .contains("req4711 500 java.lang.IllegalStateException <- java.sql.SQLException SQLState 22003")
                .doesNotContain(MARKER);
    }

    @Test
    void aHapi500KeepsItsCodeInTheLogButNotItsMessage(CapturedOutput output) {
        ServletRequestDetails request = new ServletRequestDetails();
        request.setRequestId("req4712");
        interceptor.toResponse(request, new InternalErrorException("HAPI-1262: search for " + MARKER + " failed"));

        assertThat(output.getAll()).contains("req4712 500 ca.uhn.fhir.rest.server.exceptions.InternalErrorException HAPI-1262")
                .doesNotContain(MARKER);
    }

    @Test
    void clientErrorsAreNotLogged(CapturedOutput output) {
        ServletRequestDetails request = new ServletRequestDetails();
        request.setRequestId("req4713");
        interceptor.toResponse(request, new InvalidRequestException("bad " + MARKER));

        assertThat(output.getAll()).doesNotContain("req4713").doesNotContain(MARKER);
    }

    @Test
    void theStackTraceWithoutMessagesKeepsFramesAndClasses() {
        RuntimeException thrown = new RuntimeException("x " + MARKER, new SQLException(MARKER, "57014"));
        Throwable withheld = LogSafety.withoutMessages(thrown);

        assertThat(withheld.getStackTrace()).isEqualTo(thrown.getStackTrace());
        assertThat(withheld.getMessage()).startsWith("java.lang.RuntimeException").doesNotContain(MARKER);
        assertThat(withheld.getCause().getMessage()).startsWith("java.sql.SQLException SQLState 57014")
                .doesNotContain(MARKER);
        assertThat(withheld.getCause().getCause()).isNull();
    }

    private BaseServerResponseException answer(Throwable thrown) {
        ServletRequestDetails request = new ServletRequestDetails();
        request.setRequestId("test");
        BaseServerResponseException answer = interceptor.toResponse(request, thrown);
        assertThat(answer.getOperationOutcome()).isInstanceOf(OperationOutcome.class);
        return answer;
    }

    private static OperationOutcome.OperationOutcomeIssueComponent issue(BaseServerResponseException answer) {
        return ((OperationOutcome) answer.getOperationOutcome()).getIssueFirstRep();
    }
}
