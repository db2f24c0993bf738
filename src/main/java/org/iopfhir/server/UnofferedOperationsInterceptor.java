package org.iopfhir.server;

import ca.uhn.fhir.interceptor.api.Hook;
import ca.uhn.fhir.interceptor.api.Interceptor;
import ca.uhn.fhir.interceptor.api.Pointcut;
import ca.uhn.fhir.rest.api.server.RequestDetails;
import ca.uhn.fhir.rest.server.exceptions.InvalidRequestException;
import java.util.Set;
import org.hl7.fhir.instance.model.api.IBaseConformance;
import org.hl7.fhir.r4.model.CapabilityStatement;

/**
 * Operations that HAPI's JPA providers bring along but this server does not offer: the deprecated whole-database
 * reindexing pair (any caller of an open server could otherwise make every stored resource, terminology included, be
 * rewritten in the background, during which code systems answer "code not found"), the free-text terminology reindex,
 * and CodeSystem {@code $subsumes}, which HAPI answers from a free-text index (Hibernate Search) this server does not
 * run: every call of it failed with 500. They are left out of the CapabilityStatement and answered like any unknown
 * operation, with 400.
 */
@Interceptor
public class UnofferedOperationsInterceptor {

    static final Set<String> UNOFFERED = Set.of(
            "$mark-all-resources-for-reindexing", "$perform-reindexing-pass", "$reindex-terminology", "$subsumes");

    @Hook(Pointcut.SERVER_INCOMING_REQUEST_PRE_HANDLED)
    public void refuse(RequestDetails request) {
        String operation = request.getOperation();
        if (operation != null && UNOFFERED.contains(operation)) {
            throw new InvalidRequestException("This server does not offer " + operation);
        }
    }

    @Hook(Pointcut.SERVER_CAPABILITY_STATEMENT_GENERATED)
    public void leaveOut(IBaseConformance capabilityStatement) {
        ((CapabilityStatement) capabilityStatement).getRest().forEach(rest -> {
            rest.getOperation().removeIf(UnofferedOperationsInterceptor::unoffered);
            rest.getResource().forEach(resource -> resource.getOperation().removeIf(UnofferedOperationsInterceptor::unoffered));
        });
    }

    private static boolean unoffered(CapabilityStatement.CapabilityStatementRestResourceOperationComponent operation) {
        return UNOFFERED.contains("$" + operation.getName().replaceFirst("^\\$", ""));
    }
}
