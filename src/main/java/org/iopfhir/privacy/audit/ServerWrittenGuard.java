package org.iopfhir.privacy.audit;

import ca.uhn.fhir.interceptor.api.Hook;
import ca.uhn.fhir.interceptor.api.Interceptor;
import ca.uhn.fhir.interceptor.api.Pointcut;
import ca.uhn.fhir.rest.api.server.RequestDetails;
import ca.uhn.fhir.rest.api.server.SystemRequestDetails;
import ca.uhn.fhir.rest.server.exceptions.ForbiddenOperationException;
import org.hl7.fhir.instance.model.api.IBaseResource;

/**
 * Records this server alone writes - the audit trail (AuditEvent), the provenance of every write
 * (Provenance) - are append-only: no API caller, whatever their scopes, also in a transaction, also
 * with security off, creates, changes or deletes one; otherwise a caller could forge who wrote what, or
 * rewrite it. On the storage layer, so no route around it exists; the server's own writes carry system
 * request details and pass.
 */
@Interceptor
public class ServerWrittenGuard {

    private final String type;
    private final String what;

    /** @param what the records in the refusal's words, e.g. "AuditEvents" */
    public ServerWrittenGuard(String type, String what) {
        this.type = type;
        this.what = what;
    }

    @Hook(Pointcut.STORAGE_PRESTORAGE_RESOURCE_CREATED)
    public void beforeCreate(IBaseResource resource, RequestDetails request) {
        refuseApiWrite(resource, request);
    }

    @Hook(Pointcut.STORAGE_PRESTORAGE_RESOURCE_UPDATED)
    public void beforeUpdate(IBaseResource previous, IBaseResource updated, RequestDetails request) {
        refuseApiWrite(updated, request);
    }

    @Hook(Pointcut.STORAGE_PRESTORAGE_RESOURCE_DELETED)
    public void beforeDelete(IBaseResource resource, RequestDetails request) {
        refuseApiWrite(resource, request);
    }

    private void refuseApiWrite(IBaseResource resource, RequestDetails request) {
        if (type.equals(resource.fhirType()) && request != null && !(request instanceof SystemRequestDetails)) {
            throw refusal(what);
        }
    }

    static ForbiddenOperationException refusal(String what) {
        return new ForbiddenOperationException(
                what + " are recorded by this server only: they cannot be created, changed or deleted through the API");
    }
}
