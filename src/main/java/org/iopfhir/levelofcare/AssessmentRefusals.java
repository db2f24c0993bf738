package org.iopfhir.levelofcare;

import ca.uhn.fhir.interceptor.api.Hook;
import ca.uhn.fhir.interceptor.api.Pointcut;
import ca.uhn.fhir.rest.server.exceptions.BaseServerResponseException;
import ca.uhn.fhir.rest.server.exceptions.UnprocessableEntityException;

/**
 * The one place where an assessment the engine or the intake reader refuses becomes the client's
 * 422 with the reason: wherever it is thrown (the operation, a rule set, the reader), HAPI hands
 * it here wrapped or not, before the server's own error mapping.
 */
public final class AssessmentRefusals {

    @Hook(value = Pointcut.SERVER_PRE_PROCESS_OUTGOING_EXCEPTION, order = -5)
    public BaseServerResponseException toUnprocessable(Throwable thrown) {
        for (Throwable t = thrown; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof InvalidAssessmentException refused) {
                return new UnprocessableEntityException(refused.getMessage());
            }
        }
        return null;
    }
}
