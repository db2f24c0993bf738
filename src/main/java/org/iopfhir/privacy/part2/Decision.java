package org.iopfhir.privacy.part2;

/** A disclosure decision and why, for tests, audit and the OperationOutcome of a refused read. */
public record Decision(boolean permitted, String reason) {

    public static Decision permit(String reason) {
        return new Decision(true, reason);
    }

    public static Decision deny(String reason) {
        return new Decision(false, reason);
    }
}
