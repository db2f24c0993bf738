package org.iopfhir.levelofcare;

import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * A rule that needs more than one fact: it applies when every named dimension is rated at least
 * the given rating, every named finding is present and, if given, the age group matches (for
 * example moderate withdrawal plus an unsafe home). Its conditions only ever hold more often as
 * ratings rise and findings are added, so modifiers keep the engine monotone.
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

    /** Its conditions in words, e.g. {@code e3-1 >= 2 + unsafe-environment}. */
    public String conditions() {
        TreeSet<String> parts = new TreeSet<>();
        minimumRatings.forEach((dimension, rating) -> parts.add(dimension + " >= " + rating));
        parts.addAll(findings);
        return String.join(" + ", parts);
    }
}
