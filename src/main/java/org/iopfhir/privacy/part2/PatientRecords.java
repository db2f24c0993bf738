package org.iopfhir.privacy.part2;

import ca.uhn.fhir.context.BaseRuntimeChildDefinition;
import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.context.RuntimeResourceDefinition;
import ca.uhn.fhir.jpa.api.dao.DaoRegistry;
import ca.uhn.fhir.jpa.api.dao.IFhirResourceDao;
import ca.uhn.fhir.jpa.api.dao.IFhirResourceDaoPatient;
import ca.uhn.fhir.jpa.api.dao.PatientEverythingParameters;
import ca.uhn.fhir.jpa.searchparam.SearchParameterMap;
import ca.uhn.fhir.rest.api.server.IBundleProvider;
import ca.uhn.fhir.rest.api.server.RequestDetails;
import ca.uhn.fhir.rest.api.server.SystemRequestDetails;
import ca.uhn.fhir.rest.api.server.storage.TransactionDetails;
import ca.uhn.fhir.rest.param.ReferenceParam;
import ca.uhn.fhir.rest.server.exceptions.ResourceGoneException;
import ca.uhn.fhir.rest.server.exceptions.ResourceNotFoundException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;
import org.hl7.fhir.instance.model.api.IBaseReference;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.hl7.fhir.instance.model.api.IIdType;
import org.hl7.fhir.r4.model.Consent;
import org.hl7.fhir.r4.model.DocumentReference;
import org.hl7.fhir.r4.model.DomainResource;
import org.hl7.fhir.r4.model.EpisodeOfCare;
import org.hl7.fhir.r4.model.IdType;
import org.hl7.fhir.r4.model.Meta;
import org.hl7.fhir.r4.model.Patient;
import org.hl7.fhir.r4.model.Reference;
import org.iopfhir.fhir.ElementFinder;
import org.iopfhir.server.ReferenceTargets;

/**
 * The stored facts privacy decisions need: the patients a record is about, the Patient itself, their
 * episodes and consents, and the sessions and episodes records link to. Read with system rights (the
 * decision is made on the caller's behalf, not by them) and remembered for the rest of the request
 * only, so a revoked consent counts from the next request on. The request cache is a concurrent map:
 * the entries of a batch may be processed on several threads that share one request.
 */
public class PatientRecords {

    private static final String CACHE_KEY = PatientRecords.class.getName();
    /** Types whose references lead to a patient when a record names no patient itself. */
    private static final Set<String> PATIENT_LINKS = Set.of("Encounter", "EpisodeOfCare");
    private static final String STORED = "stored:";
    private static final String SHOWN_REFERENCES = PatientRecords.class.getName() + ".shownReferences";
    /** The elements that name who a record is about. */
    private static final List<String> SUBJECTS = List.of("subject", "patient");
    private static final String PATIENT_DEFINITION = "http://hl7.org/fhir/StructureDefinition/Patient";

    private final FhirContext fhirContext;
    private final ElementFinder elements;
    private final DaoRegistry daos;
    private final ReferenceTargets targets;

    public PatientRecords(FhirContext fhirContext, DaoRegistry daos, ReferenceTargets targets) {
        this.fhirContext = fhirContext;
        this.elements = new ElementFinder(fhirContext);
        this.daos = daos;
        this.targets = targets;
    }

    /** The patients a resource names directly: a Patient itself, or every Patient it references. */
    public Set<String> patientsOf(IBaseResource resource) {
        return patientsOf(resource, references(resource));
    }

    private static Set<String> patientsOf(IBaseResource resource, List<IIdType> references) {
        Set<String> patients = new LinkedHashSet<>();
        if (resource instanceof Patient && resource.getIdElement().hasIdPart()) {
            patients.add("Patient/" + resource.getIdElement().getIdPart());
        }
        patients.addAll(ofType(references, "Patient"));
        return patients;
    }

    /**
     * The record is about a person this server does not store, whose admissions and consents it cannot know:
     * <ul>
     *   <li>its {@code subject} or {@code patient} is a person but no stored resource: a contained Patient
     *       ({@code #p}), an identifier or a name only, or one on another server - whatever other patients it names;</li>
     *   <li>or it names no stored patient ({@code patients}) and contains a Patient, refers to a Patient by identifier
     *       only, or is a Part 2 record of a kind that is about a patient (FHIR's Patient compartment) with no subject.</li>
     * </ul>
     * A contained Patient's id is local to its record (HAPI's parser gives it no {@code #}), so it is never taken for a
     * stored patient's. For a resource being shown, pass its request (see {@link #patientsOfShown}); otherwise none.
     */
    public boolean aboutUnstoredPerson(IBaseResource resource, Set<String> patients, boolean part2, RequestDetails shownIn) {
        List<IBaseReference> subjects = subjectsOf(resource);
        if (subjects.stream().anyMatch(subject -> personNotStored(subject, resource))) {
            return true;
        }
        if (!patients.isEmpty()) {
            return false;
        }
        if (resource instanceof DomainResource domain && domain.hasContained()
                && domain.getContained().stream().anyMatch(Patient.class::isInstance)) {
            return true;
        }
        List<IBaseReference> references = shownIn == null ? elements.references(resource) : shownReferences(resource, shownIn);
        return references.stream().anyMatch(PatientRecords::toPatientByIdentifier)
                || part2 && subjects.isEmpty() && Part2Classifier.ofPatientKind(fhirContext, resource.fhirType());
    }

    /** The record's {@code subject} and {@code patient} references. */
    private List<IBaseReference> subjectsOf(IBaseResource resource) {
        RuntimeResourceDefinition definition = fhirContext.getResourceDefinition(resource);
        List<IBaseReference> subjects = new ArrayList<>(1);
        for (String name : SUBJECTS) {
            BaseRuntimeChildDefinition child = definition.getChildByName(name);
            if (child != null) {
                child.getAccessor().getValues(resource).stream().filter(IBaseReference.class::isInstance)
                        .map(IBaseReference.class::cast).filter(r -> !r.isEmpty()).forEach(subjects::add);
            }
        }
        return subjects;
    }

    /**
     * A subject that is a person but no stored resource: a contained Patient, one given by identifier or name only, or
     * one on another server (a stored Group, Device or Location, or a contained Device, is no person).
     */
    private static boolean personNotStored(IBaseReference subject, IBaseResource record) {
        IIdType id = subject.getReferenceElement();
        if (id.getValue() == null) {
            return subject instanceof Reference named && (named.hasIdentifier() || named.hasDisplay());
        }
        if (id.getValue().startsWith("#")) {
            String local = id.getValue().substring(1);
            return subject.getResource() instanceof Patient || record instanceof DomainResource domain
                    && domain.getContained().stream().anyMatch(c -> c instanceof Patient && local.equals(localId(c)));
        }
        return id.isAbsolute();
    }

    private static String localId(IBaseResource contained) {
        String id = contained.getIdElement().getIdPart();
        return id != null && id.startsWith("#") ? id.substring(1) : id;
    }

    private static boolean toPatientByIdentifier(IBaseReference reference) {
        IIdType id = reference.getReferenceElement();
        if (id.getValue() != null) {
            return "Patient".equals(id.getResourceType()) && id.isAbsolute();
        }
        return reference instanceof Reference logical && logical.hasIdentifier()
                && ("Patient".equals(logical.getType()) || PATIENT_DEFINITION.equals(logical.getType()));
    }

    /**
     * The patients a stored resource ({@code Type/id}) is about, read with system rights (once per request):
     * none when it does not exist or is no FHIR resource type.
     */
    public Set<String> patientsOfStored(String reference, RequestDetails request) {
        IdType id = new IdType(reference);
        if (!id.hasResourceType() || !id.hasIdPart() || !daos.isResourceTypeSupported(id.getResourceType())) {
            return Set.of();
        }
        return stored(id.getResourceType() + "/" + id.getIdPart(), request).map(this::patientsOf).orElse(Set.of());
    }

    /**
     * The patients a resource is about, also when it names none itself but links to a session or an
     * episode (a note with only {@code context.encounter}): those lead to their patient.
     */
    public Set<String> patientsOf(IBaseResource resource, RequestDetails request) {
        return patientsOrLinked(resource, references(resource), request);
    }

    private Set<String> patientsOrLinked(IBaseResource resource, List<IIdType> references, RequestDetails request) {
        Set<String> patients = patientsOf(resource, references);
        if (patients.isEmpty()) {
            for (String link : linksOf(references)) {
                stored(link, request).ifPresent(linked -> patients.addAll(patientsOf(linked)));
            }
        }
        return patients;
    }

    /**
     * {@link #patientsOf(IBaseResource, RequestDetails)} for a stored resource being shown: its references are found
     * once per request and resource object, since deciding on it, showing it and auditing its disclosure all need
     * them and nothing changes them. Not for a resource being written: a transaction still rewrites its references.
     */
    public Set<String> patientsOfShown(IBaseResource resource, RequestDetails request) {
        return patientsOrLinked(resource, ids(shownReferences(resource, request)), request);
    }

    /** {@link #patientsOf(IBaseResource)} for a stored resource being shown (see {@link #patientsOfShown}). */
    public Set<String> namedPatientsOfShown(IBaseResource resource, RequestDetails request) {
        return patientsOf(resource, ids(shownReferences(resource, request)));
    }

    /** A reference of a stored resource being shown carries its target (see {@link #patientsOfShown}). */
    public boolean carriesTargets(IBaseResource resource, RequestDetails request) {
        return shownReferences(resource, request).stream().anyMatch(reference -> reference.getResource() != null);
    }

    @SuppressWarnings("unchecked")
    private List<IBaseReference> shownReferences(IBaseResource resource, RequestDetails request) {
        if (request == null) {
            return elements.references(resource);
        }
        Map<IBaseResource, List<IBaseReference>> known;
        Map<Object, Object> userData = request.getUserData();
        synchronized (userData) {
            known = (Map<IBaseResource, List<IBaseReference>>) userData.computeIfAbsent(SHOWN_REFERENCES,
                    k -> Collections.synchronizedMap(new IdentityHashMap<>()));
        }
        List<IBaseReference> found = known.get(resource);
        if (found == null) {
            found = elements.references(resource);
            known.put(resource, found);
        }
        return found;
    }

    /** The references of a resource to sessions and episodes ({@code Encounter/x}, {@code EpisodeOfCare/y}). */
    public Set<String> linksOf(IBaseResource resource) {
        return linksOf(references(resource));
    }

    private static Set<String> linksOf(List<IIdType> references) {
        Set<String> links = new LinkedHashSet<>();
        PATIENT_LINKS.forEach(type -> links.addAll(ofType(references, type)));
        return links;
    }

    /** The raw reference strings of a resource (also {@code urn:uuid:} ones inside a transaction). */
    public Set<String> referencesOf(IBaseResource resource) {
        Set<String> refs = new LinkedHashSet<>();
        elements.references(resource).forEach(ref -> {
            String value = ref.getReferenceElement().getValue();
            if (value != null) {
                refs.add(value);
            }
        });
        return refs;
    }

    /** Every reference of a resource, looked for once (the walk is what a privacy decision costs most). */
    private List<IIdType> references(IBaseResource resource) {
        return ids(elements.references(resource));
    }

    private static List<IIdType> ids(List<IBaseReference> references) {
        return references.stream().map(IBaseReference::getReferenceElement).toList();
    }

    private static List<String> ofType(List<IIdType> references, String type) {
        return references.stream()
                .filter(id -> type.equals(id.getResourceType()) && id.hasIdPart() && !id.isAbsolute())
                .map(id -> type + "/" + id.getIdPart())
                .distinct().toList();
    }

    public Optional<Patient> patient(String reference, RequestDetails request) {
        return stored(reference, request).map(Patient.class::cast);
    }

    /** A stored resource by {@code Type/id}, current version; empty when missing or deleted. */
    public Optional<IBaseResource> stored(String reference, RequestDetails request) {
        return cached(request, STORED + reference, () -> {
            IdType id = new IdType(reference);
            try {
                return Optional.of(daos.getResourceDao(id.getResourceType()).read(id, new SystemRequestDetails()));
            } catch (ResourceNotFoundException | ResourceGoneException e) {
                return Optional.empty();
            }
        });
    }

    /**
     * Looks up stored resources ({@code Type/id}) with a query translated once ({@link ReferenceTargets}) and hands
     * their database ids to a write, so that indexing its references does not look them up with HAPI's criteria
     * query, which Hibernate translates anew every time (HAPI reuses the ids a write's
     * {@link TransactionDetails} already holds). Ids the details already hold are not looked up again;
     * missing and deleted resources are left out, so the write looks those up itself and fails as it would
     * have. Must run inside the write's database transaction.
     */
    public void resolveInto(Collection<String> references, TransactionDetails details) {
        List<IIdType> wanted = references.stream().map(IdType::new)
                .filter(id -> id.hasResourceType() && id.hasIdPart() && daos.isResourceTypeSupported(id.getResourceType()))
                .map(id -> (IIdType) id.toUnqualifiedVersionless())
                .filter(id -> details.getResolvedResourceId(id) == null)
                .distinct().toList();
        if (!wanted.isEmpty()) {
            targets.resolveStored(wanted, details);
        }
    }

    /**
     * A record as a write in progress sees it: as written earlier in the same FHIR transaction, else as
     * stored. HAPI writes a transaction's entries without flushing them, so reading the database during
     * the transaction does not see them; it keeps what each entry wrote in its {@link TransactionDetails}.
     */
    public Optional<IBaseResource> stored(String reference, RequestDetails request, TransactionDetails transaction) {
        IBaseResource written = transaction == null ? null : transaction.getResolvedResource(new IdType(reference));
        return written != null ? Optional.of(written) : stored(reference, request);
    }

    public List<EpisodeOfCare> episodes(String patient, RequestDetails request) {
        return cached(request, "episodes:" + patient, () -> search(EpisodeOfCare.class, patient));
    }

    public List<Consent> consents(String patient, RequestDetails request) {
        return cached(request, "consents:" + patient, () -> search(Consent.class, patient));
    }

    /** Adds labels to a stored resource without a new version (HAPI's $meta-add). */
    public void addLabels(IIdType resource, Meta labels) {
        daos.getResourceDao(resource.getResourceType()).metaAddOperation(resource.toUnqualifiedVersionless(), labels,
                new SystemRequestDetails());
    }

    /**
     * Every stored record about a patient: their compartment (the Patient's {@code $everything} without
     * what it merely references), and notes that reach them only through a session or an episode.
     */
    public List<IBaseResource> storedRecordsOf(String patient) {
        IBundleProvider everything = ((IFhirResourceDaoPatient<?>) daos.getResourceDao(Patient.class))
                .patientInstanceEverything(null, new SystemRequestDetails(), new PatientEverythingParameters(),
                        new IdType(patient));
        List<IBaseResource> compartment = everything.getAllResources().stream()
                .filter(r -> patientsOf(r).contains(patient)).toList();
        List<IBaseResource> result = new ArrayList<>(compartment);
        for (IBaseResource linked : compartment) {
            if (PATIENT_LINKS.contains(linked.fhirType())) {
                String link = linked.fhirType() + "/" + linked.getIdElement().getIdPart();
                result.addAll(search(DocumentReference.class, "encounter", link).stream()
                        .filter(note -> patientsOf(note).isEmpty()).toList());
            }
        }
        return result;
    }

    private <T extends IBaseResource> List<T> search(Class<T> type, String patient) {
        return search(type, "patient", patient);
    }

    private <T extends IBaseResource> List<T> search(Class<T> type, String parameter, String reference) {
        IFhirResourceDao<T> dao = daos.getResourceDao(type);
        SearchParameterMap map = SearchParameterMap.newSynchronous(parameter, new ReferenceParam(reference));
        return dao.search(map, new SystemRequestDetails()).getAllResources().stream().map(type::cast).toList();
    }

    @SuppressWarnings("unchecked")
    private static <T> T cached(RequestDetails request, String key, Supplier<T> load) {
        if (request == null) {
            return load.get();
        }
        Map<String, Object> cache = cache(request);
        Object known = cache.get(key);
        if (known == null) {
            known = load.get();
            cache.put(key, known);
        }
        return (T) known;
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> cache(RequestDetails request) {
        Map<Object, Object> userData = request.getUserData();
        synchronized (userData) {
            return (Map<String, Object>) userData.computeIfAbsent(CACHE_KEY, k -> new ConcurrentHashMap<String, Object>());
        }
    }

    /**
     * Lets a write the server makes for a request (the Provenance of what it wrote) find the records the request
     * has just written as written, instead of reading them again in the same database transaction. Nothing the
     * request merely looked up is shared: it may have been read before the write's transaction began, and a
     * label added since then (another request's) must still count.
     */
    public static void knowWritten(RequestDetails request, Collection<? extends IBaseResource> written) {
        Map<String, Object> cache = cache(request);
        for (IBaseResource resource : written) {
            if (resource.getIdElement().hasIdPart()) {
                cache.put(STORED + resource.fhirType() + "/" + resource.getIdElement().getIdPart(), Optional.of(resource));
            }
        }
    }

    /** Forgets what this request learned about a patient (their record just changed). */
    public static void forget(RequestDetails request, String patient) {
        if (request != null) {
            cache(request).keySet().removeIf(k -> k.endsWith(":" + patient));
        }
    }
}
