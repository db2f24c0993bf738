package org.iopfhir.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.zaxxer.hikari.HikariDataSource;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import javax.sql.DataSource;
import org.junit.jupiter.api.Test;

/** The statement timeout on H2, in memory; PostgreSQL's is tested in {@code StatementTimeoutIT}. */
class StatementTimeoutTest {

    /** Ten billion row pairs: runs until something stops it, checking for cancellation row by row. */
    private static final String ENDLESS_QUERY =
            "SELECT COUNT(*) FROM SYSTEM_RANGE(1, 100000) a, SYSTEM_RANGE(1, 100000) b WHERE a.X + b.X = 3";

    @Test
    void initSqlIsChosenFromTheDatabaseOfTheUrl() {
        assertThat(configured("jdbc:postgresql://db:5432/iop", Duration.ofSeconds(30), null))
                .isEqualTo("SET statement_timeout = 30000");
        assertThat(configured("jdbc:h2:file:./data/iop-fhir", Duration.ofMillis(1500), null))
                .isEqualTo("SET QUERY_TIMEOUT 1500");
    }

    @Test
    void anOperatorsOwnInitSqlRunsAfterTheLimit() {
        assertThat(configured("jdbc:postgresql://db/iop", Duration.ofSeconds(5), "SET search_path = fhir"))
                .isEqualTo("SET statement_timeout = 5000; SET search_path = fhir");
    }

    @Test
    void zeroMeansNoLimitAndNegativeIsRefused() {
        assertThat(configured("jdbc:postgresql://db/iop", Duration.ZERO, null)).isNull();
        assertThatThrownBy(() -> new StatementTimeout(Duration.ofSeconds(-1))).hasMessageContaining("statement-timeout");
    }

    @Test
    void aStatementOverTheLimitIsStoppedByH2AndRecognisedAsATimeout() throws SQLException {
        try (HikariDataSource pool = pool("limit", Duration.ofMillis(200));
                Connection connection = pool.getConnection();
                Statement statement = connection.createStatement()) {
            long started = System.nanoTime();
            SQLException stopped = null;
            try {
                statement.executeQuery(ENDLESS_QUERY);
            } catch (SQLException e) {
                stopped = e;
            }
            assertThat((Throwable) stopped).isNotNull();
            assertThat(stopped.getSQLState()).isEqualTo(ErrorResponseInterceptor.QUERY_CANCELED);
            assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(10));
            assertThat(ErrorResponseInterceptor.isTimeout(new RuntimeException("wrapped", stopped))).isTrue();
        }
    }

    @Test
    void migrationConnectionsRunWithoutTheLimitAndArePutOutOfServiceAfterwards() throws SQLException {
        try (HikariDataSource pool = pool("migration", Duration.ofMillis(200))) {
            DataSource unbounded = StatementTimeout.unbounded(pool, Database.H2);
            try (Connection connection = unbounded.getConnection()) {
                assertThat(queryTimeout(connection)).isEqualTo("0");
            }
            StatementTimeout.renewConnections(pool);
            // The pool replaced the connection that ran without the limit.
            try (Connection connection = pool.getConnection()) {
                assertThat(queryTimeout(connection)).isEqualTo("200");
            }
        }
    }

    private static String configured(String url, Duration timeout, String ownInitSql) {
        try (HikariDataSource hikari = new HikariDataSource()) {
            hikari.setJdbcUrl(url);
            hikari.setConnectionInitSql(ownInitSql);
            new StatementTimeout(timeout).postProcessAfterInitialization(hikari, "dataSource");
            return hikari.getConnectionInitSql();
        }
    }

    private static HikariDataSource pool(String name, Duration timeout) {
        HikariDataSource hikari = new HikariDataSource();
        hikari.setJdbcUrl("jdbc:h2:mem:" + name + ";DB_CLOSE_DELAY=-1");
        hikari.setUsername("sa");
        hikari.setMaximumPoolSize(1);
        new StatementTimeout(timeout).postProcessAfterInitialization(hikari, "dataSource");
        return hikari;
    }

    private static String queryTimeout(Connection connection) throws SQLException {
        try (Statement statement = connection.createStatement();
                ResultSet rs = statement.executeQuery(
                        "SELECT SETTING_VALUE FROM INFORMATION_SCHEMA.SETTINGS WHERE SETTING_NAME = 'QUERY_TIMEOUT'")) {
            rs.next();
            return rs.getString(1);
        }
    }
}
