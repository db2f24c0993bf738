package org.iopfhir.privacy.auth;

import ca.uhn.fhir.batch2.api.IJobCoordinator;
import ca.uhn.fhir.batch2.model.JobInstance;
import ca.uhn.fhir.interceptor.api.Hook;
import ca.uhn.fhir.interceptor.api.Interceptor;
import ca.uhn.fhir.interceptor.api.Pointcut;
import ca.uhn.fhir.jpa.model.util.JpaConstants;
import ca.uhn.fhir.rest.api.server.RequestDetails;
import ca.uhn.fhir.rest.api.server.bulk.BulkExportJobParameters;
import ca.uhn.fhir.rest.server.exceptions.InvalidRequestException;
import ca.uhn.fhir.rest.server.exceptions.ResourceNotFoundException;
import ca.uhn.fhir.rest.server.provider.ProviderConstants;
import ca.uhn.fhir.util.Batch2JobDefinitionConstants;
import java.util.Optional;
import org.hl7.fhir.r4.model.OperationOutcome;
import org.hl7.fhir.r4.model.Parameters;
import org.iopfhir.ig.ImplementationGuide;
import org.iopfhir.privacy.auth.SmartScope.Permission;

/**
 * A Bulk Data export belongs to the caller who started it. HAPI runs the export as a batch job with
 * system rights; this interceptor ties the job to its requester so the job can apply the requester's
 * rights ({@code BulkExportConsentInterceptor} in {@code privacy.part2}) and only the requester can
 * follow it:
 * <ul>
 *   <li>At kick-off the job records the caller ({@link CallerContext#encode()}) as the security context of
 *       the NDJSON Binaries it writes ({@code Binary.securityContext.identifier}, with system
 *       {@value #REQUESTER_SYSTEM}); HAPI copies it onto every file.</li>
 *   <li>Without {@code _type}, HAPI would export every resource type; the export asks only for the types
 *       the caller's scopes grant reading. A {@code _type} beyond the scopes is refused by
 *       {@link SmartAuthorizationInterceptor}'s bulk export rule (403). The audit trail is not exported (it is
 *       kept in tables of its own): {@code _type=AuditEvent} is refused (400).</li>
 *   <li>{@code $export-poll-status} (status, manifest, and DELETE to cancel) answers only the requester;
 *       anyone else gets the answer for a job that does not exist.</li>
 * </ul>
 * The files themselves are guarded by {@link BulkExportFileAccess}.
 */
@Interceptor
public class BulkExportRequester {

    public static final String REQUESTER_SYSTEM = ImplementationGuide.CANONICAL_BASE + "sid/bulk-export-requester";
    static final String POLL_STATUS = ProviderConstants.OPERATION_EXPORT_POLL_STATUS;
    private static final String AUDIT_EVENT = "AuditEvent";

    private final IJobCoordinator jobs;

    public BulkExportRequester(IJobCoordinator jobs) {
        this.jobs = jobs;
    }

    /** The requester an export job was started for; empty for a job started without one. */
    public static Optional<CallerContext> of(BulkExportJobParameters parameters) {
        return REQUESTER_SYSTEM.equals(parameters.getBinarySecurityContextIdentifierSystem())
                ? CallerContext.decode(parameters.getBinarySecurityContextIdentifierValue()) : Optional.empty();
    }

    /** Before HAPI's authorization hook (which runs on the next pointcut) sees the types asked for. */
    @Hook(Pointcut.STORAGE_PRE_INITIATE_BULK_EXPORT)
    public void kickOff(BulkExportJobParameters parameters, RequestDetails request) {
        CallerContext caller = CallerContext.of(request);
        if (!typesAsked(request)) {
            parameters.setResourceTypes(parameters.getResourceTypes().stream().filter(type -> readable(caller, type)).toList());
        } else if (parameters.getResourceTypes().contains(AUDIT_EVENT)) {
            throw new InvalidRequestException("The audit trail is not part of bulk exports: auditors read it with "
                    + "AuditEvent searches (e.g. GET /fhir/AuditEvent?date=ge2026-01-01&_count=500), page by page");
        }
        parameters.setBinarySecurityContextIdentifierSystem(REQUESTER_SYSTEM);
        parameters.setBinarySecurityContextIdentifierValue(caller.encode());
    }

    /** A type the caller may read, other than the audit trail, which is kept outside HAPI's storage. */
    static boolean readable(CallerContext caller, String type) {
        return !AUDIT_EVENT.equals(type) && (caller.granted(type, Permission.READ) || caller.granted(type, Permission.SEARCH));
    }

    private static boolean typesAsked(RequestDetails request) {
        if (request.getParameters().containsKey(JpaConstants.PARAM_EXPORT_TYPE)) {
            return true;
        }
        return request.getResource() instanceof Parameters parameters
                && parameters.getParameter().stream().anyMatch(p -> JpaConstants.PARAM_EXPORT_TYPE.equals(p.getName()));
    }

    @Hook(Pointcut.SERVER_INCOMING_REQUEST_PRE_HANDLED)
    public void pollStatus(RequestDetails request) {
        if (!POLL_STATUS.equals(request.getOperation())) {
            return;
        }
        Optional<String> jobId = jobId(request);
        if (jobId.isEmpty()) {
            return; // HAPI answers 400 for a poll without a job id
        }
        String requester = CallerContext.of(request).encode();
        boolean own;
        try {
            JobInstance job = jobs.getInstance(jobId.get());
            own = Batch2JobDefinitionConstants.BULK_EXPORT.equals(job.getJobDefinitionId())
                    && requester.equals(job.getParameters(BulkExportJobParameters.class).getBinarySecurityContextIdentifierValue());
        } catch (ResourceNotFoundException e) {
            own = false;
        }
        if (!own) {
            throw unknownJob(jobId.get());
        }
    }

    private static Optional<String> jobId(RequestDetails request) {
        String[] query = request.getParameters().get(JpaConstants.PARAM_EXPORT_POLL_STATUS_JOB_ID);
        if (query != null && query.length > 0) {
            return Optional.of(query[0]);
        }
        if (request.getResource() instanceof Parameters parameters) {
            return parameters.getParameter().stream()
                    .filter(p -> JpaConstants.PARAM_EXPORT_POLL_STATUS_JOB_ID.equals(p.getName()))
                    .findFirst().map(p -> p.getValue() == null ? null : p.getValue().primitiveValue());
        }
        return Optional.empty();
    }

    /** The same answer for a job of someone else and a job that does not exist. */
    private static ResourceNotFoundException unknownJob(String jobId) {
        String text = "Export job " + jobId + " is not known";
        OperationOutcome outcome = new OperationOutcome();
        outcome.addIssue().setSeverity(OperationOutcome.IssueSeverity.ERROR)
                .setCode(OperationOutcome.IssueType.NOTFOUND).setDiagnostics(text);
        return new ResourceNotFoundException(text, outcome);
    }
}
