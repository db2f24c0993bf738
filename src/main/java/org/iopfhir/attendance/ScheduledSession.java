package org.iopfhir.attendance;

import java.time.Instant;
import java.time.LocalDate;

/**
 * One scheduled session (an appointment) and what became of it.
 *
 * @param reference the record it comes from (e.g. {@code Appointment/123})
 * @param date      the program day it was scheduled on
 * @param start     when it was to start: outreach is looked for after it
 * @param minutes   the planned minutes
 * @param outcome   what became of it
 */
public record ScheduledSession(String reference, LocalDate date, Instant start, long minutes, Outcome outcome) {

    /** What became of a scheduled session. */
    public enum Outcome {
        /** Still to come, or not yet resolved (booked, proposed, pending, waitlisted). */
        PENDING,
        ATTENDED,
        NO_SHOW,
        /** Called off in advance: not counted as missed and not in the attendance rate. */
        CANCELLED,
        /** Recorded in error: ignored. */
        VOID
    }

    /** Sessions that were due to take place: the attendance rate's denominator. */
    boolean wasDue() {
        return outcome == Outcome.ATTENDED || outcome == Outcome.NO_SHOW;
    }

    /** Sessions the program still planned to hold: the week's scheduled hours. */
    boolean isPlanned() {
        return outcome == Outcome.PENDING || wasDue();
    }
}
