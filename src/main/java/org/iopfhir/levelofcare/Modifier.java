package org.iopfhir.levelofcare;

import java.util.Map;
import java.util.Set;

/**
 * A rule that needs more than one fact: it applies when every named dimension is rated at least
 * the given rating, every named finding is present and, if given, the age group matches (for
 * example moderate withdrawal plus an unsafe home). Its conditions only ever hold more often as
 * ratings rise, so modifiers keep the engine monotone.
 */
public record Modifier(Map<String, Integer> minimumRatings, Set<String> findings, AgeGroup ageGroup, PlacementRule rule) {

    public Modifier {
        minimumRatings = Map.copyOf(minimumRatings);
        findings = Set.copyOf(findings);
    }

    public boolean appliesTo(Assessment assessment) {
        return (ageGroup == null || ageGroup == assessment.ageGroup())
                && assessment.findings().containsAll(findings)
                && minimumRatings.entrySet().stream().allMatch(m -> assessment.ratings().getOrDefault(m.getKey(),
                        Integer.MIN_VALUE) >= m.getValue());
    }
}
