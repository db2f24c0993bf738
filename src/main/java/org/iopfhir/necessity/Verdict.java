package org.iopfhir.necessity;

import java.util.List;

/**
 * A review's answer, its three kinds kept apart: the clinical outcome (from clinical criteria only),
 * the state of the documentation and of the program's quality rules (listed, never a denial), each
 * criterion's finding with the rule it applied, and the payment facts.
 */
public record Verdict(Status outcome, Status documentation, Status quality, List<Result> results, PaymentFacts payment) {

    /** One criterion's finding; {@code rule} is null when the policy does not apply the criterion. */
    public record Result(String id, Kind kind, Rule rule, Finding finding) {
    }

    public Finding finding(String id) {
        return results.stream().filter(r -> r.id().equals(id)).map(Result::finding).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("no criterion " + id));
    }
}
