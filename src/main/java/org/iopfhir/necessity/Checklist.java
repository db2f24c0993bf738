package org.iopfhir.necessity;

import java.util.List;
import org.iopfhir.necessity.criteria.AbleToParticipateCriterion;
import org.iopfhir.necessity.criteria.AssessmentCriterion;
import org.iopfhir.necessity.criteria.AttendanceCriterion;
import org.iopfhir.necessity.criteria.AuthorizationCriterion;
import org.iopfhir.necessity.criteria.CertificationCriterion;
import org.iopfhir.necessity.criteria.ConsentCriterion;
import org.iopfhir.necessity.criteria.ContinuedStayCriterion;
import org.iopfhir.necessity.criteria.DiagnosisCriterion;
import org.iopfhir.necessity.criteria.DischargeCriterion;
import org.iopfhir.necessity.criteria.DrugTestingCriterion;
import org.iopfhir.necessity.criteria.HoursDeliveredCriterion;
import org.iopfhir.necessity.criteria.ImminentDangerCriterion;
import org.iopfhir.necessity.criteria.LengthOfStayCriterion;
import org.iopfhir.necessity.criteria.MeasurableGoalsCriterion;
import org.iopfhir.necessity.criteria.MedicationOfferedCriterion;
import org.iopfhir.necessity.criteria.PlanOfCareCriterion;
import org.iopfhir.necessity.criteria.PlanReviewCriterion;
import org.iopfhir.necessity.criteria.PlannedIntensityCriterion;
import org.iopfhir.necessity.criteria.ProgressNotesCriterion;
import org.iopfhir.necessity.criteria.SafetyPlanCriterion;
import org.iopfhir.necessity.criteria.ServiceMixCriterion;

/**
 * The medical-necessity checklist and how its findings combine. The policy picks which criteria
 * apply; one it does not list is not applicable. The clinical outcome comes from clinical criteria
 * only: {@code not-met} when any is not met, else {@code insufficient-data} when any lacks data, else
 * {@code met}. Documentation and quality findings combine the same way into their own statuses.
 */
public final class Checklist {

    public static final List<Criterion> CRITERIA = List.of(new DiagnosisCriterion(), new AssessmentCriterion(),
            new ImminentDangerCriterion(), new AbleToParticipateCriterion(), new PlannedIntensityCriterion(),
            new HoursDeliveredCriterion(), new ServiceMixCriterion(), new ContinuedStayCriterion(),
            new LengthOfStayCriterion(), new CertificationCriterion(), new PlanOfCareCriterion(),
            new MeasurableGoalsCriterion(), new SafetyPlanCriterion(), new MedicationOfferedCriterion(),
            new PlanReviewCriterion(), new ProgressNotesCriterion(), new DischargeCriterion(), new ConsentCriterion(),
            new AuthorizationCriterion(),
            new AttendanceCriterion(), new DrugTestingCriterion());

    private Checklist() {
    }

    public static Verdict evaluate(Review review) {
        List<Verdict.Result> results = CRITERIA.stream().map(c -> result(c, review)).toList();
        return new Verdict(combine(results, Kind.CLINICAL), combine(results, Kind.DOCUMENTATION),
                combine(results, Kind.QUALITY), results, PaymentFacts.of(review));
    }

    private static Verdict.Result result(Criterion criterion, Review review) {
        Rule rule = review.policy().rules().get(criterion.id());
        Finding finding = rule == null
                ? Finding.notApplicable("not a condition of " + review.policy().title())
                : criterion.evaluate(review);
        return new Verdict.Result(criterion.id(), criterion.kind(), rule, finding);
    }

    private static Status combine(List<Verdict.Result> results, Kind kind) {
        return outcome(results.stream().filter(r -> r.kind() == kind).map(r -> r.finding().status()).toList());
    }

    static Status outcome(List<Status> statuses) {
        if (statuses.contains(Status.NOT_MET)) {
            return Status.NOT_MET;
        }
        return statuses.contains(Status.INSUFFICIENT_DATA) ? Status.INSUFFICIENT_DATA : Status.MET;
    }
}
