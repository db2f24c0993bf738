package org.iopfhir.privacy;

import java.util.Date;
import java.util.List;
import java.util.Optional;
import org.hl7.fhir.r4.model.Attachment;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.CodeableConcept;
import org.hl7.fhir.r4.model.Coding;
import org.hl7.fhir.r4.model.Consent;
import org.hl7.fhir.r4.model.DateTimeType;
import org.hl7.fhir.r4.model.DocumentReference;
import org.hl7.fhir.r4.model.Encounter;
import org.hl7.fhir.r4.model.Enumerations;
import org.hl7.fhir.r4.model.EpisodeOfCare;
import org.hl7.fhir.r4.model.Observation;
import org.hl7.fhir.r4.model.Organization;
import org.hl7.fhir.r4.model.Patient;
import org.hl7.fhir.r4.model.Period;
import org.hl7.fhir.r4.model.Reference;
import org.hl7.fhir.r4.model.Resource;

/**
 * The disclosure matrix's patients: one per consent state, each with an SUD episode, a session, an
 * observation and a counseling note; a patient of another program; and a patient with no SUD record.
 */
final class MatrixData {

    static final String PROGRAM = "Organization/example-program";
    static final String OTHER_PROGRAM = "Organization/other-program";
    static final String PAYER = "Organization/payer-a";
    static final String OTHER_PAYER = "Organization/payer-b";
    static final String ACT_CODE = "http://terminology.hl7.org/CodeSystem/v3-ActCode";

    /** The consent state of each matrix patient, by patient id. */
    enum State {
        NONE("mx-none"), ACTIVE("mx-active"), REVOKED("mx-revoked"), EXPIRED("mx-expired"),
        PAYER_MISMATCH("mx-mismatch"), COUNSELING_NOTE_CONSENT("mx-notes"),
        OTHER_PROGRAM_ACTIVE("mx-elsewhere"), NOT_PART2("mx-plain");

        final String patientId;

        State(String patientId) {
            this.patientId = patientId;
        }
    }

    /** The record kinds each patient has, as resource type and id suffix. */
    enum Kind {
        PATIENT("Patient", ""), EPISODE("EpisodeOfCare", "-episode"), SESSION("Encounter", "-enc"),
        OBSERVATION("Observation", "-obs"), COUNSELING_NOTE("DocumentReference", "-note");

        final String type;
        final String suffix;

        Kind(String type, String suffix) {
            this.type = type;
            this.suffix = suffix;
        }

        String id(State state) {
            return type + "/" + state.patientId + suffix;
        }
    }

    private MatrixData() {
    }

    private static boolean loaded;

    /**
     * Stores the matrix once per server (every test class shares one). Loaded by the privacy officer:
     * each record then belongs to the program its data names, and the consents are ones only the
     * privacy officer may record.
     */
    static synchronized void ensureLoaded(ca.uhn.fhir.rest.client.api.IGenericClient privacyOfficer) {
        if (!loaded) {
            privacyOfficer.transaction().withBundle(transaction()).execute();
            loaded = true;
        }
    }

    /** The privacy officer, who records consents and curates labels. */
    static String privacyOfficer() {
        return org.iopfhir.testsupport.TestTokens.token().role("privacy-officer").scope("user/*.cruds")
                .user("privacy-officer@example-program").sign();
    }

    static Bundle transaction() {
        Bundle bundle = new Bundle().setType(Bundle.BundleType.TRANSACTION);
        for (String reference : List.of(OTHER_PROGRAM, PAYER, OTHER_PAYER)) {
            Organization organization = new Organization();
            organization.setId(reference.substring("Organization/".length()));
            organization.setName(organization.getIdElement().getIdPart());
            bundle.addEntry().setResource(organization).getRequest().setMethod(Bundle.HTTPVerb.PUT).setUrl(reference);
        }
        for (State state : State.values()) {
            String program = state == State.OTHER_PROGRAM_ACTIVE ? OTHER_PROGRAM : PROGRAM;
            records(state, program).forEach(r -> bundle.addEntry().setResource(r).getRequest()
                    .setMethod(Bundle.HTTPVerb.PUT).setUrl(r.fhirType() + "/" + r.getIdElement().getIdPart()));
            consent(state).ifPresent(c -> bundle.addEntry().setResource(c).getRequest()
                    .setMethod(Bundle.HTTPVerb.PUT).setUrl("Consent/" + c.getIdElement().getIdPart()));
        }
        return bundle;
    }

    static List<Resource> records(State state, String program) {
        String pid = state.patientId;
        Reference patientRef = new Reference("Patient/" + pid);
        Patient patient = new Patient();
        patient.setId(pid);
        patient.addName().setFamily("Matrix-" + pid);
        patient.setGender(Enumerations.AdministrativeGender.UNKNOWN);
        patient.setManagingOrganization(new Reference(program));

        EpisodeOfCare episode = new EpisodeOfCare();
        episode.setId(pid + "-episode");
        episode.setStatus(EpisodeOfCare.EpisodeOfCareStatus.ACTIVE);
        episode.setPatient(patientRef);
        episode.setManagingOrganization(new Reference(program));
        episode.addType().addCoding(new Coding("http://iop-fhir.org/fhir/CodeSystem/iop-program-track",
                state == State.NOT_PART2 ? "mh" : "sud", null));

        Encounter session = new Encounter();
        session.setId(pid + "-enc");
        session.setStatus(Encounter.EncounterStatus.FINISHED);
        session.setClass_(new Coding(ACT_CODE, "AMB", null));
        session.setSubject(patientRef);
        session.addEpisodeOfCare(new Reference("EpisodeOfCare/" + pid + "-episode"));

        Observation observation = new Observation();
        observation.setId(pid + "-obs");
        observation.setStatus(Observation.ObservationStatus.FINAL);
        observation.getCode().setText("Craving scale");
        observation.setSubject(patientRef);
        observation.setEncounter(new Reference("Encounter/" + pid + "-enc"));

        DocumentReference note = new DocumentReference();
        note.setId(pid + "-note");
        note.setStatus(Enumerations.DocumentReferenceStatus.CURRENT);
        note.setType(new CodeableConcept(new Coding("http://loinc.org", "11506-3", "Progress note")));
        note.addCategory(new CodeableConcept(new Coding("http://iop-fhir.org/fhir/CodeSystem/iop-record-type",
                "sud-counseling-note", "SUD counseling note")));
        note.setSubject(patientRef);
        note.getContext().addEncounter(new Reference("Encounter/" + pid + "-enc"));
        note.addContent().setAttachment(new Attachment().setContentType("text/plain").setData("session".getBytes()));
        return List.of(patient, episode, session, observation, note);
    }

    static Optional<Consent> consent(State state) {
        return switch (state) {
            case NONE, NOT_PART2 -> Optional.empty();
            case ACTIVE, OTHER_PROGRAM_ACTIVE -> Optional.of(part2Consent(state, Consent.ConsentState.ACTIVE, PAYER, null, false));
            case REVOKED -> Optional.of(part2Consent(state, Consent.ConsentState.INACTIVE, PAYER, null, false));
            case EXPIRED -> Optional.of(part2Consent(state, Consent.ConsentState.ACTIVE, PAYER, "2025-12-31", false));
            case PAYER_MISMATCH -> Optional.of(part2Consent(state, Consent.ConsentState.ACTIVE, OTHER_PAYER, null, false));
            case COUNSELING_NOTE_CONSENT -> Optional.of(part2Consent(state, Consent.ConsentState.ACTIVE, PAYER, null, true));
        };
    }

    /** The IHE PCF / DS4P shape of DOMAIN.md section 5: permit SUD records to a payer, notes denied unless named. */
    static Consent part2Consent(State state, Consent.ConsentState status, String payer, String end, boolean notes) {
        Consent consent = new Consent();
        consent.setId(state.patientId + "-consent");
        consent.setStatus(status);
        consent.getScope().addCoding(new Coding("http://terminology.hl7.org/CodeSystem/consentscope", "patient-privacy", null));
        consent.addCategory().addCoding(new Coding("http://loinc.org", "59284-0", null));
        consent.setPatient(new Reference("Patient/" + state.patientId));
        consent.setDateTime(new Date());
        consent.addPolicy().setUri("https://www.ecfr.gov/current/title-42/part-2");
        consent.getPolicyRule().addCoding(new Coding(ACT_CODE, "42CFRPart2", null));
        Consent.ProvisionComponent provision = consent.getProvision().setType(Consent.ConsentProvisionType.PERMIT);
        provision.setPeriod(new Period().setStartElement(new DateTimeType("2025-01-01"))
                .setEndElement(new DateTimeType(end == null ? "2099-12-31" : end)));
        provision.addActor().setReference(new Reference(payer)).setRole(new CodeableConcept(
                new Coding("http://terminology.hl7.org/CodeSystem/v3-ParticipationType", "IRCP", null)));
        provision.addPurpose(new Coding("http://terminology.hl7.org/CodeSystem/v3-ActReason", "HPAYMT", null));
        provision.addPurpose(new Coding("http://terminology.hl7.org/CodeSystem/v3-ActReason", "COVAUTH", null));
        provision.addSecurityLabel(new Coding(ACT_CODE, "SUD", null));
        provision.addProvision().setType(notes ? Consent.ConsentProvisionType.PERMIT : Consent.ConsentProvisionType.DENY)
                .addSecurityLabel(new Coding(ACT_CODE, "PSYTHPN", null));
        return consent;
    }
}
