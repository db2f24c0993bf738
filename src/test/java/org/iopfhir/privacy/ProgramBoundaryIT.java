package org.iopfhir.privacy;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpRequest;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.assertj.core.api.SoftAssertions;
import org.hl7.fhir.instance.model.api.IBaseCoding;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.Coding;
import org.hl7.fhir.r4.model.Condition;
import org.hl7.fhir.r4.model.Consent;
import org.hl7.fhir.r4.model.DocumentReference;
import org.hl7.fhir.r4.model.Encounter;
import org.hl7.fhir.r4.model.IdType;
import org.hl7.fhir.r4.model.Observation;
import org.hl7.fhir.r4.model.Patient;
import org.hl7.fhir.r4.model.Reference;
import org.hl7.fhir.r4.model.Resource;
import org.iopfhir.privacy.MatrixData.State;
import org.iopfhir.testsupport.IgValidator;
import org.iopfhir.testsupport.SecuredServerTest;
import org.iopfhir.testsupport.TestTokens;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The disclosure rule on the paths an attacker tried: writing one's way into another program, echoes of
 * writes, forged consents, operations on other patients, reverse chains, existence probes, and the
 * labelling of records written before a patient became an SUD patient.
 */
class ProgramBoundaryIT extends SecuredServerTest {

    private static final String FOREIGN = MatrixData.OTHER_PROGRAM;
    private static final String NOTE_CONTENT = "c2Vzc2lvbg=="; // "session", the counseling note's text

    @BeforeEach
    void matrixPatients() {
        MatrixData.ensureLoaded(client(MatrixData.privacyOfficer()));
    }

    private static String clinician(String program) {
        return TestTokens.token().role("clinician").scope("user/*.cruds").purpose("TREAT").organization(program).sign();
    }

    private Response send(String method, String path, String token, String contentType, String body, String... headers) {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(baseUrl() + path))
                .header("Authorization", "Bearer " + token).header("Accept", "application/fhir+json")
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        if (contentType != null) {
            request.header("Content-Type", contentType);
        }
        for (int i = 0; i < headers.length; i += 2) {
            request.header(headers[i], headers[i + 1]);
        }
        return send(request.build());
    }

    private Response post(String path, String token, Resource resource, String... headers) {
        return send("POST", path, token, "application/fhir+json", FHIR.newJsonParser().encodeResourceToString(resource), headers);
    }

    private String officer() {
        return MatrixData.privacyOfficer();
    }

    @Test
    void aForeignClinicianCannotWriteItsWayIntoAnotherProgramsRecord() {
        String foreign = clinician(FOREIGN);
        String patient = "Patient/" + State.NONE.patientId;
        String before = get("/fhir/" + patient, officer()).body();

        Encounter session = new Encounter();
        session.setStatus(Encounter.EncounterStatus.FINISHED);
        session.setClass_(new Coding(MatrixData.ACT_CODE, "AMB", null));
        session.setSubject(new Reference(patient));
        assertThat(post("/Encounter", foreign, session).status()).as("a session for the patient").isEqualTo(403);

        org.hl7.fhir.r4.model.EpisodeOfCare admission = new org.hl7.fhir.r4.model.EpisodeOfCare();
        admission.setStatus(org.hl7.fhir.r4.model.EpisodeOfCare.EpisodeOfCareStatus.ACTIVE);
        admission.setPatient(new Reference(patient));
        admission.setManagingOrganization(new Reference(FOREIGN));
        assertThat(post("/EpisodeOfCare", foreign, admission).status()).as("an admission to its own program").isEqualTo(403);

        String move = "[{\"op\":\"replace\",\"path\":\"/managingOrganization\",\"value\":{\"reference\":\"" + FOREIGN + "\"}}]";
        assertThat(send("PATCH", "/" + patient, foreign, "application/json-patch+json", move).status()).isEqualTo(404);
        assertThat(send("DELETE", "/Encounter/" + State.NONE.patientId + "-enc", foreign, null, null).status()).isEqualTo(404);
        assertThat(send("PUT", "/Encounter/" + State.NONE.patientId + "-enc", foreign, "application/fhir+json",
                FHIR.newJsonParser().encodeResourceToString(session.setId(State.NONE.patientId + "-enc"))).status())
                .isEqualTo(403);

        assertThat(get("/fhir/" + patient, officer()).body()).isEqualTo(before);
        assertThat(get("/fhir/Encounter/" + State.NONE.patientId + "-enc", officer()).status()).isEqualTo(200);
        Response everything = get("/fhir/" + patient + "/$everything", foreign);
        assertThat(everything.status()).isEqualTo(404);
        assertThat(everything.body()).doesNotContain("Matrix-", "example-program");
    }

    @Test
    void aClinicianRecordsPatientsAndEpisodesOfItsOwnProgramOnly() {
        Patient elsewhere = new Patient();
        elsewhere.setManagingOrganization(new Reference(FOREIGN));
        assertThat(post("/Patient", clinician(MatrixData.PROGRAM), elsewhere).status()).isEqualTo(403);

        Response created = post("/Patient", clinician(MatrixData.PROGRAM), new Patient().setActive(true));
        assertThat(created.status()).isEqualTo(201);
        Patient own = (Patient) created.resource();
        assertThat(own.getIdElement().getIdPart()).as("server-assigned ids are not guessable")
                .matches("[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}");
        assertThat(own.getMeta().getTag()).extracting(IBaseCoding::getCode).containsExactly(MatrixData.PROGRAM);
        assertThat(get("/fhir/Patient/" + own.getIdElement().getIdPart(), clinician(FOREIGN)).status()).isEqualTo(404);
    }

    @Test
    void writeAnswersCarryNothingTheCallerMayNotRead() {
        String note = "DocumentReference/" + State.NONE.patientId + "-note";
        String probe = "[{\"op\":\"test\",\"path\":\"/status\",\"value\":\"current\"}]";
        Response patch = send("PATCH", "/" + note, clinician(FOREIGN), "application/json-patch+json", probe);
        assertThat(patch.status()).isEqualTo(404);
        assertThat(patch.body()).doesNotContain(NOTE_CONTENT);
        String wrongGuess = "[{\"op\":\"test\",\"path\":\"/status\",\"value\":\"superseded\"}]";
        assertThat(send("PATCH", "/" + note, clinician(FOREIGN), "application/json-patch+json", wrongGuess).body())
                .as("a failing test op answers the same").isEqualTo(patch.body());

        String backend = TestTokens.token().scope("system/*.cruds").sign();
        DocumentReference copy = new DocumentReference();
        copy.setStatus(org.hl7.fhir.r4.model.Enumerations.DocumentReferenceStatus.CURRENT);
        Response conditional = post("/DocumentReference", backend, copy, "If-None-Exist", "_id=" + State.NONE.patientId + "-note");
        assertThat(conditional.status()).isEqualTo(412);
        assertThat(conditional.body()).doesNotContain(NOTE_CONTENT, "Matrix-");
        assertThat(conditional.header("Location")).isNull();

        Bundle transaction = new Bundle().setType(Bundle.BundleType.TRANSACTION);
        transaction.addEntry().setResource(copy).getRequest().setMethod(Bundle.HTTPVerb.POST).setUrl("DocumentReference")
                .setIfNoneExist("_id=" + State.NONE.patientId + "-note");
        Response inTransaction = send("POST", "", backend, "application/fhir+json",
                FHIR.newJsonParser().encodeResourceToString(transaction), "Prefer", "return=representation");
        assertThat(inTransaction.status()).isEqualTo(200);
        assertThat(((Bundle) inTransaction.resource()).getEntryFirstRep().getResponse().getStatus()).startsWith("412");
        assertThat(inTransaction.body()).doesNotContain(NOTE_CONTENT, note);
    }

    @Test
    void onlyThePrivacyOfficerRecordsPart2ConsentsAndEachNamesItsPatient() {
        Consent forged = MatrixData.part2Consent(State.NONE, Consent.ConsentState.ACTIVE, MatrixData.PAYER, null, false);
        forged.setId((String) null);
        String payer = TestTokens.token().role("payer").scope("user/*.rs").purpose("HPAYMT").organization(MatrixData.PAYER).sign();

        assertThat(post("/Consent", clinician(MatrixData.PROGRAM), forged).status()).isEqualTo(403);
        String revoke = "[{\"op\":\"replace\",\"path\":\"/status\",\"value\":\"inactive\"}]";
        String real = "/Consent/" + State.ACTIVE.patientId + "-consent";
        assertThat(send("PATCH", real, clinician(MatrixData.PROGRAM), "application/json-patch+json", revoke).status()).isEqualTo(403);
        assertThat(send("DELETE", real, clinician(MatrixData.PROGRAM), null, null).status()).isEqualTo(403);
        assertThat(get("/fhir/Patient/" + State.NONE.patientId, payer).status()).isEqualTo(404);
        assertThat(get("/fhir/Patient/" + State.ACTIVE.patientId, payer).status()).isEqualTo(200);

        forged.setPatient(null);
        assertThat(post("/Consent", officer(), forged).status()).as("a consent without its patient").isEqualTo(422);
    }

    @Test
    void anotherProgramReadsAPart2RecordUnderAConsentNamingItForTreatment() {
        String patient = "Patient/" + State.REVOKED.patientId;
        String programB = "Organization/transfer-program";
        assertThat(get("/fhir/" + patient, clinician(programB)).status()).isEqualTo(404);
        assertThat(send("PUT", "/" + programB, officer(), "application/fhir+json",
                "{\"resourceType\":\"Organization\",\"id\":\"transfer-program\",\"name\":\"Program B\"}").status())
                .isIn(200, 201);

        Consent transfer = MatrixData.part2Consent(State.REVOKED, Consent.ConsentState.ACTIVE, programB, null, false);
        transfer.setId("mx-revoked-transfer");
        transfer.getProvision().getPurpose().clear();
        transfer.getProvision().addPurpose(new Coding("http://terminology.hl7.org/CodeSystem/v3-ActReason", "TREAT", null));
        assertThat(send("PUT", "/Consent/mx-revoked-transfer", officer(), "application/fhir+json",
                FHIR.newJsonParser().encodeResourceToString(transfer)).status()).isIn(200, 201);

        assertThat(get("/fhir/" + patient, clinician(programB)).status()).isEqualTo(200);
        assertThat(get("/fhir/DocumentReference/" + State.REVOKED.patientId + "-note", clinician(programB)).status())
                .as("counseling notes need their own consent").isEqualTo(404);
    }

    @Test
    void operationsOnAnotherPatientsRecordsLookLikeOperationsOnNothing() {
        String otherPatient = TestTokens.token().role("patient").scope("patient/*.rs").patient(State.ACTIVE.patientId).sign();
        String empty = "{\"resourceType\":\"Parameters\"}";
        for (String operation : List.of("/EpisodeOfCare/example-episode/$attendance",
                "/EpisodeOfCare/example-episode/$medical-necessity", "/QuestionnaireResponse/example-intake/$extract",
                "/QuestionnaireResponse/example-intake/$level-of-care", "/Patient/example-patient/$level-of-care",
                "/Patient/example-patient/$everything")) {
            Response response = send("POST", operation, otherPatient, "application/fhir+json", empty);
            String missing = operation.replaceAll("/(example-[a-z]+)/", "/$1-missing/");
            Response none = send("POST", missing, otherPatient, "application/fhir+json", empty);
            assertThat(response.status()).as(operation).isEqualTo(404);
            assertThat(response.body().replace(operation.split("/")[2], "X"))
                    .as("%s answers as for a missing record", operation)
                    .isEqualTo(none.body().replace(missing.split("/")[2], "X"));
        }
    }

    @Test
    void extractFromAnInlineIntakeAboutAnotherPatientLooksLikeOneAboutNobody() {
        String otherPatient = TestTokens.token().role("patient").scope("patient/*.rs").patient(State.ACTIVE.patientId).sign();
        org.hl7.fhir.r4.model.QuestionnaireResponse intake = IgValidator.exampleEpisode().getEntry().stream()
                .map(Bundle.BundleEntryComponent::getResource)
                .filter(org.hl7.fhir.r4.model.QuestionnaireResponse.class::isInstance)
                .map(org.hl7.fhir.r4.model.QuestionnaireResponse.class::cast).findFirst().orElseThrow().copy();
        org.hl7.fhir.r4.model.Parameters about = new org.hl7.fhir.r4.model.Parameters();
        about.addParameter().setName("questionnaire-response").setResource(intake);
        org.hl7.fhir.r4.model.Parameters aboutNobody = about.copy();
        ((org.hl7.fhir.r4.model.QuestionnaireResponse) aboutNobody.getParameterFirstRep().getResource())
                .setSubject(new Reference("Patient/example-patient-missing"));

        Response response = post("/QuestionnaireResponse/$extract", otherPatient, about);
        Response none = post("/QuestionnaireResponse/$extract", otherPatient, aboutNobody);

        assertThat(response.status()).isEqualTo(none.status()).isEqualTo(404);
        assertThat(response.body().replace("example-patient", "X"))
                .isEqualTo(none.body().replace("example-patient-missing", "X"));
    }

    @Test
    void refusedAndMissingRecordsGetTheSameAnswer() {
        String payer = TestTokens.token().role("payer").scope("user/*.rs").purpose("HPAYMT").organization(MatrixData.OTHER_PAYER).sign();
        Response refused = get("/fhir/Patient/" + State.NONE.patientId, payer);
        Response missing = get("/fhir/Patient/mx-never-stored", payer);

        assertThat(refused.status()).isEqualTo(missing.status()).isEqualTo(404);
        assertThat(refused.body().replace(State.NONE.patientId, "X")).isEqualTo(missing.body().replace("mx-never-stored", "X"));
        assertThat(refused.body()).doesNotContain("consent", "PSYTHPN", "payer");
        assertThat(get("/fhir/Patient/" + State.NONE.patientId + "/_history", payer).status()).isEqualTo(404);
    }

    @Test
    void includesOfHiddenMatchesAreNotReturned() {
        String payer = TestTokens.token().role("payer").scope("user/*.rs").purpose("HPAYMT").organization(MatrixData.OTHER_PAYER).sign();
        Response hidden = get("/fhir/EpisodeOfCare?patient=Patient/" + State.NONE.patientId
                + "&_include=EpisodeOfCare:organization", payer);
        Response visible = get("/fhir/EpisodeOfCare?patient=Patient/" + State.NOT_PART2.patientId
                + "&_include=EpisodeOfCare:organization", payer);

        assertThat(hidden.status()).isEqualTo(200);
        assertThat(((Bundle) hidden.resource()).getEntry()).isEmpty();
        assertThat(((Bundle) visible.resource()).getEntry()).extracting(e -> e.getResource().fhirType())
                .containsExactlyInAnyOrder("EpisodeOfCare", "Organization");
    }

    @Test
    void reverseChainsThatCouldRevealAProgramAreRefused() {
        String payer = TestTokens.token().role("payer").scope("user/*.rs").purpose("HPAYMT").organization(MatrixData.OTHER_PAYER).sign();
        Response response = get("/fhir/Organization?_has:EpisodeOfCare:organization:patient=Patient/" + State.NONE.patientId, payer);

        assertThat(response.status()).isEqualTo(400);
        assertThat(response.body()).doesNotContain("example-program");
    }

    @Test
    void aPatientsEarlierRecordsAndVersionsAreLabelledWhenTheyBecomeAnSudPatient() {
        ca.uhn.fhir.rest.client.api.IGenericClient staff = client(clinician(MatrixData.PROGRAM));
        Patient patient = new Patient();
        patient.setActive(true);
        IdType id = (IdType) staff.create().resource(patient).execute().getId().toUnqualifiedVersionless();
        staff.update().resource(patient.setActive(false).setId(id)).execute();
        Encounter session = new Encounter();
        session.setStatus(Encounter.EncounterStatus.FINISHED);
        session.setClass_(new Coding(MatrixData.ACT_CODE, "AMB", null));
        session.setSubject(new Reference(id));
        IdType sessionId = (IdType) staff.create().resource(session).execute().getId().toUnqualifiedVersionless();
        DocumentReference note = new DocumentReference();
        note.setStatus(org.hl7.fhir.r4.model.Enumerations.DocumentReferenceStatus.CURRENT);
        note.getContext().addEncounter(new Reference(sessionId));
        note.addContent().getAttachment().setContentType("text/plain").setData("plan".getBytes());
        IdType noteId = (IdType) staff.create().resource(note).execute().getId().toUnqualifiedVersionless();
        assertThat(labels(get("/fhir/" + noteId.getValue(), officer()))).isEmpty();

        Condition diagnosis = new Condition();
        diagnosis.setSubject(new Reference(id));
        diagnosis.getCode().addCoding(new Coding("http://hl7.org/fhir/sid/icd-10-cm", "F11.20", null));
        staff.create().resource(diagnosis).execute();

        for (String record : List.of(id.getValue(), id.getValue() + "/_history/1", sessionId.getValue(), noteId.getValue())) {
            assertThat(labels(get("/fhir/" + record, officer()))).as(record).contains("SUD", "R", "42CFRPart2");
        }
        DocumentReference later = new DocumentReference();
        later.setStatus(org.hl7.fhir.r4.model.Enumerations.DocumentReferenceStatus.CURRENT);
        later.getContext().addEncounter(new Reference(sessionId));
        later.addContent().getAttachment().setContentType("text/plain").setData("later".getBytes());
        Response stored = post("/DocumentReference", officer(), later);
        assertThat(labels(stored)).as("a note reaching the patient through a session, written by the privacy officer")
                .contains("SUD", "42CFRPart2");
    }

    private static List<String> labels(Response response) {
        return ((Resource) response.resource()).getMeta().getSecurity().stream().map(IBaseCoding::getCode).toList();
    }

    @Test
    void theBundleOfAnOperationHoldsNoEntryWithoutAResource() {
        String payer = TestTokens.token().role("payer").scope("user/*.rs").purpose("HPAYMT")
                .organization("Organization/example-payer").sign();
        Response response = send("POST", "/EpisodeOfCare/example-episode/$medical-necessity", payer, "application/fhir+json",
                "{\"resourceType\":\"Parameters\",\"parameter\":[{\"name\":\"output\",\"valueCode\":\"bundle\"}]}");
        assertThat(response.status()).isEqualTo(200);
        Bundle documentation = (Bundle) ((org.hl7.fhir.r4.model.Parameters) response.resource()).getParameter("package").getResource();
        assertThat(documentation.getEntry()).isNotEmpty().allSatisfy(e -> assertThat(e.getResource()).isNotNull());
    }

    @Test
    void aPayerWithoutAPurposeOfUseIsRefusedNotCrashed() {
        String noPurpose = TestTokens.token().role("payer").scope("user/*.rs").organization(MatrixData.PAYER).sign();

        assertThat(get("/fhir/Patient/" + State.ACTIVE.patientId, noPurpose).status()).isEqualTo(404);
        Response search = get("/fhir/Encounter?subject=Patient/" + State.ACTIVE.patientId, noPurpose);
        assertThat(search.status()).isEqualTo(200);
        assertThat(((Bundle) search.resource()).getEntry()).isEmpty();
    }

    @Test
    void aLargeBatchOfReadsAnswersEveryEntry() {
        String payer = TestTokens.token().role("payer").scope("user/*.rs").purpose("HPAYMT").organization(MatrixData.PAYER).sign();
        Bundle batch = new Bundle().setType(Bundle.BundleType.BATCH);
        for (int i = 0; i < 40; i++) {
            State state = State.values()[i % State.values().length];
            batch.addEntry().getRequest().setMethod(Bundle.HTTPVerb.GET).setUrl(i % 2 == 0
                    ? "Patient/" + state.patientId : "Encounter?subject=Patient/" + state.patientId);
        }

        Response response = send("POST", "", payer, "application/fhir+json", FHIR.newJsonParser().encodeResourceToString(batch));

        assertThat(response.status()).isEqualTo(200);
        assertThat(((Bundle) response.resource()).getEntry()).hasSize(40)
                .allSatisfy(e -> assertThat(e.getResponse().getStatus()).matches("(200|404).*"));
        assertThat(response.body()).doesNotContain("Matrix-" + State.NONE.patientId);
    }

    @Test
    void anAuditorsSystemHistoryIsAnsweredNotCrashed() {
        String auditor = TestTokens.token().role("auditor").scope("user/*.rs user/AuditEvent.rs").sign();

        Response history = get("/fhir/_history?_count=50", auditor);

        assertThat(history.status()).as(history.body()).isEqualTo(200);
        // The trail, and nothing about a patient.
        assertThat(((Bundle) history.resource()).getEntry())
                .filteredOn(e -> e.getResource() != null && e.getRequest().getMethod() != Bundle.HTTPVerb.DELETE)
                .extracting(e -> e.getResource().fhirType())
                .doesNotContain("Patient", "EpisodeOfCare", "Encounter", "Observation", "DocumentReference", "Condition",
                        "Consent", "QuestionnaireResponse", "CarePlan", "Appointment");
    }

    @Test
    void aCallerPagesThroughItsOwnSearch() {
        String clinician = clinician(MatrixData.PROGRAM);
        Bundle first = (Bundle) get("/fhir/Encounter?subject=Patient/example-patient&_count=5", clinician).resource();
        String next = first.getLink("next").getUrl();

        Response page = get(next.substring(next.indexOf("/fhir")), clinician);

        assertThat(page.status()).isEqualTo(200);
        assertThat(((Bundle) page.resource()).getEntry()).hasSize(5);
    }

    /**
     * A result about a person held only inside it (subject {@code #mx-active}: the local id of a stored patient whose
     * consent names the payer) is its program's alone, and shown whole; a relative held in a patient's record is
     * shown with it to whoever may read the record. No request about either fails.
     */
    @Test
    void aRecordHoldingAPersonIsShownWholeAndOnlyToWhoMayReadIt() {
        String own = clinician(MatrixData.PROGRAM);
        String active = State.ACTIVE.patientId;
        Observation aboutHeld = sudResult(new Reference("#" + active));
        aboutHeld.addContained(new Patient().addName(new org.hl7.fhir.r4.model.HumanName().setFamily("Heldperson")).setId(active));
        Observation family = sudResult(new Reference("Patient/" + active));
        family.addContained(new Patient().addName(new org.hl7.fhir.r4.model.HumanName().setFamily("Heldmother")).setId("mother"));
        family.addFocus(new Reference("#mother"));
        String held = created(post("/Observation", own, aboutHeld));
        String relative = created(post("/Observation", own, family));

        Map<String, String> callers = new LinkedHashMap<>();
        callers.put("its program", own);
        callers.put("the privacy officer", officer());
        callers.put("another program", clinician(FOREIGN));
        callers.put("a payer the patient's consent names",
                TestTokens.token().role("payer").scope("user/*.rs").purpose("HPAYMT").organization(MatrixData.PAYER).sign());
        callers.put("a backend", TestTokens.token().scope("system/*.rs").sign());
        callers.put("the patient whose id the held person has",
                TestTokens.token().role("patient").scope("patient/*.rs").patient(active).sign());
        callers.put("an auditor", TestTokens.token().role("auditor").scope("user/*.rs").sign());
        Set<String> readHeld = Set.of("its program", "the privacy officer");
        Set<String> readRelative = Set.of("its program", "the privacy officer", "a payer the patient's consent names",
                "the patient whose id the held person has");

        SoftAssertions soft = new SoftAssertions();
        callers.forEach((who, token) -> {
            expectWhole(soft, who + " reads the held person's result", get("/fhir/" + held, token), readHeld.contains(who), "Heldperson");
            expectWhole(soft, who + " reads the relative's", get("/fhir/" + relative, token), readRelative.contains(who), "Heldmother");
            Response search = get("/fhir/Observation?_id=" + held.substring(12) + "," + relative.substring(12), token);
            soft.assertThat(search.status()).as(who + " searches").isIn(200, 403);
            if (search.status() == 200) {
                List<String> found = ((Bundle) search.resource()).getEntry().stream()
                        .map(e -> e.getResource().getIdElement().toUnqualifiedVersionless().getValue()).toList();
                soft.assertThat(found).as(who + " finds").containsExactlyInAnyOrderElementsOf(
                        Stream.of(readHeld.contains(who) ? held : null, readRelative.contains(who) ? relative : null)
                                .filter(java.util.Objects::nonNull).toList());
                soft.assertThat(search.body()).as(who + " finds whole").contains(readHeld.contains(who) ? "Heldperson" : "")
                        .contains(readRelative.contains(who) ? "Heldmother" : "");
            }
            if (!readHeld.contains(who)) {
                soft.assertThat(search.body()).as(who + " searches").doesNotContain("Heldperson");
            }
        });
        soft.assertAll();
    }

    /** A stored Bundle's entries are neither labelled nor owned: only the privacy officer stores and reads one. */
    @Test
    void aBundleStoredAsAResourceIsThePrivacyOfficersAlone() {
        Bundle document = new Bundle().setType(Bundle.BundleType.COLLECTION);
        document.addEntry().setFullUrl("urn:uuid:0c8f0a3e-6d4b-4c59-9d27-7b1b6f1d2e01")
                .setResource(sudResult(new Reference("Patient/" + State.NONE.patientId)));
        String payer = TestTokens.token().role("payer").scope("user/*.rs").purpose("HPAYMT").organization(MatrixData.PAYER).sign();

        assertThat(post("/Bundle", clinician(MatrixData.PROGRAM), document).status()).isEqualTo(403);
        assertThat(post("/Bundle", TestTokens.token().scope("system/*.cruds").sign(), document).status()).isEqualTo(403);
        String stored = created(post("/Bundle", officer(), document));

        assertThat(get("/fhir/" + stored, officer()).status()).isEqualTo(200);
        for (String token : List.of(clinician(MatrixData.PROGRAM), payer, TestTokens.token().scope("system/*.rs").sign())) {
            Response read = get("/fhir/" + stored, token);
            assertThat(read.status()).isEqualTo(404);
            assertThat(read.body()).doesNotContain("alcohol use disorder");
        }
    }

    private static Observation sudResult(Reference subject) {
        Observation result = new Observation();
        result.setStatus(Observation.ObservationStatus.FINAL);
        result.getCode().setText("alcohol use disorder, severe");
        result.setSubject(subject);
        return result;
    }

    private static String created(Response response) {
        assertThat(response.status()).as(response.body()).isEqualTo(201);
        return ((Resource) response.resource()).getIdElement().toUnqualifiedVersionless().getValue();
    }

    private static void expectWhole(SoftAssertions soft, String what, Response response, boolean readable, String held) {
        if (readable) {
            soft.assertThat(response.status()).as(what).isEqualTo(200);
            soft.assertThat(response.body()).as(what + ", whole").contains(held);
        } else {
            soft.assertThat(response.status()).as(what).isIn(403, 404);
            soft.assertThat(response.body()).as(what).doesNotContain(held);
        }
    }
}
