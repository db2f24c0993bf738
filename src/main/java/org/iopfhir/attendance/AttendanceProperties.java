package org.iopfhir.attendance;

import java.math.BigDecimal;
import java.time.Duration;
import org.iopfhir.levelofcare.AgeGroup;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * The {@code iop.attendance.*} settings of {@code $attendance} ({@code $medical-necessity} takes
 * its thresholds from its policies instead).
 *
 * @param adultWeeklyHours      minimum hours per 7-day window for adults
 * @param adolescentWeeklyHours minimum hours per 7-day window for adolescents
 * @param partialHospitalHours  hours per window from which it is at partial-hospitalization intensity
 * @param outreachWithin        how soon after a no-show outreach must be documented (e.g. {@code 2d})
 */
@ConfigurationProperties("iop.attendance")
public record AttendanceProperties(
        @DefaultValue("9") BigDecimal adultWeeklyHours,
        @DefaultValue("6") BigDecimal adolescentWeeklyHours,
        @DefaultValue("20") BigDecimal partialHospitalHours,
        @DefaultValue("2d") Duration outreachWithin) {

    public AttendanceRules rules(AgeGroup ageGroup) {
        BigDecimal minimum = ageGroup == AgeGroup.ADOLESCENT
                ? adolescentWeeklyHours : adultWeeklyHours;
        return new AttendanceRules(minimum, partialHospitalHours, outreachWithin);
    }
}
