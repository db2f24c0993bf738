package org.iopfhir.privacy.auth;

import ca.uhn.fhir.context.FhirContext;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.util.function.Consumer;
import org.hl7.fhir.r4.model.OperationOutcome;
import org.springframework.security.core.AuthenticationException;
import org.springframework.security.oauth2.server.resource.web.BearerTokenAuthenticationEntryPoint;
import org.springframework.security.web.AuthenticationEntryPoint;

/**
 * 401 for a missing, expired, wrongly signed or foreign token: Spring's {@code WWW-Authenticate:
 * Bearer ...} challenge (with {@code error="invalid_token"} when a token was sent) and a FHIR
 * OperationOutcome body. The refusal is reported to the audit trail; the reason stays generic so
 * the body tells an attacker nothing about the token.
 */
public class OperationOutcomeEntryPoint implements AuthenticationEntryPoint {

    private final BearerTokenAuthenticationEntryPoint challenge = new BearerTokenAuthenticationEntryPoint();
    private final FhirContext fhirContext;
    private final Consumer<HttpServletRequest> refusalListener;

    public OperationOutcomeEntryPoint(FhirContext fhirContext, Consumer<HttpServletRequest> refusalListener) {
        this.fhirContext = fhirContext;
        this.refusalListener = refusalListener;
    }

    @Override
    public void commence(HttpServletRequest request, HttpServletResponse response, AuthenticationException failure)
            throws IOException {
        challenge.commence(request, response, failure);
        refusalListener.accept(request);
        OperationOutcome outcome = new OperationOutcome();
        outcome.addIssue().setSeverity(OperationOutcome.IssueSeverity.ERROR)
                .setCode(OperationOutcome.IssueType.LOGIN)
                .setDiagnostics("Authentication required: send a valid bearer token from the configured issuer");
        response.setContentType("application/fhir+json;charset=UTF-8");
        response.getWriter().write(fhirContext.newJsonParser().encodeResourceToString(outcome));
    }
}
