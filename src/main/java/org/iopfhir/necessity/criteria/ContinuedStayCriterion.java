package org.iopfhir.necessity.criteria;

import java.time.LocalDate;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import org.hl7.fhir.r4.model.Goal;
import org.hl7.fhir.r4.model.Observation;
import org.hl7.fhir.r4.model.Resource;
import org.iopfhir.fhir.FhirDates;
import org.iopfhir.necessity.Codes;
import org.iopfhir.necessity.Criterion;
import org.iopfhir.necessity.Finding;
import org.iopfhir.necessity.Intervals;
import org.iopfhir.necessity.Kind;
import org.iopfhir.necessity.Review;

/**
 * Continued stay: the findings that justified admission persist, shown by measurement and re-rating,
 * not by paperwork. Judged at the review date, or for a discharged episode at the start of its last
 * reassessment interval (the stay that still needed justifying).
 * <ul>
 *   <li>Reassessed at least every policy interval: a PHQ-9, GAD-7 or substance-use monitor score, or a
 *       re-rated level-of-care determination after admission. Without one the need cannot be judged.</li>
 *   <li>Goals all met: step down or discharge. A running episode whose goals are all met no longer needs
 *       IOP; a discharged one must not have stayed a full interval beyond meeting them.</li>
 *   <li>A positive drug screen or reported use after admission is a clinical signal: it supports the stay
 *       when the plan answers it (a practitioner's plan review or a re-rating within 7 days); unanswered,
 *       the record is insufficient.</li>
 *   <li>Severity persists when the latest re-rating still recommends IOP or more, or the latest PHQ-9 or
 *       GAD-7 is still at least moderate (10, the published cut-off of both), or use continues. A re-rating
 *       to a less intensive level means step down. Scores below the cut-offs without a re-rating leave
 *       the need unproven (insufficient data).</li>
 * </ul>
 */
public class ContinuedStayCriterion implements Criterion {

    /** PHQ-9 (Kroenke 2001) and GAD-7 (Spitzer 2006): 10 or more is moderate. */
    static final int MODERATE = 10;
    /** How soon the plan must answer a positive screen or reported use. */
    static final int RESPONSE_DAYS = 7;

    @Override
    public String id() {
        return "continued-stay";
    }

    @Override
    public Kind kind() {
        return Kind.CLINICAL;
    }

    @Override
    public Finding evaluate(Review review) {
        int interval = review.policy().reassessmentIntervalDays();
        LocalDate at = review.discharged() ? review.lastDay().minusDays(interval) : review.lastDay();
        if (ChronoUnit.DAYS.between(review.admission(), at) < interval) {
            return Finding.notApplicable("continued stay is judged from day " + interval + "; the admission findings stand "
                    + "until " + review.admission().plusDays(interval));
        }
        List<Observation> measures = measures(review).stream().filter(o -> !date(o).isAfter(at)).toList();
        List<Resource> evidence = new ArrayList<>(measures);
        var gap = Intervals.firstGap(review.admission(), at, measures.stream().map(ContinuedStayCriterion::date)
                .filter(d -> d.isAfter(review.admission())).toList(), interval);
        if (gap.isPresent()) {
            return Finding.insufficient("no measurement or re-rating from " + gap.get().from() + " to " + gap.get().to()
                    + " (" + gap.get().days() + " days; at most " + interval + "): the need for IOP cannot be judged", evidence);
        }
        List<Goal> goals = review.plan().map(review::goalsOf).orElse(List.of());
        Optional<Finding> goalsMet = goalsMet(review, goals, evidence);
        if (goalsMet.isPresent()) {
            return goalsMet.get();
        }
        List<Observation> signals = DrugTestingCriterion.tests(review).stream().filter(DrugTestingCriterion::positive)
                .filter(o -> !date(o).isBefore(review.admission()) && !date(o).isAfter(at)).toList();
        List<Observation> use = measures.stream().filter(o -> is(o, Codes.OBSERVATION, Codes.USE_MONITOR))
                .filter(o -> value(o) > 0 && date(o).isAfter(review.admission())).toList();
        List<Observation> unanswered = new ArrayList<>();
        for (Observation signal : concat(signals, use)) {
            evidence.add(signal);
            if (!answered(review, date(signal), measures)) {
                unanswered.add(signal);
            }
        }
        if (!unanswered.isEmpty()) {
            return Finding.insufficient("clinical signal without a plan response within " + RESPONSE_DAYS + " days: "
                    + describe(unanswered) + " (a plan change or step-up is expected)", evidence);
        }
        review.plan().ifPresent(evidence::add);
        Optional<Observation> rerated = latest(measures, o -> is(o, Codes.OBSERVATION, "level-of-care-determination")
                && date(o).isAfter(review.admission()));
        if (rerated.isPresent()) {
            String level = AssessmentCriterion.level(rerated.get().getValueCodeableConcept());
            boolean stillIop = Codes.IOP_LEVEL.equals(level) || review.context().moreIntensive(level, Codes.IOP_LEVEL);
            return Finding.metIf(stillIop,
                    "re-rated " + date(rerated.get()) + " at level " + level + ": the admission severity persists"
                            + signalsText(signals, use),
                    "re-rated " + date(rerated.get()) + " at level " + level + ", less intensive than IOP: step down",
                    evidence);
        }
        List<String> persisting = new ArrayList<>();
        for (String loinc : List.of(Codes.PHQ9, Codes.GAD7)) {
            latest(measures, o -> is(o, Codes.LOINC, loinc)).filter(o -> value(o) >= MODERATE)
                    .ifPresent(o -> persisting.add(name(loinc) + " " + value(o) + " on " + date(o)
                            + admissionScore(measures, loinc, review.admission())));
        }
        if (!persisting.isEmpty() || !signals.isEmpty() || !use.isEmpty()) {
            return Finding.met("severity persists: " + String.join("; ", persisting) + signalsText(signals, use)
                    + "; goals not yet met", evidence);
        }
        return Finding.insufficient("scores below the moderate cut-off and no re-rating: re-rate the dimensions to show "
                + "IOP is still needed, or step down", evidence);
    }

    private static Optional<Finding> goalsMet(Review review, List<Goal> goals, List<Resource> evidence) {
        if (goals.isEmpty() || !goals.stream().allMatch(ContinuedStayCriterion::achieved)) {
            return Optional.empty();
        }
        evidence.addAll(goals);
        LocalDate metOn = goals.stream().map(g -> g.hasStatusDate() ? FhirDates.localDate(g.getStatusDateElement())
                : review.lastDay()).max(Comparator.naturalOrder()).orElse(review.lastDay());
        if (!review.discharged()) {
            return Optional.of(Finding.notMet("all " + goals.size() + " goals met by " + metOn
                    + ": step down or discharge is recommended", evidence));
        }
        long after = ChronoUnit.DAYS.between(metOn, review.lastDay());
        return Optional.of(Finding.metIf(after <= review.policy().reassessmentIntervalDays(),
                "all " + goals.size() + " goals met by " + metOn + " and discharged " + review.lastDay(),
                "all goals met by " + metOn + ", but the stay ran " + after + " more days to " + review.lastDay()
                        + " instead of stepping down", evidence));
    }

    private static boolean achieved(Goal goal) {
        return Codes.has(goal.getAchievementStatus(), Codes.GOAL_ACHIEVEMENT, "achieved")
                || goal.getLifecycleStatus() == Goal.GoalLifecycleStatus.COMPLETED;
    }

    /** A practitioner's plan review or a re-rating within the response window after the signal. */
    private static boolean answered(Review review, LocalDate signal, List<Observation> measures) {
        LocalDate by = signal.plusDays(RESPONSE_DAYS);
        boolean planChanged = review.plan().map(PlanReviewCriterion::reviewDates).orElse(List.of()).stream()
                .anyMatch(d -> !d.isBefore(signal) && !d.isAfter(by));
        boolean rerated = measures.stream().filter(o -> is(o, Codes.OBSERVATION, "level-of-care-determination"))
                .map(ContinuedStayCriterion::date).anyMatch(d -> !d.isBefore(signal) && !d.isAfter(by));
        return planChanged || rerated;
    }

    /** Scores and re-ratings documented by the review date, oldest first. */
    private static List<Observation> measures(Review review) {
        return review.all(Observation.class).stream()
                .filter(o -> o.getStatus() == Observation.ObservationStatus.FINAL || o.getStatus() == Observation.ObservationStatus.AMENDED)
                .filter(o -> o.hasEffectiveDateTimeType())
                .filter(o -> is(o, Codes.LOINC, Codes.PHQ9) || is(o, Codes.LOINC, Codes.GAD7)
                        || is(o, Codes.OBSERVATION, Codes.USE_MONITOR) || is(o, Codes.OBSERVATION, "level-of-care-determination"))
                .sorted(Comparator.comparing(ContinuedStayCriterion::date)).toList();
    }

    private static Optional<Observation> latest(List<Observation> measures, java.util.function.Predicate<Observation> which) {
        return measures.stream().filter(which).reduce((a, b) -> b);
    }

    private static String admissionScore(List<Observation> measures, String loinc, LocalDate admission) {
        return measures.stream().filter(o -> is(o, Codes.LOINC, loinc) && !date(o).isAfter(admission)).reduce((a, b) -> b)
                .map(o -> " (admission " + value(o) + ")").orElse("");
    }

    private static String signalsText(List<Observation> signals, List<Observation> use) {
        return (signals.isEmpty() ? "" : "; positive screen " + describe(signals) + ", answered by the plan")
                + (use.isEmpty() ? "" : "; reported use " + describe(use) + ", answered by the plan");
    }

    private static String describe(List<Observation> observations) {
        return String.join(", ", observations.stream().map(o -> (o.getIdElement().getIdPart()) + " on " + date(o)).toList());
    }

    private static List<Observation> concat(List<Observation> a, List<Observation> b) {
        List<Observation> all = new ArrayList<>(a);
        all.addAll(b);
        return all;
    }

    private static boolean is(Observation observation, String system, String code) {
        return Codes.has(observation.getCode(), system, code);
    }

    private static int value(Observation observation) {
        return observation.hasValueIntegerType() ? observation.getValueIntegerType().getValue()
                : observation.hasValueQuantity() ? observation.getValueQuantity().getValue().intValue() : 0;
    }

    private static String name(String loinc) {
        return Codes.PHQ9.equals(loinc) ? "PHQ-9" : "GAD-7";
    }

    private static LocalDate date(Observation observation) {
        return FhirDates.localDate(observation.getEffectiveDateTimeType());
    }
}
