package org.iopfhir.privacy.audit;

import static org.assertj.core.api.Assertions.assertThat;

import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.Encounter;
import org.hl7.fhir.r4.model.EpisodeOfCare;
import org.hl7.fhir.r4.model.Observation;
import org.hl7.fhir.r4.model.OperationOutcome;
import org.hl7.fhir.r4.model.Parameters;
import org.hl7.fhir.r4.model.Patient;
import org.hl7.fhir.r4.model.Reference;
import org.hl7.fhir.r4.model.StringType;
import org.iopfhir.privacy.part2.PatientRecords;
import org.iopfhir.testsupport.TestFhir;
import org.junit.jupiter.api.Test;

/** What a response discloses: every resource in it, however deeply nested, and every patient they reference. */
class RestAuditInterceptorTest {

    private final RestAuditInterceptor interceptor =
            new RestAuditInterceptor(null, new PatientRecords(TestFhir.CONTEXT, null, null), TestFhir.CONTEXT);

    private RestAuditInterceptor.Disclosure disclosed(org.hl7.fhir.instance.model.api.IBaseResource response) {
        RestAuditInterceptor.Disclosure disclosure = new RestAuditInterceptor.Disclosure(200);
        interceptor.disclose(response, null, disclosure);
        return disclosure;
    }

    @Test
    void aSearchDisclosesItsEntriesNotItsEnvelope() {
        Bundle searchset = new Bundle().setType(Bundle.BundleType.SEARCHSET);
        searchset.setId("search-id");
        searchset.addEntry().setResource(new Patient().setId("a"));
        searchset.addEntry().setResource(new Encounter().setSubject(new Reference("Patient/b")).setId("e"));
        searchset.addEntry().setResource(new OperationOutcome());

        RestAuditInterceptor.Disclosure disclosure = disclosed(searchset);

        assertThat(disclosure.resources()).containsExactly("Patient/a", "Encounter/e");
        assertThat(disclosure.patients()).containsExactlyInAnyOrder("Patient/a", "Patient/b");
    }

    @Test
    void operationOutputsAreWalkedThroughPartsAndNestedBundles() {
        Bundle evidence = new Bundle().setType(Bundle.BundleType.COLLECTION);
        evidence.addEntry().setResource(new Observation().setSubject(new Reference("Patient/c")).setId("o"));
        Parameters verdict = new Parameters();
        verdict.addParameter().setName("subject").setValue(new Reference("Patient/d"));
        evidence.addEntry().setResource(verdict);
        Parameters output = new Parameters();
        output.addParameter().setName("outcome").setValue(new StringType("met"));
        Parameters.ParametersParameterComponent criterion = output.addParameter().setName("criterion");
        criterion.addPart().setName("evidence").setResource(evidence);
        criterion.addPart().setName("episode").setResource(new EpisodeOfCare().setPatient(new Reference("Patient/e"))
                .setId("ep"));

        RestAuditInterceptor.Disclosure disclosure = disclosed(output);

        assertThat(disclosure.resources()).containsExactlyInAnyOrder("Observation/o", "EpisodeOfCare/ep");
        assertThat(disclosure.patients()).containsExactlyInAnyOrder("Patient/c", "Patient/d", "Patient/e");
    }

    @Test
    void aStoredDocumentBundleIsItselfDisclosed() {
        Bundle document = new Bundle().setType(Bundle.BundleType.DOCUMENT);
        document.setId("doc");
        document.addEntry().setResource(new Patient().setId("f"));

        assertThat(disclosed(document).resources()).containsExactly("Bundle/doc", "Patient/f");
    }

    @Test
    void nothingIsDisclosedWithoutABody() {
        assertThat(disclosed(null).resources()).isEmpty();
        assertThat(disclosed(new OperationOutcome()).patients()).isEmpty();
    }
}
