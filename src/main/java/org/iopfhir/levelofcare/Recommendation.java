package org.iopfhir.levelofcare;

import java.util.List;

/** The engine's answer, with the per-dimension reasoning behind it. */
public record Recommendation(
        String edition,
        Level level,
        Level withdrawalManagement,
        boolean imminentDanger,
        HourRange weeklyHours,
        List<DimensionResult> dimensions,
        List<String> findings,
        String ruleSet) {

    /** A rated dimension, the level its rating calls for, and why. */
    public record DimensionResult(String dimension, int rating, Level minimumLevel, String rationale) {
    }
}
