package org.iopfhir.necessity;

import java.math.BigDecimal;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * One payer's thresholds for the checklist: data under {@code iop.medical-necessity.policies.<id>},
 * so an operator adds or tunes a payer without code. Every value has a default, so a new policy
 * names only what differs.
 *
 * @param title                       shown in the narrative
 * @param minimumWeeklyHours          hours per 7-day window by age group code ({@code adult}, {@code adolescent})
 * @param partialHospitalHours        hours per window from which care is at partial-hospital intensity
 * @param diagnosisCodePrefixes       ICD-10-CM code prefixes of qualifying diagnoses (F1 = F10-F19 SUD)
 * @param assessmentWindowDays        the intake assessment must be at most this many days before admission
 * @param certificationRequired       whether a physician certifies and recertifies the need (Medicare)
 * @param recertificationIntervalDays the longest a certification may run before it is renewed
 * @param planDeadlineDays            the plan of care must exist within this many days of admission
 * @param planReviewIntervalDays      the plan must be reviewed at least this often
 * @param reassessmentIntervalDays    continued stay: reassessment at least this often
 * @param reassessmentSessionTypes    session types (iop-session-type codes) that count as a reassessment
 * @param attendanceRate              the least share of due sessions attended (0-1)
 * @param outreachWithin              how soon after a no-show outreach must follow
 * @param noteSigningDays             progress notes signed within this many days of the session
 * @param admissionDrugTestDays       SUD tracks: a drug test within this many days of admission
 * @param drugTestIntervalDays        SUD tracks: the longest gap between drug tests
 */
public record Policy(
        @DefaultValue("IOP medical necessity") String title,
        Map<String, BigDecimal> minimumWeeklyHours,
        @DefaultValue("20") BigDecimal partialHospitalHours,
        @DefaultValue({"F1", "F2", "F3", "F4", "F5", "F6", "F9"}) List<String> diagnosisCodePrefixes,
        @DefaultValue("30") int assessmentWindowDays,
        @DefaultValue("false") boolean certificationRequired,
        @DefaultValue("60") int recertificationIntervalDays,
        @DefaultValue("7") int planDeadlineDays,
        @DefaultValue("30") int planReviewIntervalDays,
        @DefaultValue("14") int reassessmentIntervalDays,
        @DefaultValue({"individual-therapy", "reassessment"}) List<String> reassessmentSessionTypes,
        @DefaultValue("0.80") BigDecimal attendanceRate,
        @DefaultValue("2d") Duration outreachWithin,
        @DefaultValue("3") int noteSigningDays,
        @DefaultValue("7") int admissionDrugTestDays,
        @DefaultValue("14") int drugTestIntervalDays) {

    private static final Map<String, BigDecimal> DEFAULT_HOURS = Map.of("adult", BigDecimal.valueOf(9),
            "adolescent", BigDecimal.valueOf(6));

    /** An age group the policy leaves out keeps the IOP default (adult 9 h, adolescent 6 h). */
    public Policy {
        Map<String, BigDecimal> hours = new java.util.HashMap<>(DEFAULT_HOURS);
        if (minimumWeeklyHours != null) {
            hours.putAll(minimumWeeklyHours);
        }
        minimumWeeklyHours = Map.copyOf(hours);
    }
}
