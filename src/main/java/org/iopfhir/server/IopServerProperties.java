package org.iopfhir.server;

import java.time.Duration;
import java.util.List;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.util.unit.DataSize;

/**
 * The {@code iop.server.*} settings: the few knobs of the FHIR endpoint itself. Storage is
 * configured with Boot's standard {@code spring.datasource.*} properties.
 *
 * @param publicBaseUrl   base URL the server announces in links and {@code Location} headers
 *                        (set it behind a load balancer); empty means "derive from the request"
 * @param defaultPageSize search page size when the client sends no {@code _count}
 * @param maxPageSize     largest {@code _count} honoured
 * @param maxRequestSize  largest request body accepted; larger ones get 413 (big enough for
 *                        synthetic patient histories of several thousand resources)
 * @param corsAllowedOrigins origins (patterns) browser apps may call from, e.g. a SMART app's
 *                        {@code https://app.example.org}; empty, the default, allows no cross-origin calls
 * @param maxSortKeys     most {@code _sort} keys one search may name; more get 400
 * @param statementTimeout longest any one SQL statement may run (PostgreSQL {@code statement_timeout},
 *                        H2 {@code QUERY_TIMEOUT}); a request whose statement is stopped gets 503.
 *                        Zero turns the limit off. Schema migration at start-up runs without it.
 * @param parsedResourceCache how much heap the parsed versions kept in memory may take, estimated from
 *                        their stored JSON ({@link ParsedResources}); zero turns the cache off
 * @param jobMaintenanceInterval how often HAPI's batch jobs (bulk export, reindexing) move on: their
 *                        work is handed out and their next step started in a maintenance pass, which
 *                        HAPI runs every minute (an export waited minutes for its steps)
 */
@ConfigurationProperties("iop.server")
public record IopServerProperties(
        @DefaultValue("") String publicBaseUrl,
        @DefaultValue("20") int defaultPageSize,
        @DefaultValue("500") int maxPageSize,
        @DefaultValue("64MB") DataSize maxRequestSize,
        List<String> corsAllowedOrigins,
        @DefaultValue("3") int maxSortKeys,
        @DefaultValue("30s") Duration statementTimeout,
        @DefaultValue("32MB") DataSize parsedResourceCache,
        @DefaultValue("5s") Duration jobMaintenanceInterval) {

    public IopServerProperties {
        if (jobMaintenanceInterval.compareTo(Duration.ofSeconds(1)) < 0) {
            throw new IllegalStateException("iop.server.job-maintenance-interval must be at least 1s: " + jobMaintenanceInterval);
        }
        corsAllowedOrigins = corsAllowedOrigins == null ? List.of()
                : corsAllowedOrigins.stream().filter(o -> o != null && !o.isBlank()).map(String::trim).toList();
    }
}
