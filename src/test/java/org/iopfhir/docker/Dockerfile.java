package org.iopfhir.docker;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What {@code docker/Dockerfile} says, read the way {@code docker build} reads it, for the parts
 * {@link DockerBuildIT} repeats: the build stage's COPY and RUN lines, and the final stage's
 * COPY --from, ENV, WORKDIR, EXPOSE, HEALTHCHECK and ENTRYPOINT. Anything in the file this reader
 * does not understand fails loudly, so the test can only follow the Dockerfile, never guess.
 */
record Dockerfile(Stage build, Stage runtime) {

    /** One {@code FROM} stage. */
    record Stage(String name, String workdir, List<Copy> copies, List<List<String>> runs, Map<String, String> env,
            List<String> entrypoint, String healthcheckUrl, Integer exposedPort) {
    }

    /** {@code COPY [--from=stage] source... destination}, the destination resolved against the WORKDIR in force. */
    record Copy(String from, List<String> sources, String destination) {
    }

    private static final Pattern FROM = Pattern.compile("(?i)FROM\\s+(\\S+)(?:\\s+AS\\s+(\\S+))?");
    private static final Pattern ENV_PAIR = Pattern.compile("([A-Za-z_][A-Za-z0-9_]*)=(\"[^\"]*\"|\\S*)");
    private static final Pattern URL = Pattern.compile("https?://\\S+");

    static Dockerfile read(Path file) throws IOException {
        List<Stage> stages = new ArrayList<>();
        StageBuilder current = null;
        for (String instruction : instructions(Files.readAllLines(file))) {
            String keyword = instruction.split("\\s+", 2)[0].toUpperCase();
            String rest = instruction.substring(keyword.length()).trim();
            if (keyword.equals("FROM")) {
                Matcher m = FROM.matcher(instruction);
                if (!m.matches()) {
                    throw new IllegalArgumentException("Unreadable FROM: " + instruction);
                }
                if (current != null) {
                    stages.add(current.build());
                }
                current = new StageBuilder(m.group(2));
                continue;
            }
            if (current == null) {
                throw new IllegalArgumentException("Instruction before FROM: " + instruction);
            }
            switch (keyword) {
                case "WORKDIR" -> current.workdir = absolute(current.workdir, rest);
                case "COPY" -> current.copies.add(copy(current.workdir, rest));
                case "RUN" -> current.runs.add(List.of(rest.split("\\s+")));
                case "ENV" -> env(rest, current.env);
                case "EXPOSE" -> current.exposedPort = Integer.valueOf(rest.split("[\\s/]")[0]);
                case "HEALTHCHECK" -> {
                    Matcher m = URL.matcher(rest);
                    if (!m.find()) {
                        throw new IllegalArgumentException("HEALTHCHECK without a URL: " + instruction);
                    }
                    current.healthcheckUrl = m.group();
                }
                case "ENTRYPOINT" -> current.entrypoint = jsonArray(rest);
                case "USER", "VOLUME", "LABEL", "ARG" -> {
                    // Not needed to build or start the jar.
                }
                default -> throw new IllegalArgumentException("DockerBuildIT does not know how to repeat: " + instruction);
            }
        }
        if (current != null) {
            stages.add(current.build());
        }
        if (stages.size() != 2) {
            throw new IllegalArgumentException("Expected a build stage and a runtime stage, found " + stages.size());
        }
        return new Dockerfile(stages.get(0), stages.get(1));
    }

    /** Lines joined at trailing backslashes; comments and blank lines dropped. */
    private static List<String> instructions(List<String> lines) {
        List<String> result = new ArrayList<>();
        StringBuilder pending = new StringBuilder();
        for (String raw : lines) {
            String line = raw.strip();
            if (line.startsWith("#") || (line.isEmpty() && pending.isEmpty())) {
                continue;
            }
            if (line.endsWith("\\")) {
                pending.append(line, 0, line.length() - 1).append(' ');
                continue;
            }
            pending.append(line);
            result.add(pending.toString().trim());
            pending.setLength(0);
        }
        if (!pending.isEmpty()) {
            result.add(pending.toString().trim());
        }
        return result;
    }

    private static Copy copy(String workdir, String rest) {
        List<String> words = new ArrayList<>(List.of(rest.split("\\s+")));
        String from = null;
        while (!words.isEmpty() && words.get(0).startsWith("--")) {
            String flag = words.remove(0);
            if (flag.startsWith("--from=")) {
                from = flag.substring("--from=".length());
            } else {
                throw new IllegalArgumentException("COPY flag not repeated by DockerBuildIT: " + flag);
            }
        }
        if (words.size() < 2 || rest.startsWith("[")) {
            throw new IllegalArgumentException("Unreadable COPY: " + rest);
        }
        String destination = words.remove(words.size() - 1);
        String resolved = absolute(workdir, destination);
        if (destination.endsWith("/") || destination.equals(".")) {
            resolved = resolved.endsWith("/") ? resolved : resolved + "/";
        }
        return new Copy(from, List.copyOf(words), resolved);
    }

    private static void env(String rest, Map<String, String> env) {
        Matcher m = ENV_PAIR.matcher(rest);
        int end = 0;
        while (m.find()) {
            if (!rest.substring(end, m.start()).isBlank()) {
                throw new IllegalArgumentException("Unreadable ENV: " + rest);
            }
            String value = m.group(2);
            env.put(m.group(1), value.startsWith("\"") ? value.substring(1, value.length() - 1) : value);
            end = m.end();
        }
        if (end == 0 || !rest.substring(end).isBlank()) {
            throw new IllegalArgumentException("Unreadable ENV (only KEY=value pairs are repeated): " + rest);
        }
    }

    private static List<String> jsonArray(String rest) {
        if (!rest.startsWith("[") || !rest.endsWith("]")) {
            throw new IllegalArgumentException("ENTRYPOINT must be in exec (JSON array) form: " + rest);
        }
        List<String> items = new ArrayList<>();
        Matcher m = Pattern.compile("\"((?:[^\"\\\\]|\\\\.)*)\"").matcher(rest);
        while (m.find()) {
            items.add(m.group(1));
        }
        return List.copyOf(items);
    }

    private static String absolute(String workdir, String path) {
        if (path.startsWith("/")) {
            return path;
        }
        String base = workdir == null ? "/" : workdir.endsWith("/") ? workdir : workdir + "/";
        return path.equals(".") ? base : base + path;
    }

    private static final class StageBuilder {
        private final String name;
        private String workdir;
        private final List<Copy> copies = new ArrayList<>();
        private final List<List<String>> runs = new ArrayList<>();
        private final Map<String, String> env = new LinkedHashMap<>();
        private List<String> entrypoint = List.of();
        private String healthcheckUrl;
        private Integer exposedPort;

        private StageBuilder(String name) {
            this.name = name;
        }

        private Stage build() {
            return new Stage(name, workdir == null ? "/" : workdir, List.copyOf(copies), List.copyOf(runs),
                    Map.copyOf(env), entrypoint, healthcheckUrl, exposedPort);
        }
    }
}
