package org.iopfhir.necessity.criteria;

import java.util.ArrayList;
import java.util.List;
import org.hl7.fhir.r4.model.CodeableConcept;
import org.hl7.fhir.r4.model.Encounter;
import org.hl7.fhir.r4.model.Resource;
import org.iopfhir.necessity.Codes;
import org.iopfhir.necessity.Criterion;
import org.iopfhir.necessity.Finding;
import org.iopfhir.necessity.Kind;
import org.iopfhir.necessity.Review;

/**
 * Group and individual therapy were delivered; family therapy too when the plan calls for it.
 * Session types are read from the session-type codes or their SNOMED CT equivalents. Before the
 * first complete week a missing service is a lack of data, not a failure.
 */
public class ServiceMixCriterion implements Criterion {

    @Override
    public Kind kind() {
        return Kind.CLINICAL;
    }

    enum Service {
        GROUP("group therapy", "76168009", "group-therapy", "multi-family-group"),
        INDIVIDUAL("individual therapy", "18512000", "individual-therapy"),
        FAMILY("family therapy", "108313002", "family-therapy", "multi-family-group");

        final String label;
        final String snomed;
        final List<String> sessionTypes;

        Service(String label, String snomed, String... sessionTypes) {
            this.label = label;
            this.snomed = snomed;
            this.sessionTypes = List.of(sessionTypes);
        }

        boolean codes(CodeableConcept concept) {
            return Codes.has(concept, Codes.SNOMED, snomed)
                    || sessionTypes.stream().anyMatch(t -> Codes.has(concept, Codes.SESSION_TYPE, t));
        }
    }

    @Override
    public String id() {
        return "service-mix";
    }

    @Override
    public Finding evaluate(Review review) {
        List<Encounter> attended = review.attendedEncounters();
        boolean familyPlanned = review.plan().map(p -> p.getActivity().stream()
                .anyMatch(a -> Service.FAMILY.codes(a.getDetail().getCode()))).orElse(false);
        List<Service> needed = familyPlanned ? List.of(Service.GROUP, Service.INDIVIDUAL, Service.FAMILY)
                : List.of(Service.GROUP, Service.INDIVIDUAL);
        List<String> missing = new ArrayList<>();
        List<Resource> evidence = new ArrayList<>();
        for (Service service : needed) {
            attended.stream().filter(e -> e.getType().stream().anyMatch(service::codes)).findFirst()
                    .ifPresentOrElse(evidence::add, () -> missing.add(service.label));
        }
        List<String> labels = needed.stream().map(s -> s.label).toList();
        if (!missing.isEmpty() && review.attendance().completeWeeks() == 0) {
            return Finding.insufficient("no complete week yet to judge the service mix; so far no "
                    + String.join(", ", missing), evidence);
        }
        return Finding.metIf(missing.isEmpty(), "delivered " + String.join(", ", labels)
                        + (familyPlanned ? " (family therapy is in the plan)" : "; family therapy is not in the plan"),
                "no attended session of " + String.join(", ", missing), evidence);
    }
}
