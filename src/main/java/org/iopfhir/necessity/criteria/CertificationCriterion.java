package org.iopfhir.necessity.criteria;

import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import org.hl7.fhir.r4.model.DocumentReference;
import org.hl7.fhir.r4.model.Practitioner;
import org.iopfhir.attendance.AttendanceRecords;
import org.iopfhir.fhir.FhirDates;
import org.iopfhir.necessity.Codes;
import org.iopfhir.necessity.Criterion;
import org.iopfhir.necessity.Finding;
import org.iopfhir.necessity.Kind;
import org.iopfhir.necessity.Review;

/**
 * Where the policy asks for it (Medicare): a physician certification signed on or before the
 * first IOP day, and recertifications that keep every day up to the review covered, each period
 * no longer than the policy's interval. Certifications are DocumentReferences typed
 * {@code iop-record-type#physician-certification} or {@code #physician-recertification} with the
 * certified days in {@code context.period}. One counts only when
 * <ul>
 *   <li>its author is a physician: a Practitioner whose {@code qualification} is coded with one of the
 *       policy's degrees (v2-0360 {@code MD}, {@code DO});</li>
 *   <li>it certifies the content the payer asks for: it names the individualized written plan of care
 *       ({@code context.related} = the treatment plan), and that plan schedules at least the age group's
 *       weekly hours (the need for at least 9 hours a week, under that physician's care).</li>
 * </ul>
 */
public class CertificationCriterion implements Criterion {

    private static final List<String> TYPES = List.of("physician-certification", "physician-recertification");

    @Override
    public Kind kind() {
        return Kind.DOCUMENTATION;
    }

    @Override
    public String id() {
        return "certification";
    }

    @Override
    public Finding evaluate(Review review) {
        List<DocumentReference> certifications = new ArrayList<>();
        TYPES.forEach(type -> certifications.addAll(review.documents(Codes.RECORD_TYPE, type)));
        certifications.removeIf(d -> !d.getContext().getPeriod().hasStart() || !d.hasDate());
        List<DocumentReference> unsigned = certifications.stream().filter(d -> !byPhysician(d, review)).toList();
        String plan = review.plan().map(AttendanceRecords::reference).orElse(null);
        boolean planNeedsIop = review.plan().map(PlannedIntensityCriterion::weeklyHours)
                .map(h -> h.compareTo(review.rules().minimumWeeklyHours()) >= 0).orElse(false);
        List<DocumentReference> incomplete = certifications.stream().filter(d -> !unsigned.contains(d))
                .filter(d -> plan == null || !planNeedsIop || d.getContext().getRelated().stream()
                        .noneMatch(r -> plan.equals(r.getReference()))).toList();
        certifications.removeAll(unsigned);
        certifications.removeAll(incomplete);
        certifications.sort(Comparator.comparing(d -> d.getContext().getPeriod().getStart()));

        LocalDate covered = review.admission().minusDays(1);
        List<DocumentReference> used = new ArrayList<>();
        for (DocumentReference certification : certifications) {
            LocalDate from = FhirDates.localDate(certification.getContext().getPeriod().getStartElement());
            LocalDate signed = FhirDates.localDate(certification.getDateElement());
            if (from.isAfter(covered.plusDays(1)) || signed.isAfter(covered.plusDays(1))) {
                continue; // starts after a gap, or signed after the day it had to cover: no renewal in time
            }
            LocalDate until = until(certification, from, review.policy().recertificationIntervalDays());
            if (until.isAfter(covered)) {
                covered = until;
                used.add(certification);
            }
        }
        String rejected = (unsigned.isEmpty() ? "" : "; " + unsigned.size() + " not signed by a physician ("
                + review.policy().certifyingDegrees() + " in Practitioner.qualification)")
                + (incomplete.isEmpty() ? "" : "; " + incomplete.size() + " not naming an individualized plan of care that "
                + "schedules at least " + review.rules().minimumWeeklyHours().toPlainString() + " h a week");
        if (used.isEmpty()) {
            List<DocumentReference> seen = new ArrayList<>(certifications);
            seen.addAll(unsigned);
            seen.addAll(incomplete);
            return Finding.notMet("no physician certification signed on or before the first IOP day, "
                    + review.admission() + rejected, seen);
        }
        return Finding.metIf(!covered.isBefore(review.lastDay()),
                "physician certification and " + (used.size() - 1) + " recertification(s) cover " + review.admission()
                        + " to " + review.lastDay(),
                "certification lapsed after " + covered + ": no recertification signed in time for the days up to "
                        + review.lastDay() + rejected, used);
    }

    /** The period's last day, capped at the policy's interval (a certification cannot run longer). */
    private static LocalDate until(DocumentReference certification, LocalDate from, int intervalDays) {
        LocalDate cap = from.plusDays(intervalDays - 1L);
        LocalDate end = FhirDates.localDate(certification.getContext().getPeriod().getEndElement());
        return end == null || end.isAfter(cap) ? cap : end;
    }

    private static boolean byPhysician(DocumentReference document, Review review) {
        List<String> degrees = review.policy().certifyingDegrees();
        return document.getAuthor().stream().map(a -> a.getReference()).anyMatch(author -> review.all(Practitioner.class)
                .stream().filter(p -> AttendanceRecords.reference(p).equals(author))
                .anyMatch(p -> p.getQualification().stream().anyMatch(q -> Codes.hasAnyOf(q.getCode(), Codes.DEGREE, degrees))));
    }

    /** The Practitioners who author certifications: what the operation reads besides the episode. */
    public static List<String> authors(List<DocumentReference> documents) {
        return documents.stream().filter(d -> Codes.hasAnyOf(d.getType(), Codes.RECORD_TYPE, TYPES))
                .flatMap(d -> d.getAuthor().stream()).map(a -> a.getReferenceElement())
                .filter(r -> "Practitioner".equals(r.getResourceType()) && r.getIdPart() != null)
                .map(r -> r.getIdPart()).distinct().toList();
    }
}
