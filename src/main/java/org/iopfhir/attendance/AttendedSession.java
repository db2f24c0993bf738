package org.iopfhir.attendance;

import java.time.LocalDate;

/**
 * One attended session: what counts toward a week's hours.
 *
 * @param reference the record it comes from (e.g. {@code Encounter/123}), reported back as evidence
 * @param date      the program day it took place on
 * @param minutes   the minutes attended
 */
public record AttendedSession(String reference, LocalDate date, long minutes) {
}
