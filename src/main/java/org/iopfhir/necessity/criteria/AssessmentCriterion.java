package org.iopfhir.necessity.criteria;

import java.time.LocalDate;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.hl7.fhir.r4.model.CodeableConcept;
import org.hl7.fhir.r4.model.Observation;
import org.hl7.fhir.r4.model.Resource;
import org.iopfhir.fhir.FhirDates;
import org.iopfhir.necessity.Codes;
import org.iopfhir.necessity.Criterion;
import org.iopfhir.necessity.Finding;
import org.iopfhir.necessity.Review;

/**
 * A multidimensional assessment within the policy's window before admission, every dimension
 * rated, and a determination recommending level 2.1, or placing there with a documented variance.
 */
public class AssessmentCriterion implements Criterion {

    @Override
    public String id() {
        return "assessment";
    }

    @Override
    public Finding evaluate(Review review) {
        Optional<IntakePlacement> placed = IntakePlacement.of(review);
        if (placed.isEmpty()) {
            return Finding.notMet("no completed intake assessment (QuestionnaireResponse answering the IOP intake)", List.of());
        }
        IntakePlacement intake = placed.get();
        List<Resource> evidence = new ArrayList<>(List.of(intake.intake()));
        LocalDate authored = FhirDates.localDate(intake.intake().getAuthoredElement());
        long daysBefore = ChronoUnit.DAYS.between(authored, review.admission());
        if (daysBefore < 0 || daysBefore > review.policy().assessmentWindowDays()) {
            return Finding.notMet("the intake assessment of " + authored + " is not within "
                    + review.policy().assessmentWindowDays() + " days before admission on " + review.admission(), evidence);
        }
        if (intake.problem() != null) {
            return Finding.notMet("the intake assessment of " + authored + " is incomplete: " + intake.problem(), evidence);
        }
        Optional<Observation> determination = review.determination(intake.intake());
        if (determination.isEmpty()) {
            String level = intake.recommendation().level().code();
            return Finding.metIf(Codes.IOP_LEVEL.equals(level),
                    "intake of " + authored + " rates every dimension; no stored determination, but its ratings place at "
                            + "level 2.1 (" + intake.recommendation().ruleSet() + ")",
                    "intake of " + authored + " places at level " + level + ", not 2.1, and no determination documents a "
                            + "variance", evidence);
        }
        evidence.add(determination.get());
        String recommended = level(determination.get().hasValueCodeableConcept() ? determination.get().getValueCodeableConcept() : null);
        String actual = level(component(determination.get(), "actual-level"));
        boolean variance = component(determination.get(), "variance-reason") != null;
        if (Codes.IOP_LEVEL.equals(recommended)) {
            return Finding.met("intake of " + authored + " (" + daysBefore + " days before admission) rates every dimension; "
                    + "the determination recommends level 2.1", evidence);
        }
        return Finding.metIf(Codes.IOP_LEVEL.equals(actual) && variance,
                "the determination recommends level " + recommended + " and places at 2.1 with a documented variance",
                "the determination recommends level " + recommended + ", not 2.1, without a documented variance", evidence);
    }

    private static CodeableConcept component(Observation observation, String code) {
        return observation.getComponent().stream().filter(c -> Codes.has(c.getCode(), Codes.OBSERVATION, code))
                .filter(Observation.ObservationComponentComponent::hasValueCodeableConcept)
                .map(Observation.ObservationComponentComponent::getValueCodeableConcept).findFirst().orElse(null);
    }

    private static String level(CodeableConcept concept) {
        return concept == null ? null : concept.getCoding().stream().filter(c -> Codes.LEVEL.equals(c.getSystem()))
                .map(c -> c.getCode()).findFirst().orElse(null);
    }
}
