package org.iopfhir.necessity;

import java.time.LocalDate;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Optional;

/** Whether dated events recur often enough over a period: reviews, reassessments, drug tests. */
public final class Intervals {

    /** A stretch longer than allowed without an event. */
    public record Gap(LocalDate from, LocalDate to) {
        public long days() {
            return ChronoUnit.DAYS.between(from, to);
        }
    }

    private Intervals() {
    }

    /**
     * The first stretch from {@code start} to {@code end} longer than {@code maxDays} without an
     * event; the period's end counts only when it is reached (a review not yet due is no gap).
     */
    public static Optional<Gap> firstGap(LocalDate start, LocalDate end, List<LocalDate> events, int maxDays) {
        LocalDate last = start;
        for (LocalDate event : events.stream().filter(e -> !e.isBefore(start) && !e.isAfter(end)).sorted().toList()) {
            if (ChronoUnit.DAYS.between(last, event) > maxDays) {
                return Optional.of(new Gap(last, event));
            }
            last = event;
        }
        return ChronoUnit.DAYS.between(last, end) > maxDays ? Optional.of(new Gap(last, end)) : Optional.empty();
    }
}
