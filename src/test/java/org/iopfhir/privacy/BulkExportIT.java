package org.iopfhir.privacy;

import static org.assertj.core.api.Assertions.assertThat;

import ca.uhn.fhir.batch2.api.IJobMaintenanceService;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.hl7.fhir.r4.model.Binary;
import org.hl7.fhir.r4.model.Group;
import org.hl7.fhir.r4.model.Identifier;
import org.hl7.fhir.r4.model.Observation;
import org.hl7.fhir.r4.model.Reference;
import org.iopfhir.privacy.AdversarialDisclosureIT.Access;
import org.iopfhir.privacy.AdversarialDisclosureIT.Caller;
import org.iopfhir.privacy.AdversaryFixture.Kind;
import org.iopfhir.privacy.AdversaryFixture.Rec;
import org.iopfhir.privacy.AdversaryFixture.Who;
import org.iopfhir.privacy.auth.BulkExportRequester;
import org.iopfhir.testsupport.SecuredServerTest;
import org.iopfhir.testsupport.TestTokens;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;

/**
 * Bulk Data {@code $export} end to end over HTTP (kick-off, status polling, manifest, NDJSON files) with
 * security on: an export holds exactly what its requester could read over REST. Each caller of the
 * adversarial suite exports the fixture's patients, and its files are checked against the same oracle as
 * its REST reads (records it must see are there, records it may not see are not, not even by id). The
 * status, the files and cancelling belong to the requester alone.
 */
class BulkExportIT extends SecuredServerTest {

    private static final AdversaryFixture FIXTURE = new AdversaryFixture(FHIR);
    private static final ObjectMapper JSON = new ObjectMapper();
    /** The fixture's types, and the Provenance of its writes (which names the records it is about). */
    private static final String TYPES = String.join(",", FIXTURE.types()) + ",Provenance";
    private static boolean loaded;

    @Autowired
    private IJobMaintenanceService maintenance;

    @BeforeEach
    void fixture() {
        synchronized (BulkExportIT.class) {
            if (!loaded) {
                client(AdversarialDisclosureIT.PRIVACY_OFFICER.token()).transaction().withBundle(FIXTURE.transaction()).execute();
                loaded = true;
            }
        }
    }

    @Test
    void eachCallersExportHoldsWhatItCouldReadAndNothingElse() {
        List<Caller> callers = new ArrayList<>(AdversarialDisclosureIT.ATTACKERS);
        callers.add(AdversarialDisclosureIT.CLINICIAN_A);
        List<String> findings = new ArrayList<>();
        for (Caller caller : callers) {
            String kickOff = caller.self != null
                    ? caller.self.reference() + "/$export?_type=" + TYPES
                    : "Patient/$export?_type=" + TYPES;
            Export export = export(caller.token(), kickOff);
            for (Rec rec : FIXTURE.records()) {
                Access access = caller.access(rec);
                boolean exported = export.text().contains(rec.marker());
                if (access == Access.MUST && !exported) {
                    findings.add(caller + " misses " + rec);
                }
                if (access == Access.NEVER && (exported || rec.idPattern().matcher(export.text()).find())) {
                    findings.add(caller + " receives " + rec);
                }
            }
        }
        assertThat(findings).isEmpty();
    }

    @Test
    void aPayersExportCarriesTheLabelsAndTheRedisclosureNotice() {
        Export export = export(consentedPayer(), "Patient/$export?_type=Observation");
        String p2 = export.lines("Observation").stream().filter(l -> l.contains(FIXTURE.rec(Who.P2, Kind.OBSERVATION).marker()))
                .findFirst().orElseThrow();
        assertThat(p2).contains("42CFRPart2").contains("NORDSCLCD").contains("redisclosure-notice");
    }

    @Test
    void aSystemExportAnswersTheBulkDataProtocol() {
        String token = backend();
        Response kickOff = send(request("$export?_type=Patient,Observation", token).GET().build());
        assertThat(kickOff.status()).isEqualTo(202);
        String status = kickOff.header("Content-Location");
        assertThat(status).contains("$export-poll-status?_jobId=");

        Response first = send(request(relative(status), token).GET().build());
        if (first.status() == 202) {
            assertThat(first.header("X-Progress")).isNotBlank();
        }
        Export export = finish(token, status);
        assertThat(export.manifest().get("requiresAccessToken").asBoolean()).isTrue();
        assertThat(export.manifest().get("transactionTime").asText()).isNotBlank();
        assertThat(export.manifest().get("request").asText()).contains("$export");
        assertThat(export.files().keySet()).containsExactlyInAnyOrder("Patient", "Observation");
        for (String line : export.lines("Patient")) {
            assertThat(FHIR.newJsonParser().parseResource(line).fhirType()).isEqualTo("Patient");
        }
        assertThat(export.text()).contains(FIXTURE.rec(Who.P3, Kind.OBSERVATION).marker())
                .doesNotContain(FIXTURE.rec(Who.P1, Kind.OBSERVATION).marker());
    }

    /** Everything a backend may read, exported; prints the throughput (the job's steps run on forced maintenance passes). */
    @Test
    void aWholeSystemExportFinishes() {
        long start = System.nanoTime();
        Export export = export(backend(), "$export");
        double seconds = (System.nanoTime() - start) / 1e9;
        long resources = export.files().keySet().stream().mapToLong(type -> export.lines(type).size()).sum();
        System.out.printf(java.util.Locale.ROOT, "BulkExportIT: system export of %d resources in %d files, %.1f s from kick-off to the last"
                + " download, %.0f resources/s%n", resources, export.contents().size(), seconds, resources / seconds);
        assertThat(export.files()).containsKeys("Patient", "EpisodeOfCare", "Encounter", "Provenance");
        assertThat(export.text()).doesNotContain(FIXTURE.rec(Who.P1, Kind.PATIENT).marker());
    }

    /**
     * Left to the server's own schedule (no forced maintenance), a small export is ready within a minute: its steps
     * move on at every maintenance pass ({@code iop.server.job-maintenance-interval}, 5 s), where HAPI's default
     * pass, once a minute, kept the benchmark's exports waiting over three minutes.
     */
    @Test
    void anExportFinishesOnTheServersOwnSchedule() {
        long start = System.nanoTime();
        Response kickOff = send(request("Patient/$export?_type=Patient", backend()).GET().build());
        assertThat(kickOff.status()).as(kickOff.body()).isEqualTo(202);
        Export export = finish(backend(), kickOff.header("Content-Location"), false);
        assertThat(export.files()).containsKey("Patient");
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(60));
    }

    @Test
    void sinceExportsOnlyWhatChangedAfterwards() {
        Instant before = Instant.now().minusSeconds(1);
        Observation added = new Observation();
        added.setStatus(Observation.ObservationStatus.FINAL).getCode().setText("weekly hours");
        added.setSubject(new Reference(Who.P3.reference()));
        added.addIdentifier(new Identifier().setSystem(AdversaryFixture.MARKER_SYSTEM).setValue("EXPORT-SINCE-MARKER"));
        client(AdversarialDisclosureIT.PRIVACY_OFFICER.token()).create().resource(added).execute();

        Export export = export(backend(), "$export?_type=Observation&_since=" + URLEncoder.encode(before.toString(), StandardCharsets.UTF_8));
        assertThat(export.text()).contains("EXPORT-SINCE-MARKER").doesNotContain(FIXTURE.rec(Who.P3, Kind.OBSERVATION).marker());
    }

    @Test
    void aPatientExportIncludesTheProvenanceOfThePatientsRecords() {
        Observation added = new Observation();
        added.setStatus(Observation.ObservationStatus.FINAL).getCode().setText("minutes attended");
        added.setSubject(new Reference(Who.P3.reference()));
        String id = client(AdversarialDisclosureIT.CLINICIAN_A.token()).create().resource(added).execute().getId()
                .toUnqualifiedVersionless().getValue();

        Export export = export(AdversarialDisclosureIT.CLINICIAN_A.token(), Who.P3.reference() + "/$export?_type=Provenance");
        assertThat(export.lines("Provenance")).anyMatch(line -> line.contains("\"" + id + "/_history/1\""));
    }

    @Test
    void aTypeFilterNarrowsTheExport() {
        Export export = export(backend(), "$export?_type=Patient&_typeFilter="
                + URLEncoder.encode("Patient?_id=" + Who.P3.patientId(), StandardCharsets.UTF_8));
        assertThat(export.lines("Patient")).hasSize(1);
        assertThat(export.text()).contains(FIXTURE.rec(Who.P3, Kind.PATIENT).marker());
    }

    @Test
    void aGroupExportHoldsOnlyWhatTheCallerCouldRead() {
        Group group = new Group().setType(Group.GroupType.PERSON).setActual(true);
        group.addMember().setEntity(new Reference(Who.P2.reference()));
        String id = client(AdversarialDisclosureIT.PRIVACY_OFFICER.token()).create().resource(group).execute().getId().getIdPart();

        Export export = export(consentedPayer(), "Group/" + id + "/$export?_type=Patient,Observation,DocumentReference");
        assertThat(export.text()).contains(FIXTURE.rec(Who.P2, Kind.OBSERVATION).marker())
                .contains(FIXTURE.rec(Who.P2, Kind.PROGRESS_NOTE).marker())
                .doesNotContain(FIXTURE.rec(Who.P2, Kind.COUNSELING_NOTE).marker())
                .doesNotContain(FIXTURE.rec(Who.P3, Kind.OBSERVATION).marker())
                .doesNotContain(FIXTURE.rec(Who.P1, Kind.OBSERVATION).marker());
    }

    @Test
    void onlyTheRequesterFollowsAnExportOrDownloadsItsFiles() {
        String requester = consentedPayer();
        String other = AdversarialDisclosureIT.PAYER_D.token();
        Response kickOff = send(request("Patient/$export?_type=Patient", requester).GET().build());
        String status = relative(kickOff.header("Content-Location"));

        Response stranger = send(request(status, other).GET().build());
        Response missing = send(request(status.replaceAll("_jobId=.*", "_jobId=00000000-0000-0000-0000-000000000000"), other).GET().build());
        assertThat(stranger.status()).isEqualTo(404);
        assertThat(missing.status()).isEqualTo(404);
        assertThat(send(request(status, other).DELETE().build()).status()).isEqualTo(404);

        Export export = finish(requester, "/fhir/" + status);
        String file = relative(export.files().get("Patient").get(0));
        Response download = send(request(file, other).header("Accept", "application/fhir+ndjson").GET().build());
        assertThat(download.status()).isEqualTo(404);
        assertThat(download.body()).doesNotContain("ADV-SECRET");
        // In lists the file is left out, and the rest is answered: a Binary search, an auditor's system history.
        String fileId = file.substring(file.indexOf("Binary/") + "Binary/".length()).replaceAll("[/?].*", "");
        String auditor = TestTokens.token().role("auditor").scope("user/*.rs user/AuditEvent.rs").sign();
        for (String[] list : new String[][] {{"Binary?_id=" + fileId, other}, {"_history?_count=500", auditor}}) {
            Response answer = send(request(list[0], list[1]).GET().build());
            assertThat(answer.status()).as(list[0] + ": " + answer.body()).isEqualTo(200);
            assertThat(answer.body()).as(list[0]).doesNotContain("Binary/" + fileId).doesNotContain("ADV-SECRET");
        }
        // Nor does it come back by other routes: a conditional create that matches it, a batch that searches for it.
        String writer = TestTokens.token().scope("system/*.cruds").sign();
        Response matched = send(request("Binary", writer).header("Content-Type", "application/fhir+json")
                .header("If-None-Exist", "_id=" + fileId)
                .POST(java.net.http.HttpRequest.BodyPublishers.ofString("{\"resourceType\":\"Binary\",\"contentType\":\"text/plain\"}"))
                .build());
        assertThat(matched.status()).as(matched.body()).isEqualTo(404);
        assertThat(matched.body()).doesNotContain("\"data\"");
        String batch = "{\"resourceType\":\"Bundle\",\"type\":\"batch\",\"entry\":[{\"request\":{\"method\":\"GET\",\"url\":\"Binary?_id="
                + fileId + "\"}},{\"request\":{\"method\":\"GET\",\"url\":\"Binary/" + fileId + "/_history\"}}]}";
        Response batched = send(java.net.http.HttpRequest.newBuilder(URI.create(baseUrl()))
                .header("Authorization", "Bearer " + writer).header("Content-Type", "application/fhir+json")
                .header("Accept", "application/fhir+json")
                .POST(java.net.http.HttpRequest.BodyPublishers.ofString(batch)).build());
        assertThat(batched.status()).as(batched.body()).isEqualTo(200);
        assertThat(batched.body()).doesNotContain("\"data\"").doesNotContain("ADV-SECRET");
    }

    @Test
    void theRequesterCancelsAnExport() {
        String token = backend();
        Response kickOff = send(request("Patient/$export", token).GET().build());
        String status = relative(kickOff.header("Content-Location"));
        Response cancelled = send(request(status, token).DELETE().build());
        // 202 while it runs; 404 if it already finished (nothing left to cancel)
        assertThat(cancelled.status()).isIn(202, 404);
        if (cancelled.status() == 202) {
            assertThat(send(request(status, token).GET().build()).status()).isEqualTo(404);
        }
    }

    @Test
    void typesBeyondTheScopesAreRefusedAndWithoutTypesOnlyTheGrantedOnesAreExported() {
        String token = TestTokens.token().client("observation-reader").scope("system/Observation.rs system/Binary.rs").sign();
        assertThat(send(request("$export?_type=Patient", token).GET().build()).status()).isEqualTo(403);

        Export export = export(token, "$export");
        assertThat(export.files().keySet()).containsOnly("Observation");
    }

    @Test
    void aPatientContextTokenExportsOnlyItsOwnPatient() {
        String token = TestTokens.token().role("patient").scope("patient/*.rs").patient(Who.P3.patientId()).sign();
        for (String refused : List.of("$export", Who.P2.reference() + "/$export")) {
            Response response = send(request(refused, token).GET().build());
            assertThat(response.status()).as(refused + ": " + response.body()).isIn(403, 404);
        }
        Response others = send(request("Patient/$export", token).header("Content-Type", "application/fhir+json")
                .POST(java.net.http.HttpRequest.BodyPublishers.ofString(OperationRecipes.params(
                        OperationRecipes.reference("patient", Who.P2.reference())))).build());
        assertThat(others.status()).as(others.body()).isIn(403, 404);
        Export own = export(token, Who.P3.reference() + "/$export?_type=Patient,Observation");
        assertThat(own.text()).contains(FIXTURE.rec(Who.P3, Kind.OBSERVATION).marker()).doesNotContain("ADV-SECRET-observation-p2");
    }

    @Test
    void aCallerCannotPlantAnExportFileNorBreakTheStatusPoll() {
        String writer = TestTokens.token().client("backend-writer").scope("system/*.cruds").sign();
        String line = "{\"resourceType\":\"Observation\",\"id\":\"planted\",\"subject\":{\"reference\":\"Patient/adv-p1\"}}";
        String data = java.util.Base64.getEncoder().encodeToString(line.getBytes(StandardCharsets.UTF_8));
        String planted = "{\"resourceType\":\"Binary\",\"contentType\":\"application/fhir+ndjson\",\"securityContext\":"
                + "{\"identifier\":{\"system\":\"" + BulkExportRequester.REQUESTER_SYSTEM + "\",\"value\":\"x\"}},\"data\":\"" + data + "\"}";
        Response refused = send(request("Binary", writer).header("Content-Type", "application/fhir+json")
                .POST(java.net.http.HttpRequest.BodyPublishers.ofString(planted)).build());
        assertThat(refused.status()).as(refused.body()).isEqualTo(403);

        // An NDJSON Binary that is no export's file is a Binary like any other: stored and read, not parsed.
        String garbage = java.util.Base64.getEncoder().encodeToString("x".getBytes(StandardCharsets.UTF_8));
        Response stored = send(request("Binary", writer).header("Content-Type", "application/fhir+json")
                .POST(java.net.http.HttpRequest.BodyPublishers.ofString("{\"resourceType\":\"Binary\",\"contentType\":"
                        + "\"application/fhir+ndjson\",\"data\":\"" + garbage + "\"}")).build());
        assertThat(stored.status()).as(stored.body()).isEqualTo(201);
        Response read = send(request(relative(stored.header("Location")), writer).GET().build());
        assertThat(read.status()).as(read.body()).isEqualTo(200);

        String withoutValue = "{\"resourceType\":\"Parameters\",\"parameter\":[{\"name\":\"_jobId\",\"_valueString\":"
                + "{\"extension\":[{\"url\":\"urn:x\",\"valueBoolean\":true}]}}]}";
        Response poll = send(request("$export-poll-status", backend()).header("Content-Type", "application/fhir+json")
                .POST(java.net.http.HttpRequest.BodyPublishers.ofString(withoutValue)).build());
        assertThat(poll.status()).as(poll.body()).isEqualTo(400);
    }

    // ---------------------------------------------------------------------------------------------

    private static String consentedPayer() {
        return TestTokens.token().role("payer").scope("user/*.rs").purpose("HPAYMT").organization(AdversaryFixture.PAYER_C).sign();
    }

    private static String backend() {
        return TestTokens.token().client("backend-export").scope("system/*.rs").sign();
    }

    /** A finished export: its manifest, its files by type (URLs), and the text of all files. */
    record Export(JsonNode manifest, Map<String, List<String>> files, Map<String, String> contents) {
        String text() {
            return String.join("\n", contents.values());
        }

        List<String> lines(String type) {
            return files.getOrDefault(type, List.of()).stream().flatMap(url -> contents.get(url).lines())
                    .filter(l -> !l.isBlank()).toList();
        }
    }

    private Export export(String token, String kickOffPath) {
        Response kickOff = send(request(kickOffPath, token).GET().build());
        assertThat(kickOff.status()).as(kickOffPath + ": " + kickOff.body()).isEqualTo(202);
        return finish(token, kickOff.header("Content-Location"));
    }

    /**
     * Polls until the manifest is there (running the job's maintenance instead of waiting for it, unless one is
     * running already: two passes at once could hand out the same work twice), then downloads.
     */
    private Export finish(String token, String statusUrl) {
        return finish(token, statusUrl, true);
    }

    private Export finish(String token, String statusUrl, boolean forceMaintenance) {
        String status = relative(statusUrl);
        Response response = null;
        for (int attempt = 0; attempt < 600; attempt++) {
            if (forceMaintenance) {
                maintenance.runMaintenancePass();
            }
            response = send(request(status, token).GET().build());
            if (response.status() != 202) {
                break;
            }
            pause();
        }
        assertThat(response.status()).as(response.body()).isEqualTo(200);
        JsonNode manifest = read(response.body());
        Map<String, List<String>> files = new LinkedHashMap<>();
        Map<String, String> contents = new LinkedHashMap<>();
        for (JsonNode output : manifest.get("output")) {
            String url = output.get("url").asText();
            files.computeIfAbsent(output.get("type").asText(), k -> new ArrayList<>()).add(url);
            Response file = send(request(relative(url), token).header("Accept", "application/fhir+ndjson").GET().build());
            assertThat(file.status()).as(file.body()).isEqualTo(200);
            contents.put(url, ndjson(file.body()));
        }
        return new Export(manifest, files, contents);
    }

    /** HAPI sends the file itself for a non-FHIR Accept; a Binary resource in JSON is decoded too. */
    private static String ndjson(String body) {
        if (body.startsWith("{\"resourceType\":\"Binary\"") || body.startsWith("{\n  \"resourceType\" : \"Binary\"")) {
            Binary binary = FHIR.newJsonParser().parseResource(Binary.class, body);
            return new String(binary.getData(), StandardCharsets.UTF_8);
        }
        return body;
    }

    private java.net.http.HttpRequest.Builder request(String path, String token) {
        return java.net.http.HttpRequest.newBuilder(URI.create(baseUrl() + "/" + path))
                .header("Accept", "application/fhir+json").header("Prefer", "respond-async")
                .header("Authorization", "Bearer " + token);
    }

    /** A URL of this server relative to its FHIR base. */
    private static String relative(String url) {
        int at = url.indexOf("/fhir/");
        return at < 0 ? url : url.substring(at + "/fhir/".length());
    }

    private static JsonNode read(String json) {
        try {
            return JSON.readTree(json);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void pause() {
        try {
            Thread.sleep(100);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
