package org.iopfhir.necessity.criteria;

import java.util.List;
import java.util.Optional;
import org.hl7.fhir.r4.model.CarePlan;
import org.hl7.fhir.r4.model.Goal;
import org.iopfhir.necessity.Criterion;
import org.iopfhir.necessity.Finding;
import org.iopfhir.necessity.Kind;
import org.iopfhir.necessity.Review;

/** The plan's goals are measurable: each has a target measure, a target value and a due date. */
public class MeasurableGoalsCriterion implements Criterion {

    @Override
    public Kind kind() {
        return Kind.DOCUMENTATION;
    }

    @Override
    public String id() {
        return "measurable-goals";
    }

    @Override
    public Finding evaluate(Review review) {
        Optional<CarePlan> plan = review.plan();
        if (plan.isEmpty()) {
            return NoPlan.finding(review, "no treatment plan, so no goals");
        }
        List<Goal> goals = review.goalsOf(plan.get());
        if (goals.isEmpty()) {
            return Finding.notMet("the treatment plan names no goals", List.of(plan.get()));
        }
        List<Goal> vague = goals.stream().filter(g -> !measurable(g)).toList();
        return Finding.metIf(vague.isEmpty(),
                goals.size() + " goals, each with a target measure, value and due date",
                vague.size() + " of " + goals.size() + " goals lack a target measure, value or due date", goals);
    }

    static boolean measurable(Goal goal) {
        return goal.getTarget().stream().anyMatch(t -> t.hasMeasure() && t.hasDetail() && t.hasDueDateType());
    }
}
