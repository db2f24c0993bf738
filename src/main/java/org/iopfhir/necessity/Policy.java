package org.iopfhir.necessity;

import java.math.BigDecimal;
import java.time.Duration;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * One payer's conditions: data under {@code iop.medical-necessity.policies.<id>}, so an operator adds
 * or tunes a payer without code. {@code rules} lists the criteria the payer applies, each with its
 * public source; a criterion the policy does not list is not applicable under it. The thresholds
 * below are read only by the criteria they belong to; every one has a default.
 *
 * @param title                     shown in the narrative
 * @param rules                     the criteria this payer applies, by criterion id, each with its source
 * @param coverageTypes             codes of the payer's Coverage.type (PHDSC Source of Payment Typology) that
 *                                  identify the payer under review when the request names none
 * @param minimumWeeklyHours        qualifying hours per 7-day window by age group code ({@code adult}, {@code adolescent})
 * @param partialHospitalHours      hours per window from which care looks like partial hospitalization
 * @param virtualSessionsCount      whether video/telehealth sessions (Encounter.class VR) count toward hours
 * @param minimumDailyHours         per-day rule of the code billed: a day counts toward the week only with this many
 *                                  qualifying hours (0: no per-day rule)
 * @param minimumDaysPerWeek        per-day rule: a week needs this many such days (0: no per-day rule)
 * @param mentalHealthDiagnosisPrefixes ICD-10-CM prefixes of qualifying mental-health diagnoses (SUD is the Part 2 value set)
 * @param excludedDiagnosisPrefixes ICD-10-CM prefixes that never qualify on their own (F17 nicotine, F51 sleep, F52 sexual)
 * @param assessmentWindowDays      the intake assessment must be at most this many days before admission
 * @param belowLevelVarianceReasons iop-variance-reason codes that justify IOP below the recommended level: the
 *                                  recommended level is unavailable or was refused (never one above it)
 * @param certifyingDegrees         v2-0360 degree codes a certifying physician holds (MD, DO)
 * @param recertificationIntervalDays the longest a certification may run before it is renewed
 * @param planDeadlineDays          the plan of care must exist within this many days of admission
 * @param planReviewIntervalDays    the plan must be reviewed at least this often
 * @param reassessmentIntervalDays  continued stay: a measurement or re-rating at least this often
 * @param attendanceRate            quality: the least share of due sessions attended (0-1)
 * @param outreachWithin            quality: how soon after a no-show outreach must follow
 * @param noteSigningDays           progress notes signed within this many days of the session (0: no deadline)
 * @param admissionDrugTestDays     quality: a baseline drug test within this many days of admission
 * @param drugTestIntervalDays      quality: the program's longest gap between drug tests
 * @param typicalStayWeeks          length of stay beyond which a stay is an outlier needing a documented reason
 * @param medicationDiagnosisPrefixes ICD-10-CM prefixes of the use disorders medication must be offered for (F10, F11)
 * @param billing                   how the payer pays (claim facts and per-day rule)
 */
public record Policy(
        @DefaultValue("IOP medical necessity") String title,
        @DefaultValue Map<String, Rule> rules,
        @DefaultValue List<String> coverageTypes,
        Map<String, BigDecimal> minimumWeeklyHours,
        @DefaultValue("20") BigDecimal partialHospitalHours,
        @DefaultValue("true") boolean virtualSessionsCount,
        @DefaultValue("0") BigDecimal minimumDailyHours,
        @DefaultValue("0") int minimumDaysPerWeek,
        @DefaultValue({"F20", "F21", "F22", "F23", "F24", "F25", "F28", "F29", "F3", "F40", "F41", "F42", "F43", "F44",
                "F50", "F60", "F63", "F90", "F91", "F93"}) List<String> mentalHealthDiagnosisPrefixes,
        @DefaultValue({"F17", "F51", "F52"}) List<String> excludedDiagnosisPrefixes,
        @DefaultValue("30") int assessmentWindowDays,
        @DefaultValue({"level-not-available", "waitlist", "geographic-access", "transportation", "patient-preference",
                "family-or-work-obligations", "payer-decision"}) List<String> belowLevelVarianceReasons,
        @DefaultValue({"MD", "DO"}) List<String> certifyingDegrees,
        @DefaultValue("60") int recertificationIntervalDays,
        @DefaultValue("7") int planDeadlineDays,
        @DefaultValue("60") int planReviewIntervalDays,
        @DefaultValue("14") int reassessmentIntervalDays,
        @DefaultValue("0.80") BigDecimal attendanceRate,
        @DefaultValue("2d") Duration outreachWithin,
        @DefaultValue("0") int noteSigningDays,
        @DefaultValue("7") int admissionDrugTestDays,
        @DefaultValue("14") int drugTestIntervalDays,
        @DefaultValue("16") int typicalStayWeeks,
        @DefaultValue({"F10", "F11"}) List<String> medicationDiagnosisPrefixes,
        @DefaultValue Billing billing) {

    private static final Map<String, BigDecimal> DEFAULT_HOURS = Map.of("adult", BigDecimal.valueOf(9),
            "adolescent", BigDecimal.valueOf(6));

    /** An age group the policy leaves out keeps the IOP default (adult 9 h, adolescent 6 h). */
    public Policy {
        Map<String, BigDecimal> hours = new HashMap<>(DEFAULT_HOURS);
        if (minimumWeeklyHours != null) {
            hours.putAll(minimumWeeklyHours);
        }
        minimumWeeklyHours = Map.copyOf(hours);
        rules = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(rules));
    }

    /** Whether this payer applies the criterion. */
    public boolean applies(String criterion) {
        return rules.containsKey(criterion);
    }
}
