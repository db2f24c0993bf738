package org.iopfhir.levelofcare;

import java.util.Set;

/**
 * A level of care as the rule tables use it: the code system and code naming it, its place on
 * the intensity continuum ({@code rank}, higher is more intensive), the editions that define it
 * (empty for instruments without editions), the age groups it exists for (empty: any) and the
 * weekly hours it provides per age group (null where the instrument defines none).
 */
public record Level(String system, String code, String display, int rank, Set<String> editions, Set<AgeGroup> ageGroups,
        HourRange adultHours, HourRange adolescentHours) {

    public Level {
        editions = Set.copyOf(editions);
        ageGroups = Set.copyOf(ageGroups);
    }

    /** Whether the level exists in an edition; levels of instruments without editions exist in none. */
    public boolean definedIn(String edition) {
        return edition == null ? editions.isEmpty() : editions.contains(edition);
    }

    /** Whether the level exists for an age group (the 3rd edition's adolescent criteria have no 3.3 and no WM levels). */
    public boolean definedFor(AgeGroup ageGroup) {
        return ageGroups.isEmpty() || ageGroups.contains(ageGroup);
    }

    public HourRange hoursFor(AgeGroup ageGroup) {
        return ageGroup == AgeGroup.ADOLESCENT ? adolescentHours : adultHours;
    }

    public boolean moreIntensiveThan(Level other) {
        return rank > other.rank;
    }
}
