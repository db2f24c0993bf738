import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.Signature;
import java.security.spec.PKCS8EncodedKeySpec;
import java.time.Duration;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Load driver for any FHIR R4 server: IOP-shaped data over plain HTTP, so the figures measure
 * the server and not a client library. Single-file program, no dependencies:
 *
 *   java bench/LoadDriver.java [--base URL] [--threads N] [--scale F] [--rounds N] [--iop [--review-only]] [--core-only]
 *                              [--episode WEEKS=BUNDLE.json ...] [--token-key private.pem --issuer URL]
 *                              [--server-pid PID [--clock-ticks N]]
 *
 * Phases run one after another, each with a warm-up that is not counted:
 *   create       POST Patient
 *   transaction  POST transaction Bundle: Patient, EpisodeOfCare, CarePlan and 12 weeks x 3
 *                attended group sessions (36 Encounters of 180 min), 39 entries
 *   search       GET Encounter?subject=Patient/{id}&_count=50 (a patient's 36 sessions)
 *   read         GET Patient/{id}
 *   ingest       POST one transaction per patient shaped like a Synthea patient file (about 450
 *                resources: 40 visits with vitals, claims and explanations of benefit, conditions,
 *                prescriptions, procedures, immunizations, lab panels), 60 patients, 4 clients
 *   unprofiled   (with --iop) POST the Encounter of the next phase without claiming its profile
 *   profiled     (with --iop) POST Encounter claiming the iop-encounter profile, which this
 *                server validates on write; the example episode is loaded first for its references
 *   loc-inline   (with --iop) POST $level-of-care with six inline ratings
 *   loc-stored   (with --iop) POST QuestionnaireResponse/example-intake/$level-of-care
 *   attendance-Nw, necessity-Nw (with --iop) GET EpisodeOfCare/{id}/$attendance and
 *                $medical-necessity on the 12-week example episode and on each --episode Bundle
 *                (e.g. 26=/tmp/episode-26.json from build_example_episode.py --weeks 26), loaded first;
 *                --review-only runs only these; --core-only runs none of the --iop phases; all episodes
 *                are loaded and warmed up before the first of these is measured
 *   NAME/1       the loc-* and review phases again with one client alone: the response time of a call
 *                on an otherwise idle server (the other phases: with all client threads at once)
 * and prints count, errors, throughput and p50/p95/p99/max latency per phase (transactions also
 * stored resources per second). With --server-pid (a server on this machine) it also prints the CPU
 * time the server process and all PostgreSQL processes spent per call during the measured calls
 * ({@code /proc}, N clock ticks a second, default 100): unlike throughput, that does not depend on what
 * else the machine is doing (this driver included), so it compares two builds more steadily; "jit cpu" is the
 * part of the server's that its JIT compiler threads spent, compiling code the phase reached for the first time.
 * With --rounds N the core phases (create to ingest) run N times, rounds before the last printed as NAME@1,
 * NAME@2, ...: the last round measures a server whose code is compiled, as one that has run for a while.
 * On stderr the wall-clock bounds of each measured phase, which bench/JfrPhases.java uses to cut a
 * server-side JFR recording by phase.
 *
 * With --token-key every request carries a bearer JWT (RS256) signed with that PKCS#8 PEM key: a
 * program clinician with user/*.cruds and purpose TREAT, as an EHR interface of the program would
 * call a secured server (the example episodes, which hold Part 2 consents, are stored by the
 * privacy officer before they are measured). The patients belong to the example program and the episodes are on the
 * SUD track, so Part 2 labelling and consent checks do their full work.
 */
public class LoadDriver {

    private static final String FHIR_JSON = "application/fhir+json";
    private static final Pattern LOCATION_ID = Pattern.compile("Patient/([^/\"]+)/_history");

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
    private final String base;
    private final int threads;
    private final String authorization;
    private final String loaderAuthorization;
    /** The server process whose CPU time is measured; 0: none. */
    private long serverPid;
    private double millisPerTick = 10;

    /** {@code token} makes the measured requests; {@code loaderToken} stores the example episodes (with their consents). */
    LoadDriver(String base, int threads, String token, String loaderToken) {
        this.base = base;
        this.threads = threads;
        this.authorization = token == null ? null : "Bearer " + token;
        this.loaderAuthorization = loaderToken == null ? null : "Bearer " + loaderToken;
    }

    public static void main(String[] args) throws Exception {
        String base = "http://localhost:8080/fhir";
        int threads = 8;
        double scale = 1.0;
        boolean iop = false;
        boolean reviewOnly = false;
        long serverPid = 0;
        double millisPerTick = 10;
        boolean coreOnly = false;
        boolean export = true;
        int rounds = 1;
        Map<Integer, Path> episodes = new TreeMap<>(Map.of(12, EXAMPLE_EPISODE));
        String tokenKey = null;
        String issuer = "https://login.iop-fhir.test";
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--iop" -> iop = true;
                case "--review-only" -> reviewOnly = true;
                case "--core-only" -> coreOnly = true;
                case "--no-export" -> export = false;
                case "--rounds" -> rounds = Integer.parseInt(args[++i]);
                case "--episode" -> {
                    String[] weeksAndFile = args[++i].split("=", 2);
                    episodes.put(Integer.parseInt(weeksAndFile[0]), Path.of(weeksAndFile[1]));
                }
                case "--token-key" -> tokenKey = args[++i];
                case "--issuer" -> issuer = args[++i];
                case "--base" -> base = args[++i];
                case "--threads" -> threads = Integer.parseInt(args[++i]);
                case "--scale" -> scale = Double.parseDouble(args[++i]);
                case "--server-pid" -> serverPid = Long.parseLong(args[++i]);
                case "--clock-ticks" -> millisPerTick = 1000.0 / Integer.parseInt(args[++i]);
                default -> throw new IllegalArgumentException("unknown argument " + args[i]);
            }
        }
        LoadDriver driver = tokenKey == null ? new LoadDriver(base, threads, null, null)
                : new LoadDriver(base, threads, token(Path.of(tokenKey), issuer, CLINICIAN),
                        token(Path.of(tokenKey), issuer, PRIVACY_OFFICER));
        iop &= !coreOnly;
        driver.serverPid = serverPid;
        driver.millisPerTick = millisPerTick;
        driver.start();
        if (!reviewOnly) {
            for (int round = 1; round < rounds; round++) {
                driver.core(scale, "@" + round);
            }
            driver.run(scale, iop, export);
        }
        if (iop) {
            driver.review(scale, episodes);
        }
    }

    /** Prints the table header and stores the program the patients belong to (a clinician's token names it). */
    void start() throws Exception {
        System.out.printf(Locale.ROOT, "target %s, %d client threads%n", base, threads);
        System.out.printf(Locale.ROOT, "%-15s %7s %6s %9s %8s %8s %8s %8s %9s %9s %9s%n",
                "operation", "count", "errors", "ops/s", "p50 ms", "p95 ms", "p99 ms", "max ms", "srv cpu", "pg cpu", "jit cpu");
        HttpResponse<String> program = post("", """
                {"resourceType":"Bundle","type":"transaction","entry":[{"resource":{"resourceType":"Organization",
                 "id":"example-program","name":"Benchmark program"},"request":{"method":"PUT","url":"Organization/example-program"}}]}""");
        if (program.statusCode() != 200) {
            throw new IllegalStateException("program organization not stored: HTTP " + program.statusCode());
        }
    }

    /** The program's clinician, who makes every measured request. */
    private static final String CLINICIAN = "\"sub\":\"bench-clinician\",\"scope\":\"user/*.cruds\","
            + "\"iop_role\":\"clinician\",\"purpose_of_use\":\"TREAT\",\"organization\":\"Organization/example-program\"";
    /** The privacy officer, who stores the example episodes: they hold Part 2 consents, which only this role records. */
    private static final String PRIVACY_OFFICER = "\"sub\":\"bench-privacy-officer\",\"scope\":\"user/*.cruds\","
            + "\"iop_role\":\"privacy-officer\"";

    /** A JWT signed with the JDK alone (no library), valid for two hours, with the given role's claims. */
    static String token(Path privateKeyPem, String issuer, String roleClaims) throws Exception {
        String pem = Files.readString(privateKeyPem).replaceAll("-----[A-Z ]+-----", "").replaceAll("\\s", "");
        PrivateKey key = KeyFactory.getInstance("RSA").generatePrivate(new PKCS8EncodedKeySpec(Base64.getDecoder().decode(pem)));
        long now = System.currentTimeMillis() / 1000;
        String header = "{\"alg\":\"RS256\",\"typ\":\"JWT\"}";
        String claims = """
                {"iss":"%s","client_id":"bench-driver","iat":%d,"exp":%d,%s}""".formatted(issuer, now, now + 7200, roleClaims);
        Base64.Encoder b64 = Base64.getUrlEncoder().withoutPadding();
        String signingInput = b64.encodeToString(header.getBytes(StandardCharsets.UTF_8)) + "."
                + b64.encodeToString(claims.getBytes(StandardCharsets.UTF_8));
        Signature rsa = Signature.getInstance("SHA256withRSA");
        rsa.initSign(key);
        rsa.update(signingInput.getBytes(StandardCharsets.US_ASCII));
        return signingInput + "." + b64.encodeToString(rsa.sign());
    }


    /**
     * The episode-review operations on episodes of growing length: 12 weeks is the example itself. All episodes
     * are loaded and every operation warmed up on each of them before anything is measured, so the first phase
     * does not pay for the server's JIT compilation. Each operation is measured twice: under load ({@code threads}
     * reviewers at once: throughput, and the latency a busy server gives) and for one reviewer alone (the
     * response time of one call: "/1" phases).
     */
    void review(double scale, Map<Integer, Path> episodes) throws Exception {
        Map<Integer, String> paths = new TreeMap<>();
        for (Map.Entry<Integer, Path> episode : episodes.entrySet()) {
            String bundle = Files.readString(episode.getValue());
            Matcher id = EPISODE_ID.matcher(bundle);
            if (!id.find()) {
                throw new IllegalStateException(episode.getValue() + " holds no EpisodeOfCare");
            }
            HttpResponse<String> loaded = load(bundle);
            if (loaded.statusCode() != 200) {
                throw new IllegalStateException(episode.getValue() + " not loaded: HTTP " + loaded.statusCode());
            }
            paths.put(episode.getKey(), "EpisodeOfCare/" + id.group(1) + "/");
        }
        for (Map.Entry<Integer, String> path : paths.entrySet()) {
            int warmup = n(100 * 12 / path.getKey(), scale);
            runAll(warmup, threads, i -> get(path.getValue() + "$attendance"));
            runAll(warmup, threads, i -> get(path.getValue() + "$medical-necessity"));
        }
        for (Map.Entry<Integer, String> path : paths.entrySet()) {
            int weeks = path.getKey();
            // fewer calls for longer episodes, so each phase takes about as long
            int count = n(400 * 12 / weeks, scale);
            String episode = path.getValue();
            phase("attendance-" + weeks + "w", count, count / 10, i -> get(episode + "$attendance"));
            phase("necessity-" + weeks + "w", count, count / 10, i -> get(episode + "$medical-necessity"));
            alone("attendance-" + weeks + "w", count / 4, i -> get(episode + "$attendance"));
            alone("necessity-" + weeks + "w", count / 4, i -> get(episode + "$medical-necessity"));
        }
    }

    /** One client alone, after a short warm-up: the response time of a call on an otherwise idle server. */
    private void alone(String name, int count, Call call) throws Exception {
        phase(name + "/1", Math.max(count, 10), 5, 1, 1, call);
    }

    void run(double scale, boolean iop, boolean withExport) throws Exception {
        core(scale, "");
        if (withExport) {
            export();
        }

        if (iop) {
            HttpResponse<String> loaded = load(Files.readString(EXAMPLE_EPISODE));
            if (loaded.statusCode() != 200) {
                throw new IllegalStateException("example episode not loaded: HTTP " + loaded.statusCode());
            }
            // The same Encounter without claiming the profile: the difference between the two phases is validation.
            phase("unprofiled", n(500, scale), 50, i -> post("Encounter", profiledSession(i).replace(
                    "\"meta\":{\"profile\":[\"http://iop-fhir.org/fhir/StructureDefinition/iop-encounter\"]},", "")));
            phase("profiled", n(500, scale), 50, i -> post("Encounter", profiledSession(i)));
            phase("loc-inline", n(2000, scale), 200, i -> post("$level-of-care", inlineRatings(i)));
            phase("loc-stored", n(2000, scale), 200,
                    i -> post("QuestionnaireResponse/example-intake/$level-of-care", "{\"resourceType\":\"Parameters\"}"));
            alone("loc-inline", n(400, scale), i -> post("$level-of-care", inlineRatings(i)));
            alone("loc-stored", n(400, scale),
                    i -> post("QuestionnaireResponse/example-intake/$level-of-care", "{\"resourceType\":\"Parameters\"}"));
        }
    }

    /**
     * The core phases, each row named with {@code suffix}: a round before the measured one ({@code --rounds})
     * is printed as NAME@1, NAME@2, ... and leaves the server as a long-running one is, its code compiled.
     */
    void core(double scale, String suffix) throws Exception {
        phase("create" + suffix, n(500, scale), 50, i -> post("Patient", patient()));

        ConcurrentLinkedQueue<String> patients = new ConcurrentLinkedQueue<>();
        phase("transaction" + suffix, n(150, scale), 10, threads, EPISODE_RESOURCES, i -> {
            HttpResponse<String> r = post("", episodeTransaction());
            Matcher m = LOCATION_ID.matcher(r.body());
            if (r.statusCode() == 200 && m.find()) {
                patients.add(m.group(1));
            }
            return r;
        });
        String[] ids = patients.toArray(String[]::new);
        if (ids.length == 0) {
            throw new IllegalStateException("no transaction succeeded; nothing to search or read");
        }

        phase("search" + suffix, n(1500, scale), 100,
                i -> get("Encounter?subject=Patient/" + ids[i % ids.length] + "&_count=50"));
        phase("read" + suffix, n(3000, scale), 200, i -> get("Patient/" + ids[i % ids.length]));
        int perPatient = ingestResources();
        phase("ingest" + suffix, n(INGEST_PATIENTS, scale), 2, INGEST_THREADS, perPatient, i -> post("",
                "{\"resourceType\":\"Bundle\",\"type\":\"transaction\",\"entry\":["
                        + String.join(",", historyEntries(i)) + "]}"));
    }

    private static final Path EXAMPLE_EPISODE = Path.of("profiles/examples/Bundle-example-episode.json");
    private static final Pattern EPISODE_ID = Pattern.compile("\"url\"\\s*:\\s*\"EpisodeOfCare/([^\"]+)\"");

    /** Six 3rd-edition ratings that vary with {@code i}, so the engine sees many combinations. */
    private static String inlineRatings(int i) {
        StringBuilder parts = new StringBuilder();
        for (int dimension = 1; dimension <= 6; dimension++) {
            int rating = (i / (int) Math.pow(5, dimension - 1)) % 5;
            parts.append(dimension == 1 ? "" : ",").append("""
                    {"name":"rating","part":[{"name":"dimension","valueCoding":{"system":"http://iop-fhir.org/fhir/CodeSystem/asam-dimension","code":"e3-%d"}},
                     {"name":"value","valueInteger":%d}]}""".formatted(dimension, rating));
        }
        return "{\"resourceType\":\"Parameters\",\"parameter\":[{\"name\":\"ageGroup\",\"valueCode\":\"adult\"}," + parts + "]}";
    }

    /** An attended 3-hour group session of the example episode, claiming the iop-encounter profile. */
    private static String profiledSession(int i) {
        String date = LocalDate.of(2026, 1, 5).plusDays(i % 80).toString();
        return """
                {"resourceType":"Encounter","meta":{"profile":["http://iop-fhir.org/fhir/StructureDefinition/iop-encounter"]},
                 "status":"finished",
                 "class":{"system":"http://terminology.hl7.org/CodeSystem/v3-ActCode","code":"AMB"},
                 "type":[{"coding":[{"system":"http://iop-fhir.org/fhir/CodeSystem/iop-session-type","code":"group-therapy"},
                                    {"system":"http://snomed.info/sct","code":"76168009"}]}],
                 "subject":{"reference":"Patient/example-patient"},
                 "episodeOfCare":[{"reference":"EpisodeOfCare/example-episode"}],
                 "period":{"start":"%sT09:00:00-05:00","end":"%sT12:00:00-05:00"},
                 "length":{"value":180,"unit":"min","system":"http://unitsofmeasure.org","code":"min"}}"""
                .formatted(date, date);
    }

    private static int n(int count, double scale) {
        return Math.max(1, (int) Math.round(count * scale));
    }

    interface Call {
        HttpResponse<String> apply(int index) throws Exception;
    }

    /** Runs warm-up calls, then {@code count} measured calls spread over the client threads. */
    private void phase(String name, int count, int warmup, Call call) throws Exception {
        phase(name, count, warmup, threads, 1, call);
    }

    /** {@code resourcesPerCall} above 1 (transactions) adds the rate of stored resources to the line. */
    private void phase(String name, int count, int warmup, int clients, int resourcesPerCall, Call call) throws Exception {
        runAll(warmup, clients, i -> call.apply(i + count));
        long[] latencies = new long[count];
        AtomicInteger errors = new AtomicInteger();
        long[] cpuBefore = cpuTicks();
        long started = System.nanoTime();
        // Wall-clock bounds of the measured calls on stderr, to cut a server-side profile (JFR) by phase.
        System.err.printf(Locale.ROOT, "phase %s measured from %s%n", name, java.time.Instant.now());
        runAll(count, clients, i -> {
            long t0 = System.nanoTime();
            HttpResponse<String> r;
            try {
                r = call.apply(i);
            } catch (Exception e) {
                errors.incrementAndGet();
                latencies[i] = System.nanoTime() - t0;
                return null;
            }
            latencies[i] = System.nanoTime() - t0;
            if (r.statusCode() >= 300) {
                if (errors.getAndIncrement() == 0) {
                    System.err.printf("%s: HTTP %d %s%n", name, r.statusCode(),
                            r.body().substring(0, Math.min(300, r.body().length())));
                }
            }
            return r;
        });
        double seconds = (System.nanoTime() - started) / 1e9;
        long[] cpuAfter = cpuTicks();
        System.err.printf(Locale.ROOT, "phase %s measured until %s%n", name, java.time.Instant.now());
        Arrays.sort(latencies);
        System.out.printf(Locale.ROOT, "%-15s %7d %6d %9.1f %8.1f %8.1f %8.1f %8.1f %9s %9s %9s%s%n", name, count, errors.get(),
                count / seconds, ms(latencies, 0.50), ms(latencies, 0.95), ms(latencies, 0.99),
                latencies[latencies.length - 1] / 1e6, cpuPerCall(cpuBefore, cpuAfter, 0, count),
                cpuPerCall(cpuBefore, cpuAfter, 1, count), cpuPerCall(cpuBefore, cpuAfter, 2, count), resourcesPerCall > 1
                        ? String.format(Locale.ROOT, "   %.1f resources/s (%d per call, %d clients)",
                                count * resourcesPerCall / seconds, resourcesPerCall, clients) : "");
    }

    /**
     * CPU clock ticks so far of the server process, of all PostgreSQL processes and of the server's JIT compiler
     * threads; null when not measured.
     */
    private long[] cpuTicks() throws IOException {
        if (serverPid == 0) {
            return null;
        }
        long postgres = 0;
        try (Stream<Path> processes = Files.list(Path.of("/proc"))) {
            for (Path process : processes.filter(p -> p.getFileName().toString().matches("\\d+")).toList()) {
                try {
                    if (Files.readString(process.resolve("comm")).trim().equals("postgres")) {
                        // With the CPU of ended children: a backend that ends during a phase (its connection
                        // closed) leaves its CPU to the postmaster that reaps it, so the sum never goes back.
                        postgres += ticks(process, true);
                    }
                } catch (IOException | RuntimeException ended) {
                    // the process ended meanwhile
                }
            }
        }
        Path server = Path.of("/proc", String.valueOf(serverPid));
        return new long[] {ticks(server, false), postgres, compilerTicks(server)};
    }

    /**
     * CPU ticks of the server's JIT compiler threads (named "C1 CompilerThre..." and "C2 CompilerThre..." by
     * HotSpot; one may end meanwhile), part of the server's CPU: code still being compiled, which a server that
     * has run for a while no longer pays.
     */
    private static long compilerTicks(Path process) throws IOException {
        long compiling = 0;
        try (Stream<Path> tasks = Files.list(process.resolve("task"))) {
            for (Path task : tasks.toList()) {
                try {
                    if (Files.readString(task.resolve("comm")).trim().matches("C\\d CompilerThre.*")) {
                        compiling += ticks(task, false);
                    }
                } catch (IOException | RuntimeException ended) {
                    // the thread ended meanwhile
                }
            }
        }
        return compiling;
    }

    /**
     * User and system CPU ticks of a process: fields 14 and 15 of its stat line (counted after the command name),
     * and with {@code reapedChildren} fields 16 and 17, those of its children that ended and were waited for.
     */
    private static long ticks(Path process, boolean reapedChildren) throws IOException {
        String stat = Files.readString(process.resolve("stat"));
        String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        long own = Long.parseLong(fields[11]) + Long.parseLong(fields[12]);
        return reapedChildren ? own + Long.parseLong(fields[13]) + Long.parseLong(fields[14]) : own;
    }

    /** Milliseconds of CPU per call of one process group (0 the server, 1 PostgreSQL, 2 the server's JIT), or "-". */
    private String cpuPerCall(long[] before, long[] after, int group, int calls) {
        return before == null || after == null ? "-"
                : String.format(Locale.ROOT, "%.1f", (after[group] - before[group]) * millisPerTick / calls);
    }

    private void runAll(int count, int clients, Call call) throws InterruptedException {
        AtomicInteger next = new AtomicInteger();
        ExecutorService pool = Executors.newFixedThreadPool(clients);
        for (int t = 0; t < clients; t++) {
            pool.submit(() -> {
                for (int i = next.getAndIncrement(); i < count; i = next.getAndIncrement()) {
                    try {
                        call.apply(i);
                    } catch (Exception e) {
                        // counted by the measured wrapper; warm-up failures surface in the measured phase
                    }
                }
            });
        }
        pool.shutdown();
        if (!pool.awaitTermination(30, TimeUnit.MINUTES)) {
            throw new IllegalStateException("phase did not finish within 30 minutes");
        }
    }

    private static double ms(long[] sorted, double quantile) {
        int index = (int) Math.ceil(quantile * sorted.length) - 1;
        return sorted[Math.max(0, Math.min(sorted.length - 1, index))] / 1e6;
    }

    private static final Pattern STATUS_URL = Pattern.compile("/fhir/(\\$export-poll-status\\?_jobId=[^\\s]+)");
    private static final Pattern FILE_URL = Pattern.compile("\"url\"\\s*:\\s*\"[^\"]*/fhir/(Binary/[^\"]+)\"");

    /**
     * One Bulk Data export of every patient's records (Patient/$export, all types) by the same caller:
     * kick-off, polling every second until the manifest, then every NDJSON file downloaded. Prints the
     * resources exported, the time to the manifest (HAPI's batch job, which moves between its steps on a
     * maintenance pass, by default every minute) and to the last file, and resources per second of each.
     */
    void export() throws Exception {
        long start = System.nanoTime();
        HttpRequest kickOff = authorized(HttpRequest.newBuilder(URI.create(base + "/Patient/$export")))
                .header("Accept", FHIR_JSON).header("Prefer", "respond-async").GET().build();
        HttpResponse<String> accepted = http.send(kickOff, HttpResponse.BodyHandlers.ofString());
        Matcher status = STATUS_URL.matcher(accepted.headers().firstValue("Content-Location").orElse(""));
        if (accepted.statusCode() != 202 || !status.find()) {
            // A server without Bulk Data (the stock starter's default) is measured on everything else.
            System.out.printf(Locale.ROOT, "export: not started (HTTP %d)%n", accepted.statusCode());
            return;
        }
        HttpResponse<String> manifest;
        do {
            Thread.sleep(1000);
            manifest = get(status.group(1));
        } while (manifest.statusCode() == 202);
        if (manifest.statusCode() != 200) {
            throw new IllegalStateException("export failed: HTTP " + manifest.statusCode() + " " + manifest.body());
        }
        double toManifest = (System.nanoTime() - start) / 1e9;
        long resources = 0;
        Matcher file = FILE_URL.matcher(manifest.body());
        while (file.find()) {
            HttpRequest download = authorized(HttpRequest.newBuilder(URI.create(base + "/" + file.group(1))))
                    .header("Accept", "application/fhir+ndjson").timeout(Duration.ofMinutes(5)).GET().build();
            resources += http.send(download, HttpResponse.BodyHandlers.ofString()).body().lines().filter(l -> !l.isBlank()).count();
        }
        double total = (System.nanoTime() - start) / 1e9;
        System.out.printf(Locale.ROOT, "export: %d resources, manifest after %.1f s (%.0f resources/s), files downloaded after %.1f s (%.0f resources/s)%n",
                resources, toManifest, resources / toManifest, total, resources / total);
    }

    private HttpResponse<String> get(String path) throws Exception {
        HttpRequest request = authorized(HttpRequest.newBuilder(URI.create(base + "/" + path)))
                .header("Accept", FHIR_JSON).timeout(Duration.ofSeconds(60)).GET().build();
        return http.send(request, HttpResponse.BodyHandlers.ofString());
    }

    private HttpResponse<String> post(String path, String body) throws Exception {
        HttpRequest request = authorized(HttpRequest.newBuilder(URI.create(base + "/" + path)))
                .header("Accept", FHIR_JSON).header("Content-Type", FHIR_JSON)
                // Ask for the created resources' locations only, as a busy EHR interface would.
                .header("Prefer", "return=minimal")
                .timeout(Duration.ofSeconds(60))
                .POST(HttpRequest.BodyPublishers.ofString(body)).build();
        return http.send(request, HttpResponse.BodyHandlers.ofString());
    }

    private HttpRequest.Builder authorized(HttpRequest.Builder request) {
        return authorization == null ? request : request.header("Authorization", authorization);
    }

    /** Stores an episode Bundle as the privacy officer (unmeasured). */
    private HttpResponse<String> load(String bundle) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(base + "/"))
                .header("Accept", FHIR_JSON).header("Content-Type", FHIR_JSON).header("Prefer", "return=minimal")
                .timeout(Duration.ofSeconds(120)).POST(HttpRequest.BodyPublishers.ofString(bundle));
        if (loaderAuthorization != null) {
            request.header("Authorization", loaderAuthorization);
        }
        return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    private static String patient() {
        return """
                {"resourceType":"Patient","identifier":[{"system":"http://example.org/mrn","value":"%s"}],
                 "name":[{"family":"Benchmark","given":["Alex"]}],"gender":"female","birthDate":"1988-04-12",
                 "managingOrganization":{"reference":"Organization/example-program"}}"""
                .formatted(UUID.randomUUID());
    }

    /** One IOP admission: 12 weeks, Monday/Wednesday/Friday 3-hour group sessions. */
    /** Patients in the {@code ingest} phase at scale 1, each one transaction like a Synthea patient file. */
    static final int INGEST_PATIENTS = 60;
    static final int INGEST_THREADS = 4;

    /**
     * A Synthea-shaped patient history as one transaction of POSTs with {@code urn:uuid} references (the shape of
     * Synthea's FHIR R4 output; Synthea itself is not available here): the patient, 40 visits over ten years,
     * each with its vital signs, a claim and an explanation of benefit, and every few visits a condition, a
     * prescription, a procedure, an immunization or a lab panel (DiagnosticReport with its results). About 450
     * resources; {@link #ingestResources} counts them.
     */
    static List<String> historyEntries(int seed) {
        String patient = "urn:uuid:" + UUID.randomUUID();
        List<String> entries = new ArrayList<>();
        entries.add(entry(patient, "Patient", patient().replace("\n", "")));
        LocalDate first = LocalDate.of(2016, 1, 4).plusDays(seed % 300);
        String[][] vitals = {{"8302-2", "Body height", "172.4", "cm"}, {"29463-7", "Body weight", "81.2", "kg"},
                {"39156-5", "Body mass index", "27.3", "kg/m2"}, {"8867-4", "Heart rate", "72", "/min"},
                {"9279-1", "Respiratory rate", "14", "/min"}};
        for (int visit = 0; visit < 40; visit++) {
            String encounter = "urn:uuid:" + UUID.randomUUID();
            String day = first.plusDays(visit * 91L).toString();
            entries.add(entry(encounter, "Encounter", """
                    {"resourceType":"Encounter","status":"finished",
                     "class":{"system":"http://terminology.hl7.org/CodeSystem/v3-ActCode","code":"AMB"},
                     "type":[{"coding":[{"system":"http://snomed.info/sct","code":"162673000","display":"General examination of patient"}]}],
                     "subject":{"reference":"%s"},"period":{"start":"%sT09:00:00Z","end":"%sT09:30:00Z"}}"""
                    .formatted(patient, day, day)));
            for (String[] v : vitals) {
                entries.add(entry(null, "Observation", """
                        {"resourceType":"Observation","status":"final",
                         "category":[{"coding":[{"system":"http://terminology.hl7.org/CodeSystem/observation-category","code":"vital-signs"}]}],
                         "code":{"coding":[{"system":"http://loinc.org","code":"%s","display":"%s"}]},
                         "subject":{"reference":"%s"},"encounter":{"reference":"%s"},"effectiveDateTime":"%sT09:10:00Z",
                         "valueQuantity":{"value":%s,"unit":"%s","system":"http://unitsofmeasure.org","code":"%s"}}"""
                        .formatted(v[0], v[1], patient, encounter, day, v[2], v[3], v[3])));
            }
            if (visit % 5 == 0) {
                List<String> results = new ArrayList<>();
                for (String[] lab : new String[][] {{"2339-0", "Glucose", "92"}, {"2947-0", "Sodium", "140"},
                        {"6298-4", "Potassium", "4.2"}, {"38483-4", "Creatinine", "0.9"}}) {
                    String result = "urn:uuid:" + UUID.randomUUID();
                    results.add("{\"reference\":\"" + result + "\"}");
                    entries.add(entry(result, "Observation", """
                            {"resourceType":"Observation","status":"final",
                             "category":[{"coding":[{"system":"http://terminology.hl7.org/CodeSystem/observation-category","code":"laboratory"}]}],
                             "code":{"coding":[{"system":"http://loinc.org","code":"%s","display":"%s"}]},
                             "subject":{"reference":"%s"},"encounter":{"reference":"%s"},"effectiveDateTime":"%sT09:15:00Z",
                             "valueQuantity":{"value":%s,"unit":"mg/dL","system":"http://unitsofmeasure.org","code":"mg/dL"}}"""
                            .formatted(lab[0], lab[1], patient, encounter, day, lab[2])));
                }
                entries.add(entry(null, "DiagnosticReport", """
                        {"resourceType":"DiagnosticReport","status":"final",
                         "code":{"coding":[{"system":"http://loinc.org","code":"51990-0","display":"Basic metabolic panel"}]},
                         "subject":{"reference":"%s"},"encounter":{"reference":"%s"},"effectiveDateTime":"%sT09:15:00Z",
                         "issued":"%sT12:00:00Z","result":[%s]}"""
                        .formatted(patient, encounter, day, day, String.join(",", results))));
            }
            if (visit % 4 == 1) {
                entries.add(entry(null, "Condition", """
                        {"resourceType":"Condition",
                         "clinicalStatus":{"coding":[{"system":"http://terminology.hl7.org/CodeSystem/condition-clinical","code":"resolved"}]},
                         "code":{"coding":[{"system":"http://snomed.info/sct","code":"444814009","display":"Viral sinusitis"}]},
                         "subject":{"reference":"%s"},"encounter":{"reference":"%s"},"onsetDateTime":"%sT09:00:00Z"}"""
                        .formatted(patient, encounter, day)));
            }
            if (visit % 3 == 2) {
                entries.add(entry(null, "MedicationRequest", """
                        {"resourceType":"MedicationRequest","status":"completed","intent":"order",
                         "medicationCodeableConcept":{"coding":[{"system":"http://www.nlm.nih.gov/research/umls/rxnorm","code":"313782","display":"Acetaminophen 325 MG Oral Tablet"}]},
                         "subject":{"reference":"%s"},"encounter":{"reference":"%s"},"authoredOn":"%sT09:20:00Z"}"""
                        .formatted(patient, encounter, day)));
            }
            if (visit % 8 == 3) {
                entries.add(entry(null, "Procedure", """
                        {"resourceType":"Procedure","status":"completed",
                         "code":{"coding":[{"system":"http://snomed.info/sct","code":"430193006","display":"Medication reconciliation"}]},
                         "subject":{"reference":"%s"},"encounter":{"reference":"%s"},"performedDateTime":"%sT09:25:00Z"}"""
                        .formatted(patient, encounter, day)));
            }
            if (visit % 4 == 0) {
                entries.add(entry(null, "Immunization", """
                        {"resourceType":"Immunization","status":"completed",
                         "vaccineCode":{"coding":[{"system":"http://hl7.org/fhir/sid/cvx","code":"140","display":"Influenza, seasonal, injectable, preservative free"}]},
                         "patient":{"reference":"%s"},"encounter":{"reference":"%s"},"occurrenceDateTime":"%sT09:05:00Z",
                         "primarySource":true}"""
                        .formatted(patient, encounter, day)));
            }
            String claim = "urn:uuid:" + UUID.randomUUID();
            entries.add(entry(claim, "Claim", """
                    {"resourceType":"Claim","status":"active","use":"claim",
                     "type":{"coding":[{"system":"http://terminology.hl7.org/CodeSystem/claim-type","code":"professional"}]},
                     "patient":{"reference":"%s"},"created":"%sT09:30:00Z","provider":{"display":"Benchmark clinic"},
                     "priority":{"coding":[{"system":"http://terminology.hl7.org/CodeSystem/processpriority","code":"normal"}]},
                     "insurance":[{"sequence":1,"focal":true,"coverage":{"display":"Benchmark health plan"}}],
                     "item":[{"sequence":1,"productOrService":{"coding":[{"system":"http://snomed.info/sct","code":"162673000"}]},
                              "encounter":[{"reference":"%s"}],"net":{"value":136.8,"currency":"USD"}}],
                     "total":{"value":136.8,"currency":"USD"}}"""
                    .formatted(patient, day, encounter)));
            entries.add(entry(null, "ExplanationOfBenefit", """
                    {"resourceType":"ExplanationOfBenefit","status":"active","use":"claim","outcome":"complete",
                     "type":{"coding":[{"system":"http://terminology.hl7.org/CodeSystem/claim-type","code":"professional"}]},
                     "patient":{"reference":"%s"},"created":"%sT09:30:00Z","insurer":{"display":"Benchmark health plan"},
                     "provider":{"display":"Benchmark clinic"},"claim":{"reference":"%s"},
                     "insurance":[{"focal":true,"coverage":{"display":"Benchmark health plan"}}],
                     "item":[{"sequence":1,"productOrService":{"coding":[{"system":"http://snomed.info/sct","code":"162673000"}]},
                              "encounter":[{"reference":"%s"}],"adjudication":[{"category":{"coding":[{"system":
                              "http://terminology.hl7.org/CodeSystem/adjudication","code":"submitted"}]},"amount":{"value":136.8,"currency":"USD"}}]}],
                     "total":[{"category":{"coding":[{"system":"http://terminology.hl7.org/CodeSystem/adjudication","code":"submitted"}]},
                               "amount":{"value":136.8,"currency":"USD"}}]}"""
                    .formatted(patient, day, claim, encounter)));
        }
        return entries;
    }

    static int ingestResources() {
        return historyEntries(0).size();
    }

    /** Entries of {@link #episodeTransaction}: the patient, the episode, its care plan and 36 sessions. */
    static final int EPISODE_RESOURCES = 39;

    private static String episodeTransaction() {
        String patient = "urn:uuid:" + UUID.randomUUID();
        String episode = "urn:uuid:" + UUID.randomUUID();
        LocalDate admission = LocalDate.of(2026, 1, 5);
        List<String> entries = new ArrayList<>();
        entries.add(entry(patient, "Patient", patient().replace("\n", "")));
        entries.add(entry(episode, "EpisodeOfCare", """
                {"resourceType":"EpisodeOfCare","status":"finished",
                 "type":[{"coding":[{"system":"http://iop-fhir.org/fhir/CodeSystem/iop-program-track","code":"sud"}],
                          "text":"Intensive outpatient program (ASAM 2.1)"}],
                 "managingOrganization":{"reference":"Organization/example-program"},
                 "patient":{"reference":"%s"},"period":{"start":"%s","end":"%s"}}"""
                .formatted(patient, admission, admission.plusWeeks(12))));
        entries.add(entry(null, "CarePlan", """
                {"resourceType":"CarePlan","status":"completed","intent":"plan",
                 "category":[{"text":"Intensive outpatient treatment plan"}],
                 "subject":{"reference":"%s"},"period":{"start":"%s","end":"%s"},
                 "activity":[{"detail":{"status":"completed","code":{"coding":[{"system":"http://snomed.info/sct",
                 "code":"76168009"}]},"scheduledTiming":{"repeat":{"frequency":3,"period":1,"periodUnit":"wk",
                 "duration":3,"durationUnit":"h"}}}}]}"""
                .formatted(patient, admission, admission.plusWeeks(12))));
        for (int week = 0; week < 12; week++) {
            for (int day : new int[] {0, 2, 4}) {
                String date = admission.plusWeeks(week).plusDays(day).toString();
                entries.add(entry(null, "Encounter", """
                        {"resourceType":"Encounter","status":"finished",
                         "class":{"system":"http://terminology.hl7.org/CodeSystem/v3-ActCode","code":"AMB"},
                         "type":[{"coding":[{"system":"http://snomed.info/sct","code":"76168009"},
                                            {"system":"https://www.cms.gov/Medicare/Coding/HCPCSReleaseCodeSets","code":"H0015"}]}],
                         "subject":{"reference":"%s"},"episodeOfCare":[{"reference":"%s"}],
                         "period":{"start":"%sT09:00:00Z","end":"%sT12:00:00Z"},
                         "length":{"value":180,"unit":"min","system":"http://unitsofmeasure.org","code":"min"}}"""
                        .formatted(patient, episode, date, date)));
            }
        }
        return "{\"resourceType\":\"Bundle\",\"type\":\"transaction\",\"entry\":[" + String.join(",", entries) + "]}";
    }

    private static String entry(String fullUrl, String type, String resource) {
        return "{" + (fullUrl != null ? "\"fullUrl\":\"" + fullUrl + "\"," : "")
                + "\"resource\":" + resource + ",\"request\":{\"method\":\"POST\",\"url\":\"" + type + "\"}}";
    }
}
