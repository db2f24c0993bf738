package org.iopfhir.necessity;

import java.util.List;
import org.iopfhir.necessity.criteria.AssessmentCriterion;
import org.iopfhir.necessity.criteria.AttendanceCriterion;
import org.iopfhir.necessity.criteria.CertificationCriterion;
import org.iopfhir.necessity.criteria.ConsentCriterion;
import org.iopfhir.necessity.criteria.ContinuedStayCriterion;
import org.iopfhir.necessity.criteria.DiagnosisCriterion;
import org.iopfhir.necessity.criteria.DischargeCriterion;
import org.iopfhir.necessity.criteria.DrugTestingCriterion;
import org.iopfhir.necessity.criteria.HoursDeliveredCriterion;
import org.iopfhir.necessity.criteria.ImminentDangerCriterion;
import org.iopfhir.necessity.criteria.MeasurableGoalsCriterion;
import org.iopfhir.necessity.criteria.PlanOfCareCriterion;
import org.iopfhir.necessity.criteria.PlanReviewCriterion;
import org.iopfhir.necessity.criteria.PlannedIntensityCriterion;
import org.iopfhir.necessity.criteria.ProgressNotesCriterion;
import org.iopfhir.necessity.criteria.ServiceMixCriterion;

/**
 * The medical-necessity checklist in the order of DOMAIN.md section 4, and the overall outcome:
 * {@code not-met} when any criterion is not met, else {@code insufficient-data} when any lacks
 * data, else {@code met}; not-applicable criteria do not count.
 */
public final class Checklist {

    public static final List<Criterion> CRITERIA = List.of(new DiagnosisCriterion(), new AssessmentCriterion(),
            new ImminentDangerCriterion(), new CertificationCriterion(), new PlanOfCareCriterion(),
            new MeasurableGoalsCriterion(), new PlannedIntensityCriterion(), new PlanReviewCriterion(),
            new HoursDeliveredCriterion(), new ServiceMixCriterion(), new AttendanceCriterion(),
            new ProgressNotesCriterion(), new DrugTestingCriterion(), new ContinuedStayCriterion(),
            new DischargeCriterion(), new ConsentCriterion());

    private Checklist() {
    }

    public static Verdict evaluate(Review review) {
        List<Verdict.Result> results = CRITERIA.stream().map(c -> new Verdict.Result(c.id(), c.evaluate(review))).toList();
        return new Verdict(outcome(results.stream().map(r -> r.finding().status()).toList()), results);
    }

    static Status outcome(List<Status> statuses) {
        if (statuses.contains(Status.NOT_MET)) {
            return Status.NOT_MET;
        }
        return statuses.contains(Status.INSUFFICIENT_DATA) ? Status.INSUFFICIENT_DATA : Status.MET;
    }
}
