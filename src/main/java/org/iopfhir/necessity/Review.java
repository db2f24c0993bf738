package org.iopfhir.necessity;

import java.time.LocalDate;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;
import org.hl7.fhir.r4.model.CarePlan;
import org.hl7.fhir.r4.model.DocumentReference;
import org.hl7.fhir.r4.model.Encounter;
import org.hl7.fhir.r4.model.Enumerations;
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
 * look-ups several criteria share. The attendance report is computed once, by the attendance core.
 */
public final class Review {

    private final EpisodeRecord record;
    private final Policy policy;
    private final LocalDate asOf;
    private final PlacementEngine placement;
    private final AttendanceReport attendance;

    public Review(EpisodeRecord record, Policy policy, LocalDate asOf, PlacementEngine placement) {
        this.record = record;
        this.policy = policy;
        this.asOf = asOf;
        this.placement = placement;
        this.attendance = AttendanceRecords.report(record, rules(), null, null, asOf);
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
        return placement;
    }

    public AttendanceReport attendance() {
        return attendance;
    }

    public AttendanceRules rules() {
        return new AttendanceRules(policy.minimumWeeklyHours().get(record.ageGroup().code()),
                policy.partialHospitalHours(), policy.outreachWithin());
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

    public <T extends Resource> List<T> all(Class<T> type) {
        return record.all(type);
    }

    /** The episode's treatment plan: the earliest one of category {@code iop-treatment-plan} that is in force. */
    public Optional<CarePlan> plan() {
        return all(CarePlan.class).stream()
                .filter(p -> Codes.hasAny(p.getCategory(), Codes.IOP, "iop-treatment-plan"))
                .filter(p -> p.getStatus() != CarePlan.CarePlanStatus.ENTEREDINERROR
                        && p.getStatus() != CarePlan.CarePlanStatus.REVOKED && p.getStatus() != CarePlan.CarePlanStatus.DRAFT)
                .min(Comparator.comparing(p -> p.hasCreated() ? p.getCreated() : new java.util.Date(Long.MAX_VALUE)));
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

    /** The program track codes of the episode ({@code sud}, {@code mental-health}, {@code co-occurring}). */
    public Set<String> tracks() {
        return record.episode().getType().stream().flatMap(t -> t.getCoding().stream())
                .filter(c -> Codes.TRACK.equals(c.getSystem())).map(org.hl7.fhir.r4.model.Coding::getCode)
                .collect(Collectors.toSet());
    }
}
