package org.iopfhir.levelofcare;

import java.util.Arrays;

/** Codes of {@code http://iop-fhir.org/fhir/CodeSystem/iop-age-group}. */
public enum AgeGroup {
    ADULT("adult"), ADOLESCENT("adolescent");

    private final String code;

    AgeGroup(String code) {
        this.code = code;
    }

    public String code() {
        return code;
    }

    public static AgeGroup fromCode(String code) {
        return Arrays.stream(values()).filter(a -> a.code.equals(code)).findFirst()
                .orElseThrow(() -> new InvalidAssessmentException("unknown age group '" + code + "' (adult or adolescent)"));
    }

    /** Adolescent under 18 on the given date, as programs split their tracks. */
    public static AgeGroup atAge(int years) {
        return years < 18 ? ADOLESCENT : ADULT;
    }
}
