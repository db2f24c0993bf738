package org.iopfhir.necessity;

import java.time.LocalDate;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;
import org.hl7.fhir.r4.model.CarePlan;
import org.hl7.fhir.r4.model.Coverage;
import org.hl7.fhir.r4.model.DocumentReference;
import org.hl7.fhir.r4.model.Encounter;
import org.hl7.fhir.r4.model.Enumerations;
import org.hl7.fhir.r4.model.EpisodeOfCare;
import org.hl7.fhir.r4.model.Goal;
import org.hl7.fhir.r4.model.Observation;
import org.hl7.fhir.r4.model.QuestionnaireResponse;
import org.hl7.fhir.r4.model.Reference;
import org.hl7.fhir.r4.model.Resource;
import org.iopfhir.attendance.AttendanceRecords;
import org.iopfhir.attendance.AttendanceReport;
import org.iopfhir.attendance.AttendanceRules;
import org.iopfhir.episode.EpisodeRecord;
import org.iopfhir.fhir.FhirDates;
import org.iopfhir.levelofcare.IntakeReader;
import org.iopfhir.levelofcare.PlacementEngine;

/**
 * What the criteria judge: the episode's record under one policy on one review date, with the
 * look-ups several criteria share. Every look-up sees the record as documented by the review date
 * ({@link #all}); the attendance report is computed once, by the attendance core, up to that date.
 */
public final class Review {

    private final EpisodeRecord record;
    private final Policy policy;
    private final LocalDate asOf;
    private final ReviewContext context;
    private final String payer;
    private final AttendanceReport attendance;
    private HoursPattern hours;
    private final Map<Class<? extends Resource>, List<? extends Resource>> documented = new HashMap<>();

    /**
     * @param payer the Organization under review (a reference); null to take it from the patient's
     *              Coverage of one of the policy's coverage types in force on the review date
     */
    public Review(EpisodeRecord record, Policy policy, LocalDate asOf, ReviewContext context, String payer) {
        this.record = record;
        this.policy = policy;
        this.asOf = asOf;
        this.context = context;
        this.attendance = AttendanceRecords.report(record, rules(), null, null, asOf);
        this.payer = payer != null ? payer : coveragePayer();
    }

    public EpisodeRecord record() {
        return record;
    }

    public Policy policy() {
        return policy;
    }

    public LocalDate asOf() {
        return asOf;
    }

    public PlacementEngine placement() {
        return context.placement();
    }

    public ReviewContext context() {
        return context;
    }

    /** The payer under review (an Organization reference), or null when neither the request nor a Coverage names one. */
    public String payer() {
        return payer;
    }

    public AttendanceReport attendance() {
        return attendance;
    }

    public AttendanceRules rules() {
        return new AttendanceRules(policy.minimumWeeklyHours().get(record.ageGroup().code()),
                policy.partialHospitalHours(), policy.outreachWithin());
    }

    /** The days the episode was on hold ({@code statusHistory} status {@code onhold}), e.g. stepped up to another level. */
    public Set<LocalDate> onHold() {
        return record.episode().getStatusHistory().stream()
                .filter(h -> h.getStatus() == EpisodeOfCare.EpisodeOfCareStatus.ONHOLD && h.getPeriod().hasStart())
                .flatMap(h -> FhirDates.localDate(h.getPeriod().getStartElement()).datesUntil((h.getPeriod().hasEnd()
                        ? FhirDates.localDate(h.getPeriod().getEndElement()) : lastDay()).plusDays(1)))
                .collect(Collectors.toSet());
    }

    /** Qualifying hours per complete week, judged as a pattern (computed once). */
    public HoursPattern hours() {
        if (hours == null) {
            hours = HoursPattern.of(admission(), lastDay(), attendedEncounters().stream()
                    .map(e -> new HoursPattern.Session(FhirDates.localDate(e.getPeriod().getStartElement()),
                            AttendanceRecords.minutes(e), qualifying(e))).toList(),
                    new HoursPattern.Thresholds(rules().minimumWeeklyHours(), policy.partialHospitalHours(),
                            policy.minimumDailyHours(), policy.minimumDaysPerWeek()), onHold());
        }
        return hours;
    }

    public LocalDate admission() {
        return record.admission();
    }

    /** The last day under review: discharge, or the review date while the episode runs. */
    public LocalDate lastDay() {
        return attendance.to();
    }

    /** Whether the episode had ended by the review date. */
    public boolean discharged() {
        return record.discharge() != null && !record.discharge().isAfter(asOf);
    }

    /** The loaded resources of a type as documented by the review date: later ones do not exist for the review. */
    @SuppressWarnings("unchecked")
    public <T extends Resource> List<T> all(Class<T> type) {
        return (List<T>) documented.computeIfAbsent(type, t -> record.all(type).stream()
                .map(r -> Documented.asOf(r, asOf)).filter(Objects::nonNull).toList());
    }

    /** Whether a session was attended by video or telephone (Encounter.class VR), not in person. */
    public static boolean virtual(Encounter encounter) {
        return Codes.ACT_CODE.equals(encounter.getClass_().getSystem()) && Codes.VIRTUAL.equals(encounter.getClass_().getCode());
    }

    /** The session types (iop-session-type codes) of an encounter. */
    public static Set<String> sessionTypes(Encounter encounter) {
        return encounter.getType().stream().flatMap(t -> t.getCoding().stream())
                .filter(c -> Codes.SESSION_TYPE.equals(c.getSystem())).map(org.hl7.fhir.r4.model.Coding::getCode)
                .collect(Collectors.toSet());
    }

    /** A therapeutic service whose time counts toward IOP hours under this policy (in person, unless it counts virtual time). */
    public boolean qualifying(Encounter encounter) {
        return sessionTypes(encounter).stream().anyMatch(context.hourSessionTypes()::contains)
                && (policy.virtualSessionsCount() || !virtual(encounter));
    }

    private String coveragePayer() {
        return all(Coverage.class).stream()
                .filter(c -> c.getStatus() == Coverage.CoverageStatus.ACTIVE)
                .filter(c -> !c.hasPeriod() || (!c.getPeriod().hasStart() || !FhirDates.localDate(c.getPeriod().getStartElement()).isAfter(asOf))
                        && (!c.getPeriod().hasEnd() || !FhirDates.localDate(c.getPeriod().getEndElement()).isBefore(asOf)))
                .filter(c -> c.getType().getCoding().stream().anyMatch(k -> policy.coverageTypes().contains(k.getCode())))
                .flatMap(c -> c.getPayor().stream()).map(Reference::getReference)
                .filter(r -> r != null && r.startsWith("Organization/")).findFirst().orElse(null);
    }

    /** The episode's treatment plan: the earliest one of category {@code iop-treatment-plan} that is in force. */
    public Optional<CarePlan> plan() {
        return all(CarePlan.class).stream()
                .filter(p -> Codes.hasAny(p.getCategory(), Codes.IOP, "iop-treatment-plan"))
                .filter(p -> p.getStatus() != CarePlan.CarePlanStatus.ENTEREDINERROR
                        && p.getStatus() != CarePlan.CarePlanStatus.REVOKED && p.getStatus() != CarePlan.CarePlanStatus.DRAFT)
                .min(Comparator.comparing(p -> p.hasCreated() ? p.getCreated() : new java.util.Date(Long.MAX_VALUE)));
    }

    /** Whether the plan of care was due by the review date: the policy's deadline after admission has passed. */
    public boolean planDue() {
        return asOf.isAfter(admission().plusDays(policy.planDeadlineDays()));
    }

    /** The goals the plan names, as loaded for the patient. */
    public List<Goal> goalsOf(CarePlan plan) {
        Set<String> named = plan.getGoal().stream().map(Reference::getReference).collect(Collectors.toSet());
        return all(Goal.class).stream().filter(g -> named.contains(AttendanceRecords.reference(g))).toList();
    }

    /** The latest completed intake authored on or before admission, or the earliest after it. */
    public Optional<QuestionnaireResponse> intake() {
        List<QuestionnaireResponse> intakes = all(QuestionnaireResponse.class).stream().filter(IntakeReader::isIntake)
                .filter(q -> q.hasAuthored() && (q.getStatus() == QuestionnaireResponse.QuestionnaireResponseStatus.COMPLETED
                        || q.getStatus() == QuestionnaireResponse.QuestionnaireResponseStatus.AMENDED))
                .sorted(Comparator.comparing(QuestionnaireResponse::getAuthored)).toList();
        return intakes.stream().filter(q -> !FhirDates.localDate(q.getAuthoredElement()).isAfter(admission()))
                .reduce((a, b) -> b).or(() -> intakes.stream().findFirst());
    }

    /** The level-of-care determination derived from the intake, else the latest one up to admission. */
    public Optional<Observation> determination(QuestionnaireResponse intake) {
        List<Observation> determinations = all(Observation.class).stream()
                .filter(o -> Codes.has(o.getCode(), Codes.OBSERVATION, "level-of-care-determination"))
                .filter(o -> o.getStatus() == Observation.ObservationStatus.FINAL
                        || o.getStatus() == Observation.ObservationStatus.AMENDED)
                .toList();
        String intakeRef = intake == null ? null : AttendanceRecords.reference(intake);
        return determinations.stream().filter(o -> intakeRef != null
                        && o.getDerivedFrom().stream().anyMatch(r -> intakeRef.equals(r.getReference())))
                .findFirst().or(() -> determinations.stream().filter(o -> o.hasEffectiveDateTimeType()
                        && !FhirDates.localDate(o.getEffectiveDateTimeType()).isAfter(admission())).reduce((a, b) -> b));
    }

    /** Finished encounters from admission to the last day under review. */
    public List<Encounter> attendedEncounters() {
        return all(Encounter.class).stream().filter(e -> e.getStatus() == Encounter.EncounterStatus.FINISHED)
                .filter(e -> e.getPeriod().hasStart() && withinEpisode(FhirDates.localDate(e.getPeriod().getStartElement())))
                .toList();
    }

    /** Current documents of a type (by coding). */
    public List<DocumentReference> documents(String system, String code) {
        return all(DocumentReference.class).stream()
                .filter(d -> d.getStatus() == Enumerations.DocumentReferenceStatus.CURRENT)
                .filter(d -> Codes.has(d.getType(), system, code)).toList();
    }

    public boolean withinEpisode(LocalDate day) {
        return day != null && !day.isBefore(admission()) && !day.isAfter(lastDay());
    }

    /**
     * Whether the episode holds a substance use disorder record, by the privacy layer's Part 2 rule:
     * an SUD program episode, or an SUD diagnosis documented for the patient.
     */
    public boolean substanceUse() {
        return context.sud().isSudRecord(record.episode())
                || all(org.hl7.fhir.r4.model.Condition.class).stream().anyMatch(context.sud()::isSudRecord);
    }

    /** The program track codes of the episode ({@code sud}, {@code mental-health}, {@code co-occurring}). */
    public Set<String> tracks() {
        return record.episode().getType().stream().flatMap(t -> t.getCoding().stream())
                .filter(c -> Codes.TRACK.equals(c.getSystem())).map(org.hl7.fhir.r4.model.Coding::getCode)
                .collect(Collectors.toSet());
    }
}
