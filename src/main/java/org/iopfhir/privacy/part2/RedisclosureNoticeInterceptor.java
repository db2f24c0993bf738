package org.iopfhir.privacy.part2;

import ca.uhn.fhir.interceptor.api.Hook;
import ca.uhn.fhir.interceptor.api.Interceptor;
import ca.uhn.fhir.interceptor.api.Pointcut;
import ca.uhn.fhir.rest.api.server.RequestDetails;
import ca.uhn.fhir.rest.api.server.ResponseDetails;
import jakarta.servlet.http.HttpServletResponse;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.hl7.fhir.r4.model.OperationOutcome;
import org.hl7.fhir.r4.model.Resource;
import org.hl7.fhir.r4.model.StringType;
import org.iopfhir.privacy.auth.CallerContext;
import org.iopfhir.privacy.auth.Role;

/**
 * Every disclosure to a payer carries the redisclosure notice (42 CFR 2.32): the returned resource
 * or Bundle gets the security label NORDSCLCD and the notice text as a {@code meta} extension
 * ({@value #EXTENSION}), and the response the header {@value #HEADER}. Runs after consent
 * filtering, on what is actually sent.
 */
@Interceptor
public class RedisclosureNoticeInterceptor {

    public static final String EXTENSION = "http://iop-fhir.org/fhir/StructureDefinition/redisclosure-notice";
    public static final String HEADER = "X-Redisclosure-Notice";

    @Hook(value = Pointcut.SERVER_OUTGOING_RESPONSE, order = 100)
    public void outgoing(RequestDetails request, ResponseDetails response, HttpServletResponse servletResponse) {
        IBaseResource resource = response.getResponseResource();
        if (resource == null || resource instanceof OperationOutcome || !CallerContext.of(request).has(Role.PAYER)) {
            return;
        }
        mark(resource);
        servletResponse.setHeader(HEADER, SecurityLabels.REDISCLOSURE_NOTICE);
    }

    /** The label and notice text on one disclosed resource (or the Bundle that carries the disclosure). */
    static void mark(IBaseResource resource) {
        SecurityLabels.add(resource, SecurityLabels.noRedisclosure());
        if (resource instanceof Resource r && !r.getMeta().hasExtension(EXTENSION)) {
            r.getMeta().addExtension(EXTENSION, new StringType(SecurityLabels.REDISCLOSURE_NOTICE));
        }
    }
}
