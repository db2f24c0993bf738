package org.iopfhir.necessity.criteria;

import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.hl7.fhir.r4.model.Goal;
import org.hl7.fhir.r4.model.Observation;
import org.hl7.fhir.r4.model.Resource;
import org.iopfhir.fhir.FhirDates;
import org.iopfhir.necessity.Codes;
import org.iopfhir.necessity.Criterion;
import org.iopfhir.necessity.Finding;
import org.iopfhir.necessity.Intervals;
import org.iopfhir.necessity.Review;

/**
 * Continued stay: the patient is reassessed at least every policy interval (a session of a
 * reassessment type such as individual therapy, a standardized survey such as the PHQ-9, or a
 * practitioner's plan review), and the goals show progress, or the plan was reviewed to change course.
 */
public class ContinuedStayCriterion implements Criterion {

    private static final Set<String> PROGRESS = Set.of("in-progress", "improving", "achieved", "sustaining");
    private static final String ACHIEVEMENT = "http://terminology.hl7.org/CodeSystem/goal-achievement";

    @Override
    public String id() {
        return "continued-stay";
    }

    @Override
    public Finding evaluate(Review review) {
        List<Resource> evidence = new ArrayList<>();
        List<LocalDate> reassessed = new ArrayList<>();
        review.attendedEncounters().stream()
                .filter(e -> e.getType().stream().anyMatch(t -> Codes.hasAnyOf(t, Codes.SESSION_TYPE, review.policy().reassessmentSessionTypes())))
                .forEach(e -> {
                    evidence.add(e);
                    reassessed.add(FhirDates.localDate(e.getPeriod().getStartElement()));
                });
        review.all(Observation.class).stream()
                .filter(o -> Codes.hasAny(o.getCategory(), "http://terminology.hl7.org/CodeSystem/observation-category", "survey")
                        && o.hasEffectiveDateTimeType() && !Codes.has(o.getCode(), Codes.OBSERVATION, "level-of-care-determination"))
                .forEach(o -> {
                    evidence.add(o);
                    reassessed.add(FhirDates.localDate(o.getEffectiveDateTimeType()));
                });
        List<LocalDate> planReviews = review.plan().map(PlanReviewCriterion::reviewDates).orElse(List.of());
        reassessed.addAll(planReviews);
        review.plan().filter(p -> !planReviews.isEmpty()).ifPresent(evidence::add);

        int interval = review.policy().reassessmentIntervalDays();
        var gap = Intervals.firstGap(review.admission(), review.lastDay(), reassessed, interval);
        if (gap.isPresent()) {
            return Finding.notMet("no reassessment from " + gap.get().from() + " to " + gap.get().to() + " ("
                    + gap.get().days() + " days; at most " + interval + ")", evidence);
        }
        List<Goal> goals = review.plan().map(review::goalsOf).orElseGet(() -> review.all(Goal.class));
        List<Goal> progressing = goals.stream().filter(g -> g.getAchievementStatus().getCoding().stream()
                .anyMatch(c -> ACHIEVEMENT.equals(c.getSystem()) && PROGRESS.contains(c.getCode()))).toList();
        evidence.addAll(progressing);
        return Finding.metIf(!progressing.isEmpty() || !planReviews.isEmpty(),
                "reassessed at least every " + interval + " days; " + (progressing.isEmpty()
                        ? "no goal shows progress, and the plan was reviewed to change course"
                        : progressing.size() + " of " + goals.size() + " goals show progress"),
                "reassessed on schedule, but no goal shows progress and the plan was never reviewed to change course",
                evidence);
    }
}
