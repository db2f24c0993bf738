package org.iopfhir.levelofcare;

import java.util.List;

/**
 * The engine's answer, with the reasoning behind it: per dimension (and, for LOCUS, the composite
 * score), the findings and modifiers that applied, what has to be in place before the level is
 * safe ({@code requirements}; while one is unmet the recommendation is conditional) and warnings
 * a clinician has to see (an illustrative table, ratings that disagree with the intake's facts).
 */
public record Recommendation(
        Instrument instrument,
        String edition,
        AgeGroup ageGroup,
        Level level,
        Level withdrawalManagement,
        boolean imminentDanger,
        HourRange weeklyHours,
        List<DimensionResult> dimensions,
        CompositeResult composite,
        List<RuleResult> findings,
        List<RuleResult> modifiers,
        List<Requirement> requirements,
        List<Warning> warnings,
        String ruleSet) {

    /** A rated dimension, the level its rating calls for, why, and the rule's source. */
    public record DimensionResult(String dimension, int rating, Level minimumLevel, String rationale, String source) {
    }

    /** The sum of all ratings, the level its band calls for, and why; null for instruments without one. */
    public record CompositeResult(int score, Level minimumLevel, String rationale) {
    }

    /**
     * A finding or modifier that applied: what triggered it (a finding code, or the conditions of a
     * modifier), the level it calls for (null: none), why, and the source.
     */
    public record RuleResult(String trigger, Level minimumLevel, String rationale, String source) {
    }

    /** Something that has to be in place (code of iop-observation-code), whether the assessment documents it, and why. */
    public record Requirement(String code, boolean met, String rationale, String source) {
    }

    /** Something the clinician has to see: {@code kind} illustrative-rules | discordance | requirement | variance. */
    public record Warning(String kind, String text) {
    }

    /** Placed at the level only once every requirement is met. */
    public boolean conditional() {
        return requirements.stream().anyMatch(r -> !r.met());
    }
}
