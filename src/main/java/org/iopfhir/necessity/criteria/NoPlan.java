package org.iopfhir.necessity.criteria;

import java.util.List;
import org.iopfhir.necessity.Finding;
import org.iopfhir.necessity.Review;

/** What a criterion that reads a plan finds without one: a deficiency once the plan is due, a lack of data before. */
final class NoPlan {

    private NoPlan() {
    }

    static Finding finding(Review review, String detail) {
        return review.planDue() ? Finding.notMet(detail, List.of())
                : Finding.insufficient(detail + "; the plan is not due until " + review.admission()
                        .plusDays(review.policy().planDeadlineDays()), List.of());
    }
}
