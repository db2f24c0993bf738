package org.iopfhir.levelofcare;

import java.util.Arrays;

/**
 * The assessment instruments the engine places from, with their rating scales: the ASAM
 * Criteria rate each dimension 0-4 and come in editions; LOCUS rates each scale 1-5 and adds a
 * composite score.
 */
public enum Instrument {
    ASAM("asam", 0, 4), LOCUS("locus", 1, 5);

    private final String code;
    private final int minRating;
    private final int maxRating;

    Instrument(String code, int minRating, int maxRating) {
        this.code = code;
        this.minRating = minRating;
        this.maxRating = maxRating;
    }

    public String code() {
        return code;
    }

    public int minRating() {
        return minRating;
    }

    public int maxRating() {
        return maxRating;
    }

    public boolean inRange(int rating) {
        return rating >= minRating && rating <= maxRating;
    }

    public static Instrument fromCode(String code) {
        return Arrays.stream(values()).filter(i -> i.code.equals(code)).findFirst()
                .orElseThrow(() -> new InvalidAssessmentException("unknown instrument '" + code + "' (asam or locus)"));
    }
}
