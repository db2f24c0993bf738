package org.iopfhir.privacy.audit;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.interceptor.api.Hook;
import ca.uhn.fhir.interceptor.api.Interceptor;
import ca.uhn.fhir.interceptor.api.Pointcut;
import ca.uhn.fhir.parser.IParser;
import ca.uhn.fhir.rest.api.RestOperationTypeEnum;
import ca.uhn.fhir.rest.api.server.RequestDetails;
import ca.uhn.fhir.rest.api.server.ResponseDetails;
import ca.uhn.fhir.rest.api.server.SystemRequestDetails;
import ca.uhn.fhir.rest.server.exceptions.BaseServerResponseException;
import ca.uhn.fhir.rest.server.servlet.ServletRequestDetails;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.hl7.fhir.r4.model.Binary;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.OperationOutcome;
import org.hl7.fhir.r4.model.Parameters;
import org.iopfhir.privacy.auth.BulkExportRequester;
import org.iopfhir.privacy.auth.CallerContext;
import org.iopfhir.privacy.part2.PatientRecords;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One AuditEvent per FHIR request - reads, searches, writes, operations, and refusals (403, 404,
 * 422...) - recorded when the request ends. What was disclosed is taken from the response as sent
 * (after consent filtering), so the trail lists the resources and patients a caller actually saw:
 * every resource in the body, also nested ones (the entries of a Bundle, the resources and parts of
 * Parameters, a Bundle within Parameters and so on), and every patient they reference. An operation
 * on a resource other than a Patient (e.g. {@code EpisodeOfCare/[id]/$attendance},
 * {@code QuestionnaireResponse/[id]/$extract}) also records the patients that resource is about, as
 * its answer is about them even when it names no one. A write records what it wrote and the patients
 * that is about; when its response returns the stored resource (the created or changed record, the
 * existing match of a conditional create, an unchanged patch) that resource is recorded as disclosed
 * as well - with {@code Prefer: return=minimal} nothing is. A bulk export file (an NDJSON Binary) discloses
 * each resource in it, recorded when the requester downloads it. Capability statement requests are not
 * audited (public, no patient data). The AuditEvents the trail writes are stored with system rights
 * and never pass through here.
 */
@Interceptor
public class RestAuditInterceptor {

    private static final Logger LOG = LoggerFactory.getLogger(RestAuditInterceptor.class);
    private static final String DISCLOSED = RestAuditInterceptor.class.getName() + ".disclosed";
    private static final String NDJSON = "ndjson";
    private static final String WRITTEN = RestAuditInterceptor.class.getName() + ".written";
    /** Bundles that only carry the answer: their entries are what is disclosed, not they themselves. */
    private static final Set<Bundle.BundleType> ENVELOPES = EnumSet.of(Bundle.BundleType.SEARCHSET,
            Bundle.BundleType.HISTORY, Bundle.BundleType.TRANSACTION, Bundle.BundleType.TRANSACTIONRESPONSE,
            Bundle.BundleType.BATCH, Bundle.BundleType.BATCHRESPONSE);

    private final AuditRecorder recorder;
    private final PatientRecords records;
    private final FhirContext fhirContext;

    public RestAuditInterceptor(AuditRecorder recorder, PatientRecords records, FhirContext fhirContext) {
        this.recorder = recorder;
        this.records = records;
        this.fhirContext = fhirContext;
    }

    /** Runs after consent filtering and the redisclosure notice: what is recorded is what is sent. */
    @Hook(value = Pointcut.SERVER_OUTGOING_RESPONSE, order = 200)
    public void outgoing(RequestDetails request, ResponseDetails response) {
        Disclosure disclosure = new Disclosure(response.getResponseCode());
        disclose(response.getResponseResource(), request, disclosure);
        request.getUserData().put(DISCLOSED, disclosure);
    }

    /** What a request wrote, also inside a transaction and when the client asked for no response body. */
    @Hook(Pointcut.STORAGE_PRECOMMIT_RESOURCE_CREATED)
    public void created(IBaseResource resource, RequestDetails request) {
        written(request, resource, Lifecycle.CREATED);
    }

    @Hook(Pointcut.STORAGE_PRECOMMIT_RESOURCE_UPDATED)
    public void updated(IBaseResource previous, IBaseResource resource, RequestDetails request) {
        written(request, resource, Lifecycle.AMENDED);
    }

    private void written(RequestDetails request, IBaseResource resource, Lifecycle lifecycle) {
        if (request == null || request instanceof SystemRequestDetails) {
            return; // the server's own writes (the trail itself, labels) are no caller's access
        }
        Writes writes = (Writes) request.getUserData().computeIfAbsent(WRITTEN, k -> new Writes());
        writes.resources().putIfAbsent(resource.fhirType() + "/" + resource.getIdElement().getIdPart(), lifecycle);
        writes.patients().addAll(records.patientsOf(resource));
    }

    @Hook(Pointcut.SERVER_PROCESSING_COMPLETED_NORMALLY)
    public void completed(ServletRequestDetails request) {
        Disclosure disclosure = request.getUserData().get(DISCLOSED) instanceof Disclosure d ? d : new Disclosure(200);
        record(request, disclosure);
    }

    @Hook(Pointcut.SERVER_HANDLE_EXCEPTION)
    public boolean failed(RequestDetails request, BaseServerResponseException exception) {
        record(request, new Disclosure(exception.getStatusCode()));
        return true;
    }

    private void record(RequestDetails request, Disclosure disclosure) {
        if (request.getRestOperationType() == RestOperationTypeEnum.METADATA) {
            return;
        }
        CallerContext caller = CallerContext.of(request);
        Interaction interaction = Interaction.of(request.getRestOperationType());
        Writes writes = request.getUserData().get(WRITTEN) instanceof Writes w ? w : new Writes();
        List<Access.Touched> resources = new ArrayList<>();
        Set<String> patients = new LinkedHashSet<>();
        String target = request.getId() != null && request.getResourceName() != null && request.getId().hasIdPart()
                ? request.getResourceName() + "/" + request.getId().getIdPart() : null;
        if (target != null) {
            if ("Patient".equals(request.getResourceName())) {
                patients.add(target);
            } else if (interaction == Interaction.OPERATION) {
                // The answer is about the target's patients, whether or not it names them.
                patients.addAll(records.patientsOfStored(target, request));
            }
            if (!writes.resources().containsKey(target) && !disclosure.resources().contains(target)) {
                resources.add(new Access.Touched(target, Lifecycle.NAMED));
            }
        }
        writes.resources().forEach((resource, lifecycle) -> resources.add(new Access.Touched(resource, lifecycle)));
        patients.addAll(writes.patients());
        disclosure.resources().forEach(resource -> resources.add(new Access.Touched(resource, Lifecycle.DISCLOSED)));
        patients.addAll(disclosure.patients());
        if (caller.breakTheGlass()) {
            LOG.warn("Break-the-glass access ({}) by user {} of client {}: {} {}", caller.purposeOfUse().orElseThrow(),
                    caller.user(), caller.clientId(), interaction.code(), request.getResourceName());
        }
        int status = disclosure.status();
        recorder.record(new Access(interaction, caller, status, resources, patients, query(request, interaction),
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

    /**
     * Adds a response resource and everything nested in it: the entries of Bundles (an envelope such as a
     * searchset is not itself disclosed), the resources and parts of Parameters, and the patients each
     * references - also those a Parameters value references without embedding them.
     */
    void disclose(IBaseResource resource, RequestDetails request, Disclosure disclosure) {
        if (resource == null || resource instanceof OperationOutcome) {
            return;
        }
        if (resource instanceof Parameters parameters) {
            disclosure.patients().addAll(records.patientsOf(parameters));
            discloseParts(parameters.getParameter(), request, disclosure);
            return;
        }
        if (resource instanceof Bundle bundle) {
            if (!ENVELOPES.contains(bundle.getType())) {
                named(bundle, disclosure);
            }
            bundle.getEntry().forEach(e -> disclose(e.getResource(), request, disclosure));
            return;
        }
        named(resource, disclosure);
        if (resource instanceof Binary binary && isExportFile(binary)) {
            // A bulk export file the server wrote: each line is a disclosed resource. Only the server's own files
            // (marked with their requester) are read so: an NDJSON Binary a caller uploaded would otherwise write
            // disclosures of its choosing into the trail.
            IParser parser = fhirContext.newJsonParser();
            for (String line : new String(binary.getData(), StandardCharsets.UTF_8).lines().filter(l -> !l.isBlank()).toList()) {
                try {
                    // each line on its own, not remembered for the rest of the request (a file can be large)
                    disclose(parser.parseResource(line), null, disclosure);
                } catch (ca.uhn.fhir.parser.DataFormatException e) {
                    return; // not one of the server's files after all; what was disclosed so far stays recorded
                }
            }
            return;
        }
        // The references the disclosure rule found in this resource when it decided to show it
        disclosure.patients().addAll(records.namedPatientsOfShown(resource, request));
    }

    private static boolean isExportFile(Binary binary) {
        return binary.getContentType() != null && binary.getContentType().endsWith(NDJSON) && binary.hasData()
                && binary.getSecurityContext().hasIdentifier()
                && BulkExportRequester.REQUESTER_SYSTEM.equals(binary.getSecurityContext().getIdentifier().getSystem());
    }

    private void discloseParts(List<Parameters.ParametersParameterComponent> parts, RequestDetails request,
            Disclosure disclosure) {
        for (Parameters.ParametersParameterComponent part : parts) {
            disclose(part.getResource(), request, disclosure);
            discloseParts(part.getPart(), request, disclosure);
        }
    }

    private static void named(IBaseResource resource, Disclosure disclosure) {
        if (resource.getIdElement().hasIdPart()) {
            disclosure.resources().add(resource.fhirType() + "/" + resource.getIdElement().getIdPart());
        }
    }

    /** What a response sent: its status, the resources in it ({@code Type/id}) and the patients they are about. */
    record Disclosure(int status, Set<String> resources, Set<String> patients) {
        Disclosure(int status) {
            this(status, new LinkedHashSet<>(), new LinkedHashSet<>());
        }
    }

    /** What a request wrote, and the patients that is about. */
    private record Writes(Map<String, Lifecycle> resources, Set<String> patients) {
        Writes() {
            this(new LinkedHashMap<>(), new LinkedHashSet<>());
        }
    }
}
