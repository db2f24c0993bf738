package org.iopfhir.necessity.criteria;

import java.util.List;
import java.util.stream.Collectors;
import org.hl7.fhir.r4.model.Encounter;
import org.iopfhir.necessity.Criterion;
import org.iopfhir.necessity.Finding;
import org.iopfhir.necessity.HoursPattern;
import org.iopfhir.necessity.Kind;
import org.iopfhir.necessity.Review;

/**
 * Intensity of service delivered: hours of qualifying therapeutic services (session types that count
 * toward hours; not drug-test collection, case management or discharge paperwork; video sessions only
 * where the policy counts them), judged as a pattern over complete weeks with the per-day rule of the
 * code billed ({@link HoursPattern}).
 */
public class HoursDeliveredCriterion implements Criterion {

    @Override
    public String id() {
        return "hours-delivered";
    }

    @Override
    public Kind kind() {
        return Kind.CLINICAL;
    }

    @Override
    public Finding evaluate(Review review) {
        List<Encounter> attended = review.attendedEncounters();
        List<Encounter> qualifying = attended.stream().filter(review::qualifying).toList();
        HoursPattern pattern = review.hours();
        String excluded = attended.size() == qualifying.size() ? ""
                : "; " + (attended.size() - qualifying.size()) + " attended sessions not counted (not a qualifying service"
                        + (review.policy().virtualSessionsCount() ? "" : ", or held by video") + ")";
        if (!review.onHold().isEmpty()) {
            excluded += "; weeks with the episode on hold (" + review.onHold().stream().min(java.util.Comparator.naturalOrder())
                    .orElseThrow() + " to " + review.onHold().stream().max(java.util.Comparator.naturalOrder()).orElseThrow()
                    + ") not judged";
        }
        if (pattern.weeks().isEmpty()) {
            return Finding.insufficient("no complete week yet" + excluded, qualifying);
        }
        int complete = pattern.weeks().size();
        List<HoursPattern.Week> below = pattern.with(HoursPattern.Status.BELOW);
        List<HoursPattern.Week> php = pattern.with(HoursPattern.Status.PARTIAL_HOSPITAL);
        String rule = review.rules().minimumWeeklyHours().stripTrailingZeros().toPlainString() + " h a week"
                + (review.policy().minimumDaysPerWeek() > 0 ? " with " + review.policy().minimumDailyHours().stripTrailingZeros()
                        .toPlainString() + " h on " + review.policy().minimumDaysPerWeek() + " days" : "");
        String total = pattern.totalHours().stripTrailingZeros().toPlainString() + " qualifying h in " + complete
                + " complete weeks";
        if (pattern.pattern(HoursPattern.Status.PARTIAL_HOSPITAL)) {
            return Finding.notMet(php.size() + " of " + complete + " weeks at partial-hospital intensity ("
                    + review.rules().partialHospitalHours().toPlainString() + " h or more): " + describe(php) + "; " + total
                    + excluded, qualifying);
        }
        if (pattern.pattern(HoursPattern.Status.BELOW)) {
            return Finding.notMet("a pattern of short weeks: " + below.size() + " of " + complete + " below " + rule + ": "
                    + describe(below) + "; " + total + excluded, qualifying);
        }
        String exceptions = below.isEmpty() && php.isEmpty() ? ""
                : "; isolated exceptions, not a pattern: " + describe(below.isEmpty() ? php : below);
        return Finding.met(complete - below.size() - php.size() + " of " + complete + " complete weeks reach " + rule + " ("
                + total + ")" + exceptions + excluded, qualifying);
    }

    static String describe(List<HoursPattern.Week> weeks) {
        return weeks.stream().map(w -> "week " + w.number() + " (" + w.start() + ", "
                + w.hours().stripTrailingZeros().toPlainString() + " h)").collect(Collectors.joining(", "));
    }
}
