package org.iopfhir.necessity.criteria;

import java.util.List;
import java.util.stream.Collectors;
import org.hl7.fhir.r4.model.Encounter;
import org.iopfhir.attendance.AttendanceReport;
import org.iopfhir.attendance.Week;
import org.iopfhir.necessity.Criterion;
import org.iopfhir.necessity.Finding;
import org.iopfhir.necessity.Review;

/**
 * Every complete rolling 7-day window delivers the age group's minimum hours and stays below
 * partial-hospital intensity (hours at PHP intensity are not IOP either). From the attendance core.
 */
public class HoursDeliveredCriterion implements Criterion {

    @Override
    public String id() {
        return "hours-delivered";
    }

    @Override
    public Finding evaluate(Review review) {
        AttendanceReport report = review.attendance();
        List<Encounter> evidence = review.attendedEncounters();
        long complete = report.completeWeeks();
        if (complete == 0) {
            return Finding.insufficient("no complete 7-day window yet", evidence);
        }
        List<Week> below = report.weeksWith(Week.Status.BELOW);
        List<Week> php = report.weeksWith(Week.Status.PARTIAL_HOSPITAL);
        String threshold = report.rules().minimumWeeklyHours().stripTrailingZeros().toPlainString();
        if (below.isEmpty() && php.isEmpty()) {
            return Finding.met("all " + complete + " complete 7-day windows reach " + threshold + " h ("
                    + report.totalHours().stripTrailingZeros().toPlainString() + " h attended)", evidence);
        }
        StringBuilder detail = new StringBuilder();
        if (!below.isEmpty()) {
            detail.append(below.size()).append(" of ").append(complete).append(" windows below ").append(threshold)
                    .append(" h: ").append(describe(below));
        }
        if (!php.isEmpty()) {
            detail.append(detail.length() > 0 ? "; " : "").append(php.size()).append(" at partial-hospital intensity: ")
                    .append(describe(php));
        }
        return Finding.notMet(detail.toString(), evidence);
    }

    private static String describe(List<Week> weeks) {
        return weeks.stream().map(w -> "week " + w.number() + " (" + w.start() + ", "
                + w.hours().stripTrailingZeros().toPlainString() + " h)").collect(Collectors.joining(", "));
    }
}
