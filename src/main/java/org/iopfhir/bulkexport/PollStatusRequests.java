package org.iopfhir.bulkexport;

import ca.uhn.fhir.interceptor.api.Hook;
import ca.uhn.fhir.interceptor.api.Interceptor;
import ca.uhn.fhir.interceptor.api.Pointcut;
import ca.uhn.fhir.jpa.model.util.JpaConstants;
import ca.uhn.fhir.rest.api.server.RequestDetails;
import ca.uhn.fhir.rest.server.exceptions.InvalidRequestException;
import ca.uhn.fhir.rest.server.provider.ProviderConstants;
import java.util.List;
import org.hl7.fhir.r4.model.Parameters;
import org.hl7.fhir.r4.model.StringType;

/**
 * {@code $export-poll-status} names its export by {@code _jobId}, in the query or as a string parameter of a
 * Parameters body. HAPI's provider takes any other body for Parameters and fails with a server error; such
 * a request is refused here with 400 first.
 */
@Interceptor
class PollStatusRequests {

    private static final String POLL_STATUS = ProviderConstants.OPERATION_EXPORT_POLL_STATUS;

    @Hook(Pointcut.SERVER_INCOMING_REQUEST_PRE_HANDLED)
    public void incoming(RequestDetails request) {
        if (!POLL_STATUS.equals(request.getOperation())
                || request.getParameters().containsKey(JpaConstants.PARAM_EXPORT_POLL_STATUS_JOB_ID)) {
            return;
        }
        // Exactly one _jobId with a value: HAPI's provider takes the first one and fails on one without a value
        // (only extensions), and the requester check must look at the job the provider will answer for.
        List<Parameters.ParametersParameterComponent> named = request.getResource() instanceof Parameters parameters
                ? parameters.getParameter().stream()
                        .filter(p -> JpaConstants.PARAM_EXPORT_POLL_STATUS_JOB_ID.equals(p.getName())).toList()
                : List.of();
        if (named.size() != 1 || !(named.get(0).getValue() instanceof StringType jobId) || !jobId.hasValue()
                || jobId.getValue().isBlank()) {
            throw new InvalidRequestException(POLL_STATUS + " needs the export's _jobId, once, in the query or as a string parameter");
        }
    }
}
