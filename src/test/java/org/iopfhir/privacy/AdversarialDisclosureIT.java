package org.iopfhir.privacy;

import static org.assertj.core.api.Assertions.fail;

import ca.uhn.fhir.context.RuntimeResourceDefinition;
import ca.uhn.fhir.context.RuntimeSearchParam;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.URLDecoder;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import java.util.function.Supplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.CapabilityStatement;
import org.hl7.fhir.r4.model.CapabilityStatement.CapabilityStatementRestComponent;
import org.hl7.fhir.r4.model.CapabilityStatement.CapabilityStatementRestResourceComponent;
import org.hl7.fhir.r4.model.CapabilityStatement.CapabilityStatementRestResourceSearchParamComponent;
import org.hl7.fhir.r4.model.Coding;
import org.hl7.fhir.r4.model.Enumerations.SearchParamType;
import org.hl7.fhir.r4.model.Resource;
import org.iopfhir.privacy.AdversaryFixture.Kind;
import org.iopfhir.privacy.AdversaryFixture.Rec;
import org.iopfhir.privacy.AdversaryFixture.Who;
import org.iopfhir.privacy.OperationRecipes.Call;
import org.iopfhir.privacy.OperationRecipes.Ctx;
import org.iopfhir.privacy.OperationRecipes.Probe;
import org.iopfhir.privacy.OperationRecipes.Recipe;
import org.iopfhir.privacy.part2.RecordOwner;
import org.iopfhir.testsupport.SecuredServerTest;
import org.iopfhir.testsupport.TestTokens;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * Adversarial disclosure suite, generated from the CapabilityStatement rather than listed by hand.
 *
 * <p>The rule: a caller receives a resource - in any response: read, vread, search, includes, history,
 * operation output, write echo, error text, headers - only if it could read that resource directly, and
 * writes only where it could read. For every resource type and interaction the server declares, and
 * every operation (each needs a recipe in {@link OperationRecipes}), the suite sends requests about the
 * fixture's records ({@link AdversaryFixture}) as each attacker and looks for the markers and ids of the
 * records that attacker may not read, in bodies and headers. A refused record must look like a missing
 * one. Attackers then try to write their way in; afterwards the privacy officer checks nothing changed.
 *
 * <p>Every finding is collected; each test fails once, listing them grouped (and in full under
 * {@code target/adversarial-disclosure/}).
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class AdversarialDisclosureIT extends SecuredServerTest {

    /** What a caller may see of one record. MAY: not checked either way. */
    enum Access { MUST, MAY, NEVER }

    /** A caller: how its token is made, and the oracle of what it may read. */
    static final class Caller {
        final String name;
        final boolean attacker;
        final String organization;
        /** The patient a patient-context token is for. */
        final Who self;
        private final Supplier<TestTokens.Token> spec;
        private final Function<Rec, Access> oracle;
        private String token;
        private Instant signed = Instant.EPOCH;

        Caller(String name, boolean attacker, String organization, Who self, Supplier<TestTokens.Token> spec,
                Function<Rec, Access> oracle) {
            this.name = name;
            this.attacker = attacker;
            this.organization = organization;
            this.self = self;
            this.spec = spec;
            this.oracle = oracle;
        }

        /** Tokens live five minutes; a fresh one every two. */
        synchronized String token() {
            if (token == null || signed.isBefore(Instant.now().minus(Duration.ofMinutes(2)))) {
                token = spec.get().user("adversary-" + name.replaceAll("\\W+", "-")).sign();
                signed = Instant.now();
            }
            return token;
        }

        Access access(Rec rec) {
            return rec.isFake() ? Access.NEVER : oracle.apply(rec);
        }

        @Override
        public String toString() {
            return name;
        }
    }

    static final Caller PRIVACY_OFFICER = new Caller("privacy officer", false, null, null,
            () -> TestTokens.token().role("privacy-officer").scope("user/*.cruds"), r -> Access.MUST);
    static final Caller CLINICIAN_A = new Caller("clinician of program A", false, AdversaryFixture.PROGRAM_A, null,
            () -> TestTokens.token().role("clinician").scope("user/*.cruds").purpose("TREAT").organization(AdversaryFixture.PROGRAM_A),
            r -> Access.MUST);
    static final Caller PAYER_D = new Caller("payer D (no consent)", true, AdversaryFixture.PAYER_D, null,
            () -> TestTokens.token().role("payer").scope("user/*.rs").purpose("HPAYMT").organization(AdversaryFixture.PAYER_D),
            r -> r.who() == Who.P3 ? Access.MUST : Access.NEVER);
    static final Caller PAYER_WITHOUT_PURPOSE = new Caller("payer C without purpose_of_use", true, AdversaryFixture.PAYER_C, null,
            () -> TestTokens.token().role("payer").scope("user/*.rs").organization(AdversaryFixture.PAYER_C),
            r -> r.who() == Who.P3 ? Access.MAY : Access.NEVER);
    static final List<Caller> ATTACKERS = List.of(
            new Caller("patient P3", true, null, Who.P3,
                    () -> TestTokens.token().role("patient").scope("patient/*.rs").patient(Who.P3.patientId()),
                    r -> r.who() == Who.P3 ? Access.MUST : Access.NEVER),
            new Caller("patient P2", true, null, Who.P2,
                    () -> TestTokens.token().role("patient").scope("patient/*.rs").patient(Who.P2.patientId()),
                    r -> r.who() == Who.P2 && r.kind() != Kind.COUNSELING_NOTE ? Access.MUST : Access.NEVER),
            new Caller("clinician B (foreign program)", true, AdversaryFixture.PROGRAM_B, null,
                    () -> TestTokens.token().role("clinician").scope("user/*.cruds").purpose("TREAT").organization(AdversaryFixture.PROGRAM_B),
                    r -> Access.NEVER),
            PAYER_D,
            new Caller("payer C (consented)", true, AdversaryFixture.PAYER_C, null,
                    () -> TestTokens.token().role("payer").scope("user/*.rs").purpose("HPAYMT").organization(AdversaryFixture.PAYER_C),
                    r -> r.who() == Who.P3 || r.who() == Who.P2 && r.kind() != Kind.COUNSELING_NOTE ? Access.MUST : Access.NEVER),
            PAYER_WITHOUT_PURPOSE,
            new Caller("backend system/*.rs", true, null, null, () -> TestTokens.token().scope("system/*.rs"),
                    r -> r.who() == Who.P3 ? Access.MUST : Access.NEVER),
            new Caller("backend system/*.cruds", true, null, null, () -> TestTokens.token().scope("system/*.cruds"),
                    r -> r.who() == Who.P3 ? Access.MUST : Access.NEVER),
            new Caller("auditor", true, null, null,
                    () -> TestTokens.token().role("auditor").scope("user/*.rs user/AuditEvent.rs"), r -> Access.NEVER));

    /** Who runs the probes of types without fixture records: a payer, a backend without role, the auditor. */
    static final Set<String> SAMPLED_CALLERS = Set.of("payer D (no consent)", "backend system/*.rs", "auditor");

    /** The attackers of the read tests: both backends read alike, so only the read-only one; the other writes. */
    static final List<Caller> READERS = ATTACKERS.stream().filter(c -> !c.name.equals("backend system/*.cruds")).toList();

    static final Set<String> TYPE_INTERACTIONS = Set.of("read", "vread", "history-instance", "history-type", "search-type",
            "create", "update", "patch", "delete");
    static final Set<String> SYSTEM_INTERACTIONS = Set.of("transaction", "batch", "history-system", "search-system");

    private static final AdversaryFixture FIXTURE = new AdversaryFixture(FHIR);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Path REPORTS = Path.of("target", "adversarial-disclosure");
    private static final int THREADS = 4;
    private static final Pattern UUID = Pattern.compile("[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}");
    private static final Pattern TIME = Pattern.compile("\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}(\\.\\d+)?(Z|[+-]\\d{2}:\\d{2})");
    private static final Pattern MILLIS = Pattern.compile("\\d+ ?ms\\b");
    private static final Pattern HTML_SIZE = Pattern.compile("Wrote [\\d.]+ KB \\([\\d.]+ KB");
    private static final Pattern REQUEST_ID = Pattern.compile("(X-Request-ID:\\s*(?:</span>\\s*<span class=\"headerValue\">)?)[A-Za-z0-9]+");
    private static final Pattern GETPAGES = Pattern.compile("_getpages=[A-Za-z0-9\\-]+");

    private static boolean loaded;
    private static Instant since;
    private static final Map<String, String> VERSIONS = new ConcurrentHashMap<>();
    /** The privacy officer's status for a family of requests, to tell a 5xx that only an attacker gets. */
    private static final Map<String, Integer> CONTROL_STATUS = new ConcurrentHashMap<>();
    /** Attacker responses about records they may not read, for the uniformity test. */
    private static final Map<String, Response> SEEN = new ConcurrentHashMap<>();
    private static final Map<String, Response> FAKES = new ConcurrentHashMap<>();
    private static final AtomicInteger REQUESTS = new AtomicInteger();
    private static final Map<String, long[]> TIMES = new ConcurrentHashMap<>();
    private static final Map<String, Boolean> PRODUCTIVE = new ConcurrentHashMap<>();
    private static final Set<String> RESOURCE_TYPES = FHIR.getResourceTypes();

    @BeforeEach
    void fixture() {
        synchronized (AdversarialDisclosureIT.class) {
            if (!loaded) {
                since = Instant.now().minusSeconds(2).truncatedTo(ChronoUnit.SECONDS);
                restoreFixture(Set.of());
                loaded = true;
            }
        }
    }

    // ---------------------------------------------------------------------------------------------
    // 1. The recipes and the CapabilityStatement agree.

    @Test
    @Order(1)
    void everyOperationAndInteractionTheServerDeclaresHasARecipe() {
        Findings findings = new Findings("coverage");
        coverage(capabilities(), findings);
        findings.assertNone();
    }

    private static void coverage(CapabilityStatement cs, Findings findings) {
        CapabilityStatementRestComponent rest = cs.getRestFirstRep();
        for (CapabilityStatementRestResourceComponent resource : rest.getResource()) {
            for (var interaction : resource.getInteraction()) {
                String code = interaction.getCodeElement().getCode();
                if (!TYPE_INTERACTIONS.contains(code)) {
                    findings.add("not covered", "-", resource.getType() + " " + code, "", 0,
                            "interaction " + code + " on " + resource.getType() + " has no probe: add one");
                }
            }
            for (var operation : resource.getOperation()) {
                Recipe recipe = OperationRecipes.RECIPES.get(operation.getName());
                if (recipe == null || !recipe.covers(resource.getType())) {
                    findings.add("not covered", "-", resource.getType() + "/$" + operation.getName(), "", 0,
                            "not covered: add a recipe for $" + operation.getName() + " on " + resource.getType()
                                    + " (" + operation.getDefinition() + ")");
                }
            }
        }
        for (var interaction : rest.getInteraction()) {
            String code = interaction.getCodeElement().getCode();
            if (!SYSTEM_INTERACTIONS.contains(code)) {
                findings.add("not covered", "-", code, "", 0, "system interaction " + code + " has no probe: add one");
            }
        }
        for (var operation : rest.getOperation()) {
            Recipe recipe = OperationRecipes.RECIPES.get(operation.getName());
            if (recipe == null || !recipe.system()) {
                findings.add("not covered", "-", "$" + operation.getName(), "", 0,
                        "not covered: add a system-level recipe for $" + operation.getName() + " (" + operation.getDefinition() + ")");
            }
        }
    }

    // ---------------------------------------------------------------------------------------------
    // 2. Every read-only interaction and operation discloses only what a direct read would.

    @Test
    @Order(2)
    void everyInteractionDisclosesOnlyWhatADirectReadWould() {
        Instant start = Instant.now();
        int before = REQUESTS.get();
        Findings findings = new Findings("disclosure");
        CapabilityStatement cs = capabilities();
        coverage(cs, findings);

        // System history first: later, the audit trail of this suite's own requests fills its first pages.
        List<Probe> systemHistory = new ArrayList<>();
        if (systemInteractions(cs).contains("history-system")) {
            systemHistory.add(Probe.untargeted("_history (system)", Call.get("_history?_since=" + since + "&_count=500")));
        }
        List<Caller> everyone = new ArrayList<>();
        everyone.add(PRIVACY_OFFICER);
        everyone.addAll(ATTACKERS);
        for (Caller caller : everyone) {
            systemHistory.forEach(p -> check(caller, p, findings));
        }

        Plan plan = readProbes(cs);
        List<Probe> probes = new ArrayList<>(plan.everyone());
        probes.addAll(pagingProbes());
        parallel(List.of(PRIVACY_OFFICER, CLINICIAN_A), probes.stream().filter(p -> p.label().endsWith(" read")).toList(), findings);
        parallel(READERS, probes, findings);
        parallel(READERS.stream().filter(c -> SAMPLED_CALLERS.contains(c.name)).toList(), plan.sampled(), findings);
        findings.note(probes.size() + " probes x " + READERS.size() + " attackers (one record of each kind the oracle treats"
                + " alike), " + plan.sampled().size() + " probes of types"
                + " without fixture records x " + SAMPLED_CALLERS.size() + " attackers; " + (REQUESTS.get() - before)
                + " requests in " + Duration.between(start, Instant.now()).toSeconds() + " s");
        findings.note(timings());
        findings.assertNone();
    }

    /**
     * The read-only probes: {@code everyone} for every attacker; {@code sampled} (type-level probes of the
     * types the fixture has no records of, which can only reach the fixture through references) for
     * {@link #SAMPLED_CALLERS}, one caller per branch of the access policy, to keep the run short.
     */
    record Plan(List<Probe> everyone, List<Probe> sampled) {
    }

    /** The read-only probes the CapabilityStatement calls for, on the fixture. */
    private Plan readProbes(CapabilityStatement cs) {
        List<Probe> probes = new ArrayList<>();
        List<Probe> sampled = new ArrayList<>();
        Ctx ctx = new Ctx(FIXTURE, Who.P3.reference());
        CapabilityStatementRestComponent rest = cs.getRestFirstRep();
        Map<String, List<String>> patientParams = new LinkedHashMap<>();
        for (CapabilityStatementRestResourceComponent resource : rest.getResource()) {
            patientParams.put(resource.getType(), patientParams(resource));
        }
        for (CapabilityStatementRestResourceComponent resource : rest.getResource()) {
            String type = resource.getType();
            List<Rec> recs = FIXTURE.ofType(type);
            for (var interaction : resource.getInteraction()) {
                switch (interaction.getCodeElement().getCode()) {
                    case "read" -> recs.forEach(r -> {
                        probes.add(Probe.of(type + " read", r, t -> Call.get(t.ref())));
                        // A conditional read may answer 304 Not Modified before anyone looks at who is asking.
                        probes.add(Probe.of(type + " read (If-None-Match)", r, t -> Call.get(t.ref())
                                .header("If-None-Match", "W/\"" + VERSIONS.getOrDefault(r.ref(), "1") + "\"")));
                    });
                    case "vread" -> recs.forEach(r -> probes.add(Probe.of(type + " vread", r,
                            t -> Call.get(t.ref() + "/_history/" + VERSIONS.getOrDefault(t.ref(), "1")))));
                    case "history-instance" -> recs.forEach(r -> probes.add(Probe.of(type + " history-instance", r,
                            t -> Call.get(t.ref() + "/_history"))));
                    case "history-type" -> (recs.isEmpty() ? sampled : probes).add(Probe.untargeted(type + "/_history",
                            Call.get(type + "/_history?_since=" + since + "&_count=500")));
                    case "search-type" -> (recs.isEmpty() ? sampled : probes).addAll(searches(resource, recs, patientParams));
                    default -> {
                        // writes: the write-attack test; anything else: reported by coverage()
                    }
                }
            }
            for (var operation : resource.getOperation()) {
                Recipe recipe = OperationRecipes.RECIPES.get(operation.getName());
                if (recipe == null || recs.isEmpty() && recipe.covers(OperationRecipes.ANY_TYPE)) {
                    continue; // no recipe (reported), or a generic operation on a type without fixture records
                }
                recipe.probes().apply(type, ctx).stream().filter(p -> !p.mutating()).forEach(probes::add);
            }
        }
        Set<String> system = systemInteractions(cs);
        if (system.contains("transaction") || system.contains("batch")) {
            probes.add(Probe.untargeted("batch of GETs", Call.post("", readBundle("batch"))));
        }
        if (system.contains("transaction")) {
            probes.add(Probe.untargeted("transaction of GETs", Call.post("", readBundle("transaction"))));
        }
        if (system.contains("search-system")) {
            String ids = FIXTURE.records().stream().map(Rec::id).collect(Collectors.joining(","));
            probes.add(Probe.untargeted("search-system", Call.get("?_type=" + String.join(",", FIXTURE.types()) + "&_id=" + ids)));
        }
        for (var operation : rest.getOperation()) {
            Recipe recipe = OperationRecipes.RECIPES.get(operation.getName());
            if (recipe != null && recipe.system()) {
                recipe.probes().apply(null, ctx).stream().filter(p -> !p.mutating()).forEach(probes::add);
            }
        }
        return new Plan(probes, sampled);
    }

    /** Search probes for one type: by id, identifier, each patient reference, chains, includes, labels, _has. */
    private List<Probe> searches(CapabilityStatementRestResourceComponent resource, List<Rec> recs,
            Map<String, List<String>> patientParams) {
        String type = resource.getType();
        List<Probe> probes = new ArrayList<>();
        if (recs.isEmpty()) {
            probes.add(Probe.untargeted(type + "?_lastUpdated&_include=*",
                    Call.get(type + "?_lastUpdated=ge" + since + "&_count=50&_include=*")));
            return probes;
        }
        Set<String> declared = resource.getSearchParam().stream().map(CapabilityStatementRestResourceSearchParamComponent::getName)
                .collect(Collectors.toSet());
        String ids = recs.stream().map(Rec::id).collect(Collectors.joining(","));
        String byId = type + "?_id=" + ids + "&_count=100";
        probes.add(Probe.untargeted(type + "?_id=", Call.get(byId)));
        if (declared.contains("identifier")) {
            recs.forEach(r -> probes.add(Probe.of(type + "?identifier=", r, t -> Call.get(type + "?identifier=" + marker(t)))));
        }
        List<String> params = patientParams.get(type).stream().filter(p -> findsFixtureRecords(type, p)).toList();
        // Chains through one patient parameter per type (patient, else subject): the chain is the same join for each.
        String chained = params.contains("patient") ? "patient" : params.contains("subject") ? "subject" : null;
        for (String param : params) {
            String chain = "patient".equals(param) ? param : param + ":Patient";
            for (Rec patient : FIXTURE.ofType("Patient")) {
                probes.add(Probe.of(type + "?" + param + "=Patient/", patient,
                        p -> Call.get(type + "?" + param + "=" + p.ref() + "&_count=100")));
                if (param.equals(chained)) {
                    probes.add(Probe.of(type + "?" + chain + ".identifier=", patient,
                            p -> Call.get(type + "?" + chain + ".identifier=" + marker(p) + "&_count=100")));
                }
            }
        }
        probes.add(Probe.untargeted(type + "?_id=&_include=*", Call.get(byId + "&_include=*")));
        probes.add(Probe.untargeted(type + "?_id=&_include:iterate=*", Call.get(byId + "&_include=*&_include:iterate=*")));
        probes.add(Probe.untargeted(type + "?_id=&_revinclude=*", Call.get(byId + "&_revinclude=*")));
        List<String> includes = resource.getSearchInclude().stream().map(i -> i.getValue()).filter(i -> !"*".equals(i)).toList();
        if (!includes.isEmpty()) {
            probes.add(Probe.untargeted(type + "?_id=&_include=(each declared)",
                    Call.get(byId + includes.stream().map(i -> "&_include=" + i).collect(Collectors.joining()))));
        }
        // Declared reverse includes from the types the fixture has records of (the others cannot bring any in).
        List<String> revincludes = resource.getSearchRevInclude().stream().map(i -> i.getValue())
                .filter(i -> !"*".equals(i) && FIXTURE.types().contains(i.substring(0, Math.max(0, i.indexOf(':'))))).toList();
        for (int from = 0; from < revincludes.size(); from += 100) {
            List<String> chunk = revincludes.subList(from, Math.min(revincludes.size(), from + 100));
            probes.add(Probe.untargeted(type + "?_id=&_revinclude=(each declared)",
                    Call.get(byId + chunk.stream().map(i -> "&_revinclude=" + i).collect(Collectors.joining()))));
        }
        if (declared.contains("_security")) {
            probes.add(Probe.untargeted(type + "?_id=&_security=SUD,PSYTHPN", Call.get(byId + "&_security="
                    + OperationRecipes.enc(AdversaryFixture.ACT_CODE + "|SUD," + AdversaryFixture.ACT_CODE + "|PSYTHPN"))));
        }
        if ("Patient".equals(type)) {
            for (Rec patient : recs) {
                probes.add(Probe.of("Patient?_id=&_revinclude=* (one patient)", patient,
                        p -> Call.get("Patient?_id=" + p.id() + "&_revinclude=*")));
            }
            if (declared.contains("_has")) {
                for (Rec rec : FIXTURE.records()) {
                    List<String> candidates = patientParams.getOrDefault(rec.type(), List.of());
                    candidates.stream().filter(p -> p.equals("patient") || p.equals("subject")).findFirst()
                            .or(() -> candidates.stream().findFirst())
                            .ifPresent(param -> probes.add(Probe.of("Patient?_has:" + rec.type() + ":" + param + ":_id=", rec,
                                    t -> Call.get("Patient?_has:" + t.type() + ":" + param + ":_id=" + t.id()))));
                }
            }
        }
        return probes;
    }

    /**
     * Whether searching the type by this patient parameter finds any fixture record (as the privacy
     * officer): the others find nothing for anyone, so only these are sent as every attacker.
     */
    private boolean findsFixtureRecords(String type, String param) {
        return PRODUCTIVE.computeIfAbsent(type + "?" + param, k -> {
            String patients = FIXTURE.ofType("Patient").stream().map(Rec::ref).collect(Collectors.joining(","));
            Response response = exec(PRIVACY_OFFICER, Call.get(type + "?" + param + "=" + patients + "&_count=1"));
            return response.status() == 200 && !((Bundle) response.resource()).getEntry().isEmpty();
        });
    }

    /** The type's declared reference search parameters that can point at a Patient. */
    private static List<String> patientParams(CapabilityStatementRestResourceComponent resource) {
        RuntimeResourceDefinition definition;
        try {
            definition = FHIR.getResourceDefinition(resource.getType());
        } catch (RuntimeException e) {
            return List.of();
        }
        List<String> params = new ArrayList<>();
        for (CapabilityStatementRestResourceSearchParamComponent param : resource.getSearchParam()) {
            if (param.getType() != SearchParamType.REFERENCE || param.getName().startsWith("_")) {
                continue;
            }
            RuntimeSearchParam known = definition.getSearchParam(param.getName());
            if (known == null || known.getTargets().isEmpty() || known.getTargets().contains("Patient")) {
                params.add(param.getName());
            }
        }
        return params;
    }

    /** A batch or transaction of GETs: every record, and each patient's sessions and notes. */
    private static String readBundle(String type) {
        Bundle bundle = new Bundle().setType(Bundle.BundleType.fromCode(type));
        for (Rec rec : FIXTURE.records()) {
            bundle.addEntry().getRequest().setMethod(Bundle.HTTPVerb.GET).setUrl(rec.ref());
        }
        for (Rec patient : FIXTURE.ofType("Patient")) {
            bundle.addEntry().getRequest().setMethod(Bundle.HTTPVerb.GET).setUrl("Encounter?subject=" + patient.ref());
            bundle.addEntry().getRequest().setMethod(Bundle.HTTPVerb.GET).setUrl("DocumentReference?subject=" + patient.ref());
        }
        return FHIR.newJsonParser().encodeResourceToString(bundle);
    }

    /** Pages of the privacy officer's searches, fetched by everyone else with the page id. */
    private List<Probe> pagingProbes() {
        List<Probe> probes = new ArrayList<>();
        for (String type : List.of("Patient", "Observation", "DocumentReference")) {
            String ids = FIXTURE.ofType(type).stream().map(Rec::id).collect(Collectors.joining(","));
            Response first = exec(PRIVACY_OFFICER, Call.get(type + "?_id=" + ids + "&_count=1"));
            if (first.status() != 200) {
                continue;
            }
            Bundle bundle = (Bundle) first.resource();
            String next = bundle.getLink(Bundle.LINK_NEXT) == null ? null : bundle.getLink(Bundle.LINK_NEXT).getUrl();
            if (next != null && next.contains("?")) {
                String query = next.substring(next.indexOf('?'));
                probes.add(Probe.untargeted("paging: another caller's " + type + " page", Call.get(query)));
                probes.add(Probe.untargeted("paging: another caller's " + type + " page, all of it",
                        Call.get(query.replaceAll("_getpagesoffset=\\d+", "_getpagesoffset=0").replaceAll("_count=\\d+", "_count=100"))));
            }
        }
        return probes;
    }

    // ---------------------------------------------------------------------------------------------
    // 3. A record the caller may not read looks like one that does not exist.

    @Test
    @Order(3)
    void aRefusedRecordLooksLikeAMissingOne() {
        Instant start = Instant.now();
        int before = REQUESTS.get();
        Findings findings = new Findings("uniformity");
        List<Probe> targeted = readProbes(capabilities()).everyone().stream().filter(p -> p.target() != null).toList();
        List<Future<?>> work = new ArrayList<>();
        ExecutorService pool = Executors.newFixedThreadPool(THREADS);
        try {
            for (Caller caller : READERS) {
                for (Probe probe : representatives(caller, targeted)) {
                    if (caller.access(probe.target()) == Access.NEVER) {
                        work.add(pool.submit(() -> uniform(caller, probe, findings)));
                    }
                }
            }
            await(work);
        } finally {
            pool.shutdownNow();
        }
        findings.note(work.size() + " comparisons, " + (REQUESTS.get() - before) + " requests in "
                + Duration.between(start, Instant.now()).toSeconds() + " s");
        findings.assertNone();
    }

    private void uniform(Caller caller, Probe probe, Findings findings) {
        Call call = probe.call();
        Response real = SEEN.computeIfAbsent(caller.name + " " + signature(call), k -> exec(caller, call, probe.label()));
        if (real.status() >= 500 || !leaks(caller, call, real, Set.of()).isEmpty()) {
            return; // reported by the disclosure test (a server error, or the record itself disclosed)
        }
        Call fakeCall = probe.fake().orElseThrow();
        Response fake = FAKES.computeIfAbsent(caller.name + " " + signature(fakeCall), k -> exec(caller, fakeCall, probe.label()));
        Rec fakeRec = probe.target().missing();
        String a = normalize(real, probe.target());
        String b = normalize(fake, fakeRec);
        if (!a.equals(b)) {
            findings.add("refused differs from missing", caller.name, probe.label(), call.toString(), real.status(),
                    "refused " + real.status() + " vs missing " + fake.status() + ": " + difference(a, b));
        }
    }

    /** A response with the record's id and marker (or the fake's) and volatile parts replaced. */
    private static String normalize(Response response, Rec used) {
        String body = decodeEscapes(response.body() == null ? "" : response.body());
        body = body.replace(used.marker(), "{MARKER}");
        body = used.idPattern().matcher(body).replaceAll("{ID}");
        body = UUID.matcher(body).replaceAll("{UUID}");
        body = TIME.matcher(body).replaceAll("{TIME}");
        body = MILLIS.matcher(body).replaceAll("{MS}");
        body = HTML_SIZE.matcher(body).replaceAll("{SIZE}");
        body = REQUEST_ID.matcher(body).replaceAll("$1{REQUEST}");
        body = GETPAGES.matcher(body).replaceAll("_getpages={PAGE}");
        body = body.replaceAll("\"source\":\"#[A-Za-z0-9]+\"", "\"source\":\"{SOURCE}\"");
        return response.status() + " " + body;
    }

    private static String difference(String a, String b) {
        int i = 0;
        while (i < a.length() && i < b.length() && a.charAt(i) == b.charAt(i)) {
            i++;
        }
        int from = Math.max(0, i - 40);
        return "«" + excerpt(a, from, i + 120) + "» vs «" + excerpt(b, from, i + 120) + "»";
    }

    private static String excerpt(String s, int from, int to) {
        return s.substring(Math.min(from, s.length()), Math.min(to, s.length())).replaceAll("\\s+", " ");
    }

    // ---------------------------------------------------------------------------------------------
    // 4. Attackers try to write their way to P1's records.

    /** What a write attack must not do. */
    enum Expect {
        /** Refused: a 2xx is a write where the caller cannot read. */
        REFUSED,
        /** A conditional create must not match (and so reveal) a record the caller cannot read. */
        NO_MATCH,
        /** Preparation by the attacker (its own records): only leaks count. */
        SETUP
    }

    @Test
    @Order(4)
    void attackersCannotWriteWhereTheyCannotRead() {
        Instant start = Instant.now();
        int before = REQUESTS.get();
        Findings findings = new Findings("writes");
        CapabilityStatement cs = capabilities();
        for (Caller attacker : ATTACKERS) {
            Attack attack = new Attack(attacker, cs, findings);
            try {
                attack.run();
            } finally {
                attack.checkAndRestore();
            }
            findings.note(attacker.name + ": " + attack.tried + " writes tried, " + attack.accepted + " accepted that must not be");
        }
        findings.note(ATTACKERS.size() + " attackers, " + (REQUESTS.get() - before) + " requests in "
                + Duration.between(start, Instant.now()).toSeconds() + " s");
        findings.assertNone();
    }

    /** One attacker's attempts on P1, then the privacy officer's inspection and the restore. */
    private final class Attack {
        private final Caller attacker;
        private final Findings findings;
        private final Map<String, CapabilityStatementRestResourceComponent> declared = new LinkedHashMap<>();
        private final CapabilityStatementRestComponent rest;
        private final List<String> created = new ArrayList<>();
        private final String organization;
        private String ownPatient;
        /** Whether a write was accepted since the last follow-up reads (else they would repeat the read test's). */
        private boolean changed;
        private int tried;
        private int accepted;
        /** What was already about P1 (and not the fixture's) before this attacker started, to attribute what is new. */
        private Set<String> baseline = Set.of();

        Attack(Caller attacker, CapabilityStatement cs, Findings findings) {
            this.attacker = attacker;
            this.findings = findings;
            this.rest = cs.getRestFirstRep();
            rest.getResource().forEach(r -> declared.put(r.getType(), r));
            this.organization = attacker.organization != null ? attacker.organization : AdversaryFixture.PROGRAM_B;
        }

        private boolean declares(String type, String interaction) {
            var resource = declared.get(type);
            return resource != null && resource.getInteraction().stream().anyMatch(i -> interaction.equals(i.getCodeElement().getCode()));
        }

        void run() {
            baseline = aboutP1();
            List<Rec> p1 = FIXTURE.of(Who.P1);
            Rec patient = FIXTURE.rec(Who.P1, Kind.PATIENT);
            ownPatient = ownPatient();
            Ctx ctx = new Ctx(FIXTURE, ownPatient);

            for (Rec rec : p1) {
                if (declares(rec.type(), "patch")) {
                    write("PATCH test-only", rec, patch(rec, "[{\"op\":\"test\",\"path\":\"/id\",\"value\":\"" + rec.id() + "\"}]"),
                            Expect.REFUSED);
                    write("PATCH failing test on the marker", rec, patch(rec, "[{\"op\":\"test\",\"path\":\"" + identifierPath(rec)
                            + "\",\"value\":\"ADV-GUESS\"}]"), Expect.REFUSED);
                }
                if (declares(rec.type(), "create") && declared.get(rec.type()).getConditionalCreate()) {
                    write("conditional create (If-None-Exist: identifier)", rec, new Call("POST", rec.type(),
                            OperationRecipes.forged(rec.type(), null, ownPatient, organization), "application/fhir+json",
                            Map.of("If-None-Exist", "identifier=" + AdversaryFixture.MARKER_SYSTEM + "|" + rec.marker())),
                            Expect.NO_MATCH);
                }
            }
            for (Bundle.BundleType kind : List.of(Bundle.BundleType.TRANSACTION, Bundle.BundleType.BATCH)) {
                write(kind.toCode() + " writing into P1's record", patient, Call.post("", writeBundle(kind, patient)), Expect.REFUSED);
            }
            for (String type : List.of("Encounter", "Observation")) {
                write("create " + type + " for P1", patient,
                        Call.post(type, OperationRecipes.forged(type, null, patient.ref(), organization)), Expect.REFUSED);
            }
            write("create EpisodeOfCare of its own organization for P1", patient,
                    Call.post("EpisodeOfCare", OperationRecipes.forged("EpisodeOfCare", null, patient.ref(), organization)),
                    Expect.REFUSED);
            followUpsIfChanged("after creating an EpisodeOfCare for P1");

            write("PATCH Patient.managingOrganization (JSON Patch)", patient, patch(patient,
                    "[{\"op\":\"replace\",\"path\":\"/managingOrganization\",\"value\":{\"reference\":\"" + organization + "\"}}]"),
                    Expect.REFUSED);
            write("PATCH Patient.managingOrganization (FHIRPath Patch)", patient, new Call("PATCH", patient.ref(),
                    OperationRecipes.params("{\"name\":\"operation\",\"part\":[{\"name\":\"type\",\"valueCode\":\"replace\"},"
                            + "{\"name\":\"path\",\"valueString\":\"Patient.managingOrganization\"},"
                            + "{\"name\":\"value\",\"valueReference\":{\"reference\":\"" + organization + "\"}}]}"),
                    "application/fhir+json", Map.of()), Expect.REFUSED);
            followUpsIfChanged("after patching P1's managingOrganization");

            Rec consent = FIXTURE.rec(Who.P1, Kind.CONSENT);
            String forgedConsent = FHIR.newJsonParser().encodeResourceToString(
                    AdversaryFixture.part2Consent(Who.P1, organization, AdversaryFixture.PAYER_D));
            write("create a Part 2 Consent for P1 naming itself", patient, Call.post("Consent", forgedConsent), Expect.REFUSED);
            write("PATCH P1's Consent to name itself", consent, patch(consent, "[{\"op\":\"replace\",\"path\":"
                    + "\"/provision/actor/0/reference\",\"value\":{\"reference\":\"" + organization + "\"}}]"), Expect.REFUSED);
            var replacement = AdversaryFixture.part2Consent(Who.P1, organization, AdversaryFixture.PAYER_D);
            replacement.setId(consent.id());
            write("PUT over P1's Consent naming itself", consent, new Call("PUT", consent.ref(),
                    FHIR.newJsonParser().encodeResourceToString(replacement), "application/fhir+json", Map.of()), Expect.REFUSED);
            if (changed && attacker != PAYER_D) {
                followUps(PAYER_D, "after " + attacker.name + " forged a consent for P1 naming payer D", Set.of());
            }
            followUpsIfChanged("after forging a consent for P1");

            // A record of its own that points at P1's, then included.
            Set<String> pointedAt = new LinkedHashSet<>();
            StringBuilder refs = new StringBuilder();
            for (Kind kind : List.of(Kind.PATIENT, Kind.EPISODE, Kind.OBSERVATION, Kind.COUNSELING_NOTE, Kind.INTAKE)) {
                Rec rec = FIXTURE.rec(Who.P1, kind);
                pointedAt.add(rec.id());
                refs.append(refs.length() == 0 ? "" : ",").append("{\"reference\":\"").append(rec.ref()).append("\"}");
            }
            Response own = write("create its own Observation pointing at P1's records", null, Call.post("Observation",
                    "{\"resourceType\":\"Observation\",\"status\":\"final\",\"code\":{\"text\":\"adversary\"},\"subject\":"
                            + "{\"reference\":\"" + ownPatient + "\"},\"focus\":[" + refs + "],\"derivedFrom\":[" + refs + "]}"),
                    Expect.SETUP);
            String ownObservation = createdRef(own);
            if (ownObservation != null) {
                String id = ownObservation.substring(ownObservation.indexOf('/') + 1);
                for (String query : List.of("Observation?_id=" + id + "&_include=*",
                        "Observation?_id=" + id + "&_include=*&_include:iterate=*",
                        "Observation?_id=" + id + "&_include=Observation:focus&_include=Observation:derived-from")) {
                    read(attacker, "include from its own record pointing at P1's", Call.get(query), pointedAt);
                }
            }

            // The state-changing operations while P1's records are still whole (before they are overwritten and deleted).
            for (Probe probe : mutatingOperations(ctx)) {
                boolean aimsAtP1 = probe.target() != null && probe.target().who() == Who.P1;
                write(probe.label(), probe.target(), probe.call(), aimsAtP1 ? Expect.REFUSED : Expect.SETUP);
            }
            followUpsIfChanged("after the state-changing operations");

            for (Rec rec : p1) {
                if (declares(rec.type(), "update")) {
                    write("PUT over P1's record", rec, new Call("PUT", rec.ref(),
                            OperationRecipes.forged(rec.type(), rec.id(), patient.ref(), organization), "application/fhir+json", Map.of()),
                            Expect.REFUSED);
                    if (declared.get(rec.type()).getConditionalUpdate()) {
                        write("conditional update (identifier)", rec, new Call("PUT", rec.type() + "?identifier=" + marker(rec),
                                OperationRecipes.forged(rec.type(), null, patient.ref(), organization), "application/fhir+json", Map.of()),
                                Expect.REFUSED);
                    }
                }
            }
            followUpsIfChanged("after overwriting P1's records");

            List<Rec> reversed = new ArrayList<>(p1);
            Collections.reverse(reversed);
            for (Rec rec : reversed) {
                if (declares(rec.type(), "delete")) {
                    if (declared.get(rec.type()).getConditionalDelete() != null
                            && declared.get(rec.type()).getConditionalDelete() != CapabilityStatement.ConditionalDeleteStatus.NOTSUPPORTED) {
                        write("conditional delete (identifier)", rec, new Call("DELETE", rec.type() + "?identifier=" + marker(rec), null,
                                null, Map.of()), Expect.REFUSED);
                    }
                    write("DELETE P1's record", rec, new Call("DELETE", rec.ref(), null, null, Map.of()), Expect.REFUSED);
                }
            }
            followUpsIfChanged("after deleting P1's records");
        }

        private void followUpsIfChanged(String when) {
            if (changed) {
                changed = false;
                followUps(attacker, when, Set.of());
            }
        }

        /**
         * A transaction or batch of writes into P1's record: an Observation overwritten, an Encounter added,
         * a conditional create matching P1's counseling note, a Goal deleted (one nothing references, so that
         * the deletion itself cannot fail the transaction).
         */
        private String writeBundle(Bundle.BundleType kind, Rec patient) {
            Rec observation = FIXTURE.rec(Who.P1, Kind.OBSERVATION);
            Rec note = FIXTURE.rec(Who.P1, Kind.COUNSELING_NOTE);
            Rec goal = FIXTURE.rec(Who.P1, Kind.GOAL);
            var parser = FHIR.newJsonParser();
            Bundle bundle = new Bundle().setType(kind);
            bundle.addEntry().setResource((Resource) parser.parseResource(OperationRecipes.forged("Observation", observation.id(),
                    patient.ref(), organization))).getRequest().setMethod(Bundle.HTTPVerb.PUT).setUrl(observation.ref());
            bundle.addEntry().setResource((Resource) parser.parseResource(OperationRecipes.forged("Encounter", null, patient.ref(),
                    organization))).getRequest().setMethod(Bundle.HTTPVerb.POST).setUrl("Encounter");
            bundle.addEntry().setResource((Resource) parser.parseResource(OperationRecipes.forged("DocumentReference", null,
                    ownPatient, organization))).getRequest().setMethod(Bundle.HTTPVerb.POST).setUrl("DocumentReference")
                    .setIfNoneExist("identifier=" + AdversaryFixture.MARKER_SYSTEM + "|" + note.marker());
            bundle.addEntry().getRequest().setMethod(Bundle.HTTPVerb.DELETE).setUrl(goal.ref());
            return parser.encodeResourceToString(bundle);
        }

        /** The operations' state-changing requests: on P1's records, and at system level. */
        private List<Probe> mutatingOperations(Ctx ctx) {
            List<Probe> probes = new ArrayList<>();
            for (CapabilityStatementRestResourceComponent resource : rest.getResource()) {
                String type = resource.getType();
                boolean fixtureType = !FIXTURE.ofType(type).isEmpty();
                for (var operation : resource.getOperation()) {
                    Recipe recipe = OperationRecipes.RECIPES.get(operation.getName());
                    if (recipe == null || !fixtureType && recipe.covers(OperationRecipes.ANY_TYPE)) {
                        continue;
                    }
                    recipe.probes().apply(type, ctx).stream().filter(Probe::mutating)
                            .filter(p -> p.target() == null || p.target().who() == Who.P1).forEach(probes::add);
                }
            }
            for (var operation : rest.getOperation()) {
                Recipe recipe = OperationRecipes.RECIPES.get(operation.getName());
                if (recipe != null && recipe.system()) {
                    recipe.probes().apply(null, ctx).stream().filter(Probe::mutating)
                            .filter(p -> p.target() == null || p.target().who() == Who.P1).forEach(probes::add);
                }
            }
            return probes;
        }

        /** The attacker's own patient (created in its organization if it may), else one it can read. */
        private String ownPatient() {
            if (attacker.self != null) {
                return attacker.self.reference();
            }
            Response response = write("create its own patient", null,
                    Call.post("Patient", OperationRecipes.forged("Patient", null, null, organization)), Expect.SETUP);
            String ref = createdRef(response);
            return ref != null ? ref : Who.P3.reference();
        }

        private Response write(String label, Rec target, Call call, Expect expect) {
            Response response = exec(attacker, call, label);
            scanLeaks(attacker, label, call, response, Set.of(), findings);
            serverError(attacker, label, call, response, findings, false);
            String ref = createdRef(response);
            if (ref != null) {
                created.add(ref);
            }
            boolean accepted = response.status() >= 200 && response.status() < 300;
            String entries = "";
            if (accepted && response.body() != null && response.body().contains("\"batch-response\"")) {
                // A batch answers 200 whatever its entries did: it wrote if an entry did.
                List<String> done = new ArrayList<>();
                ((Bundle) response.resource()).getEntry().forEach(e -> {
                    if (e.getResponse().getStatus() != null && e.getResponse().getStatus().startsWith("2")) {
                        done.add(e.getResponse().getStatus() + " " + Objects.toString(e.getResponse().getLocation(), ""));
                    }
                });
                accepted = !done.isEmpty();
                entries = " (entries " + done + ")";
            }
            tried++;
            findings.log(attacker.name + " | " + label + " -> " + response.status() + " | " + call);
            if (expect == Expect.REFUSED && accepted) {
                this.accepted++;
                changed = true;
                findings.add("write accepted where the caller cannot read", attacker.name, label, call.toString(), response.status(),
                        (target == null ? "" : target.ref() + ": ") + "accepted with " + response.status() + entries
                                + (ref != null ? ", created " + ref : ""));
            }
            if (expect == Expect.NO_MATCH && response.status() == 200) {
                findings.add("conditional create matched a record the caller cannot read", attacker.name, label, call.toString(),
                        response.status(), target.ref() + " exists: the server answered 200 with it instead of creating");
            }
            return response;
        }

        private void followUps(Caller reader, String when, Set<String> exempt) {
            Rec patient = FIXTURE.rec(Who.P1, Kind.PATIENT);
            for (Rec rec : FIXTURE.of(Who.P1)) {
                read(reader, "follow-up read " + when, Call.get(rec.ref()), exempt);
            }
            for (String query : List.of(patient.ref() + "/$everything?_count=500", "Encounter?subject=" + patient.ref(),
                    "DocumentReference?subject=" + patient.ref(), "Patient?_id=" + patient.id() + "&_revinclude=*",
                    FIXTURE.rec(Who.P1, Kind.EPISODE).ref() + "/$medical-necessity?output=bundle")) {
                read(reader, "follow-up " + query.replaceAll("adv-[a-z0-9-]+", "…") + " " + when, Call.get(query), exempt);
            }
        }

        private void read(Caller reader, String label, Call call, Set<String> exempt) {
            Response response = exec(reader, call, label);
            scanLeaks(reader, label, call, response, exempt, findings);
            serverError(reader, label, call, response, findings, "GET".equals(call.method()));
        }

        /**
         * The privacy officer looks at every fixture record and at what now hangs off P1, reports what the
         * attacker changed or left behind, removes the attacker's records and restores the fixture.
         */
        void checkAndRestore() {
            boolean dirty = false;
            Set<Rec> relabel = new LinkedHashSet<>();
            for (Rec rec : FIXTURE.records()) {
                Response response = exec(PRIVACY_OFFICER, Call.get(rec.ref()));
                if (response.status() != 200) {
                    integrity(rec.ref() + " is gone after the attacks (privacy officer's read: " + response.status() + ")");
                    dirty = true;
                    continue;
                }
                Resource stored = (Resource) response.resource();
                String version = stored.getMeta().getVersionId();
                if (!Objects.equals(version, VERSIONS.get(rec.ref()))) {
                    integrity(rec.ref() + " changed: version " + VERSIONS.get(rec.ref()) + " is now " + version);
                    dirty = true;
                }
                Set<String> labels = codes(stored.getMeta().getSecurity());
                Set<String> expected = codes(FIXTURE.build(rec).getMeta().getSecurity());
                if (!labels.equals(expected)) {
                    integrity(rec.ref() + " labels are now " + labels + " (were " + expected + ")");
                    dirty = true;
                    relabel.add(rec);
                }
                // The one tag a record may carry is the server's own: P1's records belong to program A.
                List<Coding> tags = stored.getMeta().getTag().stream().filter(t -> !(RecordOwner.SYSTEM.equals(t.getSystem())
                        && AdversaryFixture.PROGRAM_A.equals(t.getCode()))).toList();
                if (!tags.isEmpty()) {
                    integrity(rec.ref() + " was tagged " + codes(tags));
                    dirty = true;
                    relabel.add(rec);
                }
                if (!response.body().contains(rec.marker())) {
                    integrity(rec.ref() + " lost its content (marker " + rec.marker() + ")");
                    dirty = true;
                }
            }
            Set<String> leftovers = new LinkedHashSet<>(aboutP1());
            leftovers.removeAll(baseline);
            for (String ref : leftovers) {
                integrity(ref + " about P1 is left behind after the attacks" + (ref.startsWith("Consent/") ? " (a forged consent)" : ""));
            }
            Set<String> remove = new LinkedHashSet<>(leftovers);
            remove.addAll(baseline);
            List<String> own = new ArrayList<>(created);
            Collections.reverse(own);
            remove.addAll(own);
            deleteAll(remove);
            if (dirty || !leftovers.isEmpty()) {
                restoreFixture(relabel);
            }
        }

        /** What the privacy officer finds about P1 that is not the fixture's: what attackers wrote. */
        private Set<String> aboutP1() {
            Set<String> found = new LinkedHashSet<>();
            Rec patient = FIXTURE.rec(Who.P1, Kind.PATIENT);
            for (String query : List.of(patient.ref() + "/$everything?_count=500", "Consent?patient=" + patient.ref(),
                    "EpisodeOfCare?patient=" + patient.ref(), "Encounter?subject=" + patient.ref(), "Observation?subject=" + patient.ref())) {
                Response response = exec(PRIVACY_OFFICER, Call.get(query));
                if (response.status() != 200) {
                    continue;
                }
                for (Bundle.BundleEntryComponent entry : ((Bundle) response.resource()).getEntry()) {
                    Resource resource = entry.getResource();
                    if (resource != null && !resource.fhirType().equals("Organization")) {
                        String ref = resource.fhirType() + "/" + resource.getIdElement().getIdPart();
                        if (FIXTURE.byRef(ref).isEmpty()) {
                            found.add(ref);
                        }
                    }
                }
            }
            return found;
        }

        /** Deletes as the privacy officer, again while a pass makes progress (records may reference each other). */
        private void deleteAll(Set<String> refs) {
            List<String> left = new ArrayList<>(refs);
            left.sort(Comparator.comparing(r -> r.startsWith("Patient/")));
            for (int pass = 0; pass < 5 && !left.isEmpty(); pass++) {
                int before = left.size();
                left.removeIf(ref -> {
                    int status = exec(PRIVACY_OFFICER, new Call("DELETE", ref, null, null, Map.of())).status();
                    return status < 300 || status == 404 || status == 410;
                });
                if (left.size() == before) {
                    break;
                }
            }
        }

        private void integrity(String detail) {
            findings.add("P1's record changed by the attacker", attacker.name, "state after the attacks", "(privacy officer's check)",
                    0, detail);
        }
    }

    private static Call patch(Rec rec, String jsonPatch) {
        return new Call("PATCH", rec.ref(), jsonPatch, "application/json-patch+json", Map.of());
    }

    private static String identifierPath(Rec rec) {
        return rec.type().equals("QuestionnaireResponse") || rec.type().equals("Composition") ? "/identifier/value" : "/identifier/0/value";
    }

    private static String marker(Rec rec) {
        return OperationRecipes.enc(AdversaryFixture.MARKER_SYSTEM + "|" + rec.marker());
    }

    private static Set<String> codes(List<Coding> codings) {
        return codings.stream().map(Coding::getCode).collect(Collectors.toCollection(TreeSet::new));
    }

    /** {@code Type/id} of what a 201 created (its Location), else null. */
    private static String createdRef(Response response) {
        String location = response.header("Location");
        if (response.status() != 201 || location == null) {
            return null;
        }
        Matcher m = Pattern.compile("([A-Z][A-Za-z]+)/([A-Za-z0-9\\-.]+)(/_history/.*)?$").matcher(location);
        return m.find() ? m.group(1) + "/" + m.group(2) : null;
    }

    // ---------------------------------------------------------------------------------------------
    // Running probes and judging responses.

    private void parallel(List<Caller> callers, List<Probe> probes, Findings findings) {
        ExecutorService pool = Executors.newFixedThreadPool(THREADS);
        List<Future<?>> work = new ArrayList<>();
        try {
            for (Caller caller : callers) {
                for (Probe probe : caller.attacker ? representatives(caller, probes) : probes) {
                    work.add(pool.submit(() -> check(caller, probe, findings)));
                }
            }
            await(work);
        } finally {
            pool.shutdownNow();
        }
    }

    /**
     * The probes worth sending as this caller: all untargeted ones, and of the probes aimed at records one
     * per interaction and group of records the caller's oracle treats alike (same kind, same access to
     * the record and to its patient, both Part 2 or both not). So P2's records are probed one by one only by callers whose oracle tells P2
     * from P1 (the consented payer, patient P2); for the others P1's stand for both (and P2's still
     * appear in every untargeted search and history).
     */
    private static List<Probe> representatives(Caller caller, List<Probe> probes) {
        Set<String> seen = new HashSet<>();
        return probes.stream().filter(p -> p.target() == null || seen.add(p.label() + "|" + p.target().kind() + "|"
                + caller.access(p.target()) + "|" + caller.access(FIXTURE.rec(p.target().who(), Kind.PATIENT)) + "|"
                + p.target().who().part2)).toList();
    }

    private static void await(List<Future<?>> work) {
        for (Future<?> future : work) {
            try {
                future.get();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            } catch (ExecutionException e) {
                throw new IllegalStateException(e.getCause());
            }
        }
    }

    /** One probe as one caller: leaks, server errors, and the oracle's direct reads. */
    private void check(Caller caller, Probe probe, Findings findings) {
        Call call = probe.call();
        Response response = exec(caller, call, probe.label());
        Rec target = probe.target();
        if (target != null && probe.label().endsWith(" read") && caller.access(target) == Access.MUST
                && (response.status() != 200 || !response.body().contains(target.marker()))) {
            findings.add("oracle: a read it should be allowed was refused", caller.name, probe.label(), call.toString(),
                    response.status(), target.ref() + " answered " + response.status() + " " + excerpt(response.body(), 0, 200));
        }
        if (!caller.attacker) {
            return;
        }
        if (target != null && caller.access(target) == Access.NEVER) {
            SEEN.put(caller.name + " " + signature(call), response);
        }
        scanLeaks(caller, probe.label(), call, response, Set.of(), findings);
        serverError(caller, probe.label(), call, response, findings, true);
    }

    /**
     * The markers and ids of the records the caller may not read, in the response body and headers -
     * except what the request itself carried (its URL, body, headers) and {@code exempt} ids (the
     * caller's own references). An auditor's AuditEvents are the audit trail, readable by design.
     */
    private static void scanLeaks(Caller caller, String label, Call call, Response response, Set<String> exempt,
            Findings findings) {
        for (String leak : leaks(caller, call, response, exempt)) {
            findings.add("discloses a record the caller cannot read", caller.name, label, call.toString(), response.status(), leak);
        }
    }

    private static List<String> leaks(Caller caller, Call call, Response response, Set<String> exempt) {
        List<String> leaks = new ArrayList<>();
        if (!caller.attacker) {
            return leaks;
        }
        String request = requestText(call);
        String body = response.body() == null ? "" : response.body();
        if (caller.name.equals("auditor")) {
            body = withoutAuditEvents(body);
        }
        StringBuilder headers = new StringBuilder();
        response.headers().map().forEach((name, values) -> headers.append(name).append(": ").append(String.join(", ", values)).append('\n'));
        String seen = decodeEscapes(body) + "\n" + decodeEscapes(headers.toString());
        for (Rec rec : FIXTURE.records()) {
            if (caller.access(rec) != Access.NEVER) {
                continue;
            }
            int at = seen.indexOf(rec.marker());
            if (at >= 0 && !request.contains(rec.marker())) {
                leaks.add("marker of " + rec.ref() + " " + where(seen, at, body.length()));
                continue;
            }
            Matcher id = rec.idPattern().matcher(seen);
            if (id.find() && !rec.idPattern().matcher(request).find() && !exempt.contains(rec.id())) {
                leaks.add("id of " + rec.ref() + " " + where(seen, id.start(), body.length()));
            }
        }
        return leaks;
    }

    private static String where(String seen, int at, int bodyLength) {
        return (at > bodyLength ? "in a header" : "in the body") + ": «" + excerpt(seen, Math.max(0, at - 70), at + 60) + "»";
    }

    /**
     * A 5xx for an attacker is a finding unless the privacy officer's same kind of request fails too (a
     * fault of the server, not of the privacy layer); {@code control}: the request may be repeated.
     */
    private void serverError(Caller caller, String label, Call call, Response response, Findings findings, boolean control) {
        if (!caller.attacker || response.status() < 500) {
            return;
        }
        // The privacy officer's answer to the first such request of the family stands for the family.
        Integer status = !control ? null : CONTROL_STATUS.computeIfAbsent(family(label),
                k -> exec(PRIVACY_OFFICER, call, "control").status());
        if (status == null || status < 500) {
            findings.add("server error instead of a refusal", caller.name, label, call.toString(), response.status(),
                    excerpt(response.body(), 0, 220) + (status == null ? "" : " (privacy officer: " + status + ")"));
        }
    }

    private static String requestText(Call call) {
        StringBuilder text = new StringBuilder(URLDecoder.decode(call.path().replace("+", "%2B"), StandardCharsets.UTF_8));
        text.append('\n').append(call.body() == null ? "" : call.body());
        call.headers().values().forEach(v -> text.append('\n').append(v));
        return text.toString();
    }

    /** Percent-encoded separators as their characters, so an id in an encoded URL is found. */
    private static String decodeEscapes(String text) {
        return text.replaceAll("(?i)%2F", "/").replaceAll("(?i)%3A", ":").replaceAll("(?i)%3D", "=")
                .replaceAll("(?i)%7C", "|").replaceAll("(?i)%2C", ",");
    }

    /** The body with every AuditEvent (at any depth) emptied. */
    private static String withoutAuditEvents(String body) {
        try {
            JsonNode root = JSON.readTree(body);
            if (root == null || !root.isObject()) {
                return body;
            }
            return JSON.writeValueAsString(strip(root));
        } catch (IOException e) {
            return body;
        }
    }

    private static JsonNode strip(JsonNode node) {
        if (node instanceof ObjectNode object) {
            if ("AuditEvent".equals(object.path("resourceType").asText())) {
                return JSON.createObjectNode();
            }
            List<String> names = new ArrayList<>();
            object.fieldNames().forEachRemaining(names::add);
            for (String name : names) {
                object.set(name, strip(object.get(name)));
            }
        } else if (node instanceof ArrayNode array) {
            for (int i = 0; i < array.size(); i++) {
                array.set(i, strip(array.get(i)));
            }
        }
        return node;
    }

    private Response exec(Caller caller, Call call) {
        return exec(caller, call, "(setup and checks)");
    }

    /** Sends a request as the caller; its time counts towards the label's family (see {@link #timings}). */
    private Response exec(Caller caller, Call call, String label) {
        long started = System.nanoTime();
        try {
            return send(request(caller, call));
        } finally {
            long[] time = TIMES.computeIfAbsent(family(label), k -> new long[2]);
            synchronized (time) {
                time[0]++;
                time[1] += System.nanoTime() - started;
            }
        }
    }

    private HttpRequest request(Caller caller, Call call) {
        String path = call.path();
        String url = "http://localhost:" + port + "/fhir" + (path.isEmpty() || path.startsWith("?") ? "" : "/") + path;
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(120))
                .header("Authorization", "Bearer " + caller.token())
                .header("Accept", call.headers().getOrDefault("Accept", "application/fhir+json"));
        call.headers().forEach((name, value) -> {
            if (!name.equals("Accept")) {
                request.header(name, value);
            }
        });
        if (call.body() != null) {
            request.header("Content-Type", call.contentType());
            request.method(call.method(), HttpRequest.BodyPublishers.ofString(call.body()));
        } else {
            request.method(call.method(), HttpRequest.BodyPublishers.noBody());
        }
        REQUESTS.incrementAndGet();
        return request.build();
    }

    /** The families that took longest, for keeping the suite's runtime in check. */
    private static String timings() {
        return "slowest: " + TIMES.entrySet().stream().sorted(Comparator.comparingLong(e -> -e.getValue()[1])).limit(8)
                .map(e -> e.getKey() + " " + e.getValue()[0] + "x " + e.getValue()[1] / 1_000_000_000 + " s")
                .collect(Collectors.joining("; "));
    }

    /** A probe label without the resource type and parameter it was generated for, to group findings. */
    static String family(String label) {
        if (label.startsWith("follow-up ") && label.contains(" after ")) {
            return "follow-up reads" + label.substring(label.indexOf(" after "));
        }
        String first = label.split("[ /?]", 2)[0];
        return (RESOURCE_TYPES.contains(first) ? "{type}" + label.substring(first.length()) : label)
                .replaceAll("_has:[A-Z][A-Za-z]+:[a-z-]+:", "_has:{type}:{param}:")
                .replaceAll("\\?[a-z-]+(:Patient)?=Patient/", "?{param}=Patient/")
                .replaceAll("\\?[a-z-]+(:Patient)?\\.identifier=", "?{param}.identifier=");
    }

    private static String signature(Call call) {
        return call.method() + " " + call.path() + " " + call.headers() + " " + Objects.hashCode(call.body());
    }

    private CapabilityStatement capabilities() {
        Response response = get("/fhir/metadata", null);
        if (response.status() != 200) {
            throw new IllegalStateException("metadata: " + response.status() + " " + response.body());
        }
        return (CapabilityStatement) response.resource();
    }

    private static Set<String> systemInteractions(CapabilityStatement cs) {
        return cs.getRestFirstRep().getInteraction().stream().map(i -> i.getCodeElement().getCode()).collect(Collectors.toSet());
    }

    /**
     * Loads (or puts back) the fixture as the privacy officer and remembers each record's version;
     * {@code relabel}: records whose labels or tags an attacker changed (an update keeps tags, and
     * labels are not taken away by one).
     */
    private void restoreFixture(Set<Rec> relabel) {
        Response response = exec(PRIVACY_OFFICER, Call.post("", FHIR.newJsonParser().encodeResourceToString(FIXTURE.transaction())));
        if (response.status() != 200) {
            throw new IllegalStateException("loading the fixture: " + response.status() + " " + response.body());
        }
        Bundle result = (Bundle) response.resource();
        List<Rec> records = FIXTURE.records();
        int offset = AdversaryFixture.ORGANIZATIONS.size();
        for (int i = 0; i < records.size(); i++) {
            String location = result.getEntry().get(offset + i).getResponse().getLocation();
            Matcher version = Pattern.compile("/_history/([^/]+)$").matcher(location == null ? "" : location);
            VERSIONS.put(records.get(i).ref(), version.find() ? version.group(1) : "1");
        }
        for (Rec rec : relabel) {
            Resource expected = FIXTURE.build(rec);
            if (!expected.getMeta().getSecurity().isEmpty()) {
                String security = expected.getMeta().getSecurity().stream()
                        .map(c -> "{\"system\":\"" + c.getSystem() + "\",\"code\":\"" + c.getCode() + "\"}").collect(Collectors.joining(","));
                exec(PRIVACY_OFFICER, Call.post(rec.ref() + "/$meta-add", OperationRecipes.params(
                        "{\"name\":\"meta\",\"valueMeta\":{\"security\":[" + security + "]}}")));
            }
            exec(PRIVACY_OFFICER, Call.post(rec.ref() + "/$meta-delete", OperationRecipes.params(
                    "{\"name\":\"meta\",\"valueMeta\":{\"tag\":[{\"system\":\"" + AdversaryFixture.MARKER_SYSTEM
                            + "\",\"code\":\"adversary-was-here\"}]}}")));
        }
    }

    // ---------------------------------------------------------------------------------------------
    // Findings.

    record Violation(String category, String caller, String label, String request, int status, String detail) {
    }

    /** Every violation of one test, reported together: grouped in the failure, in full in a file. */
    static final class Findings {
        private final String name;
        private final ConcurrentLinkedQueue<Violation> violations = new ConcurrentLinkedQueue<>();
        private final List<String> notes = new ArrayList<>();
        private final ConcurrentLinkedQueue<String> log = new ConcurrentLinkedQueue<>();

        Findings(String name) {
            this.name = name;
        }

        void add(String category, String caller, String label, String request, int status, String detail) {
            violations.add(new Violation(category, caller, label, request, status, detail));
        }

        void note(String note) {
            notes.add(note);
        }

        /** A line for the report file only (e.g. every write attempt and its status). */
        void log(String line) {
            log.add(line);
        }

        void assertNone() {
            Map<String, List<Violation>> groups = new TreeMap<>();
            Map<String, List<Violation>> families = new TreeMap<>();
            for (Violation v : violations) {
                groups.computeIfAbsent(v.category() + " | " + v.caller() + " | " + v.label(), k -> new ArrayList<>()).add(v);
                families.computeIfAbsent(v.category() + " | " + family(v.label()), k -> new ArrayList<>()).add(v);
            }
            StringBuilder full = new StringBuilder();
            StringBuilder summary = new StringBuilder();
            notes.forEach(n -> summary.append(n).append('\n'));
            summary.append(violations.size()).append(" violations in ").append(families.size()).append(" kinds (full list: ")
                    .append(REPORTS.resolve(name + ".txt").toAbsolutePath()).append(")\n");
            families.forEach((key, list) -> {
                Violation first = list.get(0);
                Map<String, Long> callers = list.stream().collect(Collectors.groupingBy(Violation::caller, TreeMap::new, Collectors.counting()));
                summary.append("- [").append(key).append("] x").append(list.size()).append(" ").append(callers).append("\n    e.g. ")
                        .append(first.caller()).append(": ").append(first.detail()).append("\n    <- ").append(first.request())
                        .append(" (").append(first.status()).append(")\n");
            });
            groups.forEach((key, list) -> {
                full.append("## ").append(key).append(" (").append(list.size()).append(")\n");
                list.stream().sorted(Comparator.comparing(Violation::request)).forEach(v -> full.append("   ").append(v.request())
                        .append(" -> ").append(v.status()).append(": ").append(v.detail()).append('\n'));
            });
            try {
                Files.createDirectories(REPORTS);
                Files.writeString(REPORTS.resolve(name + ".txt"), summary + "\n" + full
                        + (log.isEmpty() ? "" : "\n# every attempt\n" + String.join("\n", log) + "\n"));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            if (!violations.isEmpty()) {
                fail(summary.toString());
            }
        }
    }
}
