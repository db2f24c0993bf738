package org.iopfhir.testsupport;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The packaged server ({@code target/iop-fhir-server.jar}, built by {@code mvn package} before the
 * integration tests run) as an operating-system process on PostgreSQL: what an operator runs, and
 * what can be killed with {@code kill -9}. Runs open (no issuer) with the audit trail on, on a port
 * that stays the same across restarts, in a working directory of its own, logging to a file whose
 * tail failures show. Callers must {@link #close()} it (in a finally or try-with-resources).
 */
public final class ServerProcess implements AutoCloseable {

    public static final Duration START_TIMEOUT = Duration.ofMinutes(4);
    private static final Path JAR = Path.of("target", "iop-fhir-server.jar").toAbsolutePath();
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    private final String name;
    private final int port;
    private final Path workDir;
    private final List<String> args;
    private Process process;
    private int starts;
    private Instant startedAt;

    private ServerProcess(String name, int port, Path workDir, List<String> args) {
        this.name = name;
        this.port = port;
        this.workDir = workDir;
        this.args = args;
    }

    /** A server on the database at {@code jdbcUrl}, not yet started. */
    public static ServerProcess on(String name, String jdbcUrl, Path workDir, String... extraArgs) {
        if (!Files.isRegularFile(JAR)) {
            throw new IllegalStateException(JAR + " is missing: the integration tests run after `mvn package`");
        }
        List<String> args = new ArrayList<>(List.of(
                "--spring.datasource.url=" + jdbcUrl,
                "--spring.datasource.username=" + TestPostgres.USER,
                "--spring.datasource.password=",
                "--iop.security.enabled=false",
                "--iop.security.audit.enabled=true"));
        args.addAll(List.of(extraArgs));
        return new ServerProcess(name, freePort(), workDir, args);
    }

    public ServerProcess start() {
        if (process != null && process.isAlive()) {
            throw new IllegalStateException(name + " is already running");
        }
        List<String> command = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx768m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1",
                "-jar", JAR.toString(), "--server.port=" + port));
        command.addAll(args);
        try {
            Files.createDirectories(workDir);
            starts++;
            startedAt = Instant.now();
            process = new ProcessBuilder(command).directory(workDir.toFile()).redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(log().toFile())).start();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return this;
    }

    /**
     * Waits until readiness answers 200 and returns the time from the process's start; fails with the log's
     * tail if the process dies or takes too long.
     */
    public Duration awaitReady() {
        Instant deadline = Instant.now().plus(START_TIMEOUT);
        while (Instant.now().isBefore(deadline)) {
            if (!process.isAlive()) {
                throw new AssertionError(name + " exited with " + process.exitValue() + logTail());
            }
            if (status(root() + "/actuator/health/readiness") == 200) {
                return Duration.between(startedAt, Instant.now());
            }
            sleep(500);
        }
        throw new AssertionError(name + " not ready within " + START_TIMEOUT + logTail());
    }

    /** {@code kill -9}: no shutdown hook, no graceful stop, no flushing. */
    public void kill() {
        if (process != null && process.isAlive()) {
            process.destroyForcibly();
            waitFor();
        }
    }

    /** SIGTERM, as an orchestrator stops a replica: graceful shutdown. */
    public void stop() {
        if (process != null && process.isAlive()) {
            process.destroy();
            waitFor();
        }
    }

    private void waitFor() {
        try {
            if (!process.waitFor(90, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            process.destroyForcibly();
        }
    }

    public boolean isAlive() {
        return process != null && process.isAlive();
    }

    @Override
    public void close() {
        if (process != null && process.isAlive()) {
            process.destroyForcibly();
            waitFor();
        }
    }

    public String root() {
        return "http://localhost:" + port;
    }

    public String fhirBase() {
        return root() + "/fhir";
    }

    public String name() {
        return name;
    }

    public Path log() {
        return workDir.resolve(name + ".log");
    }

    /** Whether the log (all starts) has a line containing {@code text}. */
    public boolean logContains(String text) {
        try {
            return Files.readString(log(), StandardCharsets.UTF_8).contains(text);
        } catch (IOException | UncheckedIOException e) {
            return false;
        }
    }

    /** The log's lines (all starts) containing {@code text}, at most {@code max}. */
    public String logLines(String text, int max) {
        try {
            List<String> lines = Files.readAllLines(log(), StandardCharsets.UTF_8).stream()
                    .filter(l -> l.contains(text)).limit(max).toList();
            return "\n--- " + name + " log lines with \"" + text + "\" ---\n" + String.join("\n", lines);
        } catch (IOException | UncheckedIOException e) {
            return "\n(no log: " + e + ")";
        }
    }

    public String logTail() {
        try {
            List<String> lines = Files.readAllLines(log(), StandardCharsets.UTF_8);
            return "\n--- " + name + " log (last 60 lines of " + lines.size() + ", " + starts + " starts) ---\n"
                    + String.join("\n", lines.subList(Math.max(0, lines.size() - 60), lines.size()));
        } catch (IOException | UncheckedIOException e) {
            return "\n(no log: " + e + ")";
        }
    }

    /** HTTP status of a GET, or -1 when nothing answers. */
    public static int status(String url) {
        try {
            return HTTP.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(10)).build(),
                    HttpResponse.BodyHandlers.discarding()).statusCode();
        } catch (IOException e) {
            return -1;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return -1;
        }
    }

    public static int freePort() {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
