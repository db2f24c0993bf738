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
import org.hl7.fhir.r4.model.IdType;
import org.hl7.fhir.r4.model.Meta;

/**
 * Labels 42 CFR Part 2 records as they are written (create, update, patch, transaction entries,
 * start-up loading - it sits on the storage layer - whoever writes, the privacy officer included).
 * The rule:
 * <ol>
 *   <li>an SUD record by itself ({@link Part2Classifier#isSudRecord}) is labelled, and so is its patient:
 *       a patient of an SUD program;</li>
 *   <li>every record about such a patient is labelled when written: the Patient itself, any resource
 *       referencing them, and a resource that reaches them only through a session or an episode (a note
 *       with only {@code context.encounter});</li>
 *   <li>when a stored patient becomes a patient of an SUD program, their records already stored are
 *       labelled too (all versions: labels are kept per resource, not per version);</li>
 *   <li>counseling notes among them additionally get PSYTHPN.</li>
 * </ol>
 * Inside a transaction the whole Bundle is looked at first, so entry order does not matter. Labels are
 * never lost on update: this interceptor adds back any an update leaves out. The privacy officer
 * changes labels only through {@code $meta-add} and {@code $meta-delete}. AuditEvents are the server's
 * own records and are never labelled.
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
     * between entries are still as the client wrote them ({@code urn:uuid:} or {@code Patient/id}):
     * the patients of SUD records, then every entry that refers to a labelled entry, until nothing changes.
     */
    @Hook(Pointcut.STORAGE_TRANSACTION_PROCESSING)
    public void beforeTransaction(IBaseBundle bundle, RequestDetails request) {
        List<BundleEntryParts> entries = BundleUtil.toListOfEntries(fhirContext, bundle).stream()
                .filter(e -> e.getResource() != null && !(e.getResource() instanceof AuditEvent)).toList();
        Set<String> patientEntries = new HashSet<>();
        entries.stream().filter(e -> "Patient".equals(e.getResource().fhirType())).forEach(e -> {
            if (e.getResource().getIdElement().hasIdPart()) {
                patientEntries.add(key(e.getResource()));
            }
            if (e.getFullUrl() != null) {
                patientEntries.add(e.getFullUrl());
            }
        });
        Set<String> sudKeys = new HashSet<>();
        entries.stream().map(BundleEntryParts::getResource).filter(classifier::isSudRecord)
                .flatMap(r -> patients.referencesOf(r).stream())
                .filter(ref -> ref.startsWith("Patient/") || patientEntries.contains(ref))
                .forEach(sudKeys::add);
        Set<BundleEntryParts> labelled = new HashSet<>();
        boolean changed = true;
        while (changed) {
            changed = false;
            for (BundleEntryParts entry : entries) {
                IBaseResource resource = entry.getResource();
                String key = resource.getIdElement().hasIdPart() ? key(resource) : null;
                boolean sud = classifier.isSudRecord(resource) || key != null && sudKeys.contains(key)
                        || entry.getFullUrl() != null && sudKeys.contains(entry.getFullUrl())
                        || patients.referencesOf(resource).stream().anyMatch(sudKeys::contains);
                if (sud && labelled.add(entry)) {
                    labelPart2(resource);
                    if (key != null) {
                        sudKeys.add(key);
                    }
                    if (entry.getFullUrl() != null) {
                        sudKeys.add(entry.getFullUrl());
                    }
                    changed = true;
                }
            }
        }
    }

    @Hook(Pointcut.STORAGE_PRESTORAGE_RESOURCE_CREATED)
    public void beforeCreate(IBaseResource resource, RequestDetails request) {
        label(resource, request, true);
    }

    @Hook(Pointcut.STORAGE_PRESTORAGE_RESOURCE_UPDATED)
    public void beforeUpdate(IBaseResource previous, IBaseResource updated, RequestDetails request) {
        if (previous != null) {
            // HAPI passes no previous version when it stores a transaction entry again after resolving its references.
            previous.getMeta().getSecurity().stream()
                    .filter(c -> SecurityLabels.ACT_CODE.equals(c.getSystem()) || SecurityLabels.CONFIDENTIALITY.equals(c.getSystem()))
                    .forEach(c -> SecurityLabels.add(updated, new Coding(c.getSystem(), c.getCode(), c.getDisplay())));
        }
        label(updated, request, false);
    }

    /** @param created the resource is being created: it is not stored yet, so it is not looked up as its own patient */
    void label(IBaseResource resource, RequestDetails request, boolean created) {
        if (resource instanceof AuditEvent) {
            return;
        }
        boolean sudRecord = classifier.isSudRecord(resource);
        if (sudRecord || aboutSudPatient(resource, request, created)) {
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

    private boolean aboutSudPatient(IBaseResource resource, RequestDetails request, boolean created) {
        if (patients.linksOf(resource).stream().anyMatch(link -> patients.stored(link, request)
                .filter(SecurityLabels::isPart2).isPresent())) {
            return true; // a session or episode of an SUD program
        }
        return patients.patientsOf(resource, request).stream().filter(p -> !(created && p.equals(key(resource))))
                .anyMatch(p -> patients.patient(p, request).filter(SecurityLabels::isPart2).isPresent());
    }

    /**
     * A patient already stored without labels becomes a patient of an SUD program: the Patient and every
     * record already stored about them are labelled, without new versions.
     */
    private void labelStoredPatients(IBaseResource resource, RequestDetails request) {
        for (String patient : patients.patientsOf(resource, request)) {
            if (patients.patient(patient, request).filter(p -> !SecurityLabels.isPart2(p)).isEmpty()) {
                continue;
            }
            patients.addLabels(new IdType(patient), part2Labels(false));
            for (IBaseResource stored : patients.storedRecordsOf(patient)) {
                if (!SecurityLabels.isPart2(stored)) {
                    patients.addLabels(stored.getIdElement(), part2Labels(classifier.isCounselingNote(stored)));
                }
            }
            PatientRecords.forget(request, patient);
        }
    }

    private static Meta part2Labels(boolean counselingNote) {
        Meta labels = new Meta();
        SecurityLabels.PART2.forEach(labels::addSecurity);
        if (counselingNote) {
            labels.addSecurity(SecurityLabels.COUNSELING_NOTE);
        }
        return labels;
    }

    private static String key(IBaseResource resource) {
        return resource.fhirType() + "/" + resource.getIdElement().getIdPart();
    }
}
