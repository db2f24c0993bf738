package org.iopfhir.necessity.criteria;

import java.time.LocalDate;
import java.time.temporal.ChronoUnit;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import org.hl7.fhir.r4.model.Observation;
import org.iopfhir.fhir.FhirDates;
import org.iopfhir.necessity.Codes;
import org.iopfhir.necessity.Criterion;
import org.iopfhir.necessity.Finding;
import org.iopfhir.necessity.Kind;
import org.iopfhir.necessity.Intervals;
import org.iopfhir.necessity.Review;

/**
 * A program-quality rule, never a condition of necessity: payers expect testing to be individualized
 * (a baseline, then as clinically indicated; no standing orders), so a program's own cadence - a test
 * near admission and no longer gap between tests than the policy's - is reported as quality. Results
 * are clinical signals read by continued stay. SUD episodes only (the Part 2 SUD rule). Tests are
 * Observations coded the standard way (profile {@code iop-drug-screen}): a LOINC urine drug screen with its
 * result as a SNOMED CT qualifier value. Tests recorded before that, coded {@code iop-session-type#drug-testing}
 * with a {@code valueString}, are still counted and read (so that no stored test is missed) and the finding names
 * how many there are, to be recoded.
 */
public class DrugTestingCriterion implements Criterion {

    @Override
    public Kind kind() {
        return Kind.QUALITY;
    }

    @Override
    public String id() {
        return "drug-testing";
    }

    @Override
    public Finding evaluate(Review review) {
        if (!review.substanceUse()) {
            return Finding.notApplicable("not a substance-use-disorder track and no SUD diagnosis");
        }
        List<Observation> tests = tests(review);
        List<LocalDate> dates = tests.stream().map(o -> FhirDates.localDate(o.getEffectiveDateTimeType())).toList();
        int window = review.policy().admissionDrugTestDays();
        boolean atAdmission = dates.stream().anyMatch(d -> Math.abs(ChronoUnit.DAYS.between(review.admission(), d)) <= window);
        if (!atAdmission) {
            return Finding.notMet("no drug test within " + window + " days of admission on " + review.admission(), tests);
        }
        int interval = review.policy().drugTestIntervalDays();
        return Intervals.firstGap(review.admission(), review.lastDay(), dates, interval)
                .map(gap -> Finding.notMet("no drug test from " + gap.from() + " to " + gap.to() + " (" + gap.days()
                        + " days; at most " + interval + ")" + retired(tests), tests))
                .orElseGet(() -> Finding.met(tests.size() + " drug tests, the first at admission, none more than " + interval
                        + " days apart; " + tests.stream().filter(DrugTestingCriterion::positive).count() + " positive"
                        + retired(tests), tests));
    }

    private static String retired(List<Observation> tests) {
        long count = tests.stream().filter(DrugTestingCriterion::retiredCoding).count();
        return count == 0 ? "" : " (" + count + " coded with the retired local code " + Codes.SESSION_TYPE + "#"
                + Codes.RETIRED_DRUG_TEST + ": recode as LOINC " + Codes.DRUG_SCREENS.get(0) + " with a SNOMED CT result)";
    }

    private static boolean retiredCoding(Observation o) {
        return !Codes.hasAnyOf(o.getCode(), Codes.LOINC, Codes.DRUG_SCREENS)
                && Codes.has(o.getCode(), Codes.SESSION_TYPE, Codes.RETIRED_DRUG_TEST);
    }

    /** Final drug tests documented by the review date, oldest first. */
    static List<Observation> tests(Review review) {
        return review.all(Observation.class).stream()
                .filter(o -> (Codes.hasAnyOf(o.getCode(), Codes.LOINC, Codes.DRUG_SCREENS) || retiredCoding(o))
                        && o.hasEffectiveDateTimeType())
                .filter(o -> o.getStatus() == Observation.ObservationStatus.FINAL || o.getStatus() == Observation.ObservationStatus.AMENDED)
                .sorted(Comparator.comparing(o -> o.getEffectiveDateTimeType().getValue())).toList();
    }

    /**
     * A positive result: the value or any analyte's value is SNOMED CT Positive, or the interpretation is
     * POS/A/H/DET; a test in the retired local coding also when its {@code valueString} says so.
     */
    static boolean positive(Observation test) {
        if (test.getInterpretation().stream().anyMatch(i -> Codes.hasAnyOf(i, Codes.INTERPRETATION, List.of("POS", "A", "H", "DET")))) {
            return true;
        }
        if (test.hasValueCodeableConcept() && Codes.has(test.getValueCodeableConcept(), Codes.SNOMED, Codes.POSITIVE)
                || test.getComponent().stream().anyMatch(c -> c.hasValueCodeableConcept()
                        && Codes.has(c.getValueCodeableConcept(), Codes.SNOMED, Codes.POSITIVE))) {
            return true;
        }
        return retiredCoding(test) && test.hasValueStringType() && test.getValueStringType().getValue() != null
                && test.getValueStringType().getValue().toLowerCase(Locale.ROOT).startsWith("positive");
    }
}
