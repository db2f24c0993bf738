import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordedFrame;
import jdk.jfr.consumer.RecordedStackTrace;
import jdk.jfr.consumer.RecordingFile;

/**
 * Where a server spent its CPU during each load-driver phase: reads a JFR recording of the server
 * and the driver's stderr ("phase NAME measured from/until INSTANT"), keeps the execution samples of
 * each phase's measured window and prints, per phase, the share of samples whose stack contains a
 * frame of each cost centre below (inclusive, so shares overlap) and the hottest leaf methods.
 *
 *   java bench/JfrPhases.java server.jfr driver-stderr.log [phase ...]
 */
public class JfrPhases {

    /** Cost centres: a label and the frame prefixes that put a sample in it. */
    private static final Map<String, List<String>> CENTRES = new LinkedHashMap<>();

    static {
        CENTRES.put("audit (our recorder + trail)", List.of("org.iopfhir.privacy.audit."));
        CENTRES.put("authorization rules (HAPI AuthorizationInterceptor)",
                List.of("ca.uhn.fhir.rest.server.interceptor.auth."));
        CENTRES.put("consent (HAPI ConsentInterceptor + ours)",
                List.of("ca.uhn.fhir.rest.server.interceptor.consent.", "org.iopfhir.privacy.part2.Part2Consent"));
        CENTRES.put("disclosure guard / write check", List.of("org.iopfhir.privacy.part2.DisclosureGuard",
                "org.iopfhir.privacy.part2.WriteAccess", "org.iopfhir.privacy.part2.DisclosurePolicy"));
        CENTRES.put("labelling + record owner", List.of("org.iopfhir.privacy.part2.Part2Labelling",
                "org.iopfhir.privacy.part2.RecordOwner"));
        CENTRES.put("patient lookups (PatientRecords)", List.of("org.iopfhir.privacy.part2.PatientRecords"));
        // Not the bearer-token filter itself: the rest of the request runs inside it.
        CENTRES.put("token decoding and signature check", List.of("org.springframework.security.oauth2.server.resource.authentication.",
                "org.springframework.security.oauth2.jwt.", "org.iopfhir.privacy.auth.VerifiedTokenCache", "com.nimbusds.",
                "sun.security.rsa."));
        CENTRES.put("profile validation", List.of("org.iopfhir.ig.ProfileValidation", "org.hl7.fhir.validation."));
        CENTRES.put("narrative (XHTML) parsing", List.of("org.hl7.fhir.utilities.xhtml.XhtmlParser",
                "ca.uhn.fhir.model.primitive.XhtmlDt"));
        CENTRES.put("FHIR parse/encode", List.of("ca.uhn.fhir.parser."));
        CENTRES.put("search-parameter indexing", List.of("ca.uhn.fhir.jpa.searchparam.extractor."));
        CENTRES.put("Hibernate", List.of("org.hibernate."));
        CENTRES.put("JDBC driver", List.of("org.postgresql.", "org.h2."));
        CENTRES.put("metrics (timers, Prometheus)", List.of("io.micrometer.core.", "io.micrometer.prometheus"));
        CENTRES.put("logging", List.of("ch.qos.logback.", "org.slf4j."));
    }

    private static final Pattern BOUND = Pattern.compile("phase (\\S+) measured (from|until) (\\S+)");

    public static void main(String[] args) throws IOException {
        Map<String, Instant[]> windows = new LinkedHashMap<>();
        for (String line : Files.readAllLines(Path.of(args[1]))) {
            Matcher m = BOUND.matcher(line);
            if (m.find()) {
                windows.computeIfAbsent(m.group(1), k -> new Instant[2])[m.group(2).equals("from") ? 0 : 1] =
                        Instant.parse(m.group(3));
            }
        }
        List<String> wanted = args.length > 2 ? List.of(args).subList(2, args.length) : new ArrayList<>(windows.keySet());
        Map<String, Map<String, Integer>> centreCounts = new HashMap<>();
        Map<String, Map<String, Integer>> leafCounts = new HashMap<>();
        Map<String, Integer> totals = new HashMap<>();
        try (RecordingFile recording = new RecordingFile(Path.of(args[0]))) {
            while (recording.hasMoreEvents()) {
                RecordedEvent event = recording.readEvent();
                if (!event.getEventType().getName().equals("jdk.ExecutionSample")) {
                    continue;
                }
                String phase = phaseOf(event.getStartTime(), windows, wanted);
                RecordedStackTrace stack = event.getStackTrace();
                if (phase == null || stack == null || stack.getFrames().isEmpty()) {
                    continue;
                }
                totals.merge(phase, 1, Integer::sum);
                List<String> frames = stack.getFrames().stream().map(JfrPhases::name).toList();
                leafCounts.computeIfAbsent(phase, k -> new HashMap<>()).merge(frames.get(0), 1, Integer::sum);
                for (Map.Entry<String, List<String>> centre : CENTRES.entrySet()) {
                    if (frames.stream().anyMatch(f -> centre.getValue().stream().anyMatch(f::startsWith))) {
                        centreCounts.computeIfAbsent(phase, k -> new HashMap<>()).merge(centre.getKey(), 1, Integer::sum);
                    }
                }
            }
        }
        for (String phase : wanted) {
            int total = totals.getOrDefault(phase, 0);
            System.out.printf(Locale.ROOT, "%n## %s: %d samples%n%n| cost centre (inclusive) | share |%n|---|---:|%n",
                    phase, total);
            if (total == 0) {
                continue;
            }
            for (String centre : CENTRES.keySet()) {
                int n = centreCounts.getOrDefault(phase, Map.of()).getOrDefault(centre, 0);
                System.out.printf(Locale.ROOT, "| %s | %.1f%% |%n", centre, 100.0 * n / total);
            }
            System.out.printf(Locale.ROOT, "%nhottest leaf methods:%n");
            leafCounts.get(phase).entrySet().stream().sorted(Map.Entry.<String, Integer>comparingByValue().reversed())
                    .limit(12).forEach(e -> System.out.printf(Locale.ROOT, "  %5.1f%%  %s%n",
                            100.0 * e.getValue() / total, e.getKey()));
        }
    }

    private static String phaseOf(Instant time, Map<String, Instant[]> windows, List<String> wanted) {
        for (String phase : wanted) {
            Instant[] window = windows.get(phase);
            if (window != null && window[0] != null && window[1] != null
                    && !time.isBefore(window[0]) && !time.isAfter(window[1])) {
                return phase;
            }
        }
        return null;
    }

    private static String name(RecordedFrame frame) {
        return frame.getMethod().getType().getName() + "." + frame.getMethod().getName();
    }
}
