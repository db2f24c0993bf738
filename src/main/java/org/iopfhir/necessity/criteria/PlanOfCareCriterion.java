package org.iopfhir.necessity.criteria;

import java.time.LocalDate;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;
import org.hl7.fhir.r4.model.CarePlan;
import org.hl7.fhir.r4.model.Reference;
import org.iopfhir.fhir.FhirDates;
import org.iopfhir.necessity.Criterion;
import org.iopfhir.necessity.Finding;
import org.iopfhir.necessity.Kind;
import org.iopfhir.necessity.Review;

/**
 * An individualized written plan of care: created within the policy's deadline after admission,
 * addressing the episode's diagnoses, with the patient taking part.
 */
public class PlanOfCareCriterion implements Criterion {

    @Override
    public Kind kind() {
        return Kind.DOCUMENTATION;
    }

    @Override
    public String id() {
        return "plan-of-care";
    }

    @Override
    public Finding evaluate(Review review) {
        Optional<CarePlan> found = review.plan();
        if (found.isEmpty()) {
            return NoPlan.finding(review, "no IOP treatment plan (CarePlan of category iop-treatment-plan) for this episode");
        }
        CarePlan plan = found.get();
        LocalDate created = FhirDates.localDate(plan.getCreatedElement());
        if (created == null) {
            return Finding.notMet("the treatment plan has no creation date", List.of(plan));
        }
        long days = ChronoUnit.DAYS.between(review.admission(), created);
        Set<String> diagnoses = review.record().episode().getDiagnosis().stream().map(d -> d.getCondition().getReference())
                .collect(Collectors.toSet());
        boolean addresses = plan.getAddresses().stream().map(Reference::getReference).anyMatch(diagnoses::contains);
        boolean patientTakesPart = plan.getContributor().stream()
                .anyMatch(c -> review.record().patientReference().equals(c.getReference()));
        if (days > review.policy().planDeadlineDays()) {
            return Finding.notMet("the treatment plan was created " + created + ", " + days + " days after admission (deadline "
                    + review.policy().planDeadlineDays() + " days)", List.of(plan));
        }
        return Finding.metIf(addresses && patientTakesPart,
                "treatment plan created " + created + " (day " + days + "), addressing the episode's diagnoses, with the "
                        + "patient as contributor",
                "the treatment plan " + (addresses ? "" : "does not address the episode's diagnoses ")
                        + (patientTakesPart ? "" : (addresses ? "" : "and ") + "does not show the patient taking part"),
                List.of(plan));
    }
}
