package org.iopfhir.necessity.criteria;

import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.hl7.fhir.r4.model.CarePlan;
import org.iopfhir.fhir.FhirDates;
import org.iopfhir.necessity.Criterion;
import org.iopfhir.necessity.Finding;
import org.iopfhir.necessity.Kind;
import org.iopfhir.necessity.Intervals;
import org.iopfhir.necessity.Review;

/**
 * The plan is reviewed at least every policy interval by a practitioner: reviews are the plan's
 * notes authored by a Practitioner, dated by {@code note.time}; the interval starts at creation.
 */
public class PlanReviewCriterion implements Criterion {

    @Override
    public Kind kind() {
        return Kind.DOCUMENTATION;
    }

    @Override
    public String id() {
        return "plan-review";
    }

    @Override
    public Finding evaluate(Review review) {
        Optional<CarePlan> found = review.plan();
        if (found.isEmpty()) {
            return NoPlan.finding(review, "no treatment plan to review");
        }
        CarePlan plan = found.get();
        List<LocalDate> reviews = reviewDates(plan);
        LocalDate created = plan.hasCreated() ? FhirDates.localDate(plan.getCreatedElement()) : review.admission();
        int interval = review.policy().planReviewIntervalDays();
        return Intervals.firstGap(created, review.lastDay(), reviews, interval)
                .map(gap -> Finding.notMet("the plan went unreviewed from " + gap.from() + " to " + gap.to() + " ("
                        + gap.days() + " days; at most " + interval + ")", List.of(plan)))
                .orElseGet(() -> Finding.met(reviews.size() + " practitioner reviews of the plan, none more than "
                        + interval + " days apart, through " + review.lastDay(), List.of(plan)));
    }

    static List<LocalDate> reviewDates(CarePlan plan) {
        List<LocalDate> dates = new ArrayList<>();
        plan.getNote().stream().filter(n -> n.hasTime() && n.hasAuthorReference()
                        && n.getAuthorReference().getReference() != null
                        && n.getAuthorReference().getReference().startsWith("Practitioner/"))
                .forEach(n -> dates.add(FhirDates.localDate(n.getTimeElement())));
        return dates;
    }
}
