package org.iopfhir.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.iopfhir.testsupport.RawHttp;
import org.iopfhir.testsupport.ServerProcess;
import org.iopfhir.testsupport.TestPostgres;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two server processes (the packaged jar) on one fresh PostgreSQL database, started at the same
 * moment: both come up (schema migration, guide installation and example loading take turns), what
 * is written through one is read and found through the other, a conditional create sent to both at
 * once stores one record, both keep their audit trail in the shared database, and a rolling restart
 * (SIGTERM one replica while the other serves, then start it again) costs a client that retries on connection
 * failure nothing. One test method: the two processes are started once.
 */
class ReplicasIT {

    private static final String JSON = "application/fhir+json";
    private static final ObjectMapper MAPPER = new ObjectMapper();
    private static final String MRN = "urn:iop-replicas:mrn";
    private static final int CONDITIONAL_ROUNDS = 12;

    @Test
    void twoReplicasOnOneDatabase(@TempDir Path work) throws Exception {
        EmbeddedPostgres postgres = TestPostgres.start();
        String url = TestPostgres.createDatabase(postgres, "iop_replicas");
        ServerProcess a = ServerProcess.on("replica-a", url, work.resolve("a"), "--iop.ig.load-examples=true");
        ServerProcess b = ServerProcess.on("replica-b", url, work.resolve("b"), "--iop.ig.load-examples=true");
        Instant suiteStart = Instant.now();
        try {
            // Both at once on an empty database.
            a.start();
            b.start();
            Duration readyA = a.awaitReady();
            Duration readyB = b.awaitReady();

            // The guide and the example were installed once: version 1 everywhere, one example episode.
            for (ServerProcess server : List.of(a, b)) {
                assertThat(json(get(server, "/StructureDefinition/iop-encounter")).at("/meta/versionId").asText())
                        .as("guide profile installed once, seen through %s", server.name()).isEqualTo("1");
                assertThat(json(get(server, "/EpisodeOfCare/example-episode")).at("/meta/versionId").asText())
                        .as("example loaded once, seen through %s", server.name()).isEqualTo("1");
                assertThat(total(server, "/StructureDefinition?url=http://iop-fhir.org/fhir/StructureDefinition/"
                        + "iop-episode-of-care&_summary=count")).isEqualTo(1);
            }
            boolean oneWaited = a.logContains("Another server is installing")
                    || b.logContains("Another server is installing");

            // Written through one, read and found through the other; and the other way round.
            String idA = createPatient(a, "written-via-a");
            String idB = createPatient(b, "written-via-b");
            assertThat(json(get(b, "/Patient/" + idA)).at("/identifier/0/value").asText()).isEqualTo("written-via-a");
            assertThat(json(get(a, "/Patient/" + idB)).at("/identifier/0/value").asText()).isEqualTo("written-via-b");
            assertThat(total(b, "/Patient?identifier=" + MRN + "%7Cwritten-via-a")).isEqualTo(1);
            assertThat(total(a, "/Patient?identifier=" + MRN + "%7Cwritten-via-b")).isEqualTo(1);
            // An update through one is the current version through the other (no stale cache).
            put(b, idA, "written-via-a", "updated-via-b");
            JsonNode readBack = json(get(a, "/Patient/" + idA));
            assertThat(readBack.at("/meta/versionId").asText()).isEqualTo("2");
            assertThat(readBack.at("/name/0/family").asText()).isEqualTo("updated-via-b");
            assertThat(total(a, "/Patient?family=updated-via-b")).isEqualTo(1);

            // Conditional creates racing on both replicas: one record per identifier.
            Map<Integer, Integer> conditionalStatuses = new TreeMap<>();
            ExecutorService racers = Executors.newFixedThreadPool(2);
            try {
                for (int round = 0; round < CONDITIONAL_ROUNDS; round++) {
                    String mrn = "race-" + round;
                    CountDownLatch go = new CountDownLatch(1);
                    List<Future<Integer>> both = new ArrayList<>();
                    for (ServerProcess server : List.of(a, b)) {
                        both.add(racers.submit(conditionalCreate(server, mrn, go)));
                    }
                    go.countDown();
                    for (Future<Integer> f : both) {
                        conditionalStatuses.merge(f.get(120, TimeUnit.SECONDS), 1, Integer::sum);
                    }
                    assertThat(total(a, "/Patient?identifier=" + MRN + "%7C" + mrn))
                            .as("patients stored by a conditional create raced on both replicas").isEqualTo(1);
                }
            } finally {
                racers.shutdownNow();
            }
            assertThat(conditionalStatuses.keySet()).as("answers to racing conditional creates")
                    .allMatch(s -> s == 200 || s == 201 || s == 409 || s == 412);
            assertThat(conditionalStatuses.getOrDefault(201, 0)).isGreaterThanOrEqualTo(CONDITIONAL_ROUNDS);

            // Both replicas' audit trails land in the shared database: the creates above, each found through
            // the replica that did not record it.
            awaitAudit(b, idA);
            awaitAudit(a, idB);

            // Rolling restart under a client that retries on connection failure.
            RollingClient client = new RollingClient(List.of(a, b));
            Thread clientThread = new Thread(client, "rolling-client");
            clientThread.start();
            Duration restartB;
            int servedByBBefore;
            try {
                client.awaitRequests(20);
                b.stop();
                client.awaitRequests(client.sent() + 20);
                b.start();
                restartB = b.awaitReady();
                servedByBBefore = client.servedBy(1);
                client.awaitRequests(client.sent() + 40);
            } finally {
                client.stop();
                clientThread.join(TimeUnit.MINUTES.toMillis(3));
            }
            assertThat(client.failures()).as("requests failed after retrying: %s", client.failureLog()).isEmpty();
            assertThat(client.servedBy(0)).as("requests served by a").isPositive();
            assertThat(client.servedBy(1)).as("requests served by b after its restart").isGreaterThan(servedByBBefore);
            // Every write of the rolling client is there, through either replica.
            assertThat(total(a, "/Patient?identifier=" + MRN + "%7C&_summary=count"))
                    .isGreaterThanOrEqualTo(client.writes() + 2 + CONDITIONAL_ROUNDS);

            System.out.printf("ReplicasIT: ready a %ds, b %ds (started together; one waited for the other's guide "
                    + "installation: %s); conditional creates raced %d rounds x 2 replicas -> answers %s, 1 record each; "
                    + "rolling restart: %d requests (%d writes), %d retried, %d failed, b stopped (SIGTERM) and back "
                    + "in %ds; suite %ds%n",
                    readyA.toSeconds(), readyB.toSeconds(), oneWaited, CONDITIONAL_ROUNDS, conditionalStatuses,
                    client.sent(), client.writes(), client.retries(), client.failures().size(),
                    restartB.toSeconds(), Duration.between(suiteStart, Instant.now()).toSeconds());
        } catch (Throwable failure) {
            throw new AssertionError(failure.getMessage() + a.logTail() + b.logTail(), failure);
        } finally {
            a.close();
            b.close();
            TestPostgres.close(postgres);
        }
    }

    private static Callable<Integer> conditionalCreate(ServerProcess server, String mrn, CountDownLatch go) {
        return () -> {
            go.await();
            HttpResponse<String> response = RawHttp.send("POST", server.fhirBase() + "/Patient", JSON,
                    patient(null, mrn, "conditional"), "If-None-Exist", "identifier=" + MRN + "|" + mrn);
            return response.statusCode();
        };
    }

    private static void awaitAudit(ServerProcess server, String patientId) throws IOException {
        Instant deadline = Instant.now().plusSeconds(60);
        int found = 0;
        while (Instant.now().isBefore(deadline)) {
            found = total(server, "/AuditEvent?patient=Patient/" + patientId + "&_summary=count");
            if (found > 0) {
                return;
            }
            sleep(500);
        }
        throw new AssertionError("no AuditEvent about Patient/" + patientId + " found through " + server.name());
    }

    private static String createPatient(ServerProcess server, String mrn) throws IOException {
        HttpResponse<String> response = RawHttp.send("POST", server.fhirBase() + "/Patient", JSON,
                patient(null, mrn, "replica"));
        assertThat(response.statusCode()).as("create via %s: %s", server.name(), response.body()).isEqualTo(201);
        return json(response).path("id").asText();
    }

    private static void put(ServerProcess server, String id, String mrn, String family) throws IOException {
        HttpResponse<String> response = RawHttp.send("PUT", server.fhirBase() + "/Patient/" + id, JSON,
                patient(id, mrn, family));
        assertThat(response.statusCode()).as("update via %s: %s", server.name(), response.body()).isBetween(200, 201);
    }

    static String patient(String id, String mrn, String family) {
        return "{\"resourceType\":\"Patient\"" + (id == null ? "" : ",\"id\":\"" + id + "\"")
                + ",\"identifier\":[{\"system\":\"" + MRN + "\",\"value\":\"" + mrn + "\"}]"
                + ",\"name\":[{\"family\":\"" + family + "\"}]}";
    }

    private static HttpResponse<String> get(ServerProcess server, String path) throws IOException {
        HttpResponse<String> response = RawHttp.send("GET", server.fhirBase() + path, null, null);
        assertThat(response.statusCode()).as("GET %s via %s: %s", path, server.name(), response.body()).isEqualTo(200);
        return response;
    }

    private static int total(ServerProcess server, String path) throws IOException {
        String sep = path.contains("?") ? "&" : "?";
        return json(get(server, path + (path.contains("_summary") ? "" : sep + "_summary=count"))).path("total").asInt(-1);
    }

    private static JsonNode json(HttpResponse<String> response) throws IOException {
        return MAPPER.readTree(response.body());
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /**
     * A client behind a naive load balancer: round robin over the replicas; a request that cannot be
     * delivered (connection refused or reset, or 503 from a replica shutting down) is sent to the next
     * replica, up to a minute. Writes are idempotent (PUT with a client-chosen id), reads read them back.
     */
    private static final class RollingClient implements Runnable {
        private final List<ServerProcess> servers;
        private final AtomicBoolean running = new AtomicBoolean(true);
        private final AtomicInteger sent = new AtomicInteger();
        private final AtomicInteger writes = new AtomicInteger();
        private final AtomicInteger retries = new AtomicInteger();
        private final AtomicInteger[] served = {new AtomicInteger(), new AtomicInteger()};
        private final List<String> failures = java.util.Collections.synchronizedList(new ArrayList<>());
        private int next;

        RollingClient(List<ServerProcess> servers) {
            this.servers = servers;
        }

        @Override
        public void run() {
            int n = 0;
            while (running.get()) {
                String id = "rolling-" + n++;
                String body = patient(id, id, "rolling");
                if (send("PUT", "/Patient/" + id, body, 200, 201)) {
                    writes.incrementAndGet();
                }
                send("GET", "/Patient/" + id, null, 200);
                sleep(50);
            }
        }

        private boolean send(String method, String path, String body, int... expected) {
            Instant deadline = Instant.now().plusSeconds(60);
            String last = "";
            while (Instant.now().isBefore(deadline)) {
                int which = next++ % servers.size();
                ServerProcess server = servers.get(which);
                try {
                    HttpResponse<String> response = RawHttp.send(method, server.fhirBase() + path,
                            body == null ? null : JSON, body);
                    if (response.statusCode() != 503) {
                        sent.incrementAndGet();
                        served[which].incrementAndGet();
                        for (int status : expected) {
                            if (response.statusCode() == status) {
                                return true;
                            }
                        }
                        failures.add(method + " " + path + " via " + server.name() + " -> " + response.statusCode()
                                + " " + response.body());
                        return false;
                    }
                    last = "503";
                } catch (IOException e) {
                    last = e.toString();
                }
                retries.incrementAndGet();
                sleep(100);
            }
            failures.add(method + " " + path + " undeliverable: " + last);
            return false;
        }

        void awaitRequests(int count) {
            Instant deadline = Instant.now().plusSeconds(120);
            while (sent.get() < count && Instant.now().isBefore(deadline) && failures.isEmpty()) {
                sleep(100);
            }
        }

        void stop() {
            running.set(false);
        }

        int sent() {
            return sent.get();
        }

        int writes() {
            return writes.get();
        }

        int retries() {
            return retries.get();
        }

        int servedBy(int index) {
            return served[index].get();
        }

        List<String> failures() {
            return failures;
        }

        String failureLog() {
            synchronized (failures) {
                return failures.subList(0, Math.min(10, failures.size())).toString();
            }
        }
    }
}
