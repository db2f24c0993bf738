package org.iopfhir.necessity;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.hl7.fhir.r4.model.Encounter;
import org.iopfhir.attendance.AttendanceRecords;
import org.iopfhir.fhir.FhirDates;

/**
 * What this payer pays for the days under review, from the policy's billing data and the attended
 * qualifying services: the claim facts (bill types, condition codes, the revenue code of the track)
 * and the days per payment line. A fact, not a finding: it never changes the verdict.
 * <ul>
 *   <li>{@code services-per-day} (Medicare OPPS): each day's count of qualifying services picks the highest
 *       tier it reaches (3 services; 4 or more); a day below the lowest tier earns no IOP per diem.</li>
 *   <li>{@code hours-per-day} (HCPCS per diem such as H0015 or S9480): a day with at least the policy's daily
 *       hours of qualifying services is one unit of the track's per-diem code; a shorter day is not.</li>
 * </ul>
 *
 * @param model      the billing model
 * @param billTypes  institutional bill types, empty on a professional claim
 * @param conditionCodes claim condition codes
 * @param revenueCode    the revenue code of the episode's track, or null
 * @param lines      days per payment line, the unpaid days last
 * @param source     where the facts are published
 */
public record PaymentFacts(String model, List<String> billTypes, List<String> conditionCodes, String revenueCode,
        List<Line> lines, String source) {

    public static final String UNPAID = "no-per-diem";

    /** A payment line: a tier or a per-diem code, and how many days earned it. */
    public record Line(String code, int days) {
    }

    public static PaymentFacts of(Review review) {
        Billing billing = review.policy().billing();
        String track = review.tracks().stream().sorted().findFirst().orElse("sud");
        Map<LocalDate, List<Encounter>> byDay = new TreeMap<>();
        review.attendedEncounters().stream().filter(review::qualifying)
                .forEach(e -> byDay.computeIfAbsent(FhirDates.localDate(e.getPeriod().getStartElement()), d -> new ArrayList<>())
                        .add(e));
        Map<String, Integer> days = new LinkedHashMap<>();
        for (List<Encounter> day : byDay.values()) {
            days.merge(line(billing, track, review.policy().minimumDailyHours(), day), 1, Integer::sum);
        }
        List<Line> lines = days.entrySet().stream().map(e -> new Line(e.getKey(), e.getValue()))
                .sorted(Comparator.comparing((Line l) -> UNPAID.equals(l.code())).thenComparing(Line::code)).toList();
        return new PaymentFacts(billing.model(), billing.billTypes(), billing.conditionCodes(),
                billing.revenueCodes().get(track), lines, billing.source());
    }

    private static String line(Billing billing, String track, BigDecimal dailyHours, List<Encounter> day) {
        if (Billing.SERVICES_PER_DAY.equals(billing.model())) {
            return billing.tiers().entrySet().stream().filter(t -> day.size() >= t.getValue())
                    .max(Map.Entry.comparingByValue()).map(Map.Entry::getKey).orElse(UNPAID);
        }
        long minutes = day.stream().mapToLong(AttendanceRecords::minutes).sum();
        BigDecimal hours = BigDecimal.valueOf(minutes).divide(BigDecimal.valueOf(60), 2, RoundingMode.HALF_UP);
        String code = billing.perDiemCodes().get(track);
        return code != null && hours.compareTo(dailyHours) >= 0 ? code : UNPAID;
    }
}
