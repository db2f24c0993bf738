package org.iopfhir.privacy.auth;

import org.hl7.fhir.instance.model.api.IBaseResource;
import ca.uhn.fhir.rest.server.exceptions.ForbiddenOperationException;
import ca.uhn.fhir.interceptor.api.Pointcut;
import ca.uhn.fhir.interceptor.api.Hook;
import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.rest.api.server.RequestDetails;
import ca.uhn.fhir.rest.server.exceptions.ResourceNotFoundException;
import ca.uhn.fhir.rest.api.RestOperationTypeEnum;
import ca.uhn.fhir.rest.api.server.IPreResourceShowDetails;
import ca.uhn.fhir.rest.api.server.ResponseDetails;
import ca.uhn.fhir.rest.server.servlet.ServletSubRequestDetails;
import java.util.EnumSet;
import java.util.Set;
import org.hl7.fhir.r4.model.Bundle;
import ca.uhn.fhir.rest.server.interceptor.binary.BinarySecurityContextInterceptor;
import ca.uhn.fhir.rest.api.server.SystemRequestDetails;
import org.hl7.fhir.instance.model.api.IBaseBinary;
import org.hl7.fhir.r4.model.Binary;
import org.hl7.fhir.r4.model.OperationOutcome;

/**
 * The files of a bulk export (NDJSON Binaries) go only to the caller who started it: HAPI's Binary
 * security-context check, with the requester {@link BulkExportRequester} recorded on each file. A file
 * of someone else's export is answered like a Binary that does not exist (and cannot be overwritten).
 * Binaries that are no export's files keep the rules of any other resource.
 */
public class BulkExportFileAccess extends BinarySecurityContextInterceptor {

    private static final Set<RestOperationTypeEnum> LISTS = EnumSet.of(RestOperationTypeEnum.SEARCH_TYPE,
            RestOperationTypeEnum.SEARCH_SYSTEM, RestOperationTypeEnum.HISTORY_TYPE, RestOperationTypeEnum.HISTORY_SYSTEM,
            RestOperationTypeEnum.HISTORY_INSTANCE, RestOperationTypeEnum.GET_PAGE);

    public BulkExportFileAccess(FhirContext fhirContext) {
        super(fhirContext);
    }

    /**
     * A patient-context token reaches a Binary only as a file of its own export: Binaries belong to no
     * patient's compartment, and {@link SmartAuthorizationInterceptor} lets such tokens read them for that alone.
     */
    @Override
    protected void applyAccessControl(IBaseBinary binary, RequestDetails request) {
        boolean exportFile = binary instanceof Binary file
                && BulkExportRequester.REQUESTER_SYSTEM.equals(file.getSecurityContext().getIdentifier().getSystem());
        if (!exportFile && !(request instanceof SystemRequestDetails) && SmartAuthorizationInterceptor.patientContext(CallerContext.of(request))) {
            handleForbidden(binary);
        }
        super.applyAccessControl(binary, request);
    }

    /**
     * A Binary the caller may not see is answered as one that does not exist - read, vread, a conditional create
     * that matched it, an entry of a batch or transaction (its answer is nested in the response). Only from the
     * lists a request answers itself (a search, a history, their pages) is it left out instead, below, so that
     * someone else's export file does not turn the whole answer into a 404 (e.g. an auditor's system history,
     * where every export's files appear). HAPI cannot build a history page with a resource taken out before it,
     * so the entry goes from the finished Bundle, as consent's do.
     */
    @Override
    @Hook(Pointcut.STORAGE_PRESHOW_RESOURCES)
    public void preShowResources(IPreResourceShowDetails shown, RequestDetails request) {
        if (LISTS.contains(request.getRestOperationType()) && !(request instanceof ServletSubRequestDetails)) {
            return;
        }
        for (int i = 0; i < shown.size(); i++) {
            if (shown.getResource(i) instanceof IBaseBinary binary) {
                applyAccessControl(binary, request);
            }
        }
    }

    /** Before consent (order 0) and the audit trail, which then never see the file. */
    @Hook(value = Pointcut.SERVER_OUTGOING_RESPONSE, order = -10)
    public void leaveOutHiddenFiles(RequestDetails request, ResponseDetails response) {
        if (LISTS.contains(request.getRestOperationType()) && response.getResponseResource() instanceof Bundle bundle) {
            bundle.getEntry().removeIf(e -> e.getResource() instanceof Binary binary && !visible(binary, request));
        }
    }

    private boolean visible(IBaseBinary binary, RequestDetails request) {
        try {
            applyAccessControl(binary, request);
            return true;
        } catch (ResourceNotFoundException | ForbiddenOperationException hidden) {
            return false;
        }
    }

    /**
     * Only an export writes its files: a Binary a caller creates may not claim to be one (the audit trail reads
     * an export file's lines as disclosures, and the file rules above would treat it as someone's export).
     */
    @Hook(Pointcut.STORAGE_PRESTORAGE_RESOURCE_CREATED)
    public void refuseForgedFile(IBaseResource resource, RequestDetails request) {
        if (resource instanceof Binary binary && !(request instanceof SystemRequestDetails)
                && BulkExportRequester.REQUESTER_SYSTEM.equals(binary.getSecurityContext().getIdentifier().getSystem())) {
            throw new ForbiddenOperationException("Bulk export files are written by this server's exports only");
        }
    }

    /** Someone else's file cannot be deleted either; it is answered like a Binary that does not exist. */
    @Hook(Pointcut.STORAGE_PRESTORAGE_RESOURCE_DELETED)
    public void deleteOnlyOwnFiles(IBaseResource resource, RequestDetails request) {
        if (resource instanceof Binary binary && request != null && !(request instanceof SystemRequestDetails)) {
            applyAccessControl(binary, request);
        }
    }

    @Override
    protected boolean securityContextIdentifierAllowed(String system, String value, RequestDetails request) {
        return BulkExportRequester.REQUESTER_SYSTEM.equals(system) && CallerContext.of(request).encode().equals(value);
    }

    @Override
    protected void handleForbidden(IBaseBinary binary) {
        String text = "Resource Binary/" + binary.getIdElement().getIdPart() + " is not known";
        OperationOutcome outcome = new OperationOutcome();
        outcome.addIssue().setSeverity(OperationOutcome.IssueSeverity.ERROR)
                .setCode(OperationOutcome.IssueType.NOTFOUND).setDiagnostics(text);
        throw new ResourceNotFoundException(text, outcome);
    }
}
