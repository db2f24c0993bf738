package org.iopfhir.attendance;

import java.time.LocalDate;

/**
 * A missed session and the outreach that followed it.
 *
 * @param session  the scheduled session (reference)
 * @param date     its day
 * @param outreach the outreach that followed it in time, or null when none is documented
 */
public record NoShow(String session, LocalDate date, String outreach) {

    public boolean followedUp() {
        return outreach != null;
    }
}
