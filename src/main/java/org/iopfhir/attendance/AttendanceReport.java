package org.iopfhir.attendance;

import java.math.BigDecimal;
import java.time.LocalDate;
import java.util.List;

/**
 * Attendance over the reviewed windows of an episode.
 *
 * @param from           first day reviewed
 * @param to             last day reviewed
 * @param rules          the thresholds applied
 * @param weeks          the rolling 7-day windows from admission that overlap the review
 * @param attended       scheduled sessions attended
 * @param due            scheduled sessions that were due (attended plus no-shows; cancellations excluded)
 * @param cancelled      scheduled sessions cancelled in advance
 * @param attendanceRate attended / due, or null when nothing was due
 * @param noShows        every no-show with its outreach, if any
 */
public record AttendanceReport(LocalDate from, LocalDate to, AttendanceRules rules, List<Week> weeks,
        int attended, int due, int cancelled, BigDecimal attendanceRate, List<NoShow> noShows) {

    public List<Week> weeksWith(Week.Status status) {
        return weeks.stream().filter(w -> w.status() == status).toList();
    }

    /** Windows not cut short by discharge or the review date. */
    public long completeWeeks() {
        return weeks.stream().filter(w -> w.status() != Week.Status.INCOMPLETE).count();
    }

    public List<NoShow> noShowsWithoutOutreach() {
        return noShows.stream().filter(n -> !n.followedUp()).toList();
    }

    public BigDecimal totalHours() {
        return weeks.stream().map(Week::hours).reduce(BigDecimal.ZERO, BigDecimal::add);
    }
}
