package org.iopfhir.necessity.criteria;

import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import org.hl7.fhir.r4.model.DocumentReference;
import org.iopfhir.fhir.FhirDates;
import org.iopfhir.necessity.Codes;
import org.iopfhir.necessity.Criterion;
import org.iopfhir.necessity.Finding;
import org.iopfhir.necessity.Review;

/**
 * Where the policy asks for it (Medicare): a physician certification signed on or before the
 * first IOP day, and recertifications that keep every day up to the review covered, each period
 * no longer than the policy's interval. Certifications are DocumentReferences typed
 * {@code iop-record-type#physician-certification} or {@code #physician-recertification}, authored
 * by a Practitioner, with the certified days in {@code context.period}.
 */
public class CertificationCriterion implements Criterion {

    @Override
    public String id() {
        return "certification";
    }

    @Override
    public Finding evaluate(Review review) {
        if (!review.policy().certificationRequired()) {
            return Finding.notApplicable("the policy does not require physician certification");
        }
        List<DocumentReference> certifications = new ArrayList<>();
        certifications.addAll(review.documents(Codes.RECORD_TYPE, "physician-certification"));
        certifications.addAll(review.documents(Codes.RECORD_TYPE, "physician-recertification"));
        certifications.removeIf(d -> !byPractitioner(d) || !d.getContext().getPeriod().hasStart() || !d.hasDate());
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
        if (used.isEmpty()) {
            return Finding.notMet("no physician certification signed on or before the first IOP day, "
                    + review.admission(), certifications);
        }
        return Finding.metIf(!covered.isBefore(review.lastDay()),
                "physician certification and " + (used.size() - 1) + " recertification(s) cover " + review.admission()
                        + " to " + review.lastDay(),
                "certification lapsed after " + covered + ": no recertification signed in time for the days up to "
                        + review.lastDay(), used);
    }

    /** The period's last day, capped at the policy's interval (a certification cannot run longer). */
    private static LocalDate until(DocumentReference certification, LocalDate from, int intervalDays) {
        LocalDate cap = from.plusDays(intervalDays - 1L);
        LocalDate end = FhirDates.localDate(certification.getContext().getPeriod().getEndElement());
        return end == null || end.isAfter(cap) ? cap : end;
    }

    private static boolean byPractitioner(DocumentReference document) {
        return document.getAuthor().stream().anyMatch(a -> a.getReference() != null && a.getReference().startsWith("Practitioner/"));
    }
}
