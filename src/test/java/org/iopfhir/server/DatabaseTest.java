package org.iopfhir.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ca.uhn.fhir.jpa.migrate.DriverTypeEnum;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class DatabaseTest {

    @Test
    void postgresUrlSelectsHapisPostgresDialectAndMigrator() {
        Database db = Database.fromJdbcUrl("jdbc:postgresql://db:5432/iop");
        assertThat(db).isEqualTo(Database.POSTGRESQL);
        assertThat(db.migratorDriver()).isEqualTo(DriverTypeEnum.POSTGRES_9_4);
        assertThat(db.hibernateDialect()).endsWith("HapiFhirPostgresDialect");
    }

    @Test
    void h2FileUrlSelectsH2() {
        Database db = Database.fromJdbcUrl("jdbc:h2:file:./data/iop-fhir");
        assertThat(db.migratorDriver()).isEqualTo(DriverTypeEnum.H2_EMBEDDED);
        assertThat(db.hibernateDialect()).endsWith("HapiFhirH2Dialect");
    }

    @Test
    void unsupportedDatabaseIsRefusedAtStartUpWithTheReason() {
        assertThatThrownBy(() -> Database.fromJdbcUrl("jdbc:mysql://db/iop"))
                .hasMessageContaining("jdbc:mysql://db/iop")
                .hasMessageContaining("PostgreSQL");
    }

    @Test
    void eachDatabaseBoundsStatementsWithItsOwnSessionSetting() {
        assertThat(Database.POSTGRESQL.statementTimeoutSql(Duration.ofSeconds(30))).isEqualTo("SET statement_timeout = 30000");
        assertThat(Database.H2.statementTimeoutSql(Duration.ZERO)).isEqualTo("SET QUERY_TIMEOUT 0");
        assertThat(Database.ofJdbcUrl("jdbc:mysql://db/iop")).isEmpty();
    }
}
