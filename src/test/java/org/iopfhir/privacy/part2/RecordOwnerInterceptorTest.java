package org.iopfhir.privacy.part2;

import static org.assertj.core.api.Assertions.assertThat;
import static org.mockito.ArgumentMatchers.any;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.when;

import ca.uhn.fhir.rest.api.server.SystemRequestDetails;
import ca.uhn.fhir.rest.api.server.storage.TransactionDetails;
import ca.uhn.fhir.rest.server.servlet.ServletRequestDetails;
import java.util.Set;
import org.hl7.fhir.r4.model.Provenance;
import org.hl7.fhir.r4.model.Reference;
import org.junit.jupiter.api.Test;

/** Who may set a record's owner: the server for the Provenance of a write, never an API caller. */
class RecordOwnerInterceptorTest {

    private final PatientRecords records = mock(PatientRecords.class);
    private final RecordOwnerInterceptor interceptor = new RecordOwnerInterceptor(records);

    private static Provenance ownedBy(String program) {
        Provenance provenance = new Provenance().addTarget(new Reference("Observation/o1/_history/1"));
        RecordOwner.set(provenance, program);
        return provenance;
    }

    @Test
    void theServersProvenanceKeepsTheOwnerOfTheRecordItDescribes() {
        Provenance provenance = ownedBy("Organization/program-x");

        interceptor.created(provenance, new SystemRequestDetails(), new TransactionDetails());

        assertThat(RecordOwner.of(provenance)).contains("Organization/program-x");
    }

    @Test
    void anOwnerAnApiCallerSendsIsDropped() {
        when(records.linksOf(any())).thenReturn(Set.of());
        when(records.patientsOf(any())).thenReturn(Set.of());
        Provenance forged = ownedBy("Organization/program-x");

        interceptor.created(forged, new ServletRequestDetails(), new TransactionDetails());

        assertThat(RecordOwner.of(forged)).isEmpty();
    }
}
