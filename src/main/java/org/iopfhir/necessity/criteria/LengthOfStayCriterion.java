package org.iopfhir.necessity.criteria;

import java.time.LocalDate;
import java.time.temporal.ChronoUnit;
import java.util.List;
import org.iopfhir.necessity.Criterion;
import org.iopfhir.necessity.Finding;
import org.iopfhir.necessity.Kind;
import org.iopfhir.necessity.Review;

/**
 * A stay beyond the policy's typical length (commonly 8 to 16 weeks) is an outlier: it needs a
 * practitioner's plan review after the typical length that documents why IOP continues. Shorter
 * stays are never a finding here.
 */
public class LengthOfStayCriterion implements Criterion {

    @Override
    public String id() {
        return "length-of-stay";
    }

    @Override
    public Kind kind() {
        return Kind.CLINICAL;
    }

    @Override
    public Finding evaluate(Review review) {
        int typical = review.policy().typicalStayWeeks();
        long days = ChronoUnit.DAYS.between(review.admission(), review.lastDay()) + 1;
        LocalDate outlierFrom = review.admission().plusWeeks(typical);
        String stay = days / 7 + " weeks " + days % 7 + " days from " + review.admission() + " to " + review.lastDay();
        if (review.lastDay().isBefore(outlierFrom)) {
            return Finding.met(stay + ", within the typical " + typical + " weeks", List.of(review.record().episode()));
        }
        var plan = review.plan();
        boolean justified = plan.map(PlanReviewCriterion::reviewDates).orElse(List.of()).stream()
                .anyMatch(d -> !d.isBefore(outlierFrom.minusDays(review.policy().reassessmentIntervalDays())));
        return justified
                ? Finding.met(stay + ": longer than the typical " + typical + " weeks, with a plan review at that point "
                        + "documenting why IOP continues", List.of(plan.get()))
                : Finding.insufficient(stay + ": longer than the typical " + typical + " weeks without a plan review "
                        + "documenting why", plan.<List<org.hl7.fhir.r4.model.Resource>>map(List::of).orElse(List.of()));
    }
}
