package org.iopfhir.necessity;

/**
 * The three kinds of finding a payer keeps apart (the third, payment facts, is not a criterion but
 * {@link PaymentFacts}): only clinical findings decide whether IOP is medically necessary.
 */
public enum Kind {
    /** Does the patient need IOP now: severity of illness, intensity of service, continued stay. */
    CLINICAL("clinical"),
    /** A documentation or technical deficiency, fixable before submission: a signature, a consent, a late plan. */
    DOCUMENTATION("documentation"),
    /** A program's own quality rule (drug-test cadence, attendance rate): reported, never a condition of necessity. */
    QUALITY("quality");

    private final String code;

    Kind(String code) {
        this.code = code;
    }

    public String code() {
        return code;
    }
}
