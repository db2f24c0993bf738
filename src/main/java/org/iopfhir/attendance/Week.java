package org.iopfhir.attendance;

import java.math.BigDecimal;
import java.time.LocalDate;
import java.util.List;

/**
 * One rolling 7-day window from admission.
 *
 * @param number         1 for the window starting on the admission day
 * @param start          its first day
 * @param end            its last day (start + 6), even when the episode or the review ends earlier
 * @param hours          hours attended
 * @param scheduledHours hours of sessions scheduled and not cancelled
 * @param threshold      the minimum hours it is judged against
 * @param status         how it compares
 * @param sessions       the attended sessions counted (references)
 */
public record Week(int number, LocalDate start, LocalDate end, BigDecimal hours, BigDecimal scheduledHours,
        BigDecimal threshold, Status status, List<String> sessions) {

    /** How a window's hours compare with the thresholds. */
    public enum Status {
        /** At or above the minimum and below partial-hospital intensity. */
        MEETS("meets"),
        /** Below the minimum over a complete window. */
        BELOW("below"),
        /** At or above the partial-hospitalization threshold. */
        PARTIAL_HOSPITAL("partial-hospital"),
        /** Below the minimum, but the window is cut short by discharge or by the review date. */
        INCOMPLETE("incomplete");

        private final String code;

        Status(String code) {
            this.code = code;
        }

        public String code() {
            return code;
        }
    }
}
