package org.iopfhir.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Stream;
import javax.sql.DataSource;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.hl7.fhir.r4.model.OperationOutcome;
import org.iopfhir.testsupport.PostgresServerTest;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * A corpus of malformed requests (files under {@code src/test/resources/corpus/}, plus generated
 * huge and deep bodies) thrown at every resource type and operation the CapabilityStatement lists and
 * at the actuator endpoints, over raw sockets so unencoded characters reach the server as a client
 * like curl sends them. Whatever the server answers: never a 5xx; every 4xx is a FHIR OperationOutcome
 * (JSON or XML), never Tomcat's HTML page or a stack trace; and no refused write stores anything
 * (row counts of the resource tables before and after). {@link BadInputIT} pins the exact status of
 * single cases; this suite covers breadth.
 *
 * <p>The full corpus goes to the types the IOP guide builds on; each other type gets a deterministic
 * rotating share of it (every case reaches several types, every type several cases), which keeps the
 * run to a few thousand requests.
 */
class MalformedInputCorpusIT extends PostgresServerTest {

    private static final Path CORPUS = Path.of("src/test/resources/corpus");
    private static final ObjectMapper MAPPER = new ObjectMapper();
    private static final Set<String> CORE_TYPES = Set.of("Patient", "EpisodeOfCare", "Encounter", "Observation",
            "Condition", "CarePlan", "Appointment", "QuestionnaireResponse", "Questionnaire", "Consent",
            "AuditEvent", "Binary", "Bundle", "Parameters", "StructureDefinition", "Communication");
    private static final int ROTATION = 8;
    /** Requests in parallel: the answers stay the same, the run gets shorter. */
    private static final int CLIENTS = 3;
    private static final String FHIR_JSON = "application/fhir+json";
    private static final String WRONG_CONTENT_TYPE = "POST as ";
    private static final String FHIR_XML = "application/fhir+xml";

    @Autowired
    private DataSource dataSource;

    @Test
    void noMalformedRequestGetsA5xxOrANonFhirAnswerOrStoresAnything() throws Exception {
        JsonNode capabilities = MAPPER.readTree(send(new Case("metadata", "GET", "/fhir/metadata", null, null, false))
                .body());
        List<String> types = new ArrayList<>();
        Map<String, List<String>> typeOperations = new TreeMap<>();
        for (JsonNode resource : capabilities.at("/rest/0/resource")) {
            String type = resource.path("type").asText();
            types.add(type);
            List<String> ops = new ArrayList<>();
            resource.path("operation").forEach(op -> ops.add(op.path("name").asText()));
            typeOperations.put(type, ops);
        }
        List<String> systemOperations = new ArrayList<>();
        capabilities.at("/rest/0/operation").forEach(op -> systemOperations.add(op.path("name").asText()));
        assertThat(types).as("resource types in the CapabilityStatement").contains("Patient", "EpisodeOfCare");

        List<Case> corpus = corpus(types, typeOperations, systemOperations);
        long[] before = storedRows();
        long started = System.nanoTime();

        Map<Integer, Integer> statuses = new java.util.concurrent.ConcurrentSkipListMap<>();
        List<String> violations = java.util.Collections.synchronizedList(new ArrayList<>());
        java.util.concurrent.ExecutorService clients = java.util.concurrent.Executors.newFixedThreadPool(CLIENTS);
        try {
            List<java.util.concurrent.Future<?>> sent = new ArrayList<>();
            for (Case c : corpus) {
                sent.add(clients.submit(() -> {
                    Answer answer;
                    try {
                        answer = send(c);
                    } catch (IOException e) {
                        violations.add(c + ": no answer (" + e + ")");
                        return;
                    }
                    statuses.merge(answer.status(), 1, Integer::sum);
                    String problem = judge(c, answer);
                    if (problem != null) {
                        violations.add(c + " -> " + answer.status() + ": " + problem + " | " + abbreviate(answer.body()));
                    }
                }));
            }
            for (java.util.concurrent.Future<?> f : sent) {
                f.get(10, java.util.concurrent.TimeUnit.MINUTES);
            }
        } finally {
            clients.shutdownNow();
        }
        java.util.Collections.sort(violations);
        long seconds = (System.nanoTime() - started) / 1_000_000_000L;
        long[] after = storedRows();
        long serverErrors = statuses.entrySet().stream().filter(e -> e.getKey() >= 500).mapToLong(Map.Entry::getValue).sum();

        System.out.printf("MalformedInputCorpusIT: %d requests (%d resource types, %d type and %d system operations, "
                + "corpus files: %d bodies, %d queries, %d content types) in %ds; statuses %s; 5xx: %d; "
                + "violations: %d; resources stored before/after %d/%d, versions %d/%d%n",
                corpus.size(), types.size(), typeOperations.values().stream().mapToInt(List::size).sum(),
                systemOperations.size(), bodies().size(), lines("queries.txt").size(), lines("content-types.txt").size(),
                seconds, statuses, serverErrors, violations.size(), before[0], after[0], before[1], after[1]);
        assertThat(violations).as("%d of %d requests answered wrongly, e.g.:%n%s", violations.size(), corpus.size(),
                String.join("\n", violations.subList(0, Math.min(40, violations.size())))).isEmpty();
        assertThat(serverErrors).isZero();
        assertThat(after).as("resource and version rows: refused writes stored nothing").containsExactly(before);
    }

    /** What is wrong with an answer, or null. */
    private static String judge(Case c, Answer answer) {
        int status = answer.status();
        String body = answer.body();
        String lower = body.toLowerCase(Locale.ROOT);
        if (status >= 500) {
            return "server error";
        }
        if (lower.contains("<html") || lower.contains("<!doctype html")) {
            return "HTML answer";
        }
        if (body.contains("\tat ") || body.matches("(?s).*\\bat [a-z]+(\\.[a-zA-Z0-9_$]+)+\\(.*")) {
            return "stack trace in the answer";
        }
        if (c.mustRefuse() && status < 400) {
            return "a malformed write was accepted";
        }
        if (c.name().startsWith(WRONG_CONTENT_TYPE) && status != 415) {
            return "a body that is not FHIR by its Content-Type is not 415";
        }
        if (status >= 400 && c.fhir() && !isOperationOutcome(answer)) {
            return "refusal is not an OperationOutcome (Content-Type " + answer.contentType() + ")";
        }
        return null;
    }

    private static boolean isOperationOutcome(Answer answer) {
        String type = answer.contentType().toLowerCase(Locale.ROOT);
        try {
            IBaseResource parsed;
            if (type.contains("json")) {
                parsed = FHIR.newJsonParser().parseResource(answer.body());
            } else if (type.contains("xml")) {
                parsed = FHIR.newXmlParser().parseResource(answer.body());
            } else {
                return false;
            }
            if (parsed instanceof org.hl7.fhir.r4.model.Parameters parameters) {
                // Operations that answer with Parameters (HAPI's $merge) carry their refusal as "outcome".
                parsed = parameters.getParameter().stream().filter(p -> "outcome".equals(p.getName()))
                        .map(org.hl7.fhir.r4.model.Parameters.ParametersParameterComponent::getResource)
                        .findFirst().orElse(null);
            }
            return parsed instanceof OperationOutcome outcome && !outcome.getIssue().isEmpty();
        } catch (RuntimeException e) {
            return false;
        }
    }

    private List<Case> corpus(List<String> types, Map<String, List<String>> typeOperations,
            List<String> systemOperations) throws IOException {
        Map<String, byte[]> bodies = bodies();
        List<String> queries = lines("queries.txt");
        List<String> contentTypes = lines("content-types.txt");
        List<String> badIds = List.of("bad%20id!", "[corpus]", "{corpus}", "a|b", "x".repeat(65), "%00",
                "..%2F..%2Fetc%2Fpasswd", "corpus-missing/_history/not-a-version", "corpus-missing/_history/-1",
                "corpus-missing/$nonsense-operation");

        List<Case> cases = new ArrayList<>();
        for (int t = 0; t < types.size(); t++) {
            String type = types.get(t);
            boolean core = CORE_TYPES.contains(type);
            List<Case> forType = new ArrayList<>();
            for (Map.Entry<String, byte[]> body : bodies.entrySet()) {
                String contentType = body.getKey().endsWith(".xml") ? FHIR_XML : FHIR_JSON;
                byte[] bytes = replaceType(body.getValue(), type);
                forType.add(new Case("POST " + body.getKey(), "POST", "/fhir/" + type, contentType, bytes, true));
                forType.add(new Case("PUT " + body.getKey(), "PUT", "/fhir/" + type + "/corpus-put", contentType,
                        bytes, true));
            }
            if (!type.equals("Binary")) { // any content type posted to Binary is a Binary, by the specification
                byte[] wellFormed = ("{\"resourceType\":\"" + type + "\"}").getBytes(StandardCharsets.UTF_8);
                for (String contentType : contentTypes) {
                    forType.add(new Case(WRONG_CONTENT_TYPE + contentType, "POST", "/fhir/" + type, contentType, wellFormed, true));
                }
            }
            for (String query : queries) {
                forType.add(new Case("search " + query, "GET", "/fhir/" + type + "?" + query, null, null, false));
            }
            for (String id : badIds) {
                forType.add(new Case("read " + id, "GET", "/fhir/" + type + "/" + id, null, null, false));
            }
            forType.add(new Case("DELETE missing", "DELETE", "/fhir/" + type + "/corpus-missing", null, null, false));
            forType.add(new Case("PATCH malformed", "PATCH", "/fhir/" + type + "/corpus-missing",
                    "application/json-patch+json", "[{\"op\":".getBytes(StandardCharsets.UTF_8), true));
            for (int i = 0; i < forType.size(); i++) {
                if (core || (i + t) % ROTATION == 0) {
                    cases.add(forType.get(i));
                }
            }
            List<String> ops = typeOperations.getOrDefault(type, List.of());
            for (int o = 0; o < ops.size(); o++) {
                String op = ops.get(o);
                // HAPI's generic operations ($validate, $meta...) are on every type: core types and a rotating
                // share of the others; the server's own operations, on a few types, everywhere.
                long typesWithOp = typeOperations.values().stream().filter(l -> l.contains(op)).count();
                if (core || typesWithOp <= 4 || (t + o) % ROTATION == 0) {
                    cases.addAll(operationCases("/fhir/" + type + "/$" + op));
                    cases.addAll(operationCases("/fhir/" + type + "/corpus-missing/$" + op));
                }
            }
        }
        for (String op : systemOperations) {
            cases.addAll(operationCases("/fhir/$" + op));
        }
        for (String type : List.of("Patient", "Observation", "EpisodeOfCare")) {
            cases.add(new Case("huge body", "POST", "/fhir/" + type, FHIR_JSON, huge(type), true));
            cases.add(new Case("deep extensions", "POST", "/fhir/" + type, FHIR_JSON, deepExtensions(type, 5000), true));
            cases.add(new Case("deep arrays", "POST", "/fhir/" + type, FHIR_JSON, deepArrays(type, 100_000), true));
            cases.add(new Case("deep XML", "POST", "/fhir/" + type, FHIR_XML, deepXml(type, 20_000), true));
        }
        for (String reference : List.of("Patient/does-not-exist-corpus", "::not a reference::", "Nonsense/1",
                "Patient/", "http://[bad host/Patient/1")) {
            cases.add(new Case("bad reference " + reference, "POST", "/fhir/Observation", FHIR_JSON, (
                    "{\"resourceType\":\"Observation\",\"status\":\"final\",\"code\":{\"text\":\"corpus\"},"
                            + "\"subject\":{\"reference\":\"" + reference + "\"}}").getBytes(StandardCharsets.UTF_8), true));
            cases.add(new Case("bad reference " + reference, "POST", "/fhir/EpisodeOfCare", FHIR_JSON, (
                    "{\"resourceType\":\"EpisodeOfCare\",\"status\":\"active\",\"patient\":{\"reference\":\""
                            + reference + "\"}}").getBytes(StandardCharsets.UTF_8), true));
        }
        cases.add(new Case("deep transaction", "POST", "/fhir", FHIR_JSON, deepExtensions("Bundle", 5000), true));
        cases.add(new Case("transaction of malformed entries", "POST", "/fhir", FHIR_JSON, (
                "{\"resourceType\":\"Bundle\",\"type\":\"transaction\",\"entry\":[{\"resource\":{\"resourceType\":"
                        + "\"Patient\"},\"request\":{\"method\":\"POST\",\"url\":\"Patient\"}},{\"resource\":"
                        + "{\"resourceType\":\"Patient\",\"birthDate\":\"2024-02-30\"},\"request\":{\"method\":\"POST\","
                        + "\"url\":\"Patient\"}}]}").getBytes(StandardCharsets.UTF_8), true));
        cases.add(new Case("transaction with an unencoded conditional url", "POST", "/fhir", FHIR_JSON, (
                "{\"resourceType\":\"Bundle\",\"type\":\"transaction\",\"entry\":[{\"resource\":{\"resourceType\":"
                        + "\"Patient\",\"active\":\"yes\"},\"request\":{\"method\":\"POST\",\"url\":\"Patient\","
                        + "\"ifNoneExist\":\"identifier=a|b[{}]\"}}]}").getBytes(StandardCharsets.UTF_8), true));
        for (String path : List.of("/actuator/health?x=[|]{}", "/actuator/health/readiness?a=[", "/actuator/nonsense",
                "/actuator/health/nonsense", "/actuator/prometheus?name[]={}", "/actuator/info?|")) {
            cases.add(new Case("actuator", "GET", path, null, null, false, false));
        }
        cases.add(new Case("actuator", "POST", "/actuator/health", "application/json", "{".getBytes(StandardCharsets.UTF_8),
                true, false));
        cases.add(new Case("actuator", "DELETE", "/actuator/prometheus", null, null, true, false));
        cases.add(new Case("root", "GET", "/?x=[]", null, null, false, false));
        cases.add(new Case("not FHIR", "GET", "/nonsense/path?|", null, null, false, false));
        return cases;
    }

    private static List<Case> operationCases(String path) {
        byte[] malformed = "{\"resourceType\":\"Parameters\",".getBytes(StandardCharsets.UTF_8);
        byte[] notParameters = "{\"resourceType\":\"Patient\",\"active\":true}".getBytes(StandardCharsets.UTF_8);
        byte[] wrongParameters = ("{\"resourceType\":\"Parameters\",\"parameter\":[{\"name\":\"nonsense\",\"valueString\":"
                + "\"x\"},{\"name\":\"subject\",\"valueInteger\":1},{\"name\":\"patient\",\"valueReference\":{\"reference\":"
                + "\"Patient/does-not-exist-corpus\"}},{\"name\":\"start\",\"valueDate\":\"2024-02-30\"}]}")
                .getBytes(StandardCharsets.UTF_8);
        byte[] xml = "<Parameters xmlns=\"http://hl7.org/fhir\"><parameter><name value=\"x\"/>".getBytes(StandardCharsets.UTF_8);
        return List.of(
                new Case("operation GET with unknown and unencoded parameters", "GET",
                        path + "?nonsense=[x]&start=yesterday&patient=|&end={}", null, null, false),
                new Case("operation malformed JSON", "POST", path, FHIR_JSON, malformed, true),
                new Case("operation body not Parameters", "POST", path, FHIR_JSON, notParameters, false),
                new Case("operation wrong parameters", "POST", path, FHIR_JSON, wrongParameters, false),
                new Case("operation truncated XML", "POST", path, FHIR_XML, xml, true),
                new Case("operation text/plain", "POST", path, "text/plain", "hello".getBytes(StandardCharsets.UTF_8), true));
    }

    private static byte[] huge(String type) {
        StringBuilder json = new StringBuilder(24 << 20);
        json.append("{\"resourceType\":\"").append(type).append("\",\"notAnElement\":\"");
        json.append("x".repeat(20 << 20));
        return json.append("\"}").toString().getBytes(StandardCharsets.UTF_8);
    }

    private static byte[] deepExtensions(String type, int depth) {
        StringBuilder json = new StringBuilder("{\"resourceType\":\"").append(type).append("\"");
        for (int i = 0; i < depth; i++) {
            json.append(",\"extension\":[{\"url\":\"http://example.org/deep\"");
        }
        json.append(",\"valueString\":\"bottom\"");
        json.append("}]".repeat(depth));
        return json.append("}").toString().getBytes(StandardCharsets.UTF_8);
    }

    private static byte[] deepArrays(String type, int depth) {
        return ("{\"resourceType\":\"" + type + "\",\"identifier\":" + "[".repeat(depth) + "]".repeat(depth) + "}")
                .getBytes(StandardCharsets.UTF_8);
    }

    private static byte[] deepXml(String type, int depth) {
        return ("<" + type + " xmlns=\"http://hl7.org/fhir\">" + "<extension url=\"http://example.org/deep\">".repeat(depth)
                + "</extension>".repeat(depth) + "</" + type + ">").getBytes(StandardCharsets.UTF_8);
    }

    private static byte[] replaceType(byte[] body, String type) {
        // The bodies may hold bytes that are not UTF-8 (on purpose): replace in ISO-8859-1, byte for byte.
        return new String(body, StandardCharsets.ISO_8859_1).replace("{{type}}", type)
                .getBytes(StandardCharsets.ISO_8859_1);
    }

    private static Map<String, byte[]> bodies() throws IOException {
        Map<String, byte[]> bodies = new LinkedHashMap<>();
        try (Stream<Path> files = Files.list(CORPUS.resolve("bodies"))) {
            for (Path file : files.sorted().toList()) {
                bodies.put(file.getFileName().toString(), Files.readAllBytes(file));
            }
        }
        return bodies;
    }

    private static List<String> lines(String file) throws IOException {
        return Files.readAllLines(CORPUS.resolve(file), StandardCharsets.UTF_8).stream()
                .filter(l -> !l.isBlank() && !l.startsWith("#")).toList();
    }

    /** Rows of HAPI's resource and resource-version tables. */
    private long[] storedRows() {
        JdbcTemplate jdbc = new JdbcTemplate(dataSource);
        return new long[] {
            jdbc.queryForObject("SELECT count(*) FROM hfj_resource", Long.class),
            jdbc.queryForObject("SELECT count(*) FROM hfj_res_ver", Long.class)};
    }

    /**
     * One raw HTTP/1.1 exchange: the target goes into the request line exactly as given, the connection
     * closes after the answer.
     */
    private Answer send(Case c) throws IOException {
        try (Socket socket = new Socket("localhost", port)) {
            socket.setSoTimeout(120_000);
            StringBuilder head = new StringBuilder();
            head.append(c.method()).append(' ').append(c.target()).append(" HTTP/1.1\r\n")
                    .append("Host: localhost:").append(port).append("\r\n")
                    .append("Accept: application/fhir+json, application/fhir+xml;q=0.9, */*;q=0.1\r\n")
                    .append("Connection: close\r\n");
            if (c.body() != null) {
                head.append("Content-Type: ").append(c.contentType()).append("\r\n")
                        .append("Content-Length: ").append(c.body().length).append("\r\n");
            }
            head.append("\r\n");
            OutputStream out = socket.getOutputStream();
            out.write(head.toString().getBytes(StandardCharsets.ISO_8859_1));
            if (c.body() != null) {
                try {
                    out.write(c.body());
                } catch (IOException e) {
                    // The server may answer (413, 400) and close before reading a huge body: read its answer.
                }
            }
            out.flush();
            return Answer.parse(readAll(socket.getInputStream()));
        }
    }

    private static byte[] readAll(InputStream in) throws IOException {
        ByteArrayOutputStream all = new ByteArrayOutputStream();
        byte[] buffer = new byte[65536];
        try {
            for (int n = in.read(buffer); n >= 0; n = in.read(buffer)) {
                all.write(buffer, 0, n);
            }
        } catch (java.net.SocketException e) {
            if (all.size() == 0) {
                throw e;
            }
        }
        return all.toByteArray();
    }

    private static String abbreviate(String body) {
        String oneLine = body.replaceAll("\\s+", " ");
        return oneLine.length() > 300 ? oneLine.substring(0, 300) + "..." : oneLine;
    }

    /**
     * One request of the corpus.
     *
     * @param mustRefuse a malformed write: any 2xx/3xx is a failure
     * @param fhir       a FHIR endpoint, whose refusals must be OperationOutcomes
     */
    record Case(String name, String method, String target, String contentType, byte[] body, boolean mustRefuse,
            boolean fhir) {
        Case(String name, String method, String target, String contentType, byte[] body, boolean mustRefuse) {
            this(name, method, target, contentType, body, mustRefuse, true);
        }

        @Override
        public String toString() {
            String shown = target.length() > 120 ? target.substring(0, 120) + "..." : target;
            return name + ": " + method + " " + shown;
        }
    }

    record Answer(int status, String contentType, String body) {
        static Answer parse(byte[] raw) throws IOException {
            String text = new String(raw, StandardCharsets.ISO_8859_1);
            int end = text.indexOf("\r\n\r\n");
            if (!text.startsWith("HTTP/1.1 ") || end < 0) {
                throw new IOException("not an HTTP answer: " + abbreviate(text));
            }
            String[] headLines = text.substring(0, end).split("\r\n");
            int status = Integer.parseInt(headLines[0].substring(9, 12));
            String contentType = "";
            boolean chunked = false;
            for (String line : headLines) {
                String lower = line.toLowerCase(Locale.ROOT);
                if (lower.startsWith("content-type:")) {
                    contentType = line.substring(13).trim();
                } else if (lower.startsWith("transfer-encoding:") && lower.contains("chunked")) {
                    chunked = true;
                }
            }
            byte[] body = java.util.Arrays.copyOfRange(raw, end + 4, raw.length);
            if (chunked) {
                body = dechunk(body);
            }
            return new Answer(status, contentType, new String(body, StandardCharsets.UTF_8));
        }

        private static byte[] dechunk(byte[] chunked) {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            int i = 0;
            while (i < chunked.length) {
                int lineEnd = i;
                while (lineEnd + 1 < chunked.length && !(chunked[lineEnd] == '\r' && chunked[lineEnd + 1] == '\n')) {
                    lineEnd++;
                }
                String sizeText = new String(chunked, i, lineEnd - i, StandardCharsets.ISO_8859_1).split(";")[0].trim();
                int size = sizeText.isEmpty() ? 0 : Integer.parseInt(sizeText, 16);
                if (size == 0) {
                    break;
                }
                int start = lineEnd + 2;
                out.write(chunked, start, Math.min(size, chunked.length - start));
                i = start + size + 2;
            }
            return out.toByteArray();
        }
    }
}
