package org.iopfhir.server;

import ca.uhn.fhir.interceptor.api.Hook;
import ca.uhn.fhir.interceptor.api.Interceptor;
import ca.uhn.fhir.interceptor.api.Pointcut;
import ca.uhn.fhir.rest.api.Constants;
import ca.uhn.fhir.rest.api.EncodingEnum;
import ca.uhn.fhir.rest.api.server.RequestDetails;
import ca.uhn.fhir.rest.server.RestfulServerUtils;
import ca.uhn.fhir.rest.server.exceptions.UnclassifiedServerFailureException;
import java.util.Arrays;
import org.hl7.fhir.r4.model.OperationOutcome;

/**
 * FHIR's RDF format (Turtle), which this server does not offer: it ships without the library that reads and writes
 * it. A request that asks for a Turtle answer ({@code _format} ttl or html/turtle, or an Accept header HAPI would
 * answer in Turtle) gets 406 Not Acceptable, and one whose body is Turtle 415 Unsupported Media Type, before anything
 * runs. The refusal is an OperationOutcome in JSON (when Turtle was asked for) and is audited and logged like any
 * refused request. The CapabilityStatement lists JSON and XML only.
 */
@Interceptor
public class UnofferedFormatInterceptor {

    static final String NOT_OFFERED = "FHIR's RDF format (Turtle) is not offered: this server reads and answers FHIR"
            + " JSON or XML (application/fhir+json, application/fhir+xml).";

    @Hook(Pointcut.SERVER_INCOMING_REQUEST_POST_PROCESSED)
    public void refuseTurtle(RequestDetails request) {
        boolean turtleBody = RestfulServerUtils.determineRequestEncodingNoDefault(request) == EncodingEnum.RDF;
        boolean turtleAnswer = asksForTurtle(request);
        if (!turtleBody && !turtleAnswer) {
            return;
        }
        if (turtleAnswer) {
            // The refusal itself is written in JSON, and no HTML page is made of it.
            request.addParameter(Constants.PARAM_FORMAT, new String[] {Constants.FORMAT_JSON});
        }
        int status = turtleBody ? 415 : 406;
        OperationOutcome outcome = new OperationOutcome();
        outcome.addIssue().setSeverity(OperationOutcome.IssueSeverity.ERROR)
                .setCode(OperationOutcome.IssueType.NOTSUPPORTED).setDiagnostics(NOT_OFFERED);
        throw new UnclassifiedServerFailureException(status, NOT_OFFERED, outcome);
    }

    /** The answer HAPI would choose, with the server's default breaking ties as HAPI does; or html/turtle. */
    private static boolean asksForTurtle(RequestDetails request) {
        String[] formats = request.getParameters().get(Constants.PARAM_FORMAT);
        if (formats != null && Arrays.asList(formats).contains(Constants.FORMATS_HTML_TTL)) {
            return true;
        }
        RestfulServerUtils.ResponseEncoding answer = RestfulServerUtils.determineResponseEncodingNoDefault(
                request, request.getServer().getDefaultResponseEncoding());
        return answer != null && answer.getEncoding() == EncodingEnum.RDF;
    }
}
