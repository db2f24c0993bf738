package org.iopfhir.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.context.properties.source.MapConfigurationPropertySource;

class IopServerPropertiesTest {

    @Test
    void defaultsAllowNoCrossOriginCallsAndBoundSortingAndStatements() {
        IopServerProperties defaults = bind(Map.of());

        assertThat(defaults.corsAllowedOrigins()).isEmpty();
        assertThat(defaults.maxSortKeys()).isEqualTo(3);
        assertThat(defaults.statementTimeout()).isEqualTo(Duration.ofSeconds(30));
        assertThat(defaults.jobMaintenanceInterval()).isEqualTo(Duration.ofSeconds(5));
    }

    @Test
    void batchJobsMaintainedMoreOftenThanEverySecondAreRefused() {
        assertThat(bind(Map.of("iop.server.job-maintenance-interval", "1s")).jobMaintenanceInterval())
                .isEqualTo(Duration.ofSeconds(1));
        assertThatThrownBy(() -> bind(Map.of("iop.server.job-maintenance-interval", "500ms")))
                .hasRootCauseMessage("iop.server.job-maintenance-interval must be at least 1s: PT0.5S");
    }

    @Test
    void originsAreAListOrCommaSeparatedAndBlanksMeanNone() {
        assertThat(bind(Map.of("iop.server.cors-allowed-origins", "")).corsAllowedOrigins()).isEmpty();
        assertThat(bind(Map.of("iop.server.cors-allowed-origins", "https://app.example.org, https://*.example.net"))
                .corsAllowedOrigins()).containsExactly("https://app.example.org", "https://*.example.net");
    }

    private static IopServerProperties bind(Map<String, String> settings) {
        return new Binder(new MapConfigurationPropertySource(settings)).bindOrCreate("iop.server", IopServerProperties.class);
    }
}
