package org.iopfhir.privacy.audit;

import static org.assertj.core.api.Assertions.assertThat;

import ca.uhn.fhir.rest.server.exceptions.InvalidRequestException;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.util.ArrayList;
import java.util.List;
import org.hl7.fhir.r4.model.AuditEvent;
import org.hl7.fhir.r4.model.Reference;
import org.iopfhir.privacy.SecurityProperties;
import org.junit.jupiter.api.Test;

/** The writer keeps what it can: an event about a patient deleted meanwhile must not take its batch down. */
class AuditTrailTest {

    /** The database, as the writer sees it: one call per transaction. */
    private AuditTrail.Store database;
    private final SimpleMeterRegistry meters = new SimpleMeterRegistry();
    private final List<AuditEvent> stored = new ArrayList<>();
    private int transactions;

    private static AuditEvent about(String patient) {
        AuditEvent event = new AuditEvent();
        event.addEntity().setWhat(new Reference(patient));
        return event;
    }

    private void writeAll(List<AuditEvent> events) {
        AuditTrail trail = new AuditTrail(batch -> database.store(batch), new SecurityProperties.Audit(true, 100, 200, 100), meters);
        events.forEach(trail::record);
        trail.start();
        trail.stop();
    }

    private double counter(String name) {
        return meters.counter(name).count();
    }

    @Test
    void anEventAboutADeletedPatientIsKeptByIdentifierAndTheRestOfItsBatchAsIs() {
        database = events -> {
            transactions++;
            if (events.stream().anyMatch(e -> "Patient/deleted".equals(e.getEntityFirstRep().getWhat().getReference()))) {
                throw new InvalidRequestException("Resource Patient/deleted is deleted");
            }
            stored.addAll(events);
        };
        List<AuditEvent> events = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            events.add(about(i == 13 ? "Patient/deleted" : "Patient/p" + i));
        }

        writeAll(events);

        assertThat(stored).hasSize(20);
        assertThat(stored).filteredOn(e -> !e.getEntityFirstRep().getWhat().hasReference()).singleElement()
                .satisfies(e -> assertThat(e.getEntityFirstRep().getWhat().getIdentifier().getValue()).isEqualTo("Patient/deleted"));
        assertThat(counter("iop.audit.events.written")).isEqualTo(20);
        assertThat(counter("iop.audit.events.dropped")).isZero();
        assertThat(transactions).isLessThan(20);
    }

    @Test
    void aShortDatabaseOutageLosesNothingAndKeepsThePatientReferences() {
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
}
