package org.iopfhir.privacy.audit;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.hl7.fhir.r4.model.AuditEvent;
import org.iopfhir.privacy.SecurityProperties;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.SmartLifecycle;

/**
 * Writes AuditEvents off the request thread: requests put events on a bounded queue, one writer
 * thread stores them in batches, one database transaction per batch, in the trail's own tables (past
 * authorization, consent, labelling and audit, which see only requests).
 *
 * <p>A full queue (the database cannot keep up) makes the request wait up to the offer timeout -
 * back-pressure rather than silent loss; after that the event is dropped, counted in
 * {@code iop.audit.events.dropped} and logged as an error. A failed batch is written again in halves, so that
 * an event the database refuses costs only itself. While the database is unreachable the writer waits for it (up to two minutes) and
 * writes the same batch again; when an event cannot be stored even so (the database failed), it and the
 * rest of the batch are counted as dropped. On shutdown the writer stops after the web server (no new requests) and
 * flushes what is queued before the database goes.
 */
public class AuditTrail implements SmartLifecycle {

    private static final Logger LOG = LoggerFactory.getLogger(AuditTrail.class);
    private static final long POLL_MILLIS = 200;
    static final long OUTAGE_RETRY_MILLIS = 120_000;
    private static final long OUTAGE_PAUSE_MILLIS = 1_000;
    private static final long STOP_GRACE_MILLIS = 20_000;
    /** How often a lingering writer looks whether a search waits for it. */
    private static final long LINGER_SLICE_NANOS = TimeUnit.MILLISECONDS.toNanos(5);

    private final Store store;
    private final BlockingQueue<AuditEvent> queue;
    private final SecurityProperties.Audit settings;
    private final Counter written;
    private final Counter dropped;
    private volatile boolean running;
    private volatile long stopDeadline = Long.MAX_VALUE;
    /** Whether a write still waits for an unreachable database; once per batch. */
    private boolean waitForDatabase;
    /** Events of this batch refused alone since the last one stored: a second means the database fails, not the event. */
    private int refusedAlone;
    private Thread writer;
    /** Events queued so far, and those stored or dropped: a search can wait for what was recorded before it. */
    private final AtomicLong queued = new AtomicLong();
    private final AtomicLong settled = new AtomicLong();
    private final Object settling = new Object();
    /** Searches waiting for the trail ({@link #awaitSettled}): while there is one, the writer does not linger. */
    private final AtomicInteger awaiting = new AtomicInteger();

    /** Stores a batch of events in one database transaction, or throws and stores none of them. */
    interface Store {
        void store(List<AuditEvent> events);
    }

    AuditTrail(Store store, SecurityProperties.Audit settings, MeterRegistry meters) {
        this.store = store;
        this.settings = settings;
        this.queue = new ArrayBlockingQueue<>(settings.queueCapacity());
        this.written = meters.counter("iop.audit.events.written");
        this.dropped = meters.counter("iop.audit.events.dropped");
        meters.gauge("iop.audit.queue.size", queue, BlockingQueue::size);
    }

    /** The trail in its own tables ({@link AuditLog}): each batch is two batched inserts in one transaction. */
    public static AuditTrail inLog(AuditLog log, SecurityProperties.Audit settings, MeterRegistry meters) {
        return new AuditTrail(log::store, settings, meters);
    }

    public void record(AuditEvent event) {
        // Counted before it is queued: a search of the trail that starts after this call began waits for it.
        queued.incrementAndGet();
        boolean taken = false;
        try {
            taken = queue.offer(event, settings.offerTimeoutMillis(), TimeUnit.MILLISECONDS);
            if (!taken) {
                LOG.error("Audit queue full for {} ms: an AuditEvent was dropped", settings.offerTimeoutMillis());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (!taken) {
            dropped.increment();
            settle(1);
        }
    }

    @Override
    public void start() {
        running = true;
        writer = new Thread(this::drainUntilStopped, "audit-writer");
        writer.setDaemon(true);
        writer.start();
    }

    @Override
    public void stop() {
        // Waiting for an unreachable database ends before the join below gives up on the writer.
        stopDeadline = System.currentTimeMillis() + STOP_GRACE_MILLIS;
        running = false;
        try {
            writer.join(TimeUnit.SECONDS.toMillis(30));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public boolean isRunning() {
        return running;
    }

    /** Stops after the web server (lower phases stop later), so requests still in flight are recorded. */
    @Override
    public int getPhase() {
        return SmartLifecycle.DEFAULT_PHASE - 4096;
    }

    /**
     * Only {@link #stop()} ends the writer: were an interrupt (nothing in the server sends one) to end it, every later
     * request's event would be queued with no one to write it, and then dropped. An interrupt ends the wait it falls
     * in (a batch waiting out a database outage is then dropped), is logged, and is otherwise ignored.
     */
    private void drainUntilStopped() {
        List<AuditEvent> batch = new ArrayList<>();
        while (running || !queue.isEmpty()) {
            try {
                AuditEvent first = queue.poll(POLL_MILLIS, TimeUnit.MILLISECONDS);
                if (first == null) {
                    continue;
                }
                batch.add(first);
                fill(batch);
                write(batch);
            } catch (InterruptedException e) {
                LOG.warn("The audit writer was interrupted: it goes on until the server stops");
            } finally {
                batch.clear();
            }
        }
    }

    /**
     * Adds to the batch what is queued and what arrives within the linger time, up to a full batch. Each batch is a
     * transaction and a commit: writing events as they came (batches of one or a few) cost PostgreSQL 1.2 ms of CPU
     * per audited read in the benchmark, 0.4 ms with a 50 ms linger. A search of the trail waiting for it, or
     * stopping, ends the wait.
     */
    private void fill(List<AuditEvent> batch) {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(settings.lingerMillis());
        queue.drainTo(batch, settings.batchSize() - batch.size());
        long left;
        while (batch.size() < settings.batchSize() && running && awaiting.get() == 0
                && (left = deadline - System.nanoTime()) > 0) {
            try {
                AuditEvent next = queue.poll(Math.min(left, LINGER_SLICE_NANOS), TimeUnit.NANOSECONDS);
                if (next != null) {
                    batch.add(next);
                    queue.drainTo(batch, settings.batchSize() - batch.size());
                }
            } catch (InterruptedException e) {
                LOG.warn("The audit writer was interrupted: it writes what it has and goes on");
                return;
            }
        }
    }

    private synchronized void write(List<AuditEvent> batch) {
        waitForDatabase = true;
        refusedAlone = 0;
        double droppedBefore = dropped.count();
        try {
            writeHalving(batch);
        } finally {
            settle(batch.size());
        }
        long lost = Math.round(dropped.count() - droppedBefore);
        if (lost > 0) {
            LOG.error("Writing AuditEvents failed: {} of {} dropped", lost, batch.size());
        }
    }

    /** Events stored or dropped: searches waiting for them go on. */
    private void settle(int events) {
        settled.addAndGet(events);
        synchronized (settling) {
            settling.notifyAll();
        }
    }

    /**
     * Waits until the events queued before this call are stored (or dropped), at most {@code timeoutMillis}: the
     * writer is asynchronous, so an event recorded a moment ago may not be in the tables yet.
     */
    void awaitSettled(long timeoutMillis) {
        awaiting.incrementAndGet();
        try {
            awaitQueuedBefore(timeoutMillis);
        } finally {
            awaiting.decrementAndGet();
        }
    }

    private void awaitQueuedBefore(long timeoutMillis) {
        long target = queued.get();
        long deadline = System.currentTimeMillis() + timeoutMillis;
        synchronized (settling) {
            long left;
            while (settled.get() < target && (left = deadline - System.currentTimeMillis()) > 0) {
                try {
                    settling.wait(left);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                }
            }
        }
    }

    /**
     * Stores events in one transaction. One that fails is either the database failing, or an event the database
     * refuses, which fails the whole transaction: the batch is halved until that event is alone, and it is
     * dropped. A second event refused alone before any is stored means the database failed: the rest are dropped.
     *
     * @return false when the database failed (and the events not written were counted as dropped)
     */
    private boolean writeHalving(List<AuditEvent> events) {
        if (store(events)) {
            written.increment(events.size());
            refusedAlone = 0;
            return true;
        }
        if (events.size() == 1) {
            dropped.increment();
            return ++refusedAlone < 2;
        }
        List<AuditEvent> head = events.subList(0, events.size() / 2);
        List<AuditEvent> tail = events.subList(events.size() / 2, events.size());
        if (!writeHalving(head)) {
            dropped.increment(tail.size());
            return false;
        }
        return writeHalving(tail);
    }

    /**
     * While the database is unreachable (stopped, restarting) the same events are tried again every second for
     * up to {@link #OUTAGE_RETRY_MILLIS}, so that a short outage loses nothing; events still queued meanwhile
     * wait (and a full queue pushes back on requests).
     */
    private boolean store(List<AuditEvent> events) {
        long giveUp = System.currentTimeMillis() + OUTAGE_RETRY_MILLIS;
        while (true) {
            try {
                store.store(events);
                return true;
            } catch (RuntimeException e) {
                LOG.debug("Writing {} AuditEvents failed: {}", events.size(), e.getClass().getSimpleName());
                if (!databaseUnreachable(e) || !waitForDatabase) {
                    return false;
                }
                if (System.currentTimeMillis() > Math.min(giveUp, stopDeadline)) {
                    waitForDatabase = false; // the rest of this batch fails fast and is counted as dropped
                    return false;
                }
                try {
                    Thread.sleep(OUTAGE_PAUSE_MILLIS);
                } catch (InterruptedException interrupted) {
                    Thread.currentThread().interrupt();
                    return false;
                }
            }
        }
    }

    /** No connection to the database, or the one in use was closed under the transaction. */
    static boolean databaseUnreachable(Throwable thrown) {
        for (Throwable t = thrown; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof java.sql.SQLTransientConnectionException
                    || t instanceof java.sql.SQLNonTransientConnectionException
                    || t instanceof java.net.ConnectException
                    || t instanceof org.springframework.transaction.CannotCreateTransactionException
                    || t instanceof org.hibernate.exception.JDBCConnectionException
                    || t instanceof org.hibernate.TransactionException) {
                return true;
            }
            if (t instanceof java.sql.SQLException sql && sql.getSQLState() != null
                    && (sql.getSQLState().startsWith("08") || sql.getSQLState().startsWith("57P0"))) {
                return true;
            }
        }
        return false;
    }
}
