package org.iopfhir.privacy.part2;

import ca.uhn.fhir.rest.api.server.RequestDetails;
import java.time.Clock;
import java.util.Optional;
import java.util.Set;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.hl7.fhir.r4.model.AuditEvent;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.OperationOutcome;
import org.hl7.fhir.r4.model.Parameters;
import org.hl7.fhir.r4.model.Patient;
import org.iopfhir.privacy.auth.CallerContext;
import org.iopfhir.privacy.auth.Role;

/**
 * Who may see which patient record, by role and purpose of use (scopes have already been checked
 * by the authorization rules):
 * <ul>
 *   <li>clinician: with purpose TREAT, the records of their program's patients (the Patient's
 *       {@code managingOrganization} or one of the patient's episodes' {@code managingOrganization} is the
 *       token's {@code organization}); with ETREAT or BTG (break-the-glass) any patient's, audited as such;</li>
 *   <li>payer: anything not labelled Part 2 (HIPAA payment disclosures need no consent); a Part 2 record
 *       only with purpose HPAYMT or COVAUTH and a consent that permits it ({@link Part2ConsentPolicy});</li>
 *   <li>patient: their own records (the compartment is enforced by the authorization rules), except
 *       counseling notes, which are outside a patient's right of access;</li>
 *   <li>privacy officer: everything (they curate the labels);</li>
 *   <li>anyone else (no role, auditor): nothing labelled Part 2;</li>
 *   <li>AuditEvents: auditors only (the authorization rules also require an AuditEvent read scope).</li>
 * </ul>
 */
public class Part2AccessPolicy {

    static final Set<String> PAYER_PURPOSES = Set.of("HPAYMT", "COVAUTH");
    static final String TREATMENT = "TREAT";

    private final PatientRecords records;
    private final Clock clock;

    public Part2AccessPolicy(PatientRecords records, Clock clock) {
        this.records = records;
        this.clock = clock;
    }

    public Decision decide(CallerContext caller, IBaseResource resource, RequestDetails request) {
        if (resource instanceof AuditEvent) {
            // AuditEvents sit in their patient's compartment: keep them out of $everything and _revinclude.
            return caller.has(Role.AUDITOR) ? Decision.permit("auditor") : Decision.deny("the audit trail is for auditors");
        }
        if (resource instanceof OperationOutcome || resource instanceof Bundle || resource instanceof Parameters) {
            return Decision.permit("not a patient record");
        }
        Set<String> labels = SecurityLabels.codesOf(resource);
        boolean part2 = labels.contains(SecurityLabels.PART2_POLICY) || labels.contains(SecurityLabels.SUD);
        if (caller.has(Role.PRIVACY_OFFICER)) {
            return Decision.permit("privacy officer");
        }
        if (caller.has(Role.CLINICIAN)) {
            return forClinician(caller, resource, request);
        }
        if (caller.has(Role.PAYER)) {
            return part2 ? forPayer(caller, resource, labels, request) : Decision.permit("not a Part 2 record");
        }
        if (caller.has(Role.PATIENT)) {
            return labels.contains(SecurityLabels.PSYCHOTHERAPY_NOTE)
                    ? Decision.deny("counseling notes are not part of a patient's access")
                    : Decision.permit("the patient's own record");
        }
        return part2 ? Decision.deny("Part 2 records need the clinician, payer or patient role")
                : Decision.permit("not a Part 2 record");
    }

    private Decision forClinician(CallerContext caller, IBaseResource resource, RequestDetails request) {
        Set<String> patients = records.patientsOf(resource);
        if (patients.isEmpty()) {
            return Decision.permit("not about a patient");
        }
        if (caller.breakTheGlass()) {
            return Decision.permit("break-the-glass");
        }
        if (!caller.purposeOfUse().filter(TREATMENT::equals).isPresent()) {
            return Decision.deny("clinicians need purpose of use TREAT (or ETREAT/BTG to break the glass)");
        }
        Optional<String> program = caller.organization();
        boolean ours = program.isPresent()
                && patients.stream().allMatch(p -> inProgram(p, program.get(), resource, request));
        return ours ? Decision.permit("a patient of the caller's program")
                : Decision.deny("not a patient of the caller's program");
    }

    private boolean inProgram(String patient, String program, IBaseResource resource, RequestDetails request) {
        Optional<Patient> stored = resource instanceof Patient p && patient.equals("Patient/" + p.getIdElement().getIdPart())
                ? Optional.of(p) : records.patient(patient, request);
        if (stored.filter(p -> program.equals(p.getManagingOrganization().getReference())).isPresent()) {
            return true;
        }
        return records.episodes(patient, request).stream()
                .anyMatch(e -> program.equals(e.getManagingOrganization().getReference()));
    }

    private Decision forPayer(CallerContext caller, IBaseResource resource, Set<String> labels, RequestDetails request) {
        String purpose = caller.purposeOfUse().orElse(null);
        if (!PAYER_PURPOSES.contains(purpose)) {
            return Decision.deny("payers need purpose of use HPAYMT or COVAUTH");
        }
        Set<String> patients = records.patientsOf(resource);
        if (patients.isEmpty()) {
            return Decision.deny("a Part 2 record without a patient cannot be matched to a consent");
        }
        Decision decision = null;
        for (String patient : patients) {
            decision = Part2ConsentPolicy.decide(records.consents(patient, request), caller.organization().orElse(null),
                    purpose, labels, clock.instant());
            if (!decision.permitted()) {
                return decision;
            }
        }
        return decision;
    }
}
