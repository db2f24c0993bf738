package org.iopfhir.server;

import ca.uhn.fhir.jpa.migrate.DriverTypeEnum;
import ca.uhn.fhir.jpa.model.dialect.HapiFhirH2Dialect;
import ca.uhn.fhir.jpa.model.dialect.HapiFhirPostgresDialect;
import java.time.Duration;
import java.util.Arrays;
import java.util.Locale;
import java.util.Optional;

/**
 * The databases this server supports, recognised from the JDBC URL so that switching to
 * PostgreSQL is one setting: the URL decides both HAPI's Hibernate dialect and the flavour
 * of SQL its schema migrator writes.
 */
public enum Database {
    H2("jdbc:h2:", DriverTypeEnum.H2_EMBEDDED, HapiFhirH2Dialect.class.getName(), "SET QUERY_TIMEOUT %d"),
    POSTGRESQL("jdbc:postgresql:", DriverTypeEnum.POSTGRES_9_4, HapiFhirPostgresDialect.class.getName(),
            "SET statement_timeout = %d");

    private final String urlPrefix;
    private final DriverTypeEnum migratorDriver;
    private final String dialect;
    private final String statementTimeoutSql;

    Database(String urlPrefix, DriverTypeEnum migratorDriver, String dialect, String statementTimeoutSql) {
        this.urlPrefix = urlPrefix;
        this.migratorDriver = migratorDriver;
        this.dialect = dialect;
        this.statementTimeoutSql = statementTimeoutSql;
    }

    public static Database fromJdbcUrl(String jdbcUrl) {
        return ofJdbcUrl(jdbcUrl)
                .orElseThrow(() -> new IllegalStateException("Unsupported spring.datasource.url '" + jdbcUrl
                        + "': the IOP FHIR server runs on PostgreSQL (jdbc:postgresql:) or H2 (jdbc:h2:)"));
    }

    /** The database of a JDBC URL, if it is one this server supports. */
    public static Optional<Database> ofJdbcUrl(String jdbcUrl) {
        return Arrays.stream(values())
                .filter(db -> jdbcUrl != null && jdbcUrl.startsWith(db.urlPrefix))
                .findFirst();
    }

    /**
     * The session setting that stops any statement running longer than {@code timeout} (whole
     * milliseconds; zero means no limit): PostgreSQL's {@code statement_timeout}, which also bounds
     * waiting for locks, and H2's {@code QUERY_TIMEOUT}.
     */
    public String statementTimeoutSql(Duration timeout) {
        return String.format(Locale.ROOT, statementTimeoutSql, timeout.toMillis());
    }

    public DriverTypeEnum migratorDriver() {
        return migratorDriver;
    }

    public String hibernateDialect() {
        return dialect;
    }
}
