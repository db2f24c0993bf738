package org.iopfhir.server;

import ca.uhn.fhir.jpa.migrate.HapiMigrator;
import ca.uhn.fhir.jpa.migrate.MigrationResult;
import ca.uhn.fhir.jpa.migrate.tasks.HapiFhirJpaMigrationTasks;
import ca.uhn.fhir.util.VersionEnum;
import java.util.Set;
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Creates or upgrades the database schema with HAPI's own migrator (what
 * {@code hapi-fhir-cli migrate-database} runs), so that a HAPI upgrade migrates an existing
 * database instead of leaving Hibernate to guess. The migrator takes a lock in its
 * migration table, so replicas starting together on one database do not race. It runs without the
 * statement timeout, which a long index build must not cut short.
 */
public final class SchemaMigration {

    static final String MIGRATION_TABLE = "FLY_HFJ_MIGRATION";
    private static final Logger log = LoggerFactory.getLogger(SchemaMigration.class);

    private SchemaMigration() {
    }

    public static void migrate(DataSource dataSource, Database database) {
        long started = System.nanoTime();
        MigrationResult result;
        try {
            HapiMigrator migrator = new HapiMigrator(MIGRATION_TABLE,
                    StatementTimeout.unbounded(dataSource, database), database.migratorDriver());
            createMigrationTable(migrator);
            migrator.addTasks(new HapiFhirJpaMigrationTasks(Set.of()).getAllTasks(VersionEnum.values()));
            result = migrator.migrate();
        } finally {
            StatementTimeout.renewConnections(dataSource);
        }
        log.info("Database schema ({}) is current: {} migration tasks ran in {} ms", database,
                result.succeededTasks.size(), (System.nanoTime() - started) / 1_000_000);
    }

    /**
     * The migrator's lock lives in its migration table, so creating that table is not covered by it: replicas
     * starting together on an empty database both find no table and both create it, and the later CREATE fails.
     * The table is there then, and asking again finds it; a second failure is a real one.
     */
    private static void createMigrationTable(HapiMigrator migrator) {
        try {
            migrator.createMigrationTableIfRequired();
        } catch (RuntimeException createdMeanwhile) {
            log.info("Creating the migration table failed ({}): checking whether another server created it",
                    createdMeanwhile.getMessage());
            migrator.createMigrationTableIfRequired();
        }
    }
}
