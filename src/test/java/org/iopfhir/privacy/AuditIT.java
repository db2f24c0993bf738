package org.iopfhir.privacy;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import org.hl7.fhir.r4.model.AuditEvent;
import org.hl7.fhir.r4.model.Bundle;
import org.iopfhir.testsupport.SecuredServerTest;
import org.iopfhir.testsupport.TestTokens;
import org.junit.jupiter.api.Test;

/** Every request leaves an AuditEvent with who, what, when, why and how it ended; the trail is append-only. */
class AuditIT extends SecuredServerTest {

    private static final String PAYER = "Organization/example-payer";
    private static final String PROGRAM = "Organization/example-program";
    private final String auditor = TestTokens.token().role("auditor").scope("user/AuditEvent.rs").sign();

    private String payer(String clientId) {
        return TestTokens.token().role("payer").scope("user/*.rs").purpose("HPAYMT").organization(PAYER)
                .client(clientId).user("reviewer-1").sign();
    }

    private static String newClient() {
        return "client-" + UUID.randomUUID();
    }

    @Test
    void aReadIsRecordedWithWhoWhatWhyAndOutcome() {
        String clientId = newClient();
        assertThat(get("/fhir/Patient/example-patient", payer(clientId)).status()).isEqualTo(200);

        AuditEvent event = single(clientId);
        assertThat(event.getType().getSystem()).isEqualTo("http://terminology.hl7.org/CodeSystem/audit-event-type");
        assertThat(event.getType().getCode()).isEqualTo("rest");
        assertThat(event.getSubtypeFirstRep().getSystem()).isEqualTo("http://hl7.org/fhir/restful-interaction");
        assertThat(event.getSubtypeFirstRep().getCode()).isEqualTo("read");
        assertThat(event.getAction()).isEqualTo(AuditEvent.AuditEventAction.R);
        assertThat(event.getOutcome()).isEqualTo(AuditEvent.AuditEventOutcome._0);
        assertThat(event.getRecorded()).isCloseTo(java.util.Date.from(Instant.now()), 60_000);
        assertThat(event.getPurposeOfEventFirstRep().getCodingFirstRep().getCode()).isEqualTo("HPAYMT");
        AuditEvent.AuditEventAgentComponent requestor = event.getAgent().stream().filter(a -> a.getRequestor()).findFirst().orElseThrow();
        assertThat(requestor.getWho().getIdentifier().getValue()).isEqualTo("reviewer-1");
        assertThat(requestor.getAltId()).isEqualTo(clientId);
        assertThat(event.getAgent()).anySatisfy(a -> assertThat(a.getWho().getIdentifier().getValue()).isEqualTo(clientId));
        assertThat(event.getEntity()).extracting(e -> e.getWhat().getReference()).contains("Patient/example-patient");
        assertThat(event.getSource().getObserver().getDisplay()).isEqualTo("IOP FHIR Server");
        // The trail itself is not labelled or filtered like patient records.
        assertThat(event.getMeta().getSecurity()).isEmpty();
    }

    @Test
    void searchesRecordTheQueryAndThePatientsDisclosed() {
        String clientId = newClient();
        assertThat(get("/fhir/Encounter?subject=Patient/example-patient&_count=5", payer(clientId)).status()).isEqualTo(200);

        AuditEvent event = single(clientId);
        assertThat(event.getSubtypeFirstRep().getCode()).isEqualTo("search-type");
        assertThat(event.getAction()).isEqualTo(AuditEvent.AuditEventAction.E);
        assertThat(event.getEntity()).filteredOn(AuditEvent.AuditEventEntityComponent::hasQuery)
                .anySatisfy(e -> assertThat(new String(e.getQuery(), StandardCharsets.UTF_8))
                        .contains("Encounter?subject=Patient/example-patient"));
        assertThat(event.getEntity()).extracting(e -> e.getWhat().getReference()).contains("Patient/example-patient");
    }

    @Test
    void refusalsAreRecordedAsFailures() {
        String clientId = newClient();
        // The example consent permits payment and coverage review, not treatment, as the payer's purpose.
        String wrongPurpose = TestTokens.token().role("payer").scope("user/*.rs").purpose("TREAT").organization(PAYER)
                .client(clientId).user("reviewer-1").sign();
        assertThat(get("/fhir/DocumentReference/example-note-g01", wrongPurpose).status()).isEqualTo(404);

        AuditEvent event = single(clientId);
        assertThat(event.getOutcome()).isEqualTo(AuditEvent.AuditEventOutcome._4);
        // Named by identifier: what a refused request names need not exist.
        assertThat(event.getEntity()).extracting(e -> e.getWhat().getIdentifier().getValue())
                .contains("DocumentReference/example-note-g01");
    }

    /** A request for a format the server does not offer (Turtle) is refused before it runs, and recorded too. */
    @Test
    void aRequestForAnUnofferedFormatIsRecordedAsRefused() {
        String clientId = newClient();
        assertThat(get("/fhir/Patient/example-patient?_format=ttl", payer(clientId)).status()).isEqualTo(406);

        AuditEvent event = single(clientId);
        assertThat(event.getOutcome()).isEqualTo(AuditEvent.AuditEventOutcome._4);
        assertThat(event.getSubtypeFirstRep().getCode()).isEqualTo("read");
    }

    @Test
    void unauthenticatedRequestsAreRecorded() {
        String marker = "/fhir/Patient/unauthenticated-" + UUID.randomUUID();
        assertThat(get(marker, null).status()).isEqualTo(401);

        List<AuditEvent> events = awaitEvents("AuditEvent?outcome=4&altid=anonymous&_count=500", e ->
                e.getEntity().stream().anyMatch(x -> x.hasQuery() && new String(x.getQuery(), StandardCharsets.UTF_8).contains(marker)));
        assertThat(events).hasSize(1);
    }

    @Test
    void writesAndOperationsAreRecordedWithTheirAction() {
        String clientId = newClient();
        String clinician = TestTokens.token().role("clinician").scope("user/*.cruds").purpose("TREAT")
                .organization("Organization/example-program").client(clientId).sign();
        Response created = send(HttpRequest.newBuilder(URI.create(baseUrl() + "/Observation"))
                .header("Authorization", "Bearer " + clinician).header("Content-Type", "application/fhir+json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"resourceType\":\"Observation\",\"status\":\"final\","
                        + "\"code\":{\"text\":\"Craving\"},\"subject\":{\"reference\":\"Patient/example-patient\"}}")).build());
        assertThat(created.status()).isEqualTo(201);
        assertThat(get("/fhir/Patient/example-patient/$everything?_count=5", clinician).status()).isEqualTo(200);

        List<AuditEvent> events = awaitEvents("AuditEvent?altid=" + clientId, e -> true, 2);
        assertThat(events).extracting(e -> e.getSubtypeFirstRep().getCode()).containsExactlyInAnyOrder("create", "operation");
        assertThat(events).filteredOn(e -> e.getSubtypeFirstRep().getCode().equals("create"))
                .singleElement().satisfies(e -> {
                    assertThat(e.getAction()).isEqualTo(AuditEvent.AuditEventAction.C);
                    assertThat(e.getEntity()).extracting(x -> x.getWhat().getIdentifier().getValue())
                            .anyMatch(r -> r != null && r.startsWith("Observation/"));
                });
    }

    @Test
    void breakTheGlassIsRecordedAsSuch() {
        String clientId = newClient();
        String token = TestTokens.token().role("clinician").scope("user/*.rs").purpose("BTG")
                .organization("Organization/another-program").client(clientId).sign();
        assertThat(get("/fhir/Patient/example-patient", token).status()).isEqualTo(200);

        assertThat(single(clientId).getPurposeOfEventFirstRep().getCodingFirstRep().getCode()).isEqualTo("BTG");
    }

    @Test
    void auditEventsCannotBeWrittenChangedOrDeletedThroughTheApiByAnyone() {
        String everything = TestTokens.token().role("privacy-officer auditor clinician").scope("user/*.cruds system/*.cruds")
                .purpose("TREAT").sign();
        String clientId = newClient();
        get("/fhir/Patient/example-patient", payer(clientId));
        AuditEvent event = single(clientId);
        String id = event.getIdElement().getIdPart();
        event.setOutcomeDesc("tampered");
        String body = FHIR.newJsonParser().encodeResourceToString(event);

        assertThat(send(HttpRequest.newBuilder(URI.create(baseUrl() + "/AuditEvent/" + id))
                .header("Authorization", "Bearer " + everything).header("Content-Type", "application/fhir+json")
                .PUT(HttpRequest.BodyPublishers.ofString(body)).build()).status()).isEqualTo(403);
        assertThat(send(HttpRequest.newBuilder(URI.create(baseUrl() + "/AuditEvent/" + id))
                .header("Authorization", "Bearer " + everything).DELETE().build()).status()).isEqualTo(403);
        assertThat(send(HttpRequest.newBuilder(URI.create(baseUrl() + "/AuditEvent"))
                .header("Authorization", "Bearer " + everything).header("Content-Type", "application/fhir+json")
                .POST(HttpRequest.BodyPublishers.ofString(body.replace("\"id\":\"" + id + "\",", ""))).build()).status())
                .isEqualTo(403);
        Bundle transaction = new Bundle().setType(Bundle.BundleType.TRANSACTION);
        transaction.addEntry().setResource(new AuditEvent().setOutcomeDesc("forged")).getRequest()
                .setMethod(Bundle.HTTPVerb.POST).setUrl("AuditEvent");
        assertThat(send(HttpRequest.newBuilder(URI.create(baseUrl()))
                .header("Authorization", "Bearer " + everything).header("Content-Type", "application/fhir+json")
                .POST(HttpRequest.BodyPublishers.ofString(FHIR.newJsonParser().encodeResourceToString(transaction))).build())
                .status()).isEqualTo(403);
        assertThat(single(clientId).getOutcomeDesc()).isNotEqualTo("tampered");
    }

    @Test
    void onlyAuditorsReadTheTrail() {
        String clinician = TestTokens.token().role("clinician").scope("user/*.rs").purpose("TREAT")
                .organization("Organization/example-program").sign();
        String scopeWithoutRole = TestTokens.token().scope("user/AuditEvent.rs").sign();
        String roleWithoutScope = TestTokens.token().role("auditor").scope("user/Patient.rs").sign();

        assertThat(get("/fhir/AuditEvent?_count=1", clinician).status()).isEqualTo(403);
        assertThat(get("/fhir/AuditEvent?_count=1", scopeWithoutRole).status()).isEqualTo(403);
        assertThat(get("/fhir/AuditEvent?_count=1", roleWithoutScope).status()).isEqualTo(403);
        assertThat(get("/fhir/AuditEvent?_count=1", auditor).status()).isEqualTo(200);
        // The auditor role reads the trail, not patient records.
        assertThat(get("/fhir/Patient/example-patient", TestTokens.token().role("auditor").scope("user/*.rs").sign())
                .status()).isEqualTo(404);
    }

    @Test
    void aPatientCanBeDeletedAfterItWasReadAndItsTrailStaysReadable() {
        String clientId = newClient();
        String clinician = programClinician(clientId);
        String patient = "Patient/deletable-" + UUID.randomUUID();
        assertThat(put(patient, clinician, "{\"resourceType\":\"Patient\",\"id\":\"" + idPart(patient)
                + "\",\"managingOrganization\":{\"reference\":\"" + PROGRAM + "\"}}").status()).isEqualTo(201);
        assertThat(get("/fhir/" + patient, clinician).status()).isEqualTo(200);
        // Both accesses are on the trail, referencing the patient, before it is deleted (an auditor's searches
        // of the patient's trail are accesses too, so count the clinician's).
        String byClinician = "AuditEvent?patient=" + patient + "&altid=" + clientId;
        assertThat(awaitEvents(byClinician, e -> true, 2)).hasSize(2);

        Response deleted = send(HttpRequest.newBuilder(URI.create(baseUrl() + "/" + patient))
                .header("Authorization", "Bearer " + clinician).DELETE().build());

        assertThat(deleted.status()).as(deleted.body()).isIn(200, 204);
        assertThat(get("/fhir/" + patient, clinician).status()).isEqualTo(410);
        // The delete and the read answered 410 are found too: they name the patient by identifier, the patient
        // no longer existing.
        List<AuditEvent> trail = awaitEvents(byClinician, e -> true, 4);
        assertThat(trail).extracting(e -> e.getSubtypeFirstRep().getCode())
                .containsExactlyInAnyOrder("update", "read", "delete", "read");
        assertThat(get("/fhir/AuditEvent/" + trail.get(0).getIdElement().getIdPart(), auditor).status()).isEqualTo(200);
        // The delete itself is on the trail too, naming the patient by identifier (it no longer exists), and
        // so is an auditor's later search of the deleted patient's trail, which is found by the patient too.
        assertThat(awaitEvents("AuditEvent?altid=" + clientId, e -> e.getSubtypeFirstRep().getCode().equals("delete"), 1))
                .singleElement().satisfies(e -> assertThat(e.getEntity())
                        .extracting(x -> x.getWhat().getIdentifier().getValue()).contains(patient));
        String auditorClient = newClient();
        String anotherAuditor = TestTokens.token().role("auditor").scope("user/AuditEvent.rs").client(auditorClient).sign();
        assertThat(get("/fhir/" + byClinician, anotherAuditor).status()).isEqualTo(200);
        assertThat(awaitEvents("AuditEvent?altid=" + auditorClient + "&patient=" + patient, e -> true, 1)).singleElement()
                .satisfies(e -> assertThat(e.getEntity()).extracting(x -> x.getWhat().hasReference()
                        ? x.getWhat().getReference() : x.getWhat().getIdentifier().getValue()).contains(patient));
    }

    @Test
    void referencesFromRecordsStillBlockDeletingAPatientWithATrail() {
        String clientId = newClient();
        String clinician = programClinician(clientId);
        String patient = "Patient/referenced-" + UUID.randomUUID();
        put(patient, clinician, "{\"resourceType\":\"Patient\",\"id\":\"" + idPart(patient)
                + "\",\"managingOrganization\":{\"reference\":\"" + PROGRAM + "\"}}");
        get("/fhir/" + patient, clinician);
        awaitEvents("AuditEvent?patient=" + patient, e -> true, 2);
        // Referenced after the AuditEvents: HAPI finds those first, and the observation must still count.
        assertThat(post("/Observation", clinician, "{\"resourceType\":\"Observation\",\"status\":\"final\","
                + "\"code\":{\"text\":\"Craving\"},\"subject\":{\"reference\":\"" + patient + "\"}}").status())
                .isEqualTo(201);

        Response refused = send(HttpRequest.newBuilder(URI.create(baseUrl() + "/" + patient))
                .header("Authorization", "Bearer " + clinician).DELETE().build());

        assertThat(refused.status()).isEqualTo(409);
        assertThat(refused.body()).contains("Observation/").doesNotContain("AuditEvent/");
        assertThat(get("/fhir/" + patient, clinician).status()).isEqualTo(200);
    }

    @Test
    void everythingNeverContainsTheTrailEvenForAnAuditorWithWideScopes() {
        String clientId = newClient();
        // An auditor who may also read every record: the trail is still not part of the patient's record.
        String auditorAndOfficer = TestTokens.token().role("auditor privacy-officer").scope("user/*.rs")
                .purpose("TREAT").client(clientId).sign();
        assertThat(get("/fhir/Patient/example-patient", auditorAndOfficer).status()).isEqualTo(200);
        assertThat(awaitEvents("AuditEvent?patient=Patient/example-patient&altid=" + clientId, e -> true, 1)).hasSize(1);

        List<Bundle.BundleEntryComponent> everything = allPages("/fhir/Patient/example-patient/$everything?_count=100",
                auditorAndOfficer);

        assertThat(everything).isNotEmpty().noneMatch(e -> e.getResource() instanceof AuditEvent);
        assertThat(allPages("/fhir/Patient?_id=example-patient&_revinclude=*&_count=100", auditorAndOfficer))
                .isNotEmpty().noneMatch(e -> e.getResource() instanceof AuditEvent);
        // Through its own endpoint the trail is read, page after page: the read, $everything and the search.
        awaitEvents("AuditEvent?patient=Patient/example-patient&altid=" + clientId, e -> true, 3);
        assertThat(allPages("/fhir/AuditEvent?patient=Patient/example-patient&altid=" + clientId + "&_count=2", auditor))
                .hasSizeGreaterThanOrEqualTo(3).allMatch(e -> e.getResource() instanceof AuditEvent);
    }

    @Test
    void operationDisclosuresAreFoundByThePatientTheyAreAbout() {
        String clientId = newClient();
        String payer = payer(clientId);
        String empty = "{\"resourceType\":\"Parameters\"}";
        String documentation = "{\"resourceType\":\"Parameters\",\"parameter\":[{\"name\":\"output\",\"valueCode\":\"bundle\"}]}";
        assertThat(post("/EpisodeOfCare/example-episode/$attendance", payer, empty).status()).isEqualTo(200);
        assertThat(post("/EpisodeOfCare/example-episode/$medical-necessity", payer, empty).status()).isEqualTo(200);
        Response bundle = post("/EpisodeOfCare/example-episode/$medical-necessity", payer, documentation);
        assertThat(bundle.status()).isEqualTo(200);
        assertThat(post("/QuestionnaireResponse/example-intake/$extract", payer, empty).status()).isEqualTo(200);

        List<AuditEvent> events = awaitEvents("AuditEvent?patient=Patient/example-patient&altid=" + clientId, e -> true, 4);

        assertThat(events).extracting(AuditEvent::getOutcomeDesc).containsExactlyInAnyOrder("HTTP 200 $attendance",
                "HTTP 200 $medical-necessity", "HTTP 200 $medical-necessity", "HTTP 200 $extract");
        // The documentation package's evidence, nested in the Bundle within the Parameters, is recorded
        // resource by resource (the first 100: an AuditEvent names at most 100 resources).
        Bundle documentationPackage = (Bundle) ((org.hl7.fhir.r4.model.Parameters) bundle.resource())
                .getParameter("package").getResource();
        List<String> evidence = documentationPackage.getEntry().stream().map(e -> e.getResource())
                .filter(r -> r.getIdElement().hasIdPart()).map(r -> r.fhirType() + "/" + r.getIdElement().getIdPart())
                .toList();
        assertThat(evidence).contains("EpisodeOfCare/example-episode");
        assertThat(events).anySatisfy(e -> assertThat(disclosed(e))
                .containsExactlyElementsOf(evidence.subList(0, Math.min(100, evidence.size()))));
    }

    @Test
    void writesThatReturnTheStoredRecordAreRecordedAsDisclosures() {
        String value = UUID.randomUUID().toString();
        String observation = "{\"resourceType\":\"Observation\",\"identifier\":[{\"system\":\"urn:test\",\"value\":\""
                + value + "\"}],\"status\":\"final\",\"code\":{\"text\":\"Craving\"},"
                + "\"subject\":{\"reference\":\"Patient/example-patient\"}}";

        // Created without a body in the response: a write, nothing disclosed; still found by the patient.
        String minimal = newClient();
        Response created = send(writeRequest("/Observation", minimal).header("Prefer", "return=minimal")
                .POST(HttpRequest.BodyPublishers.ofString(observation)).build());
        assertThat(created.status()).isEqualTo(201);
        assertThat(created.body()).isEmpty();
        String stored = "Observation/" + new org.hl7.fhir.r4.model.IdType(created.header("Location")).getIdPart();
        AuditEvent write = single(minimal);
        assertThat(lifecycles(write, stored)).containsExactly("1");
        assertThat(patientsOf(write)).contains("Patient/example-patient");

        // The same create, conditional on the identifier: nothing is written, the stored record is returned.
        String conditional = newClient();
        Response matched = send(writeRequest("/Observation", conditional)
                .header("If-None-Exist", "identifier=urn:test|" + value)
                .POST(HttpRequest.BodyPublishers.ofString(observation)).build());
        assertThat(matched.status()).isEqualTo(200);
        assertThat(matched.body()).contains(stored.substring(stored.indexOf('/') + 1));
        AuditEvent match = single(conditional);
        assertThat(match.getSubtypeFirstRep().getCode()).isEqualTo("create");
        assertThat(lifecycles(match, stored)).containsExactly("11");
        assertThat(patientsOf(match)).contains("Patient/example-patient");

        // A patch that changes the record and returns it: amended and disclosed.
        String patching = newClient();
        assertThat(patch(stored, patching, "amended").status()).isEqualTo(200);
        assertThat(lifecycles(single(patching), stored)).containsExactlyInAnyOrder("3", "11");

        // A patch that changes nothing writes nothing, and still returns the stored record.
        String unchanged = newClient();
        Response noop = patch(stored, unchanged, "amended");
        assertThat(noop.status()).isEqualTo(200);
        assertThat(noop.body()).contains("\"amended\"");
        assertThat(lifecycles(single(unchanged), stored)).containsExactly("11");
    }

    private HttpRequest.Builder writeRequest(String path, String clientId) {
        return HttpRequest.newBuilder(URI.create(baseUrl() + path))
                .header("Authorization", "Bearer " + programClinician(clientId))
                .header("Content-Type", "application/fhir+json").header("Accept", "application/fhir+json");
    }

    private Response patch(String reference, String clientId, String status) {
        return send(HttpRequest.newBuilder(URI.create(baseUrl() + "/" + reference))
                .header("Authorization", "Bearer " + programClinician(clientId))
                .header("Content-Type", "application/json-patch+json").header("Accept", "application/fhir+json")
                .method("PATCH", HttpRequest.BodyPublishers.ofString(
                        "[{\"op\":\"replace\",\"path\":\"/status\",\"value\":\"" + status + "\"}]")).build());
    }

    /** The lifecycle codes of the entities naming a resource (none: only named). */
    private static List<String> lifecycles(AuditEvent event, String resource) {
        return event.getEntity().stream().filter(e -> resource.equals(e.getWhat().getIdentifier().getValue()))
                .map(e -> e.hasLifecycle() ? e.getLifecycle().getCode() : "none").toList();
    }

    private static List<String> disclosed(AuditEvent event) {
        return event.getEntity().stream().filter(e -> e.hasLifecycle() && "11".equals(e.getLifecycle().getCode()))
                .map(e -> e.getWhat().getIdentifier().getValue()).toList();
    }

    private static List<String> patientsOf(AuditEvent event) {
        return event.getEntity().stream().filter(e -> "1".equals(e.getRole().getCode()))
                .map(e -> e.getWhat().getReference()).toList();
    }

    private String programClinician(String clientId) {
        return TestTokens.token().role("clinician").scope("user/*.cruds").purpose("TREAT").organization(PROGRAM)
                .client(clientId).sign();
    }

    private static String idPart(String reference) {
        return reference.substring(reference.indexOf('/') + 1);
    }

    private Response put(String reference, String token, String body) {
        return send(HttpRequest.newBuilder(URI.create(baseUrl() + "/" + reference))
                .header("Authorization", "Bearer " + token).header("Content-Type", "application/fhir+json")
                .PUT(HttpRequest.BodyPublishers.ofString(body)).build());
    }

    private Response post(String path, String token, String body) {
        return send(HttpRequest.newBuilder(URI.create(baseUrl() + path))
                .header("Authorization", "Bearer " + token).header("Content-Type", "application/fhir+json")
                .header("Accept", "application/fhir+json").POST(HttpRequest.BodyPublishers.ofString(body)).build());
    }

    /** Every entry of a search or operation result, following its next links. */
    private List<Bundle.BundleEntryComponent> allPages(String path, String token) {
        List<Bundle.BundleEntryComponent> entries = new java.util.ArrayList<>();
        String next = path;
        while (next != null) {
            Response page = get(next, token);
            assertThat(page.status()).as(page.body()).isEqualTo(200);
            Bundle bundle = (Bundle) page.resource();
            entries.addAll(bundle.getEntry());
            Bundle.BundleLinkComponent link = bundle.getLink(Bundle.LINK_NEXT);
            next = link == null ? null : URI.create(link.getUrl()).getRawPath() + "?" + URI.create(link.getUrl()).getRawQuery();
        }
        return entries;
    }

    private AuditEvent single(String clientId) {
        List<AuditEvent> events = awaitEvents("AuditEvent?altid=" + clientId, e -> true, 1);
        assertThat(events).hasSize(1);
        return events.get(0);
    }

    private List<AuditEvent> awaitEvents(String query, java.util.function.Predicate<AuditEvent> filter) {
        return awaitEvents(query, filter, 1);
    }

    /** The trail is written asynchronously: wait (briefly) for the expected number of events. */
    private List<AuditEvent> awaitEvents(String query, java.util.function.Predicate<AuditEvent> filter, int count) {
        Instant deadline = Instant.now().plus(Duration.ofSeconds(20));
        List<AuditEvent> events = List.of();
        while (Instant.now().isBefore(deadline)) {
            Response response = get("/fhir/" + query, auditor);
            assertThat(response.status()).isEqualTo(200);
            events = ((Bundle) response.resource()).getEntry().stream().map(e -> (AuditEvent) e.getResource())
                    .filter(filter).toList();
            if (events.size() >= count) {
                return events;
            }
            try {
                Thread.sleep(200);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        return events;
    }
}
