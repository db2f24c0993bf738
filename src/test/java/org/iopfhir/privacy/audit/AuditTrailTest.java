package org.iopfhir.privacy.audit;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.hl7.fhir.r4.model.AuditEvent;
import org.hl7.fhir.r4.model.Reference;
import org.iopfhir.privacy.SecurityProperties;
import org.junit.jupiter.api.Test;

/** The writer keeps what it can: one event the database refuses must not take its batch down. */
class AuditTrailTest {

    /** The database, as the writer sees it: one call per transaction. */
    private AuditTrail.Store database;
    private final SimpleMeterRegistry meters = new SimpleMeterRegistry();
    /** What was stored, and the size of each batch stored (the writer's thread adds, the test's reads). */
    private final List<AuditEvent> stored = new CopyOnWriteArrayList<>();
    private final List<Integer> batchSizes = new CopyOnWriteArrayList<>();
    private int transactions;

    private static AuditEvent about(String patient) {
        AuditEvent event = new AuditEvent();
        event.addEntity().setWhat(new Reference(patient));
        return event;
    }

    private AuditTrail trail(int batchSize, long lingerMillis) {
        return new AuditTrail(batch -> database.store(batch), new SecurityProperties.Audit(true, 100, batchSize, 100, lingerMillis),
                meters);
    }

    /** A database that stores every batch, noting its size. */
    private void storingEverything() {
        database = events -> {
            batchSizes.add(events.size());
            stored.addAll(events);
        };
    }

    private void writeAll(List<AuditEvent> events) {
        AuditTrail trail = trail(200, 0);
        events.forEach(trail::record);
        trail.start();
        trail.stop();
    }

    private double counter(String name) {
        return meters.counter(name).count();
    }

    @Test
    void anEventTheDatabaseRefusesIsDroppedAloneAndTheRestOfItsBatchIsKept() {
        database = events -> {
            transactions++;
            if (events.stream().anyMatch(e -> "Patient/refused".equals(e.getEntityFirstRep().getWhat().getReference()))) {
                throw new org.springframework.dao.DataIntegrityViolationException("value refused");
            }
            stored.addAll(events);
        };
        List<AuditEvent> events = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            events.add(about(i == 13 ? "Patient/refused" : "Patient/p" + i));
        }

        writeAll(events);

        assertThat(stored).hasSize(19).noneMatch(e -> "Patient/refused".equals(e.getEntityFirstRep().getWhat().getReference()));
        assertThat(counter("iop.audit.events.written")).isEqualTo(19);
        assertThat(counter("iop.audit.events.dropped")).isEqualTo(1);
        assertThat(transactions).isLessThan(20);
    }

    @Test
    void aShortDatabaseOutageLosesNothing() {
        database = events -> {
            if (++transactions <= 2) {
                throw new org.springframework.transaction.CannotCreateTransactionException("no connection",
                        new java.sql.SQLTransientConnectionException("Connection is not available"));
            }
            stored.addAll(events);
        };
        List<AuditEvent> events = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            events.add(about("Patient/p" + i));
        }

        writeAll(events);

        assertThat(stored).hasSize(5).allMatch(e -> e.getEntityFirstRep().getWhat().hasReference());
        assertThat(counter("iop.audit.events.written")).isEqualTo(5);
        assertThat(counter("iop.audit.events.dropped")).isZero();
    }

    @Test
    void whenTheDatabaseFailsTheBatchIsDroppedAfterAFewAttempts() {
        database = events -> {
            transactions++;
            throw new IllegalStateException("database down");
        };
        List<AuditEvent> events = new ArrayList<>();
        for (int i = 0; i < 64; i++) {
            events.add(about("Patient/p" + i));
        }

        writeAll(events);

        assertThat(counter("iop.audit.events.dropped")).isEqualTo(64);
        assertThat(counter("iop.audit.events.written")).isZero();
        assertThat(transactions).isLessThanOrEqualTo(8);
    }

    /** A search waits until the events recorded before it are in the tables, however slowly the writer stores them. */
    @Test
    void waitingForTheTrailReturnsOnceWhatWasRecordedIsStored() {
        java.util.concurrent.CountDownLatch release = new java.util.concurrent.CountDownLatch(1);
        database = events -> {
            try {
                release.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            stored.addAll(events);
        };
        AuditTrail trail = trail(200, 0);
        trail.start();
        try {
            trail.record(about("Patient/p1"));
            long started = System.nanoTime();
            trail.awaitSettled(200);
            assertThat(stored).as("not yet stored: the wait gave up after its time").isEmpty();
            assertThat(System.nanoTime() - started).isGreaterThanOrEqualTo(150_000_000L);

            new Thread(() -> {
                sleepQuietly(100);
                release.countDown();
            }).start();
            trail.awaitSettled(10_000);
            assertThat(stored).hasSize(1);
        } finally {
            release.countDown();
            trail.stop();
        }
    }

    /** Only stopping ends the writer: after an interrupt it still writes what requests record. */
    @Test
    void anInterruptedWriterGoesOnWriting() {
        storingEverything();
        AuditTrail trail = trail(200, 50);
        trail.start();
        try {
            trail.record(about("Patient/before"));
            trail.awaitSettled(10_000);
            List<Thread> writers = Thread.getAllStackTraces().keySet().stream()
                    .filter(t -> t.getName().equals("audit-writer") && t.isAlive()).toList();
            assertThat(writers).isNotEmpty();
            writers.forEach(Thread::interrupt);
            sleepQuietly(200);

            trail.record(about("Patient/after"));
            trail.awaitSettled(10_000);
            assertThat(stored).extracting(e -> e.getEntityFirstRep().getWhat().getReference())
                    .containsExactly("Patient/before", "Patient/after");
            assertThat(writers).allMatch(Thread::isAlive);
            assertThat(counter("iop.audit.events.dropped")).isZero();
        } finally {
            trail.stop();
        }
    }

    /**
     * Events that arrive while the writer lingers go into the same transaction; a search waiting for the trail ends
     * the linger at once instead of after its time.
     */
    @Test
    void eventsArrivingWithinTheLingerShareOneTransactionAndAWaitingSearchEndsTheLinger() {
        storingEverything();
        AuditTrail trail = trail(200, 60_000);
        trail.start();
        try {
            trail.record(about("Patient/p1"));
            sleepQuietly(100);
            trail.record(about("Patient/p2"));
            sleepQuietly(100);
            assertThat(stored).as("still lingering").isEmpty();

            long started = System.nanoTime();
            trail.awaitSettled(30_000);
            assertThat(System.nanoTime() - started).as("the wait ended the linger").isLessThan(20_000_000_000L);
            assertThat(stored).hasSize(2);
            assertThat(batchSizes).containsExactly(2);
        } finally {
            trail.stop();
        }
    }

    /** Stopping ends the linger and writes what the writer holds. */
    @Test
    void stoppingWritesTheLingeringBatch() {
        storingEverything();
        AuditTrail trail = trail(200, 60_000);
        trail.start();
        trail.record(about("Patient/p1"));
        sleepQuietly(100);
        long started = System.nanoTime();
        trail.stop();
        assertThat(stored).hasSize(1);
        assertThat(System.nanoTime() - started).as("stopped without waiting out the linger").isLessThan(20_000_000_000L);
    }

    /** An event dropped because the queue is full is settled too: a search waiting for the trail does not wait for it. */
    @Test
    void aDroppedEventDoesNotHoldUpASearch() {
        storingEverything();
        AuditTrail trail = new AuditTrail(batch -> database.store(batch), new SecurityProperties.Audit(true, 1, 200, 10, 0), meters);
        trail.record(about("Patient/p1"));
        trail.record(about("Patient/p2")); // the queue holds one: dropped
        trail.start();
        try {
            long started = System.nanoTime();
            trail.awaitSettled(30_000);
            assertThat(System.nanoTime() - started).as("the wait ended once the queued event was stored")
                    .isLessThan(20_000_000_000L);
            assertThat(stored).hasSize(1);
            assertThat(counter("iop.audit.events.dropped")).isEqualTo(1);
        } finally {
            trail.stop();
        }
    }

    /** A full batch is written without waiting out the linger. */
    @Test
    void aFullBatchIsWrittenAtOnce() {
        storingEverything();
        AuditTrail trail = trail(3, 60_000);
        for (int i = 0; i < 7; i++) {
            trail.record(about("Patient/p" + i));
        }
        trail.start();
        try {
            long deadline = System.nanoTime() + 20_000_000_000L;
            while (batchSizes.size() < 2 && System.nanoTime() < deadline) {
                sleepQuietly(10);
            }
            assertThat(batchSizes).startsWith(3, 3);
        } finally {
            trail.stop();
        }
        assertThat(stored).hasSize(7);
    }

    private static void sleepQuietly(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
