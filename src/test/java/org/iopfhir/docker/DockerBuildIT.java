package org.iopfhir.docker;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * No container engine runs where the tests run, so this test does what {@code docker build} and
 * {@code docker run} would do with {@code docker/Dockerfile}, read from the file itself so the two
 * cannot drift apart: it copies the build stage's COPY sources from the repository (minus what
 * {@code .dockerignore} leaves out of the build context) into an empty directory standing for the
 * image's file system, runs the build stage's Maven and java commands there (building the jar,
 * then unpacking it), takes what the final stage copies from the build stage, and starts the jar
 * its ENTRYPOINT names with the final stage's ENV and ENTRYPOINT. The server must become ready on
 * the HEALTHCHECK URL and serve the implementation guide, its terminology and the example episode:
 * exactly what an image built from a clean clone lacked when profiles/ and terminology/ were not
 * copied. It also starts quietly: no WARN line but the one saying that the embedded default runs
 * open.
 *
 * <p>Differences from a real image build, all about where things come from, none about what is
 * built: Maven runs offline ({@code -o}) against the local repository of the build running this test
 * (which has downloaded every plugin and dependency the package build needs), the build stage's
 * dependency pre-fetch ({@code dependency:go-offline}, a layer-cache optimisation that needs the
 * network) is skipped, the Java running this test stands for the build stage's JDK and the image's
 * JRE, and the port is a free one instead of 8080 (through {@code SERVER_PORT}, leaving the
 * ENTRYPOINT's arguments untouched).
 */
class DockerBuildIT {

    private static final Path REPO = Path.of("").toAbsolutePath();
    private static final Duration BUILD_TIMEOUT = Duration.ofMinutes(15);
    private static final Duration START_TIMEOUT = Duration.ofMinutes(10);
    private static final Duration STOP_TIMEOUT = Duration.ofSeconds(60);
    private static final String GUIDE = "http://iop-fhir.org/fhir/";
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    @Test
    void theDockerfilesBuildGivesAServerThatStartsWithTheGuide() throws Exception {
        Dockerfile dockerfile = Dockerfile.read(REPO.resolve("docker/Dockerfile"));
        DockerIgnore context = DockerIgnore.read(REPO.resolve(".dockerignore"));
        Path work = REPO.resolve("target/docker-build-it");
        deleteRecursively(work);
        Path rootfs = Files.createDirectories(work.resolve("rootfs"));
        Path logs = Files.createDirectories(work.resolve("logs"));
        List<Path> logFiles = new ArrayList<>();
        Process server = null;
        try {
            Instant buildStart = Instant.now();
            build(dockerfile.build(), context, rootfs, logs, logFiles);
            Duration buildTime = Duration.between(buildStart, Instant.now());

            Path jar = copyFromBuildStage(dockerfile, rootfs);
            Dockerfile.Stage runtime = dockerfile.runtime();
            URI health = URI.create(runtime.healthcheckUrl());
            assertThat(health.getPort()).as("HEALTHCHECK port is the EXPOSEd port").isEqualTo(runtime.exposedPort());
            int port = freePort();
            String base = "http://localhost:" + port;

            Path serverLog = logs.resolve("server.log");
            logFiles.add(serverLog);
            Instant startStart = Instant.now();
            server = start(runtime, rootfs, port, serverLog);
            awaitReady(server, URI.create(base + health.getRawPath()));
            Duration startTime = Duration.between(startStart, Instant.now());

            JsonNode metadata = getJson(base + "/fhir/metadata");
            assertThat(metadata.path("resourceType").asText()).isEqualTo("CapabilityStatement");
            assertThat(metadata.toString()).contains(GUIDE + "StructureDefinition/iop-episode-of-care");
            assertThat(entries(getJson(base + "/fhir/StructureDefinition?url=" + GUIDE
                    + "StructureDefinition/iop-episode-of-care"))).as("profile from profiles/").isEqualTo(1);
            assertThat(entries(getJson(base + "/fhir/CodeSystem?url=" + GUIDE + "CodeSystem/asam-level-of-care")))
                    .as("code system from terminology/").isEqualTo(1);
            assertThat(getJson(base + "/fhir/EpisodeOfCare/example-episode").path("id").asText())
                    .as("example from profiles/examples/").isEqualTo("example-episode");

            // A quiet start: the only warning of the embedded default is that it runs open, which the user
            // acts on by configuring an issuer. A machine too busy for the pool's housekeeping says so too.
            List<String> warnings = Files.readAllLines(serverLog, StandardCharsets.UTF_8).stream()
                    .filter(l -> l.contains(" WARN ")).toList();
            assertThat(warnings).as("WARN lines at start-up").allMatch(l -> l.contains("SECURITY IS OFF")
                    || l.contains("Thread starvation or clock leap detected"));
            assertThat(warnings).anyMatch(l -> l.contains("SECURITY IS OFF"));

            Instant stopStart = Instant.now();
            server.destroy(); // SIGTERM, as `docker stop` sends
            boolean stopped = server.waitFor(STOP_TIMEOUT.toSeconds(), TimeUnit.SECONDS);
            assertThat(stopped).as("server stops within %s of SIGTERM", STOP_TIMEOUT).isTrue();
            System.out.printf("DockerBuildIT: build %ds, start to ready %ds, stop %ds, application %d MB, %d WARN lines%n",
                    buildTime.toSeconds(), startTime.toSeconds(), Duration.between(stopStart, Instant.now()).toSeconds(),
                    sizeOf(jar.getParent()) / (1024 * 1024), warnings.size());
            deleteRecursively(rootfs);
        } catch (Throwable failure) {
            throw new AssertionError(failure.getMessage() + logTails(logFiles)
                    + "\n(full logs and the build directory: " + work + ")", failure);
        } finally {
            if (server != null && server.isAlive()) {
                server.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
            }
        }
    }

    /** The build stage: its COPYs from the build context, then its Maven and java commands in its WORKDIR. */
    private static void build(Dockerfile.Stage stage, DockerIgnore context, Path rootfs, Path logs, List<Path> logFiles)
            throws IOException, InterruptedException {
        for (Dockerfile.Copy copy : stage.copies()) {
            assertThat(copy.from()).as("build stage copies from the build context only").isNull();
            for (String source : copy.sources()) {
                int copied = copyFromContext(source, copy.destination(), rootfs, context);
                assertThat(copied).as("files of COPY %s in the build context", source).isPositive();
            }
        }
        Path workdir = Files.createDirectories(container(rootfs, stage.workdir()));
        int packaged = 0;
        int commands = 0;
        for (List<String> run : stage.runs()) {
            if (run.get(0).equals("apt-get")) {
                continue; // the build's tools (npm), which this machine has: .ci/run installs them
            }
            assertThat(run.get(0)).as("build stage RUN is a Maven or java command: %s", run).isIn("mvn", "java");
            List<String> command = new ArrayList<>();
            if (run.get(0).equals("java")) {
                command.add(javaCommand());
                command.addAll(run.subList(1, run.size()));
            } else {
                List<String> goals = run.stream().skip(1).filter(a -> !a.startsWith("-")).toList();
                if (!goals.isEmpty() && goals.stream().allMatch(g -> g.startsWith("dependency:"))) {
                    continue; // the pre-fetch layer: needs the network, builds nothing
                }
                command.add(maven());
                command.addAll(run.subList(1, run.size()));
                command.add("-o");
                String repository = System.getProperty("iop.it.maven.repo.local", "");
                if (!repository.isBlank()) {
                    command.add("-Dmaven.repo.local=" + repository);
                }
                packaged++;
            }
            Path log = logs.resolve("build-" + (++commands) + ".log");
            logFiles.add(log);
            Process process = new ProcessBuilder(command).directory(workdir.toFile())
                    .redirectErrorStream(true).redirectOutput(log.toFile()).start();
            try {
                assertThat(process.waitFor(BUILD_TIMEOUT.toSeconds(), TimeUnit.SECONDS))
                        .as("%s finishes within %s", command, BUILD_TIMEOUT).isTrue();
                assertThat(process.exitValue()).as("exit code of %s", command).isZero();
            } finally {
                process.destroyForcibly();
            }
        }
        assertThat(packaged).as("Maven commands run from the build stage").isPositive();
    }

    /**
     * The final stage's {@code COPY --from=build}: files and directories (their contents, as Docker copies them)
     * moved to where the final stage puts them. Returns the jar the ENTRYPOINT runs, which they must include.
     */
    private static Path copyFromBuildStage(Dockerfile dockerfile, Path rootfs) throws IOException {
        for (Dockerfile.Copy copy : dockerfile.runtime().copies()) {
            assertThat(copy.from()).as("final stage copies only from the build stage").isEqualTo(dockerfile.build().name());
            assertThat(copy.sources()).hasSize(1);
            Path source = container(rootfs, copy.sources().get(0));
            assertThat(source).as("built by the build stage").exists();
            if (Files.isDirectory(source)) {
                Path target = Files.createDirectories(container(rootfs, copy.destination()));
                try (Stream<Path> files = Files.walk(source)) {
                    for (Path file : (Iterable<Path>) files.filter(Files::isRegularFile)::iterator) {
                        Path moved = target.resolve(source.relativize(file).toString());
                        Files.createDirectories(moved.getParent());
                        Files.move(file, moved, StandardCopyOption.REPLACE_EXISTING);
                    }
                }
            } else {
                Path target = container(rootfs, copy.destination().endsWith("/")
                        ? copy.destination() + source.getFileName() : copy.destination());
                Files.createDirectories(target.getParent());
                Files.move(source, target, StandardCopyOption.REPLACE_EXISTING);
            }
        }
        List<String> entrypoint = dockerfile.runtime().entrypoint();
        int jarFlag = entrypoint.indexOf("-jar");
        assertThat(jarFlag).as("ENTRYPOINT runs a jar: %s", entrypoint).isPositive().isLessThan(entrypoint.size() - 1);
        Path jar = container(rootfs, entrypoint.get(jarFlag + 1));
        assertThat(jar).as("the jar the ENTRYPOINT runs, copied from the build stage").isRegularFile();
        return jar;
    }

    /** {@code docker run}: the image's ENV and ENTRYPOINT in its WORKDIR, and nothing from this machine's environment. */
    private static Process start(Dockerfile.Stage runtime, Path rootfs, int port, Path log) throws IOException {
        assertThat(runtime.entrypoint()).as("ENTRYPOINT").isNotEmpty();
        assertThat(runtime.entrypoint().get(0)).isEqualTo("java");
        List<String> command = new ArrayList<>();
        command.add(javaCommand());
        runtime.entrypoint().stream().skip(1).map(a -> a.startsWith("/") ? container(rootfs, a).toString() : a)
                .forEach(command::add);
        ProcessBuilder builder = new ProcessBuilder(command)
                .directory(Files.createDirectories(container(rootfs, runtime.workdir())).toFile())
                .redirectErrorStream(true).redirectOutput(log.toFile());
        Map<String, String> env = builder.environment();
        env.keySet().retainAll(List.of("PATH", "HOME", "LANG", "TMPDIR"));
        for (Map.Entry<String, String> e : runtime.env().entrySet()) {
            String value = e.getValue();
            if (value.startsWith("/")) {
                value = Files.createDirectories(container(rootfs, value)).toString();
            }
            env.put(e.getKey(), value);
        }
        env.put("SERVER_PORT", String.valueOf(port));
        return builder.start();
    }

    private static void awaitReady(Process server, URI readiness) throws InterruptedException {
        Instant deadline = Instant.now().plus(START_TIMEOUT);
        int status = -1;
        while (Instant.now().isBefore(deadline)) {
            assertThat(server.isAlive()).as("server process is running (exit code %s)",
                    server.isAlive() ? "-" : server.exitValue()).isTrue();
            status = status(readiness);
            if (status == 200) {
                return;
            }
            Thread.sleep(1000);
        }
        throw new AssertionError("Not ready within " + START_TIMEOUT + " at " + readiness + " (last status " + status + ")");
    }

    private static int status(URI uri) throws InterruptedException {
        try {
            return HTTP.send(HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(10)).build(),
                    HttpResponse.BodyHandlers.discarding()).statusCode();
        } catch (IOException e) {
            return -1; // not listening yet, or too busy starting to answer
        }
    }

    private static JsonNode getJson(String url) throws IOException, InterruptedException {
        HttpResponse<String> response = HTTP.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(60))
                .header("Accept", "application/fhir+json").build(), HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).as("GET %s: %s", url, response.body()).isEqualTo(200);
        return JSON.readTree(response.body());
    }

    private static int entries(JsonNode bundle) {
        return bundle.path("entry").size();
    }

    /** Copies one COPY source (a file or a directory's contents) the way Docker does, minus ignored files. */
    private static int copyFromContext(String source, String destinationPath, Path rootfs, DockerIgnore context)
            throws IOException {
        Path destination = container(rootfs, destinationPath);
        Path from = REPO.resolve(source).normalize();
        assertThat(from).as("COPY source %s inside the build context", source).startsWith(REPO);
        if (Files.isRegularFile(from)) {
            String relative = REPO.relativize(from).toString().replace('\\', '/');
            if (context.excludes(relative)) {
                return 0;
            }
            Path target = destinationPath.endsWith("/") || Files.isDirectory(destination)
                    ? destination.resolve(from.getFileName().toString()) : destination;
            Files.createDirectories(target.getParent());
            Files.copy(from, target, StandardCopyOption.REPLACE_EXISTING);
            return 1;
        }
        int copied = 0;
        try (Stream<Path> files = Files.walk(from)) {
            for (Path file : (Iterable<Path>) files.filter(Files::isRegularFile)::iterator) {
                if (context.excludes(REPO.relativize(file).toString().replace('\\', '/'))) {
                    continue;
                }
                Path target = destination.resolve(from.relativize(file).toString());
                Files.createDirectories(target.getParent());
                Files.copy(file, target, StandardCopyOption.REPLACE_EXISTING);
                copied++;
            }
        }
        return copied;
    }

    /** A path of the image's file system, inside the directory standing for it. */
    private static Path container(Path rootfs, String absolutePath) {
        String relative = absolutePath.replaceAll("^/+", "");
        return relative.isEmpty() ? rootfs : rootfs.resolve(relative);
    }

    /** The JRE running this test, standing for the build stage's JDK and the image's JRE. */
    private static String javaCommand() {
        return Path.of(System.getProperty("java.home"), "bin", "java").toString();
    }

    /** The Maven running this build (failsafe passes its home), else the one on the PATH. */
    private static String maven() {
        String home = System.getProperty("iop.it.maven.home", "");
        if (!home.isBlank()) {
            Path mvn = Path.of(home, "bin", "mvn");
            if (Files.isExecutable(mvn)) {
                return mvn.toString();
            }
        }
        return "mvn";
    }

    /** The bytes of the files under a directory: the jar and its libraries. */
    private static long sizeOf(Path dir) throws IOException {
        try (Stream<Path> files = Files.walk(dir)) {
            long total = 0;
            for (Path file : (Iterable<Path>) files.filter(Files::isRegularFile)::iterator) {
                total += Files.size(file);
            }
            return total;
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }

    private static String logTails(List<Path> logs) {
        StringBuilder out = new StringBuilder();
        for (Path log : logs) {
            out.append("\n--- ").append(log.getFileName()).append(" (last 80 lines) ---\n");
            try {
                List<String> lines = Files.readAllLines(log, StandardCharsets.UTF_8);
                lines.subList(Math.max(0, lines.size() - 80), lines.size()).forEach(l -> out.append(l).append('\n'));
            } catch (IOException | UncheckedIOException e) {
                out.append("(unreadable: ").append(e).append(")\n");
            }
        }
        return out.toString();
    }

    private static void deleteRecursively(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        Files.walkFileTree(dir, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                Files.delete(file);
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult postVisitDirectory(Path d, IOException e) throws IOException {
                Files.delete(d);
                return FileVisitResult.CONTINUE;
            }
        });
    }
}
