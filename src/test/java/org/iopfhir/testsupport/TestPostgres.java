package org.iopfhir.testsupport;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;

/**
 * Real PostgreSQL servers for the integration tests, on a free port with data in a temp
 * directory (zonky's embedded binaries from Maven Central; they run as root too). One shared
 * server serves every test class; tests that stop their database get a server of their own.
 */
public final class TestPostgres {

    public static final String USER = "postgres";
    private static EmbeddedPostgres shared;
    private static String sharedDatabaseUrl;

    private TestPostgres() {
    }

    /** The JVM-wide server, started on first use and stopped when the JVM exits. */
    public static synchronized EmbeddedPostgres shared() {
        if (shared == null) {
            shared = start();
            EmbeddedPostgres server = shared;
            Runtime.getRuntime().addShutdownHook(new Thread(() -> close(server)));
        }
        return shared;
    }

    /** A database on the shared server for the tests that share one application context. */
    public static synchronized String sharedDatabaseUrl() {
        if (sharedDatabaseUrl == null) {
            sharedDatabaseUrl = createDatabase(shared(), "iop_shared");
        }
        return sharedDatabaseUrl;
    }

    /** A private server the caller must close. */
    public static EmbeddedPostgres start() {
        try {
            return EmbeddedPostgres.builder()
                    .setServerConfig("fsync", "off")
                    .setServerConfig("synchronous_commit", "off")
                    .setServerConfig("full_page_writes", "off")
                    .start();
        } catch (IOException e) {
            throw new UncheckedIOException("could not start embedded PostgreSQL", e);
        }
    }

    /**
     * A private server on a data directory and port of the caller's choosing, kept when it stops: starting
     * it again on the same directory and port is the same database coming back (what an outage or a
     * database restart looks like to a client). The first start initialises the directory.
     */
    public static EmbeddedPostgres startAt(java.nio.file.Path dataDirectory, int port) {
        try {
            return EmbeddedPostgres.builder()
                    .setDataDirectory(dataDirectory)
                    .setCleanDataDirectory(false)
                    .setPort(port)
                    .setServerConfig("fsync", "off")
                    .setServerConfig("synchronous_commit", "off")
                    .setServerConfig("full_page_writes", "off")
                    .start();
        } catch (IOException e) {
            throw new UncheckedIOException("could not start embedded PostgreSQL on " + dataDirectory, e);
        }
    }

    /** Creates an empty database and returns its JDBC URL. */
    public static String createDatabase(EmbeddedPostgres server, String name) {
        try (Connection c = server.getPostgresDatabase().getConnection(); Statement s = c.createStatement()) {
            s.execute("CREATE DATABASE " + name);
        } catch (SQLException e) {
            throw new IllegalStateException("could not create database " + name, e);
        }
        return server.getJdbcUrl(USER, name);
    }

    public static void close(EmbeddedPostgres server) {
        try {
            server.close();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
