package org.iopfhir.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import javax.sql.DataSource;
import org.iopfhir.testsupport.TestPostgres;
import org.junit.jupiter.api.Test;

/**
 * Servers migrating one empty database at the same moment (replicas started together): every one of them
 * completes, the schema is migrated once, and nothing failed on the way. Several rounds, several servers each:
 * the creation of the migration table, which the migrator's own lock cannot cover, is raced every time.
 */
class SchemaMigrationIT {

    private static final int SERVERS = 3;
    private static final int ROUNDS = 3;

    @Test
    void serversMigratingOneEmptyDatabaseTogetherAllComeUp() throws Exception {
        EmbeddedPostgres postgres = TestPostgres.shared();
        ExecutorService servers = Executors.newFixedThreadPool(SERVERS);
        try {
            for (int round = 0; round < ROUNDS; round++) {
                String name = "iop_migration_race_" + round;
                TestPostgres.createDatabase(postgres, name);
                DataSource database = postgres.getDatabase(TestPostgres.USER, name);
                CyclicBarrier together = new CyclicBarrier(SERVERS);
                List<Future<?>> started = new ArrayList<>();
                for (int s = 0; s < SERVERS; s++) {
                    started.add(servers.submit(() -> {
                        together.await();
                        SchemaMigration.migrate(database, Database.POSTGRESQL);
                        return null;
                    }));
                }
                for (Future<?> server : started) {
                    server.get(5, TimeUnit.MINUTES); // throws if that server's migration failed
                }
                try (Connection c = database.getConnection(); Statement st = c.createStatement();
                        ResultSet failed = st.executeQuery("SELECT COUNT(*) FROM \"" + SchemaMigration.MIGRATION_TABLE
                                + "\" WHERE NOT \"success\"");
                        ResultSet tasks = c.createStatement().executeQuery("SELECT COUNT(DISTINCT \"version\"), COUNT(*) FROM \""
                                + SchemaMigration.MIGRATION_TABLE + "\" WHERE \"version\" IS NOT NULL")) {
                    failed.next();
                    tasks.next();
                    assertThat(failed.getInt(1)).as("failed migration tasks, round %d", round).isZero();
                    assertThat(tasks.getInt(1)).as("tasks recorded, round %d", round).isPositive();
                    assertThat(tasks.getInt(2)).as("each task ran once, round %d", round).isEqualTo(tasks.getInt(1));
                }
            }
        } finally {
            servers.shutdownNow();
        }
    }
}
