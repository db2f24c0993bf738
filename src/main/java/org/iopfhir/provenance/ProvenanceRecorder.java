package org.iopfhir.provenance;

import ca.uhn.fhir.interceptor.api.Hook;
import com.google.common.collect.ListMultimap;
import ca.uhn.fhir.interceptor.api.HookParams;
import ca.uhn.fhir.interceptor.api.Interceptor;
import ca.uhn.fhir.interceptor.api.Pointcut;
import ca.uhn.fhir.jpa.api.dao.DaoRegistry;
import ca.uhn.fhir.rest.api.server.RequestDetails;
import ca.uhn.fhir.rest.api.server.SystemRequestDetails;
import ca.uhn.fhir.rest.api.server.storage.DeferredInterceptorBroadcasts;
import ca.uhn.fhir.rest.api.server.storage.IResourcePersistentId;
import ca.uhn.fhir.rest.api.server.storage.TransactionDetails;
import java.time.Clock;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.hl7.fhir.instance.model.api.IIdType;
import org.hl7.fhir.r4.model.IdType;
import org.hl7.fhir.r4.model.Provenance;
import org.iopfhir.privacy.auth.CallerContext;
import org.iopfhir.privacy.part2.PatientRecords;
import org.iopfhir.privacy.part2.RecordOwner;
import org.iopfhir.provenance.WriteProvenance.Activity;

/**
 * A Provenance for every create and update a caller makes - REST, transaction and batch entries, and
 * what operations persist - stored in the same database transaction as the write (HAPI's pre-commit
 * storage hooks), so a write never commits without its Provenance. A FHIR transaction gets one
 * Provenance per group of entries that share owner, security labels and activity (usually one for
 * the whole bundle) once all its entries are stored, instead of one per entry. The server's own
 * writes (start-up loading, labels, the audit trail) are not a caller's and get none; neither do
 * Provenances and AuditEvents themselves.
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
    public void created(IBaseResource resource, RequestDetails request, TransactionDetails transaction) {
        if (!inBundle(transaction)) {
            record(List.of(resource), List.of(resource), request, transaction, Activity.CREATE);
        }
    }

    @Hook(Pointcut.STORAGE_PRECOMMIT_RESOURCE_UPDATED)
    public void updated(IBaseResource previous, IBaseResource resource, RequestDetails request,
            TransactionDetails transaction) {
        if (!inBundle(transaction)) {
            record(List.of(resource), List.of(resource), request, transaction, Activity.UPDATE);
        }
    }

    /** Every entry of a transaction (or batch entry) is stored: its writes, grouped, get their Provenances. */
    @Hook(Pointcut.STORAGE_TRANSACTION_PROCESSED)
    public void bundleStored(RequestDetails request, DeferredInterceptorBroadcasts broadcasts, TransactionDetails transaction) {
        ListMultimap<Pointcut, HookParams> written = broadcasts.getDeferredInterceptorBroadcasts();
        // A created resource is the one parameter of its type; an updated one the second (after the previous version).
        List<IBaseResource> created = written.get(Pointcut.STORAGE_PRECOMMIT_RESOURCE_CREATED).stream()
                .map(p -> p.get(IBaseResource.class)).toList();
        List<IBaseResource> updated = written.get(Pointcut.STORAGE_PRECOMMIT_RESOURCE_UPDATED).stream()
                .map(p -> p.get(IBaseResource.class, 1)).toList();
        List<IBaseResource> all = new ArrayList<>(created);
        all.addAll(updated);
        recordGrouped(created, all, request, transaction, Activity.CREATE);
        recordGrouped(updated, all, request, transaction, Activity.UPDATE);
    }

    private static boolean inBundle(TransactionDetails transaction) {
        return transaction != null && transaction.isFhirTransaction();
    }

    private void recordGrouped(List<IBaseResource> written, List<IBaseResource> allWritten, RequestDetails request,
            TransactionDetails transaction, Activity activity) {
        Map<List<Object>, List<IBaseResource>> groups = new LinkedHashMap<>();
        for (IBaseResource resource : written) {
            Set<String> labels = new TreeSet<>();
            resource.getMeta().getSecurity().forEach(label -> labels.add(label.getSystem() + "|" + label.getCode()));
            groups.computeIfAbsent(List.of(RecordOwner.of(resource), labels), key -> new ArrayList<>()).add(resource);
        }
        groups.values().forEach(group -> record(group, allWritten, request, transaction, activity));
    }

    /**
     * The caller's program (or user) as the written records reference it, e.g. a Patient's managingOrganization: the
     * write has just resolved it. The records are read only until every one is found (a transaction may hold hundreds).
     */
    private Set<String> referencedByWrite(List<String> callerReferences, List<IBaseResource> recorded) {
        Set<String> missing = new LinkedHashSet<>(callerReferences);
        for (IBaseResource resource : recorded) {
            if (missing.isEmpty()) {
                break;
            }
            records.referencesOf(resource)
                    .forEach(reference -> missing.remove(new IdType(reference).toUnqualifiedVersionless().getValue()));
        }
        Set<String> found = new LinkedHashSet<>(callerReferences);
        found.removeAll(missing);
        return found;
    }

    /**
     * One Provenance for records that share owner and labels (the first one's are taken). What it references
     * is resolved to database ids up front: the written records, the patients the write itself resolved and the
     * caller's program or user when a written record references them are taken from the write's details, the rest
     * (other patients, the user, the program) looked up in one query; one at a time, the lookups cost a third of a
     * create. Storing it, the Provenance's labelling finds the
     * records the request wrote ({@code allWritten}: all of a transaction's) without reading them again.
     */
    private void record(List<IBaseResource> written, List<IBaseResource> allWritten, RequestDetails request,
            TransactionDetails transaction, Activity activity) {
        List<IBaseResource> recorded = written.stream().filter(r -> WriteProvenance.recorded(r.fhirType())).toList();
        if (request == null || request instanceof SystemRequestDetails || recorded.isEmpty()) {
            return;
        }
        List<IIdType> targets = recorded.stream()
                .map(resource -> resource.getIdElement().withResourceType(resource.fhirType())).toList();
        Set<String> patients = new LinkedHashSet<>();
        recorded.forEach(resource -> patients.addAll(records.patientsOf(resource, request)));
        IBaseResource first = recorded.get(0);
        CallerContext caller = CallerContext.of(request);
        List<String> recordsAndPatients = new ArrayList<>();
        targets.forEach(target -> recordsAndPatients.add(target.toUnqualifiedVersionless().getValue()));
        recordsAndPatients.addAll(patients);
        List<String> callerReferences = WriteProvenance.callerReferences(caller);
        TransactionDetails resolved = new TransactionDetails();
        // Only what the write stored or referenced comes from its details: a transaction may also have deleted
        // resources it resolved (the caller's own Practitioner, say), which must not be referenced as stored.
        List<String> fromWrite = new ArrayList<>(recordsAndPatients);
        fromWrite.addAll(referencedByWrite(callerReferences, recorded));
        for (String reference : fromWrite) {
            IdType id = new IdType(reference);
            IResourcePersistentId<?> known = transaction == null ? null : transaction.getResolvedResourceId(id);
            if (known != null) {
                resolved.addResolvedResourceId(id, known);
            }
        }
        List<String> referenced = new ArrayList<>(recordsAndPatients);
        referenced.addAll(callerReferences);
        records.resolveInto(referenced, resolved);
        Provenance provenance = WriteProvenance.of(targets, first.getMeta().getSecurity(), patients, caller,
                activity, clock.instant(), reference -> resolved.getResolvedResourceId(new IdType(reference)) != null);
        // The Provenance belongs to the program the written records belong to, not to the patient's: who sees it is
        // decided like who sees the records (a Provenance of program A's note tells program B that A treats the patient).
        Optional<String> owner = RecordOwner.of(first);
        owner.ifPresent(program -> RecordOwner.set(provenance, program));
        // Labelling the Provenance looks up its targets and their patients, some of which the request has just written.
        SystemRequestDetails system = new SystemRequestDetails();
        PatientRecords.knowWritten(system, allWritten);
        daos.getResourceDao(Provenance.class).create(provenance, null, true, system, resolved);
    }
}
