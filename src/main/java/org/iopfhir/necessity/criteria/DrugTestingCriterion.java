package org.iopfhir.necessity.criteria;

import java.time.LocalDate;
import java.time.temporal.ChronoUnit;
import java.util.Comparator;
import java.util.List;
import org.hl7.fhir.r4.model.Condition;
import org.hl7.fhir.r4.model.Observation;
import org.iopfhir.fhir.FhirDates;
import org.iopfhir.necessity.Codes;
import org.iopfhir.necessity.Criterion;
import org.iopfhir.necessity.Finding;
import org.iopfhir.necessity.Intervals;
import org.iopfhir.necessity.Review;

/**
 * SUD and co-occurring tracks: a drug test near admission and no longer gap between tests than the
 * policy allows. Tests are Observations coded {@code iop-session-type#drug-testing}.
 */
public class DrugTestingCriterion implements Criterion {

    @Override
    public String id() {
        return "drug-testing";
    }

    @Override
    public Finding evaluate(Review review) {
        if (!substanceUse(review)) {
            return Finding.notApplicable("not a substance-use-disorder track and no SUD diagnosis");
        }
        List<Observation> tests = review.all(Observation.class).stream()
                .filter(o -> Codes.has(o.getCode(), Codes.SESSION_TYPE, "drug-testing") && o.hasEffectiveDateTimeType())
                .filter(o -> o.getStatus() == Observation.ObservationStatus.FINAL || o.getStatus() == Observation.ObservationStatus.AMENDED)
                .sorted(Comparator.comparing(o -> o.getEffectiveDateTimeType().getValue())).toList();
        List<LocalDate> dates = tests.stream().map(o -> FhirDates.localDate(o.getEffectiveDateTimeType())).toList();
        int window = review.policy().admissionDrugTestDays();
        boolean atAdmission = dates.stream().anyMatch(d -> Math.abs(ChronoUnit.DAYS.between(review.admission(), d)) <= window);
        if (!atAdmission) {
            return Finding.notMet("no drug test within " + window + " days of admission on " + review.admission(), tests);
        }
        int interval = review.policy().drugTestIntervalDays();
        return Intervals.firstGap(review.admission(), review.lastDay(), dates, interval)
                .map(gap -> Finding.notMet("no drug test from " + gap.from() + " to " + gap.to() + " (" + gap.days()
                        + " days; at most " + interval + ")", tests))
                .orElseGet(() -> Finding.met(tests.size() + " drug tests, the first at admission, none more than " + interval
                        + " days apart", tests));
    }

    private static boolean substanceUse(Review review) {
        return review.tracks().contains("sud") || review.tracks().contains("co-occurring")
                || review.tracks().isEmpty() && review.all(Condition.class).stream().anyMatch(c -> c.getCode().getCoding()
                        .stream().anyMatch(k -> Codes.ICD10CM.equals(k.getSystem()) && k.getCode() != null
                                && k.getCode().startsWith("F1")));
    }
}
