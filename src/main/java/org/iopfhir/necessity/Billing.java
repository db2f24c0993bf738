package org.iopfhir.necessity;

import java.util.List;
import java.util.Map;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * How a payer pays for IOP: the claim facts and the per-day rule {@link PaymentFacts} applies.
 *
 * @param model            {@code services-per-day} (Medicare OPPS: a per diem by the number of services on the
 *                         day) or {@code hours-per-day} (a HCPCS per diem for a day of at least {@code minimumDailyHours})
 * @param billTypes        institutional bill types (UB-04 type of bill), empty for a professional claim
 * @param conditionCodes   claim condition codes (Medicare IOP: 92)
 * @param revenueCodes     revenue code by program track ({@code sud}, {@code mental-health}, {@code co-occurring})
 * @param perDiemCodes     the per-diem HCPCS by program track, empty where services are billed one by one
 * @param tiers            services-per-day model: the least number of services per day of each payment tier, by tier name
 * @param source           where these facts are published
 */
public record Billing(
        @DefaultValue("hours-per-day") String model,
        @DefaultValue List<String> billTypes,
        @DefaultValue List<String> conditionCodes,
        @DefaultValue Map<String, String> revenueCodes,
        @DefaultValue Map<String, String> perDiemCodes,
        @DefaultValue Map<String, Integer> tiers,
        @DefaultValue("") String source) {

    public static final String SERVICES_PER_DAY = "services-per-day";
    public static final String HOURS_PER_DAY = "hours-per-day";
}
