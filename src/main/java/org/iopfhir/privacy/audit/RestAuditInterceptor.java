package org.iopfhir.privacy.audit;

import ca.uhn.fhir.interceptor.api.Hook;
import ca.uhn.fhir.interceptor.api.Interceptor;
import ca.uhn.fhir.interceptor.api.Pointcut;
import ca.uhn.fhir.rest.api.RestOperationTypeEnum;
import ca.uhn.fhir.rest.api.server.RequestDetails;
import ca.uhn.fhir.rest.api.server.ResponseDetails;
import ca.uhn.fhir.rest.server.exceptions.BaseServerResponseException;
import ca.uhn.fhir.rest.server.servlet.ServletRequestDetails;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.OperationOutcome;
import org.hl7.fhir.r4.model.Parameters;
import org.iopfhir.privacy.auth.CallerContext;
import org.iopfhir.privacy.part2.PatientRecords;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One AuditEvent per FHIR request - reads, searches, writes, operations, and refusals (403, 404,
 * 422...) - recorded when the request ends. What was disclosed is taken from the response as sent
 * (after consent filtering), so the trail lists the resources and patients a caller actually saw.
 * Capability statement requests are not audited (public, no patient data). The AuditEvents the
 * trail writes are stored with system rights and never pass through here.
 */
@Interceptor
public class RestAuditInterceptor {

    private static final Logger LOG = LoggerFactory.getLogger(RestAuditInterceptor.class);
    private static final String DISCLOSED = RestAuditInterceptor.class.getName() + ".disclosed";
    private static final String WRITTEN = RestAuditInterceptor.class.getName() + ".written";

    private final AuditRecorder recorder;
    private final PatientRecords records;

    public RestAuditInterceptor(AuditRecorder recorder, PatientRecords records) {
        this.recorder = recorder;
        this.records = records;
    }

    /** Runs after consent filtering and the redisclosure notice: what is recorded is what is sent. */
    @Hook(value = Pointcut.SERVER_OUTGOING_RESPONSE, order = 200)
    public void outgoing(RequestDetails request, ResponseDetails response) {
        request.getUserData().put(DISCLOSED, new Disclosure(response.getResponseCode(),
                disclosedResources(response.getResponseResource()).toList()));
    }

    /** What a request wrote, also inside a transaction and when the client asked for no response body. */
    @Hook(Pointcut.STORAGE_PRECOMMIT_RESOURCE_CREATED)
    public void created(IBaseResource resource, RequestDetails request) {
        written(request).add(resource.fhirType() + "/" + resource.getIdElement().getIdPart());
    }

    @Hook(Pointcut.STORAGE_PRECOMMIT_RESOURCE_UPDATED)
    public void updated(IBaseResource previous, IBaseResource resource, RequestDetails request) {
        written(request).add(resource.fhirType() + "/" + resource.getIdElement().getIdPart());
    }

    @SuppressWarnings("unchecked")
    private static Set<String> written(RequestDetails request) {
        return (Set<String>) request.getUserData().computeIfAbsent(WRITTEN, k -> new LinkedHashSet<String>());
    }

    @Hook(Pointcut.SERVER_PROCESSING_COMPLETED_NORMALLY)
    public void completed(ServletRequestDetails request) {
        Disclosure disclosure = request.getUserData().get(DISCLOSED) instanceof Disclosure d ? d : new Disclosure(200, List.of());
        record(request, disclosure.status(), disclosure.resources());
    }

    @Hook(Pointcut.SERVER_HANDLE_EXCEPTION)
    public boolean failed(RequestDetails request, BaseServerResponseException exception) {
        record(request, exception.getStatusCode(), List.of());
        return true;
    }

    private void record(RequestDetails request, int status, List<IBaseResource> disclosed) {
        if (request.getRestOperationType() == RestOperationTypeEnum.METADATA) {
            return;
        }
        CallerContext caller = CallerContext.of(request);
        Interaction interaction = Interaction.of(request.getRestOperationType());
        Set<String> resources = new LinkedHashSet<>();
        Set<String> patients = new LinkedHashSet<>();
        if (request.getId() != null && request.getResourceName() != null && request.getId().hasIdPart()) {
            String target = request.getResourceName() + "/" + request.getId().getIdPart();
            resources.add(target);
            if ("Patient".equals(request.getResourceName())) {
                patients.add(target);
            }
        }
        if (request.getUserData().containsKey(WRITTEN)) {
            resources.addAll(written(request));
        }
        for (IBaseResource resource : disclosed) {
            if (resource.getIdElement().hasIdPart()) {
                resources.add(resource.fhirType() + "/" + resource.getIdElement().getIdPart());
            }
            patients.addAll(records.patientsOf(resource));
        }
        if (caller.breakTheGlass()) {
            LOG.warn("Break-the-glass access ({}) by user {} of client {}: {} {}", caller.purposeOfUse().orElseThrow(),
                    caller.user(), caller.clientId(), interaction.code(), request.getResourceName());
        }
        recorder.record(new Access(interaction, caller, status, new ArrayList<>(resources), patients, query(request, interaction),
                request.getOperation(), remoteAddress(request), status < 400 && interaction != Interaction.DELETE));
    }

    private static String query(RequestDetails request, Interaction interaction) {
        boolean asks = switch (interaction) {
            case SEARCH_TYPE, SEARCH_SYSTEM, HISTORY_TYPE, HISTORY_SYSTEM, OPERATION, UNKNOWN -> true;
            default -> false;
        };
        String url = request.getCompleteUrl();
        String base = request.getFhirServerBase();
        return asks && url != null ? (base != null && url.startsWith(base) ? url.substring(base.length()) : url) : null;
    }

    private static String remoteAddress(RequestDetails request) {
        return request instanceof ServletRequestDetails servlet ? servlet.getServletRequest().getRemoteAddr() : null;
    }

    private static Stream<IBaseResource> disclosedResources(IBaseResource response) {
        if (response instanceof Bundle bundle) {
            return bundle.getEntry().stream().map(Bundle.BundleEntryComponent::getResource)
                    .filter(r -> r != null && !(r instanceof OperationOutcome)).map(IBaseResource.class::cast);
        }
        if (response instanceof Parameters parameters) {
            return parameters.getParameter().stream().map(Parameters.ParametersParameterComponent::getResource)
                    .filter(r -> r != null && !(r instanceof OperationOutcome)).map(IBaseResource.class::cast);
        }
        return response == null || response instanceof OperationOutcome ? Stream.empty() : Stream.of(response);
    }

    private record Disclosure(int status, List<IBaseResource> resources) {
    }
}
