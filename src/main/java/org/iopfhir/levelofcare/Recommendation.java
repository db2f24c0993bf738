package org.iopfhir.levelofcare;

import java.util.List;

/** The engine's answer, with the per-dimension (and, for LOCUS, composite-score) reasoning behind it. */
public record Recommendation(
        Instrument instrument,
        String edition,
        Level level,
        Level withdrawalManagement,
        boolean imminentDanger,
        HourRange weeklyHours,
        List<DimensionResult> dimensions,
        CompositeResult composite,
        List<String> findings,
        List<String> modifiers,
        String ruleSet) {

    /** A rated dimension, the level its rating calls for, and why. */
    public record DimensionResult(String dimension, int rating, Level minimumLevel, String rationale) {
    }

    /** The sum of all ratings, the level its band calls for, and why; null for instruments without one. */
    public record CompositeResult(int score, Level minimumLevel, String rationale) {
    }
}
