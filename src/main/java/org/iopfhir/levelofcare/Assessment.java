package org.iopfhir.levelofcare;

import java.util.Map;
import java.util.Set;

/**
 * What the engine places: ratings of one instrument (dimension code to rating) under one edition
 * (null for instruments without editions, such as LOCUS), the age group, and screening findings
 * such as {@code imminent-danger}.
 */
public record Assessment(Instrument instrument, String edition, Map<String, Integer> ratings, AgeGroup ageGroup,
        Set<String> findings) {

    public Assessment {
        ratings = Map.copyOf(ratings);
        findings = Set.copyOf(findings);
    }

    /** An ASAM assessment, the instrument of the intake. */
    public Assessment(String edition, Map<String, Integer> ratings, AgeGroup ageGroup, Set<String> findings) {
        this(Instrument.ASAM, edition, ratings, ageGroup, findings);
    }
}
