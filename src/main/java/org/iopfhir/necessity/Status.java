package org.iopfhir.necessity;

/** A criterion's status, and (without {@link #NOT_APPLICABLE}) the overall outcome. */
public enum Status {
    MET("met"),
    NOT_MET("not-met"),
    /** The record holds too little to judge (for example no session was due yet). */
    INSUFFICIENT_DATA("insufficient-data"),
    /** The policy or the episode does not call for it (certification under a commercial policy). */
    NOT_APPLICABLE("not-applicable");

    private final String code;

    Status(String code) {
        this.code = code;
    }

    public String code() {
        return code;
    }
}
