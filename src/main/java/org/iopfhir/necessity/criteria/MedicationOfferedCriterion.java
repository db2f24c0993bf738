package org.iopfhir.necessity.criteria;

import java.util.List;
import java.util.Locale;
import java.util.Optional;
import org.hl7.fhir.r4.model.CarePlan;
import org.hl7.fhir.r4.model.Condition;
import org.iopfhir.necessity.Codes;
import org.iopfhir.necessity.Criterion;
import org.iopfhir.necessity.Finding;
import org.iopfhir.necessity.Kind;
import org.iopfhir.necessity.Review;

/**
 * With an opioid or alcohol use disorder (the policy's ICD-10-CM prefixes, F11 and F10), medication
 * for it (MOUD/MAUD) was offered: the treatment plan has a medication-management activity
 * ({@code iop-session-type#medication-management}), taken up or declined (a cancelled activity with a
 * {@code statusReason} documents a refusal). Not applicable to other diagnoses.
 */
public class MedicationOfferedCriterion implements Criterion {

    @Override
    public String id() {
        return "medication-offered";
    }

    @Override
    public Kind kind() {
        return Kind.DOCUMENTATION;
    }

    @Override
    public Finding evaluate(Review review) {
        List<Condition> indicated = review.all(Condition.class).stream()
                .filter(c -> c.getCode().getCoding().stream().anyMatch(k -> Codes.ICD10CM.equals(k.getSystem()) && k.hasCode()
                        && review.policy().medicationDiagnosisPrefixes().stream()
                                .anyMatch(p -> k.getCode().toUpperCase(Locale.ROOT).startsWith(p))))
                .toList();
        if (indicated.isEmpty()) {
            return Finding.notApplicable("no opioid or alcohol use disorder: MOUD/MAUD is not indicated");
        }
        Optional<CarePlan> plan = review.plan();
        Optional<CarePlan.CarePlanActivityComponent> offer = plan.flatMap(p -> p.getActivity().stream()
                .filter(a -> Codes.has(a.getDetail().getCode(), Codes.SESSION_TYPE, "medication-management"))
                .filter(a -> a.getDetail().getStatus() != CarePlan.CarePlanActivityStatus.ENTEREDINERROR)
                .filter(a -> a.getDetail().getStatus() != CarePlan.CarePlanActivityStatus.CANCELLED
                        || a.getDetail().hasStatusReason())
                .findFirst());
        if (plan.isEmpty()) {
            return NoPlan.finding(review, "an opioid or alcohol use disorder, and no treatment plan documents an offer of medication");
        }
        if (offer.isEmpty()) {
            return Finding.notMet("an opioid or alcohol use disorder, but the plan documents no offer of medication "
                    + "(medication-management activity, taken up or declined)", List.of(plan.get()));
        }
        boolean declined = offer.get().getDetail().getStatus() == CarePlan.CarePlanActivityStatus.CANCELLED;
        return Finding.met("medication for the use disorder offered in the plan" + (declined
                ? ", declined: " + offer.get().getDetail().getStatusReason().getText() : ""), List.of(plan.get()));
    }
}
