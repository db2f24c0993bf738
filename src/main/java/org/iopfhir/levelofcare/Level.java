package org.iopfhir.levelofcare;

/**
 * A level of care as the rule tables use it: the code system and code naming it, its place on
 * the intensity continuum ({@code rank}, higher is more intensive) and the weekly hours it
 * provides per age group (null where the instrument defines none).
 */
public record Level(String system, String code, String display, int rank, HourRange adultHours, HourRange adolescentHours) {

    public HourRange hoursFor(AgeGroup ageGroup) {
        return ageGroup == AgeGroup.ADOLESCENT ? adolescentHours : adultHours;
    }

    public boolean moreIntensiveThan(Level other) {
        return rank > other.rank;
    }
}
