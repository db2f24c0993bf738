package org.iopfhir.episode;

import ca.uhn.fhir.jpa.api.dao.DaoRegistry;
import ca.uhn.fhir.jpa.dao.tx.IHapiTransactionService;
import ca.uhn.fhir.jpa.searchparam.SearchParameterMap;
import ca.uhn.fhir.rest.api.server.RequestDetails;
import ca.uhn.fhir.rest.api.server.SystemRequestDetails;
import ca.uhn.fhir.rest.param.ReferenceParam;
import ca.uhn.fhir.rest.param.TokenOrListParam;
import ca.uhn.fhir.rest.server.exceptions.BaseServerResponseException;
import ca.uhn.fhir.rest.server.exceptions.UnprocessableEntityException;
import java.time.LocalDate;
import java.time.Period;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.hl7.fhir.r4.model.Appointment;
import org.hl7.fhir.r4.model.AuditEvent;
import org.hl7.fhir.r4.model.Binary;
import org.hl7.fhir.r4.model.CarePlan;
import org.hl7.fhir.r4.model.Coding;
import org.hl7.fhir.r4.model.Encounter;
import org.hl7.fhir.r4.model.EpisodeOfCare;
import org.hl7.fhir.r4.model.IdType;
import org.hl7.fhir.r4.model.Patient;
import org.hl7.fhir.r4.model.Resource;
import org.hl7.fhir.r4.model.Subscription;
import org.iopfhir.fhir.FhirDates;
import org.iopfhir.levelofcare.AgeGroup;
import org.iopfhir.levelofcare.InvalidAssessmentException;

/**
 * Reads an IOP episode and what belongs to it with one search per resource type (by episode
 * where the type links to it, else by patient), never one read per resource. The episode and its
 * patient are read through the DAOs with the caller's request, so authorization, consent and
 * auditing apply to them as to plain REST reads (a refusal answers like a missing resource). The
 * searches run with system rights and keep only what {@link Visibility} lets the caller see - the
 * same decision consent takes on a REST search: through the caller's request HAPI would parse
 * every match twice, once for the consent check before access and once for the answer, which cost
 * the review operations a third of their time.
 */
public class EpisodeLoader {

    public static final String BASE = "http://iop-fhir.org/fhir/";
    public static final String EPISODE_PROFILE = BASE + "StructureDefinition/iop-episode-of-care";
    public static final String PROGRAM_TRACK_SYSTEM = BASE + "CodeSystem/iop-program-track";
    public static final String AGE_GROUP_EXTENSION = BASE + "StructureDefinition/iop-age-group";
    public static final String EPISODE_EXTENSION = "http://hl7.org/fhir/StructureDefinition/workflow-episodeOfCare";

    /** The search parameter linking each type to the episode, or to the patient when there is none. */
    private static final Map<Class<? extends Resource>, String> BY_EPISODE = Map.of(
            Encounter.class, Encounter.SP_EPISODE_OF_CARE,
            Appointment.class, Appointment.SP_SUPPORTING_INFO);

    private static final Set<Class<? extends Resource>> NOT_RECORDS = Set.of(AuditEvent.class, Subscription.class,
            Binary.class);

    private final DaoRegistry daos;
    private final IHapiTransactionService transactions;
    private final Visibility visibility;

    /** Whether the caller of a request may see a stored resource; the server's own requests see everything. */
    @FunctionalInterface
    public interface Visibility {
        Visibility ALL = (resource, request) -> true;

        boolean visible(IBaseResource resource, RequestDetails request);
    }

    public EpisodeLoader(DaoRegistry daos, IHapiTransactionService transactions, Visibility visibility) {
        this.daos = daos;
        this.transactions = transactions;
        this.visibility = visibility;
    }

    /**
     * The episode with every resource of the given types that belongs to it (CarePlans: those
     * naming this episode) or, for types without an episode link, to its patient.
     *
     * @throws ca.uhn.fhir.rest.server.exceptions.ResourceNotFoundException when there is no such episode
     * @throws UnprocessableEntityException when it is not an IOP episode or has no admission date
     */
    public EpisodeRecord load(IdType id, Set<Class<? extends Resource>> types, RequestDetails request) {
        // One read-only transaction for all reads: the DAOs join it instead of each committing its own.
        return transactions.withRequest(request).readOnly().execute(() -> read(id, types, request));
    }

    private EpisodeRecord read(IdType id, Set<Class<? extends Resource>> types, RequestDetails request) {
        EpisodeOfCare episode = daos.getResourceDao(EpisodeOfCare.class).read(id.toUnqualifiedVersionless(), request);
        requireIop(episode);
        String episodeRef = "EpisodeOfCare/" + episode.getIdElement().getIdPart();
        String patientRef = episode.getPatient().getReference();

        Map<Class<? extends Resource>, List<Resource>> byType = new LinkedHashMap<>();
        for (Class<? extends Resource> type : types) {
            String byEpisode = BY_EPISODE.get(type);
            List<Resource> found = byEpisode != null
                    ? search(type, byEpisode, episodeRef, request)
                    : search(type, "patient", patientRef, request);
            if (type == CarePlan.class) {
                found = found.stream().filter(p -> namesEpisode(p, episodeRef)).toList();
            }
            byType.put(type, found);
        }
        String ageGroup = ageGroupCode(episode);
        // The patient: for the age from the birth date when the episode states no age group, and for the
        // identity line of the review pages, read like any other record (consent and audit apply).
        Patient patient;
        try {
            patient = daos.getResourceDao(Patient.class).read(new IdType(patientRef).toUnqualifiedVersionless(), request);
        } catch (BaseServerResponseException notDisclosed) {
            if (ageGroup == null) {
                throw notDisclosed;
            }
            patient = null;
        }
        return new EpisodeRecord(episode, patient, ageGroup != null ? parseAgeGroup(ageGroup) : ageFromBirth(patient, episode),
                byType);
    }

    /**
     * The record with the resources of one more type that it references by id (the practitioners
     * who signed a certification, say), read in one search with the caller's rights.
     */
    public EpisodeRecord withReferenced(EpisodeRecord record, Class<? extends Resource> type, Collection<String> ids,
            RequestDetails request) {
        Map<Class<? extends Resource>, List<Resource>> byType = new LinkedHashMap<>(record.byType());
        List<Resource> found = List.of();
        if (!ids.isEmpty()) {
            TokenOrListParam any = new TokenOrListParam();
            ids.forEach(id -> any.add(null, id));
            SearchParameterMap map = SearchParameterMap.newSynchronous().add("_id", any);
            found = transactions.withRequest(request).readOnly().execute(() -> visible(type, map, request));
        }
        byType.put(type, found);
        return new EpisodeRecord(record.episode(), record.patient(), record.ageGroup(), byType);
    }

    private List<Resource> search(Class<? extends Resource> type, String parameter, String reference, RequestDetails request) {
        return visible(type, SearchParameterMap.newSynchronous().add(parameter, new ReferenceParam(reference)), request);
    }

    /**
     * The matches of a search the caller may see. Only clinical records: the audit trail, subscriptions and
     * files have rules of their own on the REST path (auditors only, owner only, requester only) that
     * {@link Visibility} does not repeat.
     */
    private List<Resource> visible(Class<? extends Resource> type, SearchParameterMap map, RequestDetails request) {
        if (NOT_RECORDS.contains(type)) {
            throw new IllegalArgumentException(type.getSimpleName() + " is not read through the episode loader");
        }
        return daos.getResourceDao(type).searchForResources(map, new SystemRequestDetails()).stream()
                .filter(resource -> request instanceof SystemRequestDetails || visibility.visible(resource, request))
                .map(Resource.class::cast).toList();
    }

    /** An IOP episode claims the guide's episode profile or names an IOP program track. */
    static void requireIop(EpisodeOfCare episode) {
        boolean profiled = episode.getMeta().getProfile().stream()
                .anyMatch(p -> p.getValue() != null && p.getValue().split("\\|")[0].equals(EPISODE_PROFILE));
        boolean tracked = episode.getType().stream().flatMap(t -> t.getCoding().stream())
                .map(Coding::getSystem).anyMatch(PROGRAM_TRACK_SYSTEM::equals);
        String id = "EpisodeOfCare/" + episode.getIdElement().getIdPart();
        if (!profiled && !tracked) {
            throw new UnprocessableEntityException(id + " is not an intensive outpatient episode: it neither claims "
                    + EPISODE_PROFILE + " nor has a type from " + PROGRAM_TRACK_SYSTEM);
        }
        if (!episode.getPeriod().hasStart()) {
            throw new UnprocessableEntityException(id + " has no admission date (period.start)");
        }
        if (episode.getPatient().getReferenceElement().getIdPart() == null
                || !"Patient".equals(episode.getPatient().getReferenceElement().getResourceType())) {
            throw new UnprocessableEntityException(id + " does not name its patient (patient must be Patient/[id])");
        }
    }

    private static boolean namesEpisode(Resource plan, String episodeRef) {
        return ((CarePlan) plan).getExtensionsByUrl(EPISODE_EXTENSION).stream()
                .anyMatch(e -> e.getValue() instanceof org.hl7.fhir.r4.model.Reference r && episodeRef.equals(r.getReference()));
    }

    private static String ageGroupCode(EpisodeOfCare episode) {
        var extension = episode.getExtensionByUrl(AGE_GROUP_EXTENSION);
        return extension != null && extension.getValue() != null ? extension.getValue().primitiveValue() : null;
    }

    private static AgeGroup parseAgeGroup(String code) {
        try {
            return AgeGroup.fromCode(code);
        } catch (InvalidAssessmentException e) {
            throw new UnprocessableEntityException("the episode's " + e.getMessage());
        }
    }

    /** Without a recorded age group: by age on admission; adult when the birth date is unknown. */
    private static AgeGroup ageFromBirth(Patient patient, EpisodeOfCare episode) {
        LocalDate birth = FhirDates.localDate(patient.getBirthDateElement());
        LocalDate admission = FhirDates.localDate(episode.getPeriod().getStartElement());
        return birth == null ? AgeGroup.ADULT : AgeGroup.atAge(Period.between(birth, admission).getYears());
    }
}
