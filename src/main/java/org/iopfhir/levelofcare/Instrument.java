package org.iopfhir.levelofcare;

import java.util.Arrays;

/**
 * The assessment instruments the engine places from, with their rating scales: the ASAM
 * Criteria rate each dimension 0-4 and come in editions; LOCUS rates each scale 1-5 and adds a
 * composite score. {@code forOtherAges} names what places the age groups an instrument's tables
 * do not cover.
 */
public enum Instrument {
    ASAM("asam", 0, 4, "the 3rd edition's adolescent criteria (edition 3): the 4th edition has adult criteria only"),
    LOCUS("locus", 1, 5, "CALOCUS-CASII, the instrument for children and adolescents (its grid is licensed: load it "
            + "with iop.level-of-care.rule-sets), or the ASAM 3rd edition's adolescent criteria for substance use");

    private final String code;
    private final int minRating;
    private final int maxRating;
    private final String forOtherAges;

    Instrument(String code, int minRating, int maxRating, String forOtherAges) {
        this.code = code;
        this.minRating = minRating;
        this.maxRating = maxRating;
        this.forOtherAges = forOtherAges;
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

    String forOtherAges() {
        return forOtherAges;
    }

    public static Instrument fromCode(String code) {
        return Arrays.stream(values()).filter(i -> i.code.equals(code)).findFirst()
                .orElseThrow(() -> new InvalidAssessmentException("unknown instrument '" + code + "' (asam or locus)"));
    }
}
