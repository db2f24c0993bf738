package org.iopfhir.server;

import com.zaxxer.hikari.HikariDataSource;
import com.zaxxer.hikari.HikariPoolMXBean;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.Optional;
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.config.BeanPostProcessor;
import org.springframework.jdbc.datasource.DelegatingDataSource;

/**
 * Bounds every SQL statement the server runs ({@code iop.server.statement-timeout}): the connection
 * pool sets the database's own per-session limit on each connection it opens (its
 * {@code connection-init-sql}, chosen from the JDBC URL: {@code statement_timeout} on PostgreSQL,
 * {@code QUERY_TIMEOUT} on H2), so searches, writes and background jobs alike are stopped by the
 * database itself. A connection-init-sql of the operator's own runs after it (and may override it).
 * Schema migration, whose index builds on a large database may rightly take longer, runs on
 * connections with the limit lifted, which the pool then replaces.
 */
public final class StatementTimeout implements BeanPostProcessor {

    private static final Logger LOG = LoggerFactory.getLogger(StatementTimeout.class);

    private final Duration timeout;

    public StatementTimeout(Duration timeout) {
        if (timeout.isNegative()) {
            throw new IllegalStateException("iop.server.statement-timeout must not be negative: " + timeout);
        }
        this.timeout = timeout;
    }

    @Override
    public Object postProcessAfterInitialization(Object bean, String beanName) {
        if (bean instanceof HikariDataSource hikari && !timeout.isZero()) {
            Optional<Database> database = Database.ofJdbcUrl(hikari.getJdbcUrl());
            if (database.isPresent()) {
                String limit = database.get().statementTimeoutSql(timeout);
                String own = hikari.getConnectionInitSql();
                hikari.setConnectionInitSql(own == null || own.isBlank() ? limit : limit + "; " + own);
            } else {
                LOG.warn("iop.server.statement-timeout not applied: the datasource URL names no supported database");
            }
        } else if (bean instanceof DataSource && !(bean instanceof HikariDataSource) && !timeout.isZero()) {
            LOG.warn("iop.server.statement-timeout not applied: it is set through the Hikari pool, and the "
                    + "datasource bean '{}' is not one", beanName);
        }
        return bean;
    }

    /** The same connections with no statement time limit, for schema migration. */
    static DataSource unbounded(DataSource dataSource, Database database) {
        String noLimit = database.statementTimeoutSql(Duration.ZERO);
        return new DelegatingDataSource(dataSource) {
            @Override
            public Connection getConnection() throws SQLException {
                return lifted(super.getConnection());
            }

            @Override
            public Connection getConnection(String username, String password) throws SQLException {
                return lifted(super.getConnection(username, password));
            }

            private Connection lifted(Connection connection) throws SQLException {
                try (Statement statement = connection.createStatement()) {
                    statement.execute(noLimit);
                } catch (SQLException e) {
                    connection.close();
                    throw e;
                }
                return connection;
            }
        };
    }

    /**
     * Has the pool close its current connections (idle ones now, busy ones when returned), so that
     * none that ran without the limit is used again: new ones get the limit when opened.
     */
    static void renewConnections(DataSource dataSource) {
        try {
            if (dataSource.isWrapperFor(HikariDataSource.class)) {
                HikariPoolMXBean pool = dataSource.unwrap(HikariDataSource.class).getHikariPoolMXBean();
                if (pool != null) {
                    pool.softEvictConnections();
                }
            }
        } catch (SQLException e) {
            throw new IllegalStateException("could not renew the pool's connections after schema migration", e);
        }
    }
}
