package org.iopfhir.privacy.audit;

import ca.uhn.fhir.jpa.api.dao.IFhirSystemDao;
import ca.uhn.fhir.rest.api.server.SystemRequestDetails;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import org.hl7.fhir.r4.model.AuditEvent;
import org.hl7.fhir.r4.model.Bundle;
import org.iopfhir.privacy.SecurityProperties;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.SmartLifecycle;

/**
 * Writes AuditEvents off the request thread: requests put events on a bounded queue, one writer
 * thread stores them in batches, one database transaction per batch (written with system rights, so
 * they pass no authorization, consent, labelling or audit of their own).
 *
 * <p>A full queue (the database cannot keep up) makes the request wait up to the offer timeout -
 * back-pressure rather than silent loss; after that the event is dropped, counted in
 * {@code iop.audit.events.dropped} and logged as an error. A failed batch is retried once, then
 * counted as dropped. On shutdown the writer stops after the web server (no new requests) and
 * flushes what is queued before the database goes.
 */
public class AuditTrail implements SmartLifecycle {

    private static final Logger LOG = LoggerFactory.getLogger(AuditTrail.class);
    private static final long POLL_MILLIS = 200;

    private final IFhirSystemDao<Bundle, ?> systemDao;
    private final BlockingQueue<AuditEvent> queue;
    private final SecurityProperties.Audit settings;
    private final Counter written;
    private final Counter dropped;
    private volatile boolean running;
    private Thread writer;

    public AuditTrail(IFhirSystemDao<Bundle, ?> systemDao, SecurityProperties.Audit settings, MeterRegistry meters) {
        this.systemDao = systemDao;
        this.settings = settings;
        this.queue = new ArrayBlockingQueue<>(settings.queueCapacity());
        this.written = meters.counter("iop.audit.events.written");
        this.dropped = meters.counter("iop.audit.events.dropped");
        meters.gauge("iop.audit.queue.size", queue, BlockingQueue::size);
    }

    public void record(AuditEvent event) {
        try {
            if (!queue.offer(event, settings.offerTimeoutMillis(), TimeUnit.MILLISECONDS)) {
                dropped.increment();
                LOG.error("Audit queue full for {} ms: an AuditEvent was dropped", settings.offerTimeoutMillis());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            dropped.increment();
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

    private void drainUntilStopped() {
        List<AuditEvent> batch = new ArrayList<>();
        while (running || !queue.isEmpty()) {
            try {
                AuditEvent first = queue.poll(POLL_MILLIS, TimeUnit.MILLISECONDS);
                if (first == null) {
                    continue;
                }
                batch.add(first);
                queue.drainTo(batch, settings.batchSize() - 1);
                write(batch);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                running = false;
            } finally {
                batch.clear();
            }
        }
    }

    private synchronized void write(List<AuditEvent> batch) {
        Bundle transaction = new Bundle().setType(Bundle.BundleType.TRANSACTION);
        batch.forEach(e -> transaction.addEntry().setResource(e).getRequest()
                .setMethod(Bundle.HTTPVerb.POST).setUrl("AuditEvent"));
        for (int attempt = 1; attempt <= 2; attempt++) {
            try {
                systemDao.transaction(new SystemRequestDetails(), transaction);
                written.increment(batch.size());
                return;
            } catch (RuntimeException e) {
                LOG.error("Writing {} AuditEvents failed (attempt {}): {}", batch.size(), attempt, e.getClass().getSimpleName());
            }
        }
        dropped.increment(batch.size());
    }
}
