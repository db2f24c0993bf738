package org.iopfhir.necessity;

import java.util.List;

/** The overall outcome and each criterion's finding, in checklist order. */
public record Verdict(Status outcome, List<Result> results) {

    public record Result(String id, Finding finding) {
    }

    public Finding finding(String id) {
        return results.stream().filter(r -> r.id().equals(id)).map(Result::finding).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("no criterion " + id));
    }
}
