package org.iopfhir.provenance;

import ca.uhn.fhir.interceptor.api.Hook;
import ca.uhn.fhir.interceptor.api.Interceptor;
import ca.uhn.fhir.interceptor.api.Pointcut;
import ca.uhn.fhir.jpa.api.dao.DaoRegistry;
import ca.uhn.fhir.rest.api.server.RequestDetails;
import ca.uhn.fhir.rest.api.server.SystemRequestDetails;
import java.time.Clock;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.hl7.fhir.r4.model.Provenance;
import org.iopfhir.privacy.auth.CallerContext;
import org.iopfhir.privacy.part2.PatientRecords;
import org.iopfhir.privacy.part2.RecordOwner;
import org.iopfhir.provenance.WriteProvenance.Activity;

/**
 * A Provenance for every create and update a caller makes - REST, transaction and batch entries, and
 * what operations persist - stored in the same database transaction as the write (HAPI's pre-commit
 * storage hooks), so a write never commits without its Provenance and costs one more insert rather than
 * a second request. The server's own writes (start-up loading, labels, the audit trail) are not a
 * caller's and get none; neither do Provenances and AuditEvents themselves.
 *
 * <p>The Provenance is stored with system rights, after the caller's write was allowed; the storage
 * interceptors label it like any record about its patients (42 CFR Part 2), and reading it is decided
 * like reading any of the patient's records.
 */
@Interceptor
public class ProvenanceRecorder {

    private final DaoRegistry daos;
    private final PatientRecords records;
    private final Clock clock;

    public ProvenanceRecorder(DaoRegistry daos, PatientRecords records, Clock clock) {
        this.daos = daos;
        this.records = records;
        this.clock = clock;
    }

    @Hook(Pointcut.STORAGE_PRECOMMIT_RESOURCE_CREATED)
    public void created(IBaseResource resource, RequestDetails request) {
        record(resource, request, Activity.CREATE);
    }

    @Hook(Pointcut.STORAGE_PRECOMMIT_RESOURCE_UPDATED)
    public void updated(IBaseResource previous, IBaseResource resource, RequestDetails request) {
        record(resource, request, Activity.UPDATE);
    }

    private void record(IBaseResource resource, RequestDetails request, Activity activity) {
        if (request == null || request instanceof SystemRequestDetails || !WriteProvenance.recorded(resource.fhirType())) {
            return;
        }
        Provenance provenance = WriteProvenance.of(resource.getIdElement().withResourceType(resource.fhirType()),
                resource.getMeta().getSecurity(), records.patientsOf(resource, request), CallerContext.of(request), activity,
                clock.instant(), reference -> records.stored(reference, request).isPresent());
        // The Provenance belongs to the program the written record belongs to, not to the patient's: who sees it is
        // decided like who sees the record (a Provenance of program A's note tells program B that A treats the patient).
        RecordOwner.of(resource).ifPresent(owner -> RecordOwner.set(provenance, owner));
        daos.getResourceDao(Provenance.class).create(provenance, new SystemRequestDetails());
    }
}
