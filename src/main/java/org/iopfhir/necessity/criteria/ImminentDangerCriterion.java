package org.iopfhir.necessity.criteria;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.hl7.fhir.r4.model.BooleanType;
import org.hl7.fhir.r4.model.Observation;
import org.hl7.fhir.r4.model.Resource;
import org.iopfhir.necessity.Codes;
import org.iopfhir.necessity.Criterion;
import org.iopfhir.necessity.Finding;
import org.iopfhir.necessity.Kind;
import org.iopfhir.necessity.Review;

/** No imminent danger calling for a higher level: neither the determination nor the intake's ratings show one. */
public class ImminentDangerCriterion implements Criterion {

    @Override
    public Kind kind() {
        return Kind.CLINICAL;
    }

    @Override
    public String id() {
        return "imminent-danger";
    }

    @Override
    public Finding evaluate(Review review) {
        Optional<IntakePlacement> placed = IntakePlacement.of(review);
        Optional<Observation> determination = review.determination(placed.map(IntakePlacement::intake).orElse(null));
        List<Resource> evidence = new ArrayList<>();
        placed.ifPresent(p -> evidence.add(p.intake()));
        determination.ifPresent(evidence::add);
        boolean placedSafely = placed.map(p -> p.recommendation() != null).orElse(false);
        if (!placedSafely && determination.isEmpty()) {
            return Finding.insufficient("neither a complete intake assessment nor a level-of-care determination to "
                    + "screen for imminent danger", evidence);
        }
        boolean byRatings = placedSafely && placed.get().recommendation().imminentDanger();
        boolean recorded = determination.map(ImminentDangerCriterion::recordsDanger).orElse(false);
        return Finding.metIf(!byRatings && !recorded,
                "no imminent danger at intake (screening and dimension ratings) or in the level-of-care determination",
                "imminent danger found " + (recorded ? "in the level-of-care determination" : "in the intake ratings or "
                        + "screening") + ": it calls for a more intensive level than IOP", evidence);
    }

    private static boolean recordsDanger(Observation determination) {
        return determination.getComponent().stream().filter(c -> Codes.has(c.getCode(), Codes.OBSERVATION, "imminent-danger"))
                .anyMatch(c -> c.getValue() instanceof BooleanType b && b.booleanValue());
    }
}
