package org.iopfhir.attendance;

import java.math.BigDecimal;
import java.time.Duration;

/**
 * The thresholds attendance is judged against.
 *
 * @param minimumWeeklyHours    hours a 7-day window needs for intensive outpatient care (adult 9, adolescent 6)
 * @param partialHospitalHours  hours from which a window is at partial-hospitalization intensity (20)
 * @param outreachWithin        how soon after a no-show outreach must follow to count
 */
public record AttendanceRules(BigDecimal minimumWeeklyHours, BigDecimal partialHospitalHours, Duration outreachWithin) {
}
