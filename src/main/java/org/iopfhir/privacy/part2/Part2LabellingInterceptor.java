package org.iopfhir.privacy.part2;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.interceptor.api.Hook;
import ca.uhn.fhir.interceptor.api.Interceptor;
import ca.uhn.fhir.interceptor.api.Pointcut;
import ca.uhn.fhir.rest.api.server.RequestDetails;
import ca.uhn.fhir.util.BundleUtil;
import ca.uhn.fhir.util.bundle.BundleEntryParts;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.hl7.fhir.instance.model.api.IBaseBundle;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.hl7.fhir.r4.model.AuditEvent;
import org.hl7.fhir.r4.model.Coding;
import org.hl7.fhir.r4.model.Meta;
import org.hl7.fhir.r4.model.Patient;
import org.iopfhir.privacy.auth.CallerContext;
import org.iopfhir.privacy.auth.Role;

/**
 * Labels 42 CFR Part 2 records as they are written (create, update, patch, transaction entries,
 * start-up loading: it sits on the storage layer). The rule:
 * <ol>
 *   <li>an SUD record by itself ({@link Part2Classifier#isSudRecord}) is labelled, and so is its patient:
 *       a patient of an SUD program;</li>
 *   <li>every record about such a patient (the Patient itself, or any resource referencing them) is
 *       labelled when written;</li>
 *   <li>counseling notes among them additionally get PSYTHPN.</li>
 * </ol>
 * Inside a transaction the whole Bundle is looked at first, so entry order does not matter. Records
 * written before a patient's first SUD record keep no label (a relabelling job is future work).
 * Labels are never lost on update: HAPI keeps stored labels across updates, and this interceptor adds
 * back any an update leaves out - unless the caller is a privacy officer, whose labels are taken as sent.
 * AuditEvents are the server's own records and are never labelled.
 */
@Interceptor
public class Part2LabellingInterceptor {

    private final Part2Classifier classifier;
    private final PatientRecords patients;
    private final FhirContext fhirContext;

    public Part2LabellingInterceptor(FhirContext fhirContext, Part2Classifier classifier, PatientRecords patients) {
        this.fhirContext = fhirContext;
        this.classifier = classifier;
        this.patients = patients;
    }

    /**
     * Labels a transaction's records about SUD patients before any entry is stored, when references
     * between entries are still as the client wrote them ({@code urn:uuid:} or {@code Patient/id}).
     */
    @Hook(Pointcut.STORAGE_TRANSACTION_PROCESSING)
    public void beforeTransaction(IBaseBundle bundle, RequestDetails request) {
        if (request != null && CallerContext.of(request).has(Role.PRIVACY_OFFICER)) {
            return;
        }
        List<BundleEntryParts> entries = BundleUtil.toListOfEntries(fhirContext, bundle).stream()
                .filter(e -> e.getResource() != null && !(e.getResource() instanceof AuditEvent)).toList();
        Set<String> referencedBySudRecords = new HashSet<>();
        entries.stream().map(BundleEntryParts::getResource).filter(classifier::isSudRecord)
                .forEach(r -> referencedBySudRecords.addAll(patients.referencesOf(r)));
        Set<String> sudPatients = new HashSet<>();
        referencedBySudRecords.stream().filter(ref -> ref.startsWith("Patient/")).forEach(sudPatients::add);
        entries.stream().filter(e -> e.getResource() instanceof Patient)
                .filter(e -> referencedBySudRecords.contains(e.getFullUrl())
                        || referencedBySudRecords.contains(patientKey(e.getResource())))
                .forEach(e -> {
                    sudPatients.add(patientKey(e.getResource()));
                    if (e.getFullUrl() != null) {
                        sudPatients.add(e.getFullUrl());
                    }
                    labelPart2(e.getResource());
                });
        entries.stream().map(BundleEntryParts::getResource)
                .filter(r -> patients.referencesOf(r).stream().anyMatch(sudPatients::contains))
                .forEach(this::labelPart2);
    }

    @Hook(Pointcut.STORAGE_PRESTORAGE_RESOURCE_CREATED)
    public void beforeCreate(IBaseResource resource, RequestDetails request) {
        label(resource, request);
    }

    @Hook(Pointcut.STORAGE_PRESTORAGE_RESOURCE_UPDATED)
    public void beforeUpdate(IBaseResource previous, IBaseResource updated, RequestDetails request) {
        if (request != null && CallerContext.of(request).has(Role.PRIVACY_OFFICER)) {
            return;
        }
        if (previous == null) {
            // HAPI re-saves transaction entries after resolving their references without the previous version.
            label(updated, request);
            return;
        }
        previous.getMeta().getSecurity().stream()
                .filter(c -> SecurityLabels.ACT_CODE.equals(c.getSystem()) || SecurityLabels.CONFIDENTIALITY.equals(c.getSystem()))
                .forEach(c -> SecurityLabels.add(updated, new Coding(c.getSystem(), c.getCode(), c.getDisplay())));
        label(updated, request);
    }

    void label(IBaseResource resource, RequestDetails request) {
        if (resource instanceof AuditEvent || request != null && CallerContext.of(request).has(Role.PRIVACY_OFFICER)) {
            return;
        }
        boolean sudRecord = classifier.isSudRecord(resource);
        if (sudRecord || aboutSudPatient(resource, request)) {
            labelPart2(resource);
        }
        if (sudRecord) {
            labelStoredPatients(resource, request);
        }
    }

    private void labelPart2(IBaseResource resource) {
        SecurityLabels.PART2.forEach(label -> SecurityLabels.add(resource, label));
        if (classifier.isCounselingNote(resource)) {
            SecurityLabels.add(resource, SecurityLabels.COUNSELING_NOTE);
        }
    }

    private boolean aboutSudPatient(IBaseResource resource, RequestDetails request) {
        return patients.patientsOf(resource).stream()
                .anyMatch(p -> patients.patient(p, request).filter(SecurityLabels::isPart2).isPresent());
    }

    /** A patient already stored without labels becomes a patient of an SUD program. */
    private void labelStoredPatients(IBaseResource resource, RequestDetails request) {
        Meta labels = new Meta();
        SecurityLabels.PART2.forEach(labels::addSecurity);
        for (String patient : patients.patientsOf(resource)) {
            if (patients.patient(patient, request).filter(p -> !SecurityLabels.isPart2(p)).isPresent()) {
                patients.labelPatient(patient, labels);
                PatientRecords.forget(request, patient);
            }
        }
    }

    private static String patientKey(IBaseResource patient) {
        return "Patient/" + patient.getIdElement().getIdPart();
    }
}
