package org.iopfhir.server;

import ca.uhn.fhir.interceptor.api.Hook;
import ca.uhn.fhir.interceptor.api.Interceptor;
import ca.uhn.fhir.interceptor.api.Pointcut;
import ca.uhn.fhir.parser.DataFormatException;
import ca.uhn.fhir.rest.api.server.RequestDetails;
import ca.uhn.fhir.rest.server.exceptions.BaseServerResponseException;
import ca.uhn.fhir.rest.server.exceptions.InternalErrorException;
import ca.uhn.fhir.rest.server.exceptions.InvalidRequestException;
import ca.uhn.fhir.rest.server.exceptions.UnclassifiedServerFailureException;
import java.sql.SQLException;
import java.sql.SQLTimeoutException;
import java.sql.SQLTransientConnectionException;
import java.util.List;
import java.util.Locale;
import org.hl7.fhir.r4.model.OperationOutcome;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one place where an exception thrown while serving a FHIR request becomes its response and
 * its log line. Every answer carries an OperationOutcome, which keeps HAPI's own exception handler
 * from logging the exception (with its message, which can quote the request: PHI).
 * <ul>
 * <li>A statement stopped by the statement timeout, a search HAPI stopped waiting for, no free
 * database connection in time, or the database unreachable (connection refused or lost, database shutting
 * down): 503, the server cannot serve this request now.</li>
 * <li>Unparseable input: 400 with the parser's message, as HAPI answers; a body that is not FHIR JSON or
 * XML by its Content-Type: 415.</li>
 * <li>An answer the code chose (4xx, 501...): as it is.</li>
 * <li>Anything else is a server fault: 500 with no details, which could describe the database or
 * quote data, but with the request id, under which the server log has the exception.</li>
 * </ul>
 * Server faults are logged here once, as request id, status and exception classes only (with a
 * stack trace, messages withheld, at DEBUG).
 */
@Interceptor
public class ErrorResponseInterceptor {

    private static final Logger LOG = LoggerFactory.getLogger(ErrorResponseInterceptor.class);

    /** SQLSTATE query_canceled: PostgreSQL's statement_timeout, H2's QUERY_TIMEOUT. */
    static final String QUERY_CANCELED = "57014";

    /**
     * A search that fails in HAPI's search thread reaches the request as a 500 with the root
     * cause's message only, so a timeout there is recognised by its message.
     */
    private static final List<String> TIMEOUT_MESSAGES = List.of(
            "canceling statement due to statement timeout", // PostgreSQL
            "statement was canceled or the session timed out", // H2
            "hapi-1163", // HAPI stopped waiting for a search's first results
            "connection is not available, request timed out", // Hikari: no free connection in time
            // The PostgreSQL driver's words for a database gone (stopped, restarting), as a search reports them.
            "an i/o error occurred while sending to the backend",
            "this connection has been closed",
            "terminating connection due to administrator command");

    /**
     * HAPI refuses a body whose Content-Type is not FHIR JSON or XML with 400; HTTP's status for it, and what
     * a client can act on, is 415 Unsupported Media Type.
     */
    private static final List<String> UNSUPPORTED_CONTENT_TYPE = List.of("HAPI-0446: ", "HAPI-0449: ");

    @Hook(Pointcut.SERVER_PRE_PROCESS_OUTGOING_EXCEPTION)
    public BaseServerResponseException toResponse(RequestDetails request, Throwable thrown) {
        String requestId = request != null && request.getRequestId() != null ? request.getRequestId() : "-";
        BaseServerResponseException answer;
        if (isOperationGivenAnotherResource(request, thrown)) {
            answer = new InvalidRequestException("The body of an operation request must be a Parameters resource");
        } else {
            answer = answer(thrown, requestId);
        }
        if (answer.getStatusCode() >= 500) {
            if (answer.getStatusCode() == 503) {
                LOG.warn("{} {} {}", requestId, answer.getStatusCode(), LogSafety.describe(thrown));
            } else {
                LOG.error("{} {} {}", requestId, answer.getStatusCode(), LogSafety.describe(thrown));
            }
            if (LOG.isDebugEnabled()) {
                LOG.debug("{} stack trace", requestId, LogSafety.withoutMessages(thrown));
            }
        }
        if (answer.getOperationOutcome() == null) {
            answer.setOperationOutcome(outcome(OperationOutcome.IssueType.PROCESSING, answer.getMessage(),
                    answer.getAdditionalMessages()));
        }
        return answer;
    }

    static BaseServerResponseException answer(Throwable thrown, String requestId) {
        if (isTimeout(thrown)) {
            return new UnclassifiedServerFailureException(503,
                    "The database did not answer in time and the request was stopped: narrow the search, "
                            + "or try again later",
                    outcome(OperationOutcome.IssueType.TIMEOUT, "The database did not answer in time and the "
                            + "request was stopped: narrow the search, or try again later", null));
        }
        if (thrown instanceof DataFormatException) {
            return new InvalidRequestException(thrown.getMessage());
        }
        if (thrown instanceof InvalidRequestException refused && refused.getMessage() != null
                && UNSUPPORTED_CONTENT_TYPE.stream().anyMatch(refused.getMessage()::startsWith)) {
            return new UnclassifiedServerFailureException(415, refused.getMessage(),
                    outcome(OperationOutcome.IssueType.NOTSUPPORTED, refused.getMessage(), null));
        }
        if (isMalformedPercentEncoding(thrown)) {
            return new InvalidRequestException("The URL has a malformed percent-encoding (a % must be followed by two "
                    + "hexadecimal digits; send a literal % as %25)");
        }
        if (thrown instanceof BaseServerResponseException chosen
                && (chosen.getStatusCode() != 500 || chosen.getOperationOutcome() != null)) {
            return chosen;
        }
        return new InternalErrorException("Internal server error: the server log has the details under request id "
                + requestId);
    }

    /**
     * HAPI casts the body of an operation to Parameters (or the resource an operation takes, e.g. $expand a
     * ValueSet) without checking its type: posting another resource makes a ClassCastException that is the
     * caller's mistake.
     */
    static boolean isOperationGivenAnotherResource(RequestDetails request, Throwable thrown) {
        if (request == null || request.getOperation() == null || !request.getOperation().startsWith("$")) {
            return false;
        }
        for (Throwable t = thrown; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof ClassCastException) {
                return true;
            }
        }
        return false;
    }

    /** HAPI decodes query strings itself with {@link java.net.URLDecoder}, which throws on "%", "%zz" and the like. */
    static boolean isMalformedPercentEncoding(Throwable thrown) {
        for (Throwable t = thrown; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof IllegalArgumentException && t.getMessage() != null
                    && t.getMessage().startsWith("URLDecoder:")) {
                return true;
            }
        }
        return false;
    }

    /** The statement timeout, or another sign the database could not serve the request in time. */
    static boolean isTimeout(Throwable thrown) {
        if (thrown instanceof DataFormatException
                || thrown instanceof BaseServerResponseException chosen && chosen.getStatusCode() < 500) {
            return false; // the client's own mistake, whatever its message quotes
        }
        for (Throwable t = thrown; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof SQLTimeoutException || t instanceof SQLTransientConnectionException
                    || t instanceof org.springframework.dao.QueryTimeoutException
                    || t instanceof jakarta.persistence.QueryTimeoutException
                    || t instanceof org.hibernate.QueryTimeoutException) {
                return true;
            }
            if (t instanceof SQLException sql && (QUERY_CANCELED.equals(sql.getSQLState()) || isConnectionLoss(sql))) {
                return true;
            }
            if (t instanceof java.net.ConnectException || t instanceof java.sql.SQLNonTransientConnectionException
                    || t instanceof org.hibernate.exception.JDBCConnectionException
                    // Committing or rolling back failed on the connection itself (closed under it by the database).
                    || t instanceof org.hibernate.TransactionException) {
                return true; // the database is unreachable (stopped, restarting, network): the request may be retried
            }
            String message = t.getMessage();
            if (message != null) {
                String lower = message.toLowerCase(Locale.ROOT);
                if (TIMEOUT_MESSAGES.stream().anyMatch(lower::contains)) {
                    return true;
                }
            }
        }
        return false;
    }

    /**
     * SQLSTATE class 08 (connection exception: refused, broken while in use) and PostgreSQL's 57P01-57P03
     * (the server is shutting down, crashed, or cannot accept connections yet): the database is unavailable,
     * which is no fault of this request and passes when it is back.
     */
    private static boolean isConnectionLoss(SQLException sql) {
        String state = sql.getSQLState();
        return state != null && (state.startsWith("08") || state.equals("57P01") || state.equals("57P02")
                || state.equals("57P03"));
    }

    private static OperationOutcome outcome(OperationOutcome.IssueType type, String diagnostics, List<String> more) {
        OperationOutcome outcome = new OperationOutcome();
        outcome.addIssue().setSeverity(OperationOutcome.IssueSeverity.ERROR).setCode(type).setDiagnostics(diagnostics);
        if (more != null) {
            for (String message : more) {
                outcome.addIssue().setSeverity(OperationOutcome.IssueSeverity.ERROR)
                        .setCode(OperationOutcome.IssueType.PROCESSING).setDiagnostics(message);
            }
        }
        return outcome;
    }
}
