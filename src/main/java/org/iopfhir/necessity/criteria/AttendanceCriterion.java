package org.iopfhir.necessity.criteria;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;
import org.hl7.fhir.r4.model.Appointment;
import org.hl7.fhir.r4.model.Communication;
import org.hl7.fhir.r4.model.Resource;
import org.iopfhir.attendance.AttendanceNarrative;
import org.iopfhir.attendance.AttendanceRecords;
import org.iopfhir.attendance.AttendanceReport;
import org.iopfhir.attendance.NoShow;
import org.iopfhir.necessity.Criterion;
import org.iopfhir.necessity.Finding;
import org.iopfhir.necessity.Kind;
import org.iopfhir.necessity.Review;

/**
 * The patient attended at least the policy's share of the sessions that were due (cancellations
 * in advance excluded), and every no-show was followed by documented outreach. From the attendance core.
 */
public class AttendanceCriterion implements Criterion {

    @Override
    public Kind kind() {
        return Kind.QUALITY;
    }

    @Override
    public String id() {
        return "attendance";
    }

    @Override
    public Finding evaluate(Review review) {
        AttendanceReport report = review.attendance();
        List<Resource> evidence = evidence(review, report);
        if (report.attendanceRate() == null) {
            return Finding.insufficient("no scheduled session was due yet", evidence);
        }
        BigDecimal minimum = review.policy().attendanceRate();
        String rate = AttendanceNarrative.percent(report.attendanceRate()) + " of due sessions attended (" + report.attended() + " of "
                + report.due() + "; minimum " + AttendanceNarrative.percent(minimum) + ")";
        List<NoShow> unanswered = report.noShowsWithoutOutreach();
        boolean enough = report.attendanceRate().compareTo(minimum) >= 0;
        String outreach = unanswered.isEmpty()
                ? report.noShows().size() + " no-shows, each followed by outreach"
                : unanswered.size() + " of " + report.noShows().size() + " no-shows without documented outreach within "
                        + report.rules().outreachWithin().toDays() + " days: "
                        + String.join(", ", unanswered.stream().map(n -> n.date() + " " + n.session()).toList());
        return Finding.metIf(enough && unanswered.isEmpty(), rate + "; " + outreach,
                (enough ? "" : "attendance below the minimum: ") + rate + "; " + outreach, evidence);
    }

    /** The no-show appointments and the outreach that answered them. */
    private static List<Resource> evidence(Review review, AttendanceReport report) {
        List<String> refs = new ArrayList<>();
        report.noShows().forEach(n -> {
            refs.add(n.session());
            if (n.followedUp()) {
                refs.add(n.outreach());
            }
        });
        List<Resource> evidence = new ArrayList<>();
        review.all(Appointment.class).stream().filter(a -> refs.contains(AttendanceRecords.reference(a))).forEach(evidence::add);
        review.all(Communication.class).stream().filter(c -> refs.contains(AttendanceRecords.reference(c))).forEach(evidence::add);
        return evidence;
    }
}
