package org.iopfhir.privacy.part2;

import static org.assertj.core.api.Assertions.assertThat;
import static org.mockito.ArgumentMatchers.any;
import static org.mockito.ArgumentMatchers.anyCollection;
import static org.mockito.ArgumentMatchers.same;
import static org.mockito.Mockito.doAnswer;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.never;
import static org.mockito.Mockito.times;
import static org.mockito.Mockito.verify;
import static org.mockito.Mockito.when;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.jpa.api.dao.DaoRegistry;
import ca.uhn.fhir.jpa.api.dao.IFhirResourceDao;
import ca.uhn.fhir.jpa.model.dao.JpaPid;
import ca.uhn.fhir.rest.api.server.RequestDetails;
import ca.uhn.fhir.rest.api.server.SystemRequestDetails;
import ca.uhn.fhir.rest.api.server.storage.TransactionDetails;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.hl7.fhir.instance.model.api.IIdType;
import org.hl7.fhir.r4.model.IdType;
import org.hl7.fhir.r4.model.Observation;
import org.hl7.fhir.r4.model.Patient;
import org.iopfhir.server.ReferenceTargets;
import org.junit.jupiter.api.Test;
import org.mockito.ArgumentCaptor;

/** Handing a write the database ids of what it references, looked up once; what a request wrote, as written. */
class PatientRecordsTest {

    private final DaoRegistry daos = mock(DaoRegistry.class);
    private final ReferenceTargets targets = mock(ReferenceTargets.class);
    private final PatientRecords records = new PatientRecords(FhirContext.forR4Cached(), daos, targets);

    @Test
    @SuppressWarnings("unchecked")
    void looksUpWhatTheWriteDoesNotKnowYetAndLeavesTheMissingOut() {
        when(daos.isResourceTypeSupported(any())).thenAnswer(call -> !"Nonsense".equals(call.getArgument(0)));
        doAnswer(call -> {
            ((TransactionDetails) call.getArgument(1)).addResolvedResourceId(new IdType("Patient/a"), JpaPid.fromId(42L));
            return null;
        }).when(targets).resolveStored(anyCollection(), any());
        TransactionDetails details = new TransactionDetails();
        details.addResolvedResourceId(new IdType("Encounter/known"), JpaPid.fromId(7L));

        records.resolveInto(List.of("Patient/a", "Patient/a/_history/3", "Patient/deleted", "Encounter/known",
                "Nonsense/x", "urn:uuid:0b2f"), details);

        ArgumentCaptor<Collection<IIdType>> asked = ArgumentCaptor.forClass(Collection.class);
        verify(targets).resolveStored(asked.capture(), same(details));
        assertThat(new ArrayList<>(asked.getValue())).extracting(IIdType::getValue)
                .containsExactly("Patient/a", "Patient/deleted");
        assertThat(((JpaPid) details.getResolvedResourceId(new IdType("Patient/a"))).getId()).isEqualTo(42L);
        assertThat(details.getResolvedResourceId(new IdType("Patient/deleted"))).isNull();
        assertThat(((JpaPid) details.getResolvedResourceId(new IdType("Encounter/known"))).getId()).isEqualTo(7L);
    }

    @Test
    void asksNothingWhenEverythingIsKnown() {
        when(daos.isResourceTypeSupported(any())).thenReturn(true);
        TransactionDetails details = new TransactionDetails();
        details.addResolvedResourceId(new IdType("Patient/a"), JpaPid.fromId(1L));

        records.resolveInto(List.of("Patient/a"), details);

        verify(targets, never()).resolveStored(anyCollection(), any());
    }

    @Test
    @SuppressWarnings("unchecked")
    void aServerWriteForARequestFindsWhatTheRequestWroteButLooksUpWhatItOnlyRead() {
        IFhirResourceDao<IBaseResource> dao = mock(IFhirResourceDao.class);
        when(daos.getResourceDao(any(String.class))).thenReturn(dao);
        Patient stored = new Patient();
        stored.setId("Patient/p");
        when(dao.read(any(IIdType.class), any(RequestDetails.class))).thenReturn(stored);
        Observation written = new Observation();
        written.setId("Observation/o/_history/1");

        RequestDetails server = new SystemRequestDetails();
        PatientRecords.knowWritten(server, List.of(written));

        assertThat(records.stored("Observation/o", server)).containsSame(written);
        verify(dao, never()).read(any(IIdType.class), any(RequestDetails.class));
        assertThat(records.stored("Patient/p", server)).containsSame(stored);
        verify(dao, times(1)).read(any(IIdType.class), any(RequestDetails.class));
    }
}
