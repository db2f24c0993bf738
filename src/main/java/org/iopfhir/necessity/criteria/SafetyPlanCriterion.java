package org.iopfhir.necessity.criteria;

import java.time.LocalDate;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Optional;
import org.hl7.fhir.r4.model.CarePlan;
import org.iopfhir.fhir.FhirDates;
import org.iopfhir.necessity.Codes;
import org.iopfhir.necessity.Criterion;
import org.iopfhir.necessity.Finding;
import org.iopfhir.necessity.Kind;
import org.iopfhir.necessity.Review;

/**
 * A safety/crisis plan with access to help around the clock, written within the plan deadline: a
 * CarePlan of category {@code iop-careplan-category#crisis-safety-plan} for the patient, with an
 * activity coded {@code iop-session-type#crisis-intervention} (the 24/7 crisis line or service).
 */
public class SafetyPlanCriterion implements Criterion {

    @Override
    public String id() {
        return "safety-plan";
    }

    @Override
    public Kind kind() {
        return Kind.DOCUMENTATION;
    }

    @Override
    public Finding evaluate(Review review) {
        Optional<CarePlan> found = review.all(CarePlan.class).stream()
                .filter(p -> Codes.hasAny(p.getCategory(), Codes.IOP, Codes.SAFETY_PLAN))
                .filter(p -> p.getStatus() == CarePlan.CarePlanStatus.ACTIVE || p.getStatus() == CarePlan.CarePlanStatus.COMPLETED)
                .findFirst();
        if (found.isEmpty()) {
            return NoPlan.finding(review, "no safety/crisis plan (CarePlan of category crisis-safety-plan)");
        }
        CarePlan plan = found.get();
        LocalDate created = FhirDates.localDate(plan.getCreatedElement());
        boolean crisisAccess = plan.getActivity().stream()
                .anyMatch(a -> Codes.has(a.getDetail().getCode(), Codes.SESSION_TYPE, "crisis-intervention"));
        int deadline = review.policy().planDeadlineDays();
        boolean inTime = created != null && ChronoUnit.DAYS.between(review.admission(), created) <= deadline;
        return Finding.metIf(crisisAccess && inTime, "safety plan of " + created + " with 24/7 crisis access",
                "the safety plan " + (inTime ? "" : "was not written within " + deadline + " days of admission ")
                        + (crisisAccess ? "" : (inTime ? "" : "and ") + "names no 24/7 crisis access (crisis-intervention activity)"),
                List.of(plan));
    }
}
