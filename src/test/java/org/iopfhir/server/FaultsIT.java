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
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.iopfhir.testsupport.RawHttp;
import org.iopfhir.testsupport.ServerProcess;
import org.iopfhir.testsupport.TestPostgres;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Faults survived by the packaged server on PostgreSQL, in one run (one server start, one restart):
 * <ol>
 * <li>{@code kill -9} during a transaction-heavy ingest (client threads posting transaction Bundles of
 * a Patient and its Observations, all carrying the bundle's own identifier): after a restart every
 * bundle answered 200 is stored whole, and no bundle is stored in part.</li>
 * <li>PostgreSQL stopped under load and started again on the same data: the server, not restarted,
 * turns readiness DOWN, then UP again, and serves writes again; the times are measured.</li>
 * <li>The audit trail across that outage: every write acknowledged has its AuditEvent, or the events
 * lost are counted ({@code iop.audit.events.dropped}).</li>
 * </ol>
 */
class FaultsIT {

    private static final String JSON = "application/fhir+json";
    private static final ObjectMapper MAPPER = new ObjectMapper();
    private static final String BUNDLE_SYSTEM = "urn:iop-faults:bundle";
    private static final String OUTAGE_SYSTEM = "urn:iop-faults:outage";
    private static final int OBSERVATIONS_PER_BUNDLE = 4;
    private static final int INGEST_THREADS = 4;
    private static final int LOAD_THREADS = 4;
    private static final Duration OUTAGE = Duration.ofSeconds(8);
    private static final Duration RECOVERY_LIMIT = Duration.ofSeconds(120);

    @Test
    void killedServerAndStoppedDatabase(@TempDir Path work) throws Exception {
        Path dataDir = work.resolve("pgdata");
        int pgPort = ServerProcess.freePort();
        EmbeddedPostgres[] postgres = {TestPostgres.startAt(dataDir, pgPort)};
        String url = TestPostgres.createDatabase(postgres[0], "iop_faults");
        ServerProcess server = ServerProcess.on("faults", url, work.resolve("server"));
        Instant suiteStart = Instant.now();
        try {
            server.start();
            server.awaitReady();

            // 1. kill -9 during ingest.
            Ingest ingest = new Ingest(server);
            List<Thread> threads = new ArrayList<>();
            for (int i = 0; i < INGEST_THREADS; i++) {
                Thread t = new Thread(ingest, "ingest-" + i);
                threads.add(t);
                t.start();
            }
            Instant ingestStart = Instant.now();
            while ((ingest.acknowledged.size() < 40 || Duration.between(ingestStart, Instant.now()).toSeconds() < 5)
                    && Duration.between(ingestStart, Instant.now()).toSeconds() < 180 && ingest.unexpected.isEmpty()) {
                Thread.sleep(100);
            }
            assertThat(ingest.unexpected).as("answers before the kill").isEmpty();
            int inFlight = ingest.inFlight.get();
            server.kill();
            ingest.running.set(false);
            for (Thread t : threads) {
                t.join(Duration.ofMinutes(2).toMillis());
            }
            Set<String> acknowledged = Set.copyOf(ingest.acknowledged);
            int attempted = ingest.attempted.get();

            server.start();
            Duration restart = server.awaitReady();
            Map<String, Integer> patients = countByIdentifier(server, "Patient", BUNDLE_SYSTEM);
            Map<String, Integer> observations = countByIdentifier(server, "Observation", BUNDLE_SYSTEM);
            List<String> lost = acknowledged.stream()
                    .filter(b -> patients.getOrDefault(b, 0) != 1 || observations.getOrDefault(b, 0) != OBSERVATIONS_PER_BUNDLE)
                    .sorted().toList();
            List<String> partial = new ArrayList<>();
            Set<String> stored = new java.util.TreeSet<>(patients.keySet());
            stored.addAll(observations.keySet());
            for (String b : stored) {
                if (patients.getOrDefault(b, 0) != 1 || observations.getOrDefault(b, 0) != OBSERVATIONS_PER_BUNDLE) {
                    partial.add(b + " (" + patients.getOrDefault(b, 0) + " patients, "
                            + observations.getOrDefault(b, 0) + " observations)");
                }
            }
            assertThat(lost).as("acknowledged bundles not found whole after kill -9").isEmpty();
            assertThat(partial).as("bundles stored in part").isEmpty();
            assertThat(stored).as("bundles stored are bundles sent").allMatch(ingest.sent::contains);
            int committedUnacknowledged = stored.size() - acknowledged.size();

            // 2. PostgreSQL stopped under load, started again on the same data directory and port.
            Load load = new Load(server);
            List<Thread> loadThreads = new ArrayList<>();
            for (int i = 0; i < LOAD_THREADS; i++) {
                Thread t = new Thread(load, "outage-load-" + i);
                loadThreads.add(t);
                t.start();
            }
            Instant outageStart;
            Instant down = null;
            Instant pgBack;
            Instant up = null;
            try {
                load.awaitAcknowledged(20);
                load.markOutage(true);
                TestPostgres.close(postgres[0]);
                postgres[0] = null;
                outageStart = Instant.now();
                while (Duration.between(outageStart, Instant.now()).compareTo(OUTAGE) < 0) {
                    if (down == null && readiness(server) == 503) {
                        down = Instant.now();
                    }
                    Thread.sleep(250);
                }
                while (down == null && Duration.between(outageStart, Instant.now()).toSeconds() < 60) {
                    if (readiness(server) == 503) {
                        down = Instant.now();
                    }
                    Thread.sleep(250);
                }
                assertThat(down).as("readiness DOWN while the database is stopped").isNotNull();
                postgres[0] = TestPostgres.startAt(dataDir, pgPort);
                pgBack = Instant.now();
                load.markOutage(false);
                while (Duration.between(pgBack, Instant.now()).compareTo(RECOVERY_LIMIT) < 0) {
                    if (readiness(server) == 200) {
                        up = Instant.now();
                        break;
                    }
                    Thread.sleep(250);
                }
                assertThat(up).as("readiness UP again within %s of the database's return", RECOVERY_LIMIT).isNotNull();
                load.awaitAcknowledgedAfter(pgBack, 20, RECOVERY_LIMIT);
            } finally {
                load.running.set(false);
                for (Thread t : loadThreads) {
                    t.join(Duration.ofMinutes(2).toMillis());
                }
            }
            assertThat(load.firstSuccessAfterOutage).as("a write succeeded after the outage").isNotNull();
            assertThat(server.isAlive()).as("the server was not restarted").isTrue();
            // Every answer is a success or the server saying it cannot serve now (503, so clients may retry):
            // never a 500, a hang or a lost reply.
            assertThat(load.statusesBefore.keySet()).as("answers before the outage: %s", load.statusesBefore)
                    .containsOnly(201);
            assertThat(load.statusesDuring.keySet()).as("answers during the outage: %s", load.statusesDuring)
                    .isNotEmpty().allMatch(s -> s == 201 || s == 503);
            assertThat(load.statusesAfter).as("answers once the database is back (first failures while the pool "
                    + "renews its connections excepted)").containsKey(201);
            for (int i = 0; i < 10; i++) {
                assertThat(RawHttp.send("POST", server.fhirBase() + "/Patient", JSON,
                        patient(OUTAGE_SYSTEM, "after-" + i)).statusCode()).isEqualTo(201);
            }

            // 3. The audit trail across the outage: acknowledged writes whose AuditEvent is missing are counted.
            awaitAuditQueueEmpty(server);
            List<String> unaudited = new ArrayList<>();
            for (String id : load.acknowledgedIds) {
                if (total(server, "/AuditEvent?patient=Patient/" + id + "&_summary=count") == 0) {
                    unaudited.add(id);
                }
            }
            double dropped = metric(server, "iop_audit_events_dropped_total");
            assertThat((double) unaudited.size())
                    .as("acknowledged writes without an AuditEvent (%s), against the events counted as dropped",
                            unaudited.size())
                    .isLessThanOrEqualTo(dropped);
            if (unaudited.size() > 0) {
                assertThat(server.logContains("AuditEvent")).as("audit loss logged").isTrue();
            }

            System.out.printf("FaultsIT: kill -9 during ingest (%d threads, transactions of 1 Patient + %d Observations): "
                    + "%d bundles sent, %d acknowledged, %d in flight at the kill, after restart (%ds) %d found whole, "
                    + "%d acknowledged missing, %d partial, %d committed without acknowledgement; "
                    + "PostgreSQL stopped %ds under load: readiness DOWN after %d ms, database back -> readiness UP "
                    + "after %d ms, first write after %d ms; answers before the outage %s, during %s, after %s; "
                    + "audit: %d writes acknowledged around the outage, %d without AuditEvent, %.0f events counted "
                    + "as dropped; suite %ds%n",
                    INGEST_THREADS, OBSERVATIONS_PER_BUNDLE, attempted, acknowledged.size(), inFlight, restart.toSeconds(),
                    stored.size(), lost.size(), partial.size(), committedUnacknowledged, OUTAGE.toSeconds(),
                    Duration.between(outageStart, down).toMillis(), Duration.between(pgBack, up).toMillis(),
                    Duration.between(pgBack, load.firstSuccessAfterOutage).toMillis(), load.statusesBefore,
                    load.statusesDuring, load.statusesAfter, load.acknowledgedIds.size(), unaudited.size(), dropped,
                    Duration.between(suiteStart, Instant.now()).toSeconds());
        } catch (Throwable failure) {
            throw new AssertionError(failure.getMessage() + server.logLines("ErrorResponseInterceptor", 40)
                    + server.logTail(), failure);
        } finally {
            server.close();
            if (postgres[0] != null) {
                TestPostgres.close(postgres[0]);
            }
        }
    }

    /** Threads posting transaction Bundles until stopped; the first I/O failure (the kill) ends a thread. */
    private static final class Ingest implements Runnable {
        final ServerProcess server;
        final AtomicBoolean running = new AtomicBoolean(true);
        final AtomicInteger attempted = new AtomicInteger();
        final AtomicInteger inFlight = new AtomicInteger();
        final Set<String> sent = ConcurrentHashMap.newKeySet();
        final Set<String> acknowledged = ConcurrentHashMap.newKeySet();
        final List<String> unexpected = java.util.Collections.synchronizedList(new ArrayList<>());

        Ingest(ServerProcess server) {
            this.server = server;
        }

        @Override
        public void run() {
            while (running.get()) {
                String bundle = "b" + attempted.incrementAndGet();
                sent.add(bundle);
                inFlight.incrementAndGet();
                try {
                    HttpResponse<String> response = RawHttp.send("POST", server.fhirBase(), JSON, transaction(bundle));
                    if (response.statusCode() == 200) {
                        acknowledged.add(bundle);
                    } else if (running.get()) {
                        unexpected.add(bundle + " -> " + response.statusCode() + " " + response.body());
                    }
                } catch (IOException e) {
                    return; // the server is gone: what it acknowledged is what counts
                } finally {
                    inFlight.decrementAndGet();
                }
            }
        }
    }

    private static String transaction(String bundle) {
        String patient = "urn:uuid:" + UUID.randomUUID();
        StringBuilder json = new StringBuilder("{\"resourceType\":\"Bundle\",\"type\":\"transaction\",\"entry\":[");
        json.append("{\"fullUrl\":\"").append(patient).append("\",\"resource\":").append(patient(BUNDLE_SYSTEM, bundle))
                .append(",\"request\":{\"method\":\"POST\",\"url\":\"Patient\"}}");
        for (int i = 0; i < OBSERVATIONS_PER_BUNDLE; i++) {
            json.append(",{\"resource\":{\"resourceType\":\"Observation\",\"status\":\"final\",\"identifier\":[{\"system\":\"")
                    .append(BUNDLE_SYSTEM).append("\",\"value\":\"").append(bundle).append("\"}],")
                    .append("\"code\":{\"text\":\"ingest ").append(i).append("\"},\"valueQuantity\":{\"value\":").append(i)
                    .append("},\"subject\":{\"reference\":\"").append(patient).append("\"}},")
                    .append("\"request\":{\"method\":\"POST\",\"url\":\"Observation\"}}");
        }
        return json.append("]}").toString();
    }

    private static String patient(String system, String value) {
        return "{\"resourceType\":\"Patient\",\"identifier\":[{\"system\":\"" + system + "\",\"value\":\"" + value
                + "\"}],\"name\":[{\"family\":\"Faults\"}]}";
    }

    /** Clients creating patients every 50 ms, recording each answer's status and the ids acknowledged. */
    private static final class Load implements Runnable {
        final ServerProcess server;
        final AtomicBoolean running = new AtomicBoolean(true);
        final List<String> acknowledgedIds = java.util.Collections.synchronizedList(new ArrayList<>());
        final AtomicInteger sequence = new AtomicInteger();
        final Map<Integer, Integer> statusesBefore = new ConcurrentSkipListMap<>();
        final Map<Integer, Integer> statusesDuring = new ConcurrentSkipListMap<>();
        final Map<Integer, Integer> statusesAfter = new ConcurrentSkipListMap<>();
        final ConcurrentSkipListMap<Instant, String> acknowledgedAt = new ConcurrentSkipListMap<>();
        volatile boolean outage;
        volatile boolean afterOutage;
        volatile Instant firstSuccessAfterOutage;

        Load(ServerProcess server) {
            this.server = server;
        }

        void markOutage(boolean on) {
            outage = on;
            if (!on) {
                afterOutage = true;
            }
        }

        @Override
        public void run() {
            while (running.get()) {
                boolean sentDuring = outage;
                boolean sentAfter = afterOutage;
                int status;
                String body = "";
                try {
                    HttpResponse<String> response = RawHttp.send("POST", server.fhirBase() + "/Patient", JSON,
                            patient(OUTAGE_SYSTEM, "o" + sequence.incrementAndGet()));
                    status = response.statusCode();
                    body = response.body();
                } catch (IOException e) {
                    status = -1;
                }
                // A request sent before the database stopped and answered after counts as during the outage.
                Map<Integer, Integer> period = sentAfter ? statusesAfter
                        : sentDuring || outage ? statusesDuring : statusesBefore;
                period.merge(status, 1, Integer::sum);
                if (status == 201) {
                    try {
                        String id = MAPPER.readTree(body).path("id").asText();
                        acknowledgedIds.add(id);
                        acknowledgedAt.put(Instant.now(), id);
                    } catch (IOException e) {
                        throw new IllegalStateException(e);
                    }
                    if (sentAfter && firstSuccessAfterOutage == null) {
                        firstSuccessAfterOutage = Instant.now();
                    }
                }
                pause(50);
            }
        }

        void awaitAcknowledged(int count) {
            Instant deadline = Instant.now().plusSeconds(120);
            while (acknowledgedIds.size() < count && Instant.now().isBefore(deadline)) {
                pause(100);
            }
            assertThat(acknowledgedIds.size()).as("writes acknowledged before the outage").isGreaterThanOrEqualTo(count);
        }

        void awaitAcknowledgedAfter(Instant since, int count, Duration limit) {
            Instant deadline = since.plus(limit);
            while (acknowledgedAt.tailMap(since).size() < count && Instant.now().isBefore(deadline)) {
                pause(100);
            }
        }
    }

    private static int readiness(ServerProcess server) {
        return ServerProcess.status(server.root() + "/actuator/health/readiness");
    }

    /** Counts stored resources by the value of their identifier in {@code system}, over all pages. */
    private static Map<String, Integer> countByIdentifier(ServerProcess server, String type, String system)
            throws IOException {
        Map<String, Integer> counts = new HashMap<>();
        String next = server.fhirBase() + "/" + type + "?identifier=" + system + "%7C&_count=500&_elements=identifier";
        while (next != null) {
            HttpResponse<String> response = RawHttp.send("GET", next, null, null);
            assertThat(response.statusCode()).as("GET %s: %s", next, response.body()).isEqualTo(200);
            JsonNode bundle = MAPPER.readTree(response.body());
            for (JsonNode entry : bundle.path("entry")) {
                for (JsonNode identifier : entry.path("resource").path("identifier")) {
                    if (system.equals(identifier.path("system").asText())) {
                        counts.merge(identifier.path("value").asText(), 1, Integer::sum);
                    }
                }
            }
            next = null;
            for (JsonNode link : bundle.path("link")) {
                if ("next".equals(link.path("relation").asText())) {
                    next = link.path("url").asText();
                }
            }
        }
        return counts;
    }

    private static int total(ServerProcess server, String path) throws IOException {
        HttpResponse<String> response = RawHttp.send("GET", server.fhirBase() + path, null, null);
        assertThat(response.statusCode()).as("GET %s: %s", path, response.body()).isEqualTo(200);
        return MAPPER.readTree(response.body()).path("total").asInt(-1);
    }

    /** Waits until the audit writer's queue is empty (the Prometheus gauge), twice in a row. */
    private static void awaitAuditQueueEmpty(ServerProcess server) throws IOException {
        Instant deadline = Instant.now().plusSeconds(120);
        int empty = 0;
        while (Instant.now().isBefore(deadline) && empty < 2) {
            empty = metric(server, "iop_audit_queue_size") == 0 ? empty + 1 : 0;
            pause(1000);
        }
        assertThat(empty).as("audit queue drained").isEqualTo(2);
    }

    /** A value from /actuator/prometheus (the sum over its series). */
    private static double metric(ServerProcess server, String name) throws IOException {
        HttpResponse<String> response = RawHttp.get(server.root() + "/actuator/prometheus", "text/plain");
        assertThat(response.statusCode()).isEqualTo(200);
        Matcher m = Pattern.compile("(?m)^" + name + "(\\{[^}]*\\})? ([0-9.eE+-]+)$").matcher(response.body());
        double sum = 0;
        boolean found = false;
        while (m.find()) {
            sum += Double.parseDouble(m.group(2));
            found = true;
        }
        assertThat(found).as("metric %s exposed", name).isTrue();
        return sum;
    }

    private static void pause(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
