package org.iopfhir.attendance;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;

/**
 * Weekly hours and attendance of an episode, in pure Java. Weeks are rolling 7-day windows
 * counted from the admission day (not calendar weeks), because payers judge intensity per 7
 * contiguous days of treatment. A session belongs to the window of the program day it took
 * place on.
 */
public final class AttendanceCalculator {

    private static final BigDecimal MINUTES_PER_HOUR = BigDecimal.valueOf(60);
    private static final int WEEK_DAYS = 7;

    private AttendanceCalculator() {
    }

    /**
     * @param admission the first program day
     * @param lastDay   the last day that counts: discharge, or the review date for a running episode
     * @param from      first day to report (null: admission)
     * @param to        last day to report (null: lastDay)
     */
    public static AttendanceReport calculate(LocalDate admission, LocalDate lastDay, LocalDate from, LocalDate to,
            Collection<AttendedSession> attended, Collection<ScheduledSession> scheduled,
            Collection<Outreach> outreach, AttendanceRules rules) {
        LocalDate reviewFrom = from == null || from.isBefore(admission) ? admission : from;
        LocalDate reviewTo = to == null || to.isAfter(lastDay) ? lastDay : to;
        // Nothing after the last day counts, even when the store already holds it (a review as of a past date).
        List<AttendedSession> held = attended.stream().filter(s -> within(s.date(), admission, reviewTo)).toList();
        List<ScheduledSession> planned = scheduled.stream().filter(s -> within(s.date(), admission, reviewTo)).toList();

        List<Week> weeks = new ArrayList<>();
        for (int k = 0; !admission.plusDays((long) WEEK_DAYS * k).isAfter(reviewTo); k++) {
            LocalDate start = admission.plusDays((long) WEEK_DAYS * k);
            LocalDate end = start.plusDays(WEEK_DAYS - 1);
            if (!end.isBefore(reviewFrom)) {
                weeks.add(week(k + 1, start, end, lastDay, held, planned, rules));
            }
        }
        LocalDate windowsFrom = weeks.isEmpty() ? reviewFrom : weeks.get(0).start();
        List<ScheduledSession> inReview = planned.stream()
                .filter(s -> within(s.date(), windowsFrom, reviewTo))
                .sorted(Comparator.comparing(ScheduledSession::start)).toList();

        int attendedCount = (int) inReview.stream().filter(s -> s.outcome() == ScheduledSession.Outcome.ATTENDED).count();
        int due = (int) inReview.stream().filter(ScheduledSession::wasDue).count();
        int cancelled = (int) inReview.stream().filter(s -> s.outcome() == ScheduledSession.Outcome.CANCELLED).count();
        BigDecimal rate = due == 0 ? null
                : BigDecimal.valueOf(attendedCount).divide(BigDecimal.valueOf(due), 4, RoundingMode.HALF_UP);
        List<NoShow> noShows = inReview.stream().filter(s -> s.outcome() == ScheduledSession.Outcome.NO_SHOW)
                .map(s -> new NoShow(s.reference(), s.date(), followUp(s, outreach, rules))).toList();
        return new AttendanceReport(reviewFrom, reviewTo, rules, weeks, attendedCount, due, cancelled, rate, noShows);
    }

    private static Week week(int number, LocalDate start, LocalDate end, LocalDate lastDay,
            Collection<AttendedSession> attended, Collection<ScheduledSession> scheduled, AttendanceRules rules) {
        List<AttendedSession> inWeek = attended.stream().filter(s -> within(s.date(), start, end))
                .sorted(Comparator.comparing(AttendedSession::date)).toList();
        BigDecimal hours = hours(inWeek.stream().mapToLong(AttendedSession::minutes).sum());
        BigDecimal scheduledHours = hours(scheduled.stream()
                .filter(s -> s.isPlanned() && within(s.date(), start, end)).mapToLong(ScheduledSession::minutes).sum());
        return new Week(number, start, end, hours, scheduledHours, rules.minimumWeeklyHours(),
                status(hours, end.isAfter(lastDay), rules), inWeek.stream().map(AttendedSession::reference).toList());
    }

    static Week.Status status(BigDecimal hours, boolean cutShort, AttendanceRules rules) {
        if (hours.compareTo(rules.partialHospitalHours()) >= 0) {
            return Week.Status.PARTIAL_HOSPITAL;
        }
        if (hours.compareTo(rules.minimumWeeklyHours()) >= 0) {
            return Week.Status.MEETS;
        }
        return cutShort ? Week.Status.INCOMPLETE : Week.Status.BELOW;
    }

    /** The earliest outreach about this session made after it was due and within the allowed time. */
    private static String followUp(ScheduledSession missed, Collection<Outreach> outreach, AttendanceRules rules) {
        return outreach.stream()
                .filter(o -> o.about().contains(missed.reference()) && o.when() != null
                        && !o.when().isBefore(missed.start()) && !o.when().isAfter(missed.start().plus(rules.outreachWithin())))
                .min(Comparator.comparing(Outreach::when)).map(Outreach::reference).orElse(null);
    }

    private static BigDecimal hours(long minutes) {
        return BigDecimal.valueOf(minutes).divide(MINUTES_PER_HOUR, 2, RoundingMode.HALF_UP);
    }

    private static boolean within(LocalDate day, LocalDate first, LocalDate last) {
        return day != null && !day.isBefore(first) && !day.isAfter(last);
    }
}
