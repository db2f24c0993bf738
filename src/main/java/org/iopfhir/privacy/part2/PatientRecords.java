package org.iopfhir.privacy.part2;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.jpa.api.dao.DaoRegistry;
import ca.uhn.fhir.jpa.api.dao.IFhirResourceDao;
import ca.uhn.fhir.jpa.searchparam.SearchParameterMap;
import ca.uhn.fhir.rest.api.server.RequestDetails;
import ca.uhn.fhir.rest.api.server.SystemRequestDetails;
import ca.uhn.fhir.rest.param.ReferenceParam;
import ca.uhn.fhir.rest.server.exceptions.ResourceGoneException;
import ca.uhn.fhir.rest.server.exceptions.ResourceNotFoundException;
import ca.uhn.fhir.util.FhirTerser;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.hl7.fhir.r4.model.Consent;
import org.hl7.fhir.r4.model.EpisodeOfCare;
import org.hl7.fhir.r4.model.IdType;
import org.hl7.fhir.r4.model.Meta;
import org.hl7.fhir.r4.model.Patient;

/**
 * The stored facts privacy decisions need about a patient: the Patient itself, their episodes and
 * consents. Read with system rights (the decision is made on the caller's behalf, not by them) and
 * remembered for the rest of the request only, so a revoked consent counts from the next request on.
 */
public class PatientRecords {

    private static final String CACHE_KEY = PatientRecords.class.getName();

    private final FhirTerser terser;
    private final DaoRegistry daos;

    public PatientRecords(FhirContext fhirContext, DaoRegistry daos) {
        this.terser = fhirContext.newTerser();
        this.daos = daos;
    }

    /** The patients a resource is about: a Patient itself, or every Patient it references. */
    public Set<String> patientsOf(IBaseResource resource) {
        Set<String> patients = new LinkedHashSet<>();
        if (resource instanceof Patient && resource.getIdElement().hasIdPart()) {
            patients.add("Patient/" + resource.getIdElement().getIdPart());
        }
        terser.getAllResourceReferences(resource).forEach(ref -> {
            var id = ref.getResourceReference().getReferenceElement();
            if ("Patient".equals(id.getResourceType()) && id.hasIdPart()) {
                patients.add("Patient/" + id.getIdPart());
            }
        });
        return patients;
    }

    /**
     * The patients a stored resource ({@code Type/id}) is about, read with system rights: none when it does
     * not exist or is no FHIR resource type.
     */
    public Set<String> patientsOfStored(String reference) {
        IdType id = new IdType(reference);
        if (!id.hasResourceType() || !id.hasIdPart() || !daos.isResourceTypeSupported(id.getResourceType())) {
            return Set.of();
        }
        try {
            return patientsOf(daos.getResourceDao(id.getResourceType()).read(id, new SystemRequestDetails()));
        } catch (ResourceNotFoundException | ResourceGoneException e) {
            return Set.of();
        }
    }

    /** The raw reference strings of a resource (also {@code urn:uuid:} ones inside a transaction). */
    public Set<String> referencesOf(IBaseResource resource) {
        Set<String> refs = new LinkedHashSet<>();
        terser.getAllResourceReferences(resource).forEach(ref -> {
            String value = ref.getResourceReference().getReferenceElement().getValue();
            if (value != null) {
                refs.add(value);
            }
        });
        return refs;
    }

    public Optional<Patient> patient(String reference, RequestDetails request) {
        return cached(request, "patient:" + reference, () -> {
            try {
                return Optional.of((Patient) daos.getResourceDao(Patient.class)
                        .read(new IdType(reference), new SystemRequestDetails()));
            } catch (ResourceNotFoundException | ResourceGoneException e) {
                return Optional.empty();
            }
        });
    }

    public List<EpisodeOfCare> episodes(String patient, RequestDetails request) {
        return cached(request, "episodes:" + patient, () -> search(EpisodeOfCare.class, patient));
    }

    public List<Consent> consents(String patient, RequestDetails request) {
        return cached(request, "consents:" + patient, () -> search(Consent.class, patient));
    }

    /** Adds labels to a stored patient without a new version (HAPI's $meta-add). */
    public void labelPatient(String reference, Meta labels) {
        daos.getResourceDao(Patient.class).metaAddOperation(new IdType(reference), labels, new SystemRequestDetails());
    }

    private <T extends IBaseResource> List<T> search(Class<T> type, String patient) {
        IFhirResourceDao<T> dao = daos.getResourceDao(type);
        SearchParameterMap map = SearchParameterMap.newSynchronous("patient", new ReferenceParam(patient));
        return dao.search(map, new SystemRequestDetails()).getAllResources().stream().map(type::cast).toList();
    }

    @SuppressWarnings("unchecked")
    private static <T> T cached(RequestDetails request, String key, java.util.function.Supplier<T> load) {
        if (request == null) {
            return load.get();
        }
        Map<String, Object> cache = (Map<String, Object>) request.getUserData()
                .computeIfAbsent(CACHE_KEY, k -> new HashMap<String, Object>());
        return (T) cache.computeIfAbsent(key, k -> load.get());
    }

    /** Forgets what this request learned about a patient (their record just changed). */
    @SuppressWarnings("unchecked")
    public static void forget(RequestDetails request, String patient) {
        if (request != null && request.getUserData().get(CACHE_KEY) instanceof Map<?, ?> cache) {
            ((Map<String, Object>) cache).keySet().removeIf(k -> k.endsWith(":" + patient));
        }
    }

}
