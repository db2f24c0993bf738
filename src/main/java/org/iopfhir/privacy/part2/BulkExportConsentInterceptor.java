package org.iopfhir.privacy.part2;

import ca.uhn.fhir.interceptor.api.Hook;
import ca.uhn.fhir.interceptor.api.Interceptor;
import ca.uhn.fhir.interceptor.api.Pointcut;
import ca.uhn.fhir.rest.api.server.RequestDetails;
import ca.uhn.fhir.rest.api.server.SystemRequestDetails;
import ca.uhn.fhir.rest.api.server.bulk.BulkExportJobParameters;
import java.util.Optional;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.iopfhir.privacy.auth.BulkExportRequester;
import org.iopfhir.privacy.auth.CallerContext;
import org.iopfhir.privacy.auth.Role;

/**
 * A bulk export holds what its requester could read over REST. HAPI's export job reads with system
 * rights, outside the REST server and its consent interceptor, and asks the storage layer's
 * {@code STORAGE_BULK_EXPORT_RESOURCE_INCLUSION} hook about every resource before writing it: this hook
 * answers with {@link DisclosurePolicy}, the one disclosure rule, for the requester the job was started
 * for ({@link BulkExportRequester}). A job without a known requester exports nothing. What a payer
 * receives carries the redisclosure notice on each resource, as its REST answers do.
 *
 * <p>The job hands over one chunk of resources at a time on one thread; the lookups the rule makes
 * (patients, consents, episodes) are shared within the chunk.
 */
@Interceptor
public class BulkExportConsentInterceptor {

    private final DisclosurePolicy policy;
    private final ThreadLocal<Chunk> current = new ThreadLocal<>();

    public BulkExportConsentInterceptor(DisclosurePolicy policy) {
        this.policy = policy;
    }

    private record Chunk(BulkExportJobParameters parameters, Optional<CallerContext> requester, RequestDetails lookups) {
    }

    @Hook(Pointcut.STORAGE_BULK_EXPORT_RESOURCE_INCLUSION)
    public boolean include(BulkExportJobParameters parameters, IBaseResource resource) {
        Chunk chunk = current.get();
        if (chunk == null || chunk.parameters() != parameters) {
            chunk = new Chunk(parameters, BulkExportRequester.of(parameters), new SystemRequestDetails());
            current.set(chunk);
        }
        if (chunk.requester().isEmpty()) {
            return false;
        }
        CallerContext requester = chunk.requester().get();
        if (!policy.decide(requester, resource, chunk.lookups()).permitted()) {
            return false;
        }
        if (requester.has(Role.PAYER)) {
            RedisclosureNoticeInterceptor.mark(resource);
        }
        return true;
    }
}
