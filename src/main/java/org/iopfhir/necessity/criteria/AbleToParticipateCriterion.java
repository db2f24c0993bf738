package org.iopfhir.necessity.criteria;

import java.util.ArrayList;
import java.util.List;
import org.hl7.fhir.r4.model.BooleanType;
import org.hl7.fhir.r4.model.Observation;
import org.hl7.fhir.r4.model.Resource;
import org.iopfhir.necessity.Codes;
import org.iopfhir.necessity.Criterion;
import org.iopfhir.necessity.Finding;
import org.iopfhir.necessity.Kind;
import org.iopfhir.necessity.Review;

/**
 * The patient can take part in active treatment, cognitively and emotionally: a completed intake
 * assessment and no recorded cognitive impairment that limits participation (an Observation, or a
 * determination component, {@code iop-observation-code#cognitive-impairment} = true). A recorded
 * impairment leaves the question open until the record shows the patient can still take part.
 */
public class AbleToParticipateCriterion implements Criterion {

    static final String COGNITIVE_IMPAIRMENT = "cognitive-impairment";

    @Override
    public String id() {
        return "able-to-participate";
    }

    @Override
    public Kind kind() {
        return Kind.CLINICAL;
    }

    @Override
    public Finding evaluate(Review review) {
        List<Resource> evidence = new ArrayList<>();
        var intake = review.intake();
        intake.ifPresent(evidence::add);
        if (intake.isEmpty()) {
            return Finding.insufficient("no completed intake assessment shows the patient can take part in treatment", evidence);
        }
        List<Observation> impaired = review.all(Observation.class).stream().filter(o -> records(o)).toList();
        if (!impaired.isEmpty()) {
            evidence.addAll(impaired);
            return Finding.insufficient("a cognitive impairment limiting standard programming is recorded: the record must "
                    + "show the patient can still take part (adapted programming)", evidence);
        }
        return Finding.met("the intake assessment records no impairment limiting participation", evidence);
    }

    private static boolean records(Observation observation) {
        boolean finding = Codes.has(observation.getCode(), Codes.OBSERVATION, COGNITIVE_IMPAIRMENT)
                && observation.getValue() instanceof BooleanType b && b.booleanValue();
        boolean component = observation.getComponent().stream()
                .filter(c -> Codes.has(c.getCode(), Codes.OBSERVATION, COGNITIVE_IMPAIRMENT))
                .anyMatch(c -> c.getValue() instanceof BooleanType b && b.booleanValue());
        return finding || component;
    }
}
