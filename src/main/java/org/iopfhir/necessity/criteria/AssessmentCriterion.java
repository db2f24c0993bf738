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
import org.iopfhir.necessity.Kind;
import org.iopfhir.necessity.Review;

/**
 * A multidimensional assessment within the policy's window before admission, every dimension
 * rated, and a determination recommending level 2.1, or a more intensive level with IOP as the next
 * available one for a documented reason of that kind (see {@link #variance}).
 */
public class AssessmentCriterion implements Criterion {

    @Override
    public Kind kind() {
        return Kind.CLINICAL;
    }

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
        if (Codes.IOP_LEVEL.equals(recommended)) {
            return Finding.met("intake of " + authored + " (" + daysBefore + " days before admission) rates every dimension; "
                    + "the determination recommends level 2.1", evidence);
        }
        return variance(review, determination.get(), recommended, evidence);
    }

    /**
     * Placement away from the recommendation has a direction: IOP above a less intensive
     * recommendation is not medically necessary, whatever the reason; IOP below a more intensive one
     * is acceptable only when the indicated level was unavailable or refused, and documented so.
     */
    private static Finding variance(Review review, Observation determination, String recommended, List<Resource> evidence) {
        CodeableConcept reason = component(determination, "variance-reason");
        String why = reason == null ? null : reason.getCoding().stream().filter(c -> Codes.VARIANCE_REASON.equals(c.getSystem()))
                .map(c -> c.getCode()).findFirst().orElse(null);
        if (review.context().moreIntensive(Codes.IOP_LEVEL, recommended)) {
            return Finding.notMet("the determination recommends level " + recommended + ", less intensive than IOP: "
                    + "placement above the recommended level is not medically necessary"
                    + (why == null ? "" : " (variance reason " + why + " does not change that)"), evidence);
        }
        if (!review.context().moreIntensive(recommended, Codes.IOP_LEVEL)) {
            return Finding.notMet("the determination recommends level " + recommended + ", not an IOP level", evidence);
        }
        if (why == null) {
            return Finding.notMet("the determination recommends the more intensive level " + recommended
                    + " and places in IOP without a documented variance reason", evidence);
        }
        return Finding.metIf(review.policy().belowLevelVarianceReasons().contains(why),
                "the determination recommends level " + recommended + "; IOP is the next available level, documented as "
                        + why,
                "the determination recommends level " + recommended + " and places in IOP for '" + why + "': only an "
                        + "unavailable or refused level justifies care below the recommendation "
                        + review.policy().belowLevelVarianceReasons(), evidence);
    }

    private static CodeableConcept component(Observation observation, String code) {
        return observation.getComponent().stream().filter(c -> Codes.has(c.getCode(), Codes.OBSERVATION, code))
                .filter(Observation.ObservationComponentComponent::hasValueCodeableConcept)
                .map(Observation.ObservationComponentComponent::getValueCodeableConcept).findFirst().orElse(null);
    }

    static String level(CodeableConcept concept) {
        return concept == null ? null : concept.getCoding().stream().filter(c -> Codes.LEVEL.equals(c.getSystem()))
                .map(c -> c.getCode()).findFirst().orElse(null);
    }
}
