package org.iopfhir.server;

import ca.uhn.fhir.jpa.migrate.DriverTypeEnum;
import ca.uhn.fhir.jpa.model.dialect.HapiFhirH2Dialect;
import ca.uhn.fhir.jpa.model.dialect.HapiFhirPostgresDialect;
import java.util.Arrays;

/**
 * The databases this server supports, recognised from the JDBC URL so that switching to
 * PostgreSQL is one setting: the URL decides both HAPI's Hibernate dialect and the flavour
 * of SQL its schema migrator writes.
 */
public enum Database {
    H2("jdbc:h2:", DriverTypeEnum.H2_EMBEDDED, HapiFhirH2Dialect.class.getName()),
    POSTGRESQL("jdbc:postgresql:", DriverTypeEnum.POSTGRES_9_4, HapiFhirPostgresDialect.class.getName());

    private final String urlPrefix;
    private final DriverTypeEnum migratorDriver;
    private final String dialect;

    Database(String urlPrefix, DriverTypeEnum migratorDriver, String dialect) {
        this.urlPrefix = urlPrefix;
        this.migratorDriver = migratorDriver;
        this.dialect = dialect;
    }

    public static Database fromJdbcUrl(String jdbcUrl) {
        return Arrays.stream(values())
                .filter(db -> jdbcUrl != null && jdbcUrl.startsWith(db.urlPrefix))
                .findFirst()
                .orElseThrow(() -> new IllegalStateException("Unsupported spring.datasource.url '" + jdbcUrl
                        + "': the IOP FHIR server runs on PostgreSQL (jdbc:postgresql:) or H2 (jdbc:h2:)"));
    }

    public DriverTypeEnum migratorDriver() {
        return migratorDriver;
    }

    public String hibernateDialect() {
        return dialect;
    }
}
