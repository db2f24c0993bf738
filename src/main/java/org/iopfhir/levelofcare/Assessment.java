package org.iopfhir.levelofcare;

import java.util.Map;
import java.util.Set;

/**
 * What the engine places: dimension ratings (dimension code to 0-4) under one edition, the age
 * group, and screening findings such as {@code imminent-danger}.
 */
public record Assessment(String edition, Map<String, Integer> ratings, AgeGroup ageGroup, Set<String> findings) {

    public Assessment {
        ratings = Map.copyOf(ratings);
        findings = Set.copyOf(findings);
    }
}
