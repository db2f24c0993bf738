package org.iopfhir.privacy.part2;

import ca.uhn.fhir.rest.api.server.RequestDetails;
import java.time.Clock;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.hl7.fhir.instance.model.api.IIdType;
import org.hl7.fhir.r4.model.AuditEvent;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.EpisodeOfCare;
import org.hl7.fhir.r4.model.OperationOutcome;
import org.hl7.fhir.r4.model.Parameters;
import org.hl7.fhir.r4.model.Patient;
import org.iopfhir.privacy.auth.CallerContext;
import org.iopfhir.privacy.auth.Role;
import org.iopfhir.privacy.auth.SmartScope;
import org.iopfhir.privacy.auth.SmartScope.Permission;

/**
 * The one disclosure rule: may this caller read this resource directly? Every path to a record asks
 * it - reads, searches, includes, history and operation outputs (through HAPI's consent interceptor),
 * the target of every instance operation, and every write (a caller writes only where it can read,
 * see {@link WriteAccessInterceptor}). In order:
 * <ol>
 *   <li>AuditEvents: auditors only.</li>
 *   <li>Scopes: the token's SMART scopes must grant reading the resource type (the role caps them).</li>
 *   <li>Privacy officer: everything (they curate labels and consents).</li>
 *   <li>Patient-context tokens: only records about their own patient (and records about no patient,
 *       such as organizations); counseling notes are outside a patient's right of access.</li>
 *   <li>Records about no patient (organizations, practitioners, questionnaires): readable.</li>
 *   <li>Auditor: no patient records.</li>
 *   <li>Clinician: with purpose TREAT, the records their program owns ({@link RecordOwner}); another
 *       program's Part 2 records only under the patient's Part 2 consent naming their program for TREAT
 *       (42 CFR 2.31/2.33); other records of patients admitted to their program (the patient's or one
 *       of their episodes' managing organization). ETREAT/BTG breaks the glass: everything, audited.</li>
 *   <li>Payer: records not labelled Part 2 (HIPAA payment disclosures need no consent); a Part 2 record
 *       only with purpose HPAYMT or COVAUTH and a consent that permits it ({@link Part2ConsentPolicy}).</li>
 *   <li>Anyone else (a backend without a role): nothing labelled Part 2.</li>
 * </ol>
 * Program membership is read from stored data a foreign clinician cannot change: writing an episode
 * or changing {@code managingOrganization} needs read access to the patient first.
 *
 * <p>A record is decided whole, with what it contains: their labels count as its labels, and its contained
 * resources' references count as its own. A record about a person this server does not store
 * ({@link PatientRecords#aboutUnstoredPerson}: a subject that is contained, an identifier or a name; a contained
 * Patient or a Part 2 record of a patient's kind about no stored patient) is one whose admissions and consents
 * cannot be known (nor whether it is Part 2: labels follow a stored patient's program): only the program that
 * recorded it, break-the-glass and the privacy officer read it. A contained Patient elsewhere in a record
 * about a stored patient (a relative as an observation's focus) is part of that patient's record. A Bundle stored
 * as a resource is the privacy officer's alone: its entries are neither labelled nor owned.
 */
public class DisclosurePolicy {

    private static final String DECISIONS = DisclosurePolicy.class.getName() + ".decisions";
    static final Set<String> PAYER_PURPOSES = Set.of("HPAYMT", "COVAUTH");
    static final String TREATMENT = "TREAT";

    private final PatientRecords records;
    private final Clock clock;

    public DisclosurePolicy(PatientRecords records, Clock clock) {
        this.records = records;
        this.clock = clock;
    }

    /**
     * The decision on a stored resource, made once per resource version and request however many paths ask
     * (the request guard, the write check, consent on loading and again on showing). Not for a resource
     * about to be written: it may still carry the version it replaces.
     */
    @SuppressWarnings("unchecked")
    public Decision decideStored(CallerContext caller, IBaseResource stored, RequestDetails request) {
        IIdType id = stored.getIdElement();
        // Only a stored version is named by its id and version: a contained resource (a local id, no version), or one
        // an operation built, would share its key with another that holds different labels.
        if (request == null || id == null || !id.hasIdPart() || !id.hasVersionIdPart() || id.isLocal()) {
            return decide(caller, stored, request);
        }
        Map<String, Decision> decided;
        Map<Object, Object> userData = request.getUserData();
        synchronized (userData) {
            decided = (Map<String, Decision>) userData.computeIfAbsent(DECISIONS, k -> new ConcurrentHashMap<String, Decision>());
        }
        String key = stored.fhirType() + "/" + id.getIdPart() + "/" + id.getVersionIdPart();
        Decision decision = decided.get(key);
        if (decision == null) {
            decision = decide(caller, stored, request, true);
            decided.put(key, decision);
        }
        return decision;
    }

    public Decision decide(CallerContext caller, IBaseResource resource, RequestDetails request) {
        return decide(caller, resource, request, false);
    }

    private Decision decide(CallerContext caller, IBaseResource resource, RequestDetails request, boolean stored) {
        if (resource instanceof AuditEvent) {
            return caller.has(Role.AUDITOR) && mayReadType(caller, "AuditEvent")
                    ? Decision.permit("auditor") : Decision.deny("the audit trail is for auditors");
        }
        if (resource instanceof Bundle bundle && bundle.getMeta().hasVersionId()) {
            // A Bundle stored as a resource (a document, a collection): its entries are neither labelled nor owned.
            return caller.has(Role.PRIVACY_OFFICER) && mayReadType(caller, "Bundle")
                    ? Decision.permit("privacy officer") : Decision.deny("stored Bundles are the privacy officer's");
        }
        if (resource instanceof OperationOutcome || resource instanceof Bundle || resource instanceof Parameters) {
            return Decision.permit("not a record");
        }
        if (!mayReadType(caller, resource.fhirType())) {
            return Decision.deny("no scope to read " + resource.fhirType());
        }
        if (caller.has(Role.PRIVACY_OFFICER)) {
            return Decision.permit("privacy officer");
        }
        Set<String> patients = stored ? records.patientsOfShown(resource, request) : records.patientsOf(resource, request);
        Set<String> labels = SecurityLabels.recordCodesOf(resource);
        boolean part2 = labels.contains(SecurityLabels.PART2_POLICY) || labels.contains(SecurityLabels.SUD);
        boolean unstoredPatient = records.aboutUnstoredPerson(resource, patients, part2, stored ? request : null);
        if (patientContext(caller)) {
            return unstoredPatient ? Decision.deny("about a person who is not a patient stored here")
                    : forPatient(caller, resource, patients, labels);
        }
        if (patients.isEmpty() && !unstoredPatient) {
            return Decision.permit("not about a patient");
        }
        if (caller.has(Role.AUDITOR)) {
            return Decision.deny("auditors read the audit trail, not patient records");
        }
        if (caller.has(Role.CLINICIAN)) {
            return forClinician(caller, resource, patients, unstoredPatient, part2, request);
        }
        if (unstoredPatient) {
            // Whether it is Part 2 cannot even be known: labels follow a stored patient's program.
            return Decision.deny("about a person not stored here: only the program that recorded it");
        }
        if (caller.has(Role.PAYER)) {
            return part2 ? forPayer(caller, resource, patients, request) : Decision.permit("not a Part 2 record");
        }
        return part2 ? Decision.deny("Part 2 records need the clinician, payer or patient role")
                : Decision.permit("not a Part 2 record");
    }

    /** The caller's scopes grant reading this type (a role caps what scopes grant). */
    static boolean mayReadType(CallerContext caller, String type) {
        return caller.granted(type, Permission.READ) || caller.granted(type, Permission.SEARCH);
    }

    static boolean patientContext(CallerContext caller) {
        return caller.has(Role.PATIENT) || caller.scopes().stream().anyMatch(s -> s.context() == SmartScope.Context.PATIENT);
    }

    private static Decision forPatient(CallerContext caller, IBaseResource resource, Set<String> patients, Set<String> labels) {
        Optional<String> own = caller.patientId().map(id -> "Patient/" + id);
        if (patients.isEmpty() && !(resource instanceof Patient)) {
            return Decision.permit("not about a patient");
        }
        if (own.isEmpty() || !patients.equals(Set.of(own.get()))) {
            return Decision.deny("not the patient's own record");
        }
        return labels.contains(SecurityLabels.PSYCHOTHERAPY_NOTE)
                ? Decision.deny("counseling notes are not part of a patient's access")
                : Decision.permit("the patient's own record");
    }

    private Decision forClinician(CallerContext caller, IBaseResource resource, Set<String> patients,
            boolean unstoredPatient, boolean part2, RequestDetails request) {
        if (caller.breakTheGlass()) {
            return Decision.permit("break-the-glass");
        }
        if (!caller.purposeOfUse().filter(TREATMENT::equals).isPresent() || caller.organization().isEmpty()) {
            return Decision.deny("clinicians need purpose of use TREAT and their program (or ETREAT/BTG)");
        }
        String program = caller.organization().get();
        Optional<String> owner = RecordOwner.of(resource);
        if (owner.filter(program::equals).isPresent()) {
            return Decision.permit("a record of the caller's program");
        }
        if (unstoredPatient) {
            // No admission or consent of a person held only inside the record can be known: its program's alone.
            return Decision.deny("about a person not stored here: only the program that recorded it");
        }
        for (String patient : patients) {
            boolean allowed = part2 && owner.isPresent()
                    ? Part2ConsentPolicy.decide(records.consents(patient, request), program, TREATMENT, resource,
                            clock.instant()).permitted()
                    : inProgram(patient, program, request);
            if (!allowed) {
                return Decision.deny("not a record of the caller's program");
            }
        }
        return Decision.permit(owner.isPresent() ? "consent to the caller's program" : "a patient of the caller's program");
    }

    /** Admitted to the program: the patient's, or one of their episodes', owner or managing organization. */
    private boolean inProgram(String patient, String program, RequestDetails request) {
        boolean patientOfProgram = records.patient(patient, request)
                .filter(p -> program.equals(p.getManagingOrganization().getReference())
                        || RecordOwner.of(p).filter(program::equals).isPresent())
                .isPresent();
        return patientOfProgram || records.episodes(patient, request).stream().anyMatch(e -> ofProgram(e, program));
    }

    private static boolean ofProgram(EpisodeOfCare episode, String program) {
        return program.equals(episode.getManagingOrganization().getReference())
                && RecordOwner.of(episode).map(program::equals).orElse(true);
    }

    private Decision forPayer(CallerContext caller, IBaseResource resource, Set<String> patients, RequestDetails request) {
        Optional<String> purpose = caller.purposeOfUse().filter(PAYER_PURPOSES::contains);
        if (purpose.isEmpty() || caller.organization().isEmpty()) {
            return Decision.deny("payers need purpose of use HPAYMT or COVAUTH and their organization");
        }
        for (String patient : patients) {
            Decision decision = Part2ConsentPolicy.decide(records.consents(patient, request), caller.organization().get(),
                    purpose.get(), resource, clock.instant());
            if (!decision.permitted()) {
                return decision;
            }
        }
        return Decision.permit("consent");
    }
}
