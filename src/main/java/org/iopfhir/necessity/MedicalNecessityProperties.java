package org.iopfhir.necessity;

import java.util.Map;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * The {@code iop.medical-necessity.*} settings.
 *
 * @param defaultPolicy the policy used when a request names none
 * @param policies      the policies by id ({@code medicare-2024}, {@code commercial-default}, and any an operator adds)
 */
@ConfigurationProperties("iop.medical-necessity")
public record MedicalNecessityProperties(
        @DefaultValue("commercial-default") String defaultPolicy,
        @DefaultValue Map<String, Policy> policies) {
}
