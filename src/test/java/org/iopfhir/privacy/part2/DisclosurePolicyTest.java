package org.iopfhir.privacy.part2;

import static org.assertj.core.api.Assertions.assertThat;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.rest.api.server.RequestDetails;
import ca.uhn.fhir.rest.api.server.SystemRequestDetails;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Supplier;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.hl7.fhir.r4.model.AuditEvent;
import org.hl7.fhir.r4.model.CodeableConcept;
import org.hl7.fhir.r4.model.Coding;
import org.hl7.fhir.r4.model.Consent;
import org.hl7.fhir.r4.model.DocumentReference;
import org.hl7.fhir.r4.model.Encounter;
import org.hl7.fhir.r4.model.EpisodeOfCare;
import org.hl7.fhir.r4.model.Observation;
import org.hl7.fhir.r4.model.Organization;
import org.hl7.fhir.r4.model.Patient;
import org.hl7.fhir.r4.model.Reference;
import org.iopfhir.privacy.auth.CallerContext;
import org.iopfhir.privacy.auth.Role;
import org.iopfhir.privacy.auth.SmartScope;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The one disclosure rule, table-driven: callers x records of program A's SUD patient, a patient
 * admitted to both programs, a non-Part 2 patient, and records about no patient.
 */
class DisclosurePolicyTest {

    static final String PROGRAM_A = "Organization/program-a";
    static final String PROGRAM_B = "Organization/program-b";
    static final String PAYER = "Organization/payer";
    static final Instant NOW = Instant.parse("2026-06-15T12:00:00Z");

    /** Stored data without a database: what the policy looks up. */
    static final class StoredRecords extends PatientRecords {
        final Map<String, IBaseResource> stored = new HashMap<>();
        final Map<String, List<EpisodeOfCare>> episodes = new HashMap<>();
        final Map<String, List<Consent>> consents = new HashMap<>();

        StoredRecords() {
            super(FhirContext.forR4Cached(), null, null);
        }

        @Override
        public Optional<IBaseResource> stored(String reference, RequestDetails request) {
            return Optional.ofNullable(stored.get(reference));
        }

        @Override
        public List<EpisodeOfCare> episodes(String patient, RequestDetails request) {
            return episodes.getOrDefault(patient, List.of());
        }

        @Override
        public List<Consent> consents(String patient, RequestDetails request) {
            return consents.getOrDefault(patient, List.of());
        }
    }

    static final StoredRecords RECORDS = new StoredRecords();
    static final DisclosurePolicy POLICY = new DisclosurePolicy(RECORDS, Clock.fixed(NOW, ZoneOffset.UTC));

    static {
        Patient sud = patient("sud", PROGRAM_A, true);
        Patient shared = patient("shared", PROGRAM_A, false);
        Patient plain = patient("plain", PROGRAM_A, false);
        RECORDS.stored.put("Patient/sud", sud);
        RECORDS.stored.put("Patient/shared", shared);
        RECORDS.stored.put("Patient/plain", plain);
        RECORDS.stored.put("Encounter/sud-enc", session("sud-enc", "sud", PROGRAM_A, true));
        EpisodeOfCare admissionB = new EpisodeOfCare().setPatient(new Reference("Patient/shared"))
                .setManagingOrganization(new Reference(PROGRAM_B));
        RecordOwner.set(admissionB, PROGRAM_B);
        RECORDS.episodes.put("Patient/shared", List.of(admissionB));
    }

    static Patient patient(String id, String program, boolean part2) {
        Patient patient = new Patient();
        patient.setId(id);
        patient.setManagingOrganization(new Reference(program));
        RecordOwner.set(patient, program);
        if (part2) {
            SecurityLabels.PART2.forEach(label -> SecurityLabels.add(patient, label));
        }
        return patient;
    }

    static Encounter session(String id, String patient, String program, boolean part2) {
        Encounter session = new Encounter();
        session.setId(id);
        session.setSubject(new Reference("Patient/" + patient));
        RecordOwner.set(session, program);
        if (part2) {
            SecurityLabels.PART2.forEach(label -> SecurityLabels.add(session, label));
        }
        return session;
    }

    static DocumentReference counselingNote() {
        DocumentReference note = new DocumentReference();
        note.setId("sud-note");
        note.setSubject(new Reference("Patient/sud"));
        RecordOwner.set(note, PROGRAM_A);
        SecurityLabels.PART2.forEach(label -> SecurityLabels.add(note, label));
        SecurityLabels.add(note, SecurityLabels.COUNSELING_NOTE);
        return note;
    }

    /** A progress note that names no patient, only its session. */
    static DocumentReference noteOfSession() {
        DocumentReference note = new DocumentReference();
        note.setId("linked-note");
        note.getContext().addEncounter(new Reference("Encounter/sud-enc"));
        RecordOwner.set(note, PROGRAM_A);
        SecurityLabels.PART2.forEach(label -> SecurityLabels.add(note, label));
        return note;
    }

    /**
     * A result program A recorded about a person it holds only inside the result (subject {@code #sud}): the
     * contained Patient's local id is the stored SUD patient's, which must not make it that patient's record.
     */
    static Observation aboutAHeldPerson(boolean part2) {
        Observation result = new Observation();
        result.setId("held-result");
        Patient person = new Patient();
        person.setId("sud");
        result.addContained(person);
        result.setSubject(new Reference("#sud"));
        RecordOwner.set(result, PROGRAM_A);
        if (part2) {
            SecurityLabels.PART2.forEach(label -> SecurityLabels.add(result, label));
        }
        return result;
    }

    /** A result whose subject is a person held inside it, recorded in the SUD patient's session. */
    static Observation heldSubjectInSession() {
        Observation result = result(new Reference("#held"), "Encounter/sud-enc");
        result.addContained(new Patient().setId("held"));
        return result;
    }

    /** A result program A recorded about a person named by a medical record number only. */
    static Observation aboutAnIdentifiedPerson() {
        Observation result = new Observation();
        result.setId("identified-result");
        result.setSubject(new Reference().setType("Patient")
                .setIdentifier(new org.hl7.fhir.r4.model.Identifier().setSystem("urn:oid:2.16.840.1.113883.19.5").setValue("sud")));
        RecordOwner.set(result, PROGRAM_A);
        SecurityLabels.PART2.forEach(label -> SecurityLabels.add(result, label));
        return result;
    }

    /** A Part 2 result program A recorded with the given subject (none: null), in the given session. */
    static Observation result(Reference subject, String encounter) {
        Observation result = new Observation();
        result.setId("result-" + (subject == null ? "none" : subject.hashCode()));
        result.setSubject(subject);
        if (encounter != null) {
            result.setEncounter(new Reference(encounter));
        }
        RecordOwner.set(result, PROGRAM_A);
        SecurityLabels.PART2.forEach(label -> SecurityLabels.add(result, label));
        return result;
    }

    /** A document stored as a Bundle, as it reads back: with a version. */
    static org.hl7.fhir.r4.model.Bundle storedDocument() {
        org.hl7.fhir.r4.model.Bundle document = new org.hl7.fhir.r4.model.Bundle();
        document.setType(org.hl7.fhir.r4.model.Bundle.BundleType.DOCUMENT);
        document.setId("Bundle/doc/_history/1");
        document.getMeta().setVersionId("1");
        document.addEntry().setResource((org.hl7.fhir.r4.model.Resource) RECORDS.stored.get("Patient/plain"));
        return document;
    }

    /** A result about the stored SUD patient whose focus is a relative held inside it. */
    static Observation withAHeldRelative() {
        Observation result = new Observation();
        result.setId("family-history");
        Patient mother = new Patient();
        mother.setId("mother");
        result.addContained(mother);
        result.setSubject(new Reference("Patient/sud"));
        result.addFocus(new Reference("#mother"));
        RecordOwner.set(result, PROGRAM_A);
        SecurityLabels.PART2.forEach(label -> SecurityLabels.add(result, label));
        return result;
    }

    /** An unlabelled session of the non-Part 2 patient holding a result labelled Part 2. */
    static Encounter holdingALabelledResult() {
        Encounter session = session("plain-enc", "plain", PROGRAM_A, false);
        Observation result = new Observation();
        result.setId("held");
        SecurityLabels.PART2.forEach(label -> SecurityLabels.add(result, label));
        session.addContained(result);
        session.addReasonReference(new Reference("#held"));
        return session;
    }

    static CallerContext caller(String roles, String scopes, String purpose, String organization, String patient) {
        Set<Role> parsed = new java.util.HashSet<>();
        for (String role : roles.split(" ")) {
            Role.fromClaim(role).ifPresent(parsed::add);
        }
        List<SmartScope> scopeList = new ArrayList<>();
        for (String scope : scopes.split(" ")) {
            SmartScope.parse(scope).ifPresent(scopeList::add);
        }
        return new CallerContext("client", "user", Set.copyOf(parsed), scopeList, Optional.ofNullable(patient),
                Optional.empty(), Optional.ofNullable(purpose), Optional.ofNullable(organization));
    }

    static Consent consent(String recipient, String purpose) {
        Consent consent = new Consent();
        consent.setId("c-" + recipient.hashCode() + purpose);
        consent.setStatus(Consent.ConsentState.ACTIVE);
        consent.getScope().addCoding(new Coding(Part2ConsentPolicy.CONSENT_SCOPE, "patient-privacy", null));
        consent.getPolicyRule().addCoding(new Coding(SecurityLabels.ACT_CODE, SecurityLabels.PART2_POLICY, null));
        consent.setPatient(new Reference("Patient/sud"));
        Consent.ProvisionComponent provision = consent.getProvision().setType(Consent.ConsentProvisionType.PERMIT);
        provision.addActor().setReference(new Reference(recipient)).setRole(new CodeableConcept(
                new Coding(Part2ConsentPolicy.PARTICIPATION_TYPE, Part2ConsentPolicy.RECIPIENT, null)));
        provision.addPurpose(new Coding("http://terminology.hl7.org/CodeSystem/v3-ActReason", purpose, null));
        return consent;
    }

    static Arguments row(String why, boolean permitted, CallerContext caller, Supplier<IBaseResource> record, List<Consent> consents) {
        return Arguments.of(why, permitted, caller, record, consents);
    }

    static List<Arguments> table() {
        CallerContext clinicianA = caller("clinician", "user/*.cruds", "TREAT", PROGRAM_A, null);
        CallerContext clinicianB = caller("clinician", "user/*.cruds", "TREAT", PROGRAM_B, null);
        CallerContext payer = caller("payer", "user/*.rs", "HPAYMT", PAYER, null);
        CallerContext ownPatient = caller("patient", "patient/*.rs", null, null, "sud");
        CallerContext otherPatient = caller("patient", "patient/*.rs", null, null, "plain");
        CallerContext auditor = caller("auditor", "user/*.rs", null, null, null);
        CallerContext backend = caller("", "system/*.rs", null, null, null);
        Supplier<IBaseResource> sudPatient = () -> RECORDS.stored.get("Patient/sud");
        Supplier<IBaseResource> sudSession = () -> RECORDS.stored.get("Encounter/sud-enc");
        Supplier<IBaseResource> sharedPatient = () -> RECORDS.stored.get("Patient/shared");
        Supplier<IBaseResource> plainPatient = () -> RECORDS.stored.get("Patient/plain");
        Supplier<IBaseResource> organization = () -> new Organization().setName("Program A").setId("program-a");
        List<Consent> none = List.of();
        return List.of(
                row("the program's clinician reads its own SUD record", true, clinicianA, sudSession, none),
                row("and its counseling notes (treatment within the program)", true, clinicianA, DisclosurePolicyTest::counselingNote, none),
                row("another program's clinician does not", false, clinicianB, sudSession, none),
                row("nor the Patient of the program's SUD patient", false, clinicianB, sudPatient, none),
                row("nor a note that names only its session", false, clinicianB, DisclosurePolicyTest::noteOfSession, none),
                row("unless the patient's Part 2 consent names its program for treatment", true, clinicianB, sudSession,
                        List.of(consent(PROGRAM_B, "TREAT"))),
                row("which does not release counseling notes", false, clinicianB, DisclosurePolicyTest::counselingNote,
                        List.of(consent(PROGRAM_B, "TREAT"))),
                row("a consent to another program does not help", false, clinicianB, sudSession,
                        List.of(consent("Organization/program-c", "TREAT"))),
                row("a consent for payment is not one for treatment", false, clinicianB, sudSession,
                        List.of(consent(PROGRAM_B, "HPAYMT"))),
                row("a program that admitted the patient reads their non-Part 2 records", true, clinicianB, sharedPatient, none),
                row("a program that did not, does not", false, clinicianB, plainPatient, none),
                row("breaking the glass reads any record", true, caller("clinician", "user/*.rs", "BTG", PROGRAM_B, null),
                        sudSession, none),
                row("a clinician without purpose TREAT reads nothing about patients", false,
                        caller("clinician", "user/*.rs", null, PROGRAM_A, null), sudSession, none),
                row("a clinician without a program reads nothing about patients", false,
                        caller("clinician", "user/*.rs", "TREAT", null, null), sudSession, none),
                row("a payer reads records that are not Part 2", true, payer, plainPatient, none),
                row("not Part 2 records without a consent", false, payer, sudSession, none),
                row("Part 2 records under a consent naming it for payment", true, payer, sudSession,
                        List.of(consent(PAYER, "HPAYMT"))),
                row("a payer without a purpose of use is refused, not crashed", false,
                        caller("payer", "user/*.rs", null, PAYER, null), sudSession, List.of(consent(PAYER, "HPAYMT"))),
                row("a patient reads their own record", true, ownPatient, sudSession, none),
                row("not their counseling notes", false, ownPatient, DisclosurePolicyTest::counselingNote, none),
                row("not another patient's record", false, otherPatient, sudSession, none),
                row("not another patient's Patient resource", false, otherPatient, sudPatient, none),
                row("a patient reads an organization (about no patient)", true, otherPatient, organization, none),
                row("an auditor reads no patient record, Part 2 or not", false, auditor, plainPatient, none),
                row("an auditor reads the audit trail", true, auditor, AuditEvent::new, none),
                row("nobody else does", false, clinicianA, AuditEvent::new, none),
                row("a backend without a role reads records that are not Part 2", true, backend, plainPatient, none),
                row("but no Part 2 record", false, backend, sudSession, none),
                row("scopes limit the types a caller reads", false, caller("clinician", "user/Observation.rs", "TREAT",
                        PROGRAM_A, null), sudSession, none),
                row("a record about a person held only inside it is its program's", true, clinicianA,
                        () -> aboutAHeldPerson(true), none),
                row("not another program's, though the held person's local id is a consenting patient's", false, clinicianB,
                        () -> aboutAHeldPerson(true), List.of(consent(PROGRAM_B, "TREAT"))),
                row("nor another program's when it is not Part 2 (no admission can be known)", false, clinicianB,
                        () -> aboutAHeldPerson(false), none),
                row("nor a payer's when it is Part 2 (no consent can be on file)", false, payer,
                        () -> aboutAHeldPerson(true), List.of(consent(PAYER, "HPAYMT"))),
                row("nor a payer's when it is not labelled Part 2 (labels follow a stored patient)", false, payer,
                        () -> aboutAHeldPerson(false), none),
                row("nor a backend's", false, backend, () -> aboutAHeldPerson(false), none),
                row("nor a patient's, though their id is the held person's", false, ownPatient,
                        () -> aboutAHeldPerson(true), none),
                row("nor a backend's when it is Part 2", false, backend, () -> aboutAHeldPerson(true), none),
                row("nor an auditor's", false, auditor, () -> aboutAHeldPerson(false), none),
                row("breaking the glass reads it", true, caller("clinician", "user/*.rs", "BTG", PROGRAM_B, null),
                        () -> aboutAHeldPerson(true), none),
                row("so is a record naming its person by identifier only", true, clinicianA,
                        DisclosurePolicyTest::aboutAnIdentifiedPerson, none),
                row("not another program's", false, clinicianB, DisclosurePolicyTest::aboutAnIdentifiedPerson,
                        List.of(consent(PROGRAM_B, "TREAT"))),
                row("nor a payer's", false, payer, DisclosurePolicyTest::aboutAnIdentifiedPerson,
                        List.of(consent(PAYER, "HPAYMT"))),
                row("nor an auditor's", false, auditor, DisclosurePolicyTest::aboutAnIdentifiedPerson, none),
                row("nor one naming its person by identifier without a type", false, payer,
                        () -> result(new Reference().setIdentifier(new org.hl7.fhir.r4.model.Identifier().setValue("sud")), null),
                        List.of(consent(PAYER, "HPAYMT"))),
                row("nor by name only", false, backend, () -> result(new Reference().setDisplay("Jane Roe"), null), none),
                row("nor a Part 2 result about no one", false, payer, () -> result(null, null), List.of(consent(PAYER, "HPAYMT"))),
                row("not even for a patient token", false, ownPatient, () -> result(null, null), none),
                row("a subject held inside is not the patient of a session it links to", false, payer,
                        () -> heldSubjectInSession(), List.of(consent(PAYER, "HPAYMT"))),
                row("nor is it the patient's own record", false, ownPatient, () -> heldSubjectInSession(), none),
                row("but its program reads it", true, clinicianA, () -> heldSubjectInSession(), none),
                row("a Part 2 result about a stored group is about no person", true, payer,
                        () -> result(new Reference("Group/program-a-cohort"), null), none),
                row("nor is one about a device held inside it", true, payer, () -> {
                    Observation reading = result(new Reference("#scale"), null);
                    reading.addContained(new org.hl7.fhir.r4.model.Device().setId("scale"));
                    return reading;
                }, none),
                row("a Bundle stored as a resource is the privacy officer's", true,
                        caller("privacy-officer", "user/*.rs", null, null, null), DisclosurePolicyTest::storedDocument, none),
                row("not a payer's, though its entry is not Part 2", false, payer, DisclosurePolicyTest::storedDocument, none),
                row("nor its program's", false, clinicianA, DisclosurePolicyTest::storedDocument, none),
                row("a relative held in a patient's record is part of it: the consent covers it", true, payer,
                        DisclosurePolicyTest::withAHeldRelative, List.of(consent(PAYER, "HPAYMT"))),
                row("and without a consent it is refused as the record is", false, payer,
                        DisclosurePolicyTest::withAHeldRelative, none),
                row("a label on a contained resource labels the record holding it", false, payer,
                        DisclosurePolicyTest::holdingALabelledResult, none),
                row("also for a backend", false, backend, DisclosurePolicyTest::holdingALabelledResult, none),
                row("the privacy officer reads everything", true, caller("privacy-officer", "user/*.rs", null, null, null),
                        DisclosurePolicyTest::counselingNote, none));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("table")
    void decides(String why, boolean permitted, CallerContext caller, Supplier<IBaseResource> record, List<Consent> consents) {
        RECORDS.consents.put("Patient/sud", consents);

        Decision decision = POLICY.decide(caller, record.get(), null);

        assertThat(decision.permitted()).as(decision.reason()).isEqualTo(permitted);
    }

    /**
     * Contained resources have local ids and no version: two parents in one answer may each contain a "#1", one
     * labelled Part 2 and one not. The decision on one must not be reused for the other.
     */
    @Test
    void aContainedResourceIsNotTakenForAnotherWithTheSameLocalId() {
        RECORDS.consents.put("Patient/sud", List.of());
        CallerContext backend = caller("", "system/*.rs", null, null, null);
        RequestDetails request = new SystemRequestDetails();
        Encounter plain = session("#1", "sud", PROGRAM_A, false);
        Encounter part2 = session("#1", "sud", PROGRAM_A, true);

        assertThat(POLICY.decideStored(backend, plain, request).permitted()).isTrue();
        assertThat(POLICY.decideStored(backend, part2, request).permitted()).isFalse();
    }

    /** A stored version is decided once per request: its labels cannot change within the request. */
    @Test
    void aStoredVersionIsDecidedOncePerRequest() {
        CallerContext backend = caller("", "system/*.rs", null, null, null);
        RequestDetails request = new SystemRequestDetails();
        Encounter stored = session("stored-1", "sud", PROGRAM_A, false);
        stored.setId("Encounter/stored-1/_history/3");

        Decision first = POLICY.decideStored(backend, stored, request);
        assertThat(POLICY.decideStored(backend, stored.copy(), request)).isSameAs(first);
    }
}
