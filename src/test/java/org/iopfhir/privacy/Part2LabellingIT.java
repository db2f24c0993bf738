package org.iopfhir.privacy;

import static org.assertj.core.api.Assertions.assertThat;

import ca.uhn.fhir.rest.client.api.IGenericClient;
import java.util.List;
import org.hl7.fhir.instance.model.api.IBaseCoding;
import org.hl7.fhir.r4.model.Coding;
import org.hl7.fhir.r4.model.Condition;
import org.hl7.fhir.r4.model.DocumentReference;
import org.hl7.fhir.r4.model.Encounter;
import org.hl7.fhir.r4.model.IdType;
import org.hl7.fhir.r4.model.Observation;
import org.hl7.fhir.r4.model.Organization;
import org.hl7.fhir.r4.model.Patient;
import org.hl7.fhir.r4.model.Reference;
import org.hl7.fhir.r4.model.Resource;
import org.iopfhir.testsupport.SecuredServerTest;
import org.iopfhir.testsupport.TestTokens;
import org.junit.jupiter.api.Test;

/** 42 CFR Part 2 labels: applied on write (also to the example loaded at start-up), never stripped by clients. */
class Part2LabellingIT extends SecuredServerTest {

    private static final String PROGRAM = "Organization/example-program";

    private IGenericClient clinician() {
        return client(TestTokens.token().role("clinician").scope("user/*.cruds").purpose("TREAT").organization(PROGRAM).sign());
    }

    private static List<String> labels(Resource resource) {
        return resource.getMeta().getSecurity().stream().map(IBaseCoding::getCode).toList();
    }

    @Test
    void theExampleEpisodeLoadedAtStartUpIsLabelledAndCounselingNotesKeptApartToo() {
        IGenericClient client = clinician();
        assertThat(labels(client.read().resource(Patient.class).withId("example-patient").execute()))
                .contains("SUD", "R", "42CFRPart2").doesNotContain("PSYTHPN");
        assertThat(labels(client.read().resource(Condition.class).withId("example-dx-aud").execute()))
                .contains("SUD", "R", "42CFRPart2");
        assertThat(labels(client.read().resource(Encounter.class).withId("example-enc-g01").execute()))
                .contains("SUD", "42CFRPart2");
        // A session's progress note is part of the SUD record; a note the program keeps apart is a counseling note.
        assertThat(labels(client.read().resource(DocumentReference.class).withId("example-note-g01").execute()))
                .contains("SUD", "R", "42CFRPart2").doesNotContain("PSYTHPN");
        DocumentReference counselingNote = new DocumentReference();
        counselingNote.setStatus(org.hl7.fhir.r4.model.Enumerations.DocumentReferenceStatus.CURRENT);
        counselingNote.setSubject(new Reference("Patient/example-patient"));
        counselingNote.addCategory().addCoding(new Coding("http://iop-fhir.org/fhir/CodeSystem/iop-record-type",
                "sud-counseling-note", null));
        counselingNote.addContent().getAttachment().setContentType("text/plain").setData("session analysis".getBytes());
        assertThat(labels((Resource) client.create().resource(counselingNote).execute().getResource()))
                .contains("SUD", "R", "42CFRPart2", "PSYTHPN");
        // Organizations are not patient records.
        assertThat(labels(client.read().resource(Organization.class).withId("example-program").execute())).isEmpty();
    }

    @Test
    void anSudDiagnosisMakesTheStoredPatientAndTheirLaterRecordsPart2() {
        IGenericClient client = clinician();
        Patient patient = new Patient();
        patient.setManagingOrganization(new Reference(PROGRAM));
        IdType patientId = (IdType) client.create().resource(patient).execute().getId().toUnqualifiedVersionless();
        assertThat(labels(client.read().resource(Patient.class).withId(patientId).execute())).isEmpty();

        Condition opioidUseDisorder = new Condition();
        opioidUseDisorder.setSubject(new Reference(patientId));
        opioidUseDisorder.getCode().addCoding(new Coding("http://hl7.org/fhir/sid/icd-10-cm", "F11.20", null));
        Condition stored = (Condition) client.create().resource(opioidUseDisorder).execute().getResource();
        Observation later = new Observation();
        later.setStatus(Observation.ObservationStatus.FINAL);
        later.getCode().setText("Urine drug screen");
        later.setSubject(new Reference(patientId));
        Observation laterStored = (Observation) client.create().resource(later).execute().getResource();

        assertThat(labels(stored)).contains("SUD", "R", "42CFRPart2");
        assertThat(labels(client.read().resource(Patient.class).withId(patientId).execute())).contains("SUD", "42CFRPart2");
        assertThat(labels(laterStored)).contains("SUD", "R", "42CFRPart2");
    }

    /**
     * A session of an episode that is Part 2 is Part 2 although its patient is not labelled (a client labelled the
     * episode itself), and a session of an unlabelled patient's unlabelled episode stays unlabelled.
     */
    @Test
    void aSessionOfAPart2EpisodeIsPart2AlsoWhenItsPatientIsNotLabelled() {
        IGenericClient client = clinician();
        Patient patient = new Patient();
        patient.setManagingOrganization(new Reference(PROGRAM));
        IdType patientId = (IdType) client.create().resource(patient).execute().getId().toUnqualifiedVersionless();
        org.hl7.fhir.r4.model.EpisodeOfCare labelled = new org.hl7.fhir.r4.model.EpisodeOfCare();
        labelled.setStatus(org.hl7.fhir.r4.model.EpisodeOfCare.EpisodeOfCareStatus.ACTIVE);
        labelled.setPatient(new Reference(patientId));
        labelled.setManagingOrganization(new Reference(PROGRAM));
        labelled.getMeta().addSecurity("http://terminology.hl7.org/CodeSystem/v3-ActCode", "42CFRPart2", null);
        IdType labelledId = (IdType) client.create().resource(labelled).execute().getId().toUnqualifiedVersionless();
        org.hl7.fhir.r4.model.EpisodeOfCare plain = labelled.copy();
        plain.getMeta().getSecurity().clear();
        IdType plainId = (IdType) client.create().resource(plain).execute().getId().toUnqualifiedVersionless();
        assertThat(labels(client.read().resource(Patient.class).withId(patientId).execute())).isEmpty();

        Encounter ofLabelled = new Encounter();
        ofLabelled.setStatus(Encounter.EncounterStatus.FINISHED);
        ofLabelled.getClass_().setSystem("http://terminology.hl7.org/CodeSystem/v3-ActCode").setCode("AMB");
        ofLabelled.setSubject(new Reference(patientId));
        ofLabelled.addEpisodeOfCare(new Reference(labelledId));
        Encounter ofPlain = ofLabelled.copy();
        ofPlain.getEpisodeOfCare().clear();
        ofPlain.addEpisodeOfCare(new Reference(plainId));

        assertThat(labels((Resource) client.create().resource(ofLabelled).execute().getResource()))
                .contains("SUD", "R", "42CFRPart2");
        assertThat(labels((Resource) client.create().resource(ofPlain).execute().getResource())).isEmpty();
    }

    @Test
    void aClientCannotStripLabelsByUpdatingWithoutThem() {
        IGenericClient client = clinician();
        Encounter encounter = client.read().resource(Encounter.class).withId("example-enc-g02").execute();
        encounter.getMeta().getSecurity().clear();
        encounter.setStatus(Encounter.EncounterStatus.FINISHED);

        client.update().resource(encounter).execute();

        assertThat(labels(client.read().resource(Encounter.class).withId("example-enc-g02").execute()))
                .contains("SUD", "R", "42CFRPart2");
    }

    @Test
    void metaDeleteOfALabelIsRefusedToAClinician() {
        Response response = send(java.net.http.HttpRequest.newBuilder(java.net.URI.create(
                        baseUrl() + "/Encounter/example-enc-g03/$meta-delete"))
                .header("Authorization", "Bearer " + TestTokens.token().role("clinician").scope("user/*.cruds")
                        .purpose("TREAT").organization(PROGRAM).sign())
                .header("Content-Type", "application/fhir+json")
                .POST(java.net.http.HttpRequest.BodyPublishers.ofString("{\"resourceType\":\"Parameters\",\"parameter\":[{\"name\":\"meta\","
                        + "\"valueMeta\":{\"security\":[{\"system\":\"http://terminology.hl7.org/CodeSystem/v3-ActCode\",\"code\":\"SUD\"}]}}]}"))
                .build());

        assertThat(response.status()).isEqualTo(403);
        assertThat(labels(clinician().read().resource(Encounter.class).withId("example-enc-g03").execute())).contains("SUD");
    }
}
