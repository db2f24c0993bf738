package org.iopfhir.privacy.audit;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Set;
import org.hl7.fhir.r4.model.AuditEvent;
import org.hl7.fhir.r4.model.AuditEvent.AuditEventEntityComponent;
import org.iopfhir.privacy.auth.CallerContext;
import org.junit.jupiter.api.Test;

class AuditEventFactoryTest {

    private final AuditEventFactory factory =
            new AuditEventFactory("test", Clock.fixed(Instant.parse("2025-01-01T00:00:00Z"), ZoneOffset.UTC));

    private static Access access(Interaction interaction, int status, List<Access.Touched> resources, Set<String> patients) {
        return new Access(interaction, CallerContext.ANONYMOUS, status, resources, patients, null, null, null,
                status < 400);
    }

    private static String lifecycle(AuditEventEntityComponent entity) {
        return entity.hasLifecycle() ? entity.getLifecycle().getCode() : null;
    }

    @Test
    void aWriteThatReturnsTheRecordIsAWriteAndADisclosure() {
        AuditEvent event = factory.create(access(Interaction.CREATE, 201,
                List.of(new Access.Touched("Observation/o", Lifecycle.CREATED),
                        new Access.Touched("Observation/o", Lifecycle.DISCLOSED)), Set.of("Patient/p")));

        assertThat(event.getEntity()).filteredOn(e -> "Observation/o".equals(e.getWhat().getIdentifier().getValue()))
                .extracting(AuditEventFactoryTest::lifecycle).containsExactly("1", "11");
        assertThat(event.getEntity()).filteredOn(e -> "11".equals(lifecycle(e))).singleElement()
                .satisfies(e -> {
                    assertThat(e.getLifecycle().getSystem()).isEqualTo("http://terminology.hl7.org/CodeSystem/dicom-audit-lifecycle");
                    assertThat(e.getLifecycle().getDisplay()).isEqualTo("Disclosure");
                });
        assertThat(event.getEntity()).extracting(e -> e.getWhat().getReference()).contains("Patient/p");
    }

    @Test
    void aNamedPatientIsRecordedOnceAsThePatient() {
        AuditEvent event = factory.create(access(Interaction.READ, 403,
                List.of(new Access.Touched("Patient/p", Lifecycle.NAMED)), Set.of("Patient/p")));

        assertThat(event.getEntity()).singleElement().satisfies(e -> {
            assertThat(e.getRole().getCode()).isEqualTo("1");
            assertThat(e.getWhat().getIdentifier().getValue()).isEqualTo("Patient/p");
            assertThat(e.hasLifecycle()).isFalse();
        });
    }
}
