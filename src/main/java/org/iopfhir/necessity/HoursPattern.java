package org.iopfhir.necessity;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.time.LocalDate;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Hours of qualifying services judged as a pattern over weeks (pure). Weeks are 7-day windows from
 * admission; only complete ones are judged. A week is short when its qualifying hours fall below the
 * weekly minimum or, where the code billed has a per-day rule (H0015: 3 hours a day on 3 days a week),
 * too few days reach the daily hours; it looks like partial hospitalization at or above the PHP hours.
 * One short week is an exception a reviewer accepts (illness, a holiday); a pattern is not: the
 * episode fails when most complete weeks, or {@value #SUSTAINED} weeks in a row, are short (or PHP-like).
 * A week during which the episode was on hold (the patient stepped up to another level, say) is not
 * an IOP week and is not judged.
 *
 * @param weeks the complete weeks, in order
 */
public record HoursPattern(List<Week> weeks) {

    /** Consecutive short weeks that make a sustained pattern. */
    public static final int SUSTAINED = 2;

    public enum Status { BELOW, IOP, PARTIAL_HOSPITAL }

    /** One session: its day, minutes, and whether it is a qualifying service under the policy. */
    public record Session(LocalDate date, long minutes, boolean qualifying) {
    }

    /** The thresholds; zero daily hours or days means no per-day rule. */
    public record Thresholds(BigDecimal weeklyHours, BigDecimal partialHospitalHours, BigDecimal dailyHours, int daysPerWeek) {
    }

    public record Week(int number, LocalDate start, BigDecimal hours, int fullDays, Status status) {
    }

    public static HoursPattern of(LocalDate admission, LocalDate lastDay, List<Session> sessions, Thresholds thresholds,
            java.util.Set<LocalDate> onHold) {
        long complete = (ChronoUnit.DAYS.between(admission, lastDay) + 1) / 7;
        List<Week> weeks = new ArrayList<>();
        for (int i = 0; i < complete; i++) {
            LocalDate start = admission.plusDays(7L * i);
            LocalDate end = start.plusDays(6);
            if (start.datesUntil(end.plusDays(1)).anyMatch(onHold::contains)) {
                continue;
            }
            Map<LocalDate, Long> byDay = new TreeMap<>();
            sessions.stream().filter(Session::qualifying).filter(s -> !s.date().isBefore(start) && !s.date().isAfter(end))
                    .forEach(s -> byDay.merge(s.date(), s.minutes(), Long::sum));
            BigDecimal hours = hours(byDay.values().stream().mapToLong(Long::longValue).sum());
            int fullDays = (int) byDay.values().stream().filter(m -> hours(m).compareTo(thresholds.dailyHours()) >= 0).count();
            boolean perDayRule = thresholds.daysPerWeek() > 0 && thresholds.dailyHours().signum() > 0;
            Status status = hours.compareTo(thresholds.partialHospitalHours()) >= 0 ? Status.PARTIAL_HOSPITAL
                    : hours.compareTo(thresholds.weeklyHours()) < 0 || perDayRule && fullDays < thresholds.daysPerWeek()
                            ? Status.BELOW : Status.IOP;
            weeks.add(new Week(i + 1, start, hours, fullDays, status));
        }
        return new HoursPattern(List.copyOf(weeks));
    }

    public List<Week> with(Status status) {
        return weeks.stream().filter(w -> w.status() == status).toList();
    }

    /** Most complete weeks, or {@value #SUSTAINED} in a row, have this status. */
    public boolean pattern(Status status) {
        int run = 0;
        int longest = 0;
        for (Week week : weeks) {
            run = week.status() == status ? run + 1 : 0;
            longest = Math.max(longest, run);
        }
        return longest >= SUSTAINED || with(status).size() * 2 > weeks.size();
    }

    public BigDecimal totalHours() {
        return weeks.stream().map(Week::hours).reduce(BigDecimal.ZERO, BigDecimal::add);
    }

    private static BigDecimal hours(long minutes) {
        return BigDecimal.valueOf(minutes).divide(BigDecimal.valueOf(60), 2, RoundingMode.HALF_UP);
    }
}
