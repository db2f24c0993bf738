package org.iopfhir.privacy.part2;

import ca.uhn.fhir.interceptor.api.Hook;
import ca.uhn.fhir.interceptor.api.Interceptor;
import ca.uhn.fhir.interceptor.api.Pointcut;
import ca.uhn.fhir.rest.api.server.RequestDetails;
import ca.uhn.fhir.rest.api.server.SystemRequestDetails;
import ca.uhn.fhir.rest.api.server.storage.TransactionDetails;
import java.util.Optional;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.hl7.fhir.r4.model.AuditEvent;
import org.hl7.fhir.r4.model.EpisodeOfCare;
import org.hl7.fhir.r4.model.Patient;
import org.hl7.fhir.r4.model.Provenance;
import org.hl7.fhir.r4.model.Reference;
import org.iopfhir.privacy.auth.CallerContext;
import org.iopfhir.privacy.auth.Role;

/**
 * Tags every record with the program it belongs to ({@link RecordOwner}) when it is first stored, on
 * the storage layer so transactions and start-up loading are covered too:
 * <ol>
 *   <li>a program clinician's record belongs to the clinician's program (the token's {@code organization});</li>
 *   <li>otherwise (a privacy officer, a backend, the server's own loading) to the program the data names:
 *       an episode's or a patient's {@code managingOrganization}, else the owner of the session or episode
 *       the record links to, else the owner (or managing organization) of its patient.</li>
 * </ol>
 * An update keeps the owner of the stored version whatever the client sends. Records about no patient
 * and no program (organizations, practitioners, questionnaires) have no owner.
 */
@Interceptor
public class RecordOwnerInterceptor {

    /** Runs after labelling and before the write check, which reads the owner. */
    static final int ORDER = 10;

    private final PatientRecords records;

    public RecordOwnerInterceptor(PatientRecords records) {
        this.records = records;
    }

    @Hook(value = Pointcut.STORAGE_PRESTORAGE_RESOURCE_CREATED, order = ORDER)
    public void created(IBaseResource resource, RequestDetails request, TransactionDetails transaction) {
        if (resource instanceof Provenance && request instanceof SystemRequestDetails && RecordOwner.of(resource).isPresent()) {
            return; // the server's Provenance of a write carries the written record's owner (no API caller writes one)
        }
        if (!(resource instanceof AuditEvent)) {
            RecordOwner.clear(resource);
            owner(resource, request, transaction).ifPresent(owner -> RecordOwner.set(resource, owner));
        }
    }

    @Hook(value = Pointcut.STORAGE_PRESTORAGE_RESOURCE_UPDATED, order = ORDER)
    public void updated(IBaseResource previous, IBaseResource updated, RequestDetails request,
            TransactionDetails transaction) {
        if (updated instanceof AuditEvent) {
            return;
        }
        Optional<String> owner = previous != null ? RecordOwner.of(previous) : RecordOwner.of(updated);
        if (owner.isEmpty()) {
            // Not owned yet: a record stored before ownership, or a transaction entry stored again once its
            // references are resolved (HAPI passes no previous version then).
            owner = owner(updated, request, transaction);
        }
        RecordOwner.clear(updated);
        owner.ifPresent(o -> RecordOwner.set(updated, o));
    }

    /**
     * The program a record belongs to. Its session, episode or patient may have been written earlier in the
     * same transaction (the example episode: the Patient first, then the records about them).
     */
    Optional<String> owner(IBaseResource resource, RequestDetails request, TransactionDetails transaction) {
        CallerContext caller = request == null ? CallerContext.ANONYMOUS : CallerContext.of(request);
        if (caller.has(Role.CLINICIAN) && caller.organization().isPresent()) {
            return caller.organization();
        }
        if (resource instanceof EpisodeOfCare episode) {
            return organization(episode.getManagingOrganization());
        }
        if (resource instanceof Patient patient) {
            return organization(patient.getManagingOrganization());
        }
        for (String link : records.linksOf(resource)) {
            Optional<String> owner = records.stored(link, request, transaction)
                    .flatMap(RecordOwnerInterceptor::ownerOfStored);
            if (owner.isPresent()) {
                return owner;
            }
        }
        for (String patient : records.patientsOf(resource)) {
            Optional<String> owner = records.stored(patient, request, transaction)
                    .flatMap(RecordOwnerInterceptor::ownerOfStored);
            if (owner.isPresent()) {
                return owner;
            }
        }
        return Optional.empty();
    }

    private static Optional<String> ownerOfStored(IBaseResource stored) {
        Optional<String> owner = RecordOwner.of(stored);
        if (owner.isPresent()) {
            return owner;
        }
        if (stored instanceof EpisodeOfCare episode) {
            return organization(episode.getManagingOrganization());
        }
        return stored instanceof Patient patient ? organization(patient.getManagingOrganization()) : Optional.empty();
    }

    private static Optional<String> organization(Reference reference) {
        var id = reference.getReferenceElement();
        return "Organization".equals(id.getResourceType()) && id.hasIdPart()
                ? Optional.of("Organization/" + id.getIdPart()) : Optional.empty();
    }
}
