package org.iopfhir.privacy.audit;

import ca.uhn.fhir.interceptor.api.Hook;
import ca.uhn.fhir.interceptor.api.Interceptor;
import ca.uhn.fhir.interceptor.api.Pointcut;
import ca.uhn.fhir.rest.api.server.RequestDetails;
import ca.uhn.fhir.rest.api.server.SystemRequestDetails;
import ca.uhn.fhir.rest.server.exceptions.ForbiddenOperationException;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.hl7.fhir.r4.model.AuditEvent;

/**
 * The audit trail is append-only and written by this server alone: no API caller - whatever their
 * scopes, also in a transaction, also with security off - creates, changes or deletes an
 * AuditEvent. On the storage layer, so no route around it exists; the trail's own writes carry
 * system request details and pass.
 */
@Interceptor
public class AuditEventGuard {

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

    private static void refuseApiWrite(IBaseResource resource, RequestDetails request) {
        if (resource instanceof AuditEvent && request != null && !(request instanceof SystemRequestDetails)) {
            throw new ForbiddenOperationException(
                    "AuditEvents are recorded by this server only: they cannot be created, changed or deleted through the API");
        }
    }
}
