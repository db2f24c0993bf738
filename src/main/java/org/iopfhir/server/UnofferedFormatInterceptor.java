package org.iopfhir.server;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.interceptor.api.Hook;
import ca.uhn.fhir.interceptor.api.Interceptor;
import ca.uhn.fhir.interceptor.api.Pointcut;
import ca.uhn.fhir.rest.api.Constants;
import ca.uhn.fhir.rest.api.EncodingEnum;
import ca.uhn.fhir.rest.api.server.RequestDetails;
import ca.uhn.fhir.rest.server.RestfulServerUtils;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import org.hl7.fhir.r4.model.OperationOutcome;

/**
 * FHIR's RDF format (Turtle), which this server does not offer: it ships without the library that writes it. A
 * request that asks for it, by {@code _format} or by its Accept header, gets 406 Not Acceptable with an
 * OperationOutcome in JSON before anything runs, instead of failing when the answer is written. The
 * CapabilityStatement lists JSON and XML only.
 */
@Interceptor
public class UnofferedFormatInterceptor {

    static final String REFUSAL = "This server answers in FHIR JSON or XML; FHIR's RDF format (Turtle) is not"
            + " offered. Ask for application/fhir+json or application/fhir+xml (Accept header or _format).";

    private final FhirContext fhirContext;

    public UnofferedFormatInterceptor(FhirContext fhirContext) {
        this.fhirContext = fhirContext;
    }

    @Hook(Pointcut.SERVER_INCOMING_REQUEST_POST_PROCESSED)
    public boolean refuseTurtle(RequestDetails request, HttpServletResponse response) throws IOException {
        RestfulServerUtils.ResponseEncoding asked = RestfulServerUtils.determineResponseEncodingNoDefault(request, null);
        if (asked == null || asked.getEncoding() != EncodingEnum.RDF) {
            return true;
        }
        OperationOutcome outcome = new OperationOutcome();
        outcome.addIssue().setSeverity(OperationOutcome.IssueSeverity.ERROR)
                .setCode(OperationOutcome.IssueType.NOTSUPPORTED).setDiagnostics(REFUSAL);
        response.setStatus(HttpServletResponse.SC_NOT_ACCEPTABLE);
        response.setContentType(Constants.CT_FHIR_JSON_NEW);
        response.setCharacterEncoding(StandardCharsets.UTF_8.name());
        response.getWriter().write(fhirContext.newJsonParser().encodeResourceToString(outcome));
        response.getWriter().flush();
        return false;
    }
}
