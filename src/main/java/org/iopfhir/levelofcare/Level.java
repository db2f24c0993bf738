package org.iopfhir.levelofcare;

import java.util.Set;

/**
 * A level of care as the rule tables use it: the code system and code naming it, its place on
 * the intensity continuum ({@code rank}, higher is more intensive), the editions that define it
 * (empty for instruments without editions) and the weekly hours it provides per age group (null
 * where the instrument defines none).
 */
public record Level(String system, String code, String display, int rank, Set<String> editions, HourRange adultHours,
        HourRange adolescentHours) {

    public Level {
        editions = Set.copyOf(editions);
    }

    /** Whether the level exists in an edition; levels of instruments without editions exist in none. */
    public boolean definedIn(String edition) {
        return edition == null ? editions.isEmpty() : editions.contains(edition);
    }

    public HourRange hoursFor(AgeGroup ageGroup) {
        return ageGroup == AgeGroup.ADOLESCENT ? adolescentHours : adultHours;
    }

    public boolean moreIntensiveThan(Level other) {
        return rank > other.rank;
    }
}
