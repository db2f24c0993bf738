package org.iopfhir.privacy;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.BiFunction;
import java.util.function.Function;
import org.iopfhir.privacy.AdversaryFixture.Kind;
import org.iopfhir.privacy.AdversaryFixture.Rec;
import org.iopfhir.privacy.AdversaryFixture.Who;

/**
 * How to call each operation the server may declare, by name as the CapabilityStatement spells it
 * (without {@code $}): a recipe builds the requests that exercise it on the fixture - on each record of
 * the type it is declared for, at type level, or at system level. The adversarial suite fails on an
 * operation the CapabilityStatement declares without a recipe here, or on a type the recipe does not
 * know inputs for, so an operation added to the server cannot slip past it.
 *
 * <p>Requests that change state (persisting, merging, relabelling, expunging, reindexing) are marked
 * {@code mutating}: the suite sends them only in its write-attack phase, aimed at P1, and checks the
 * stored data afterwards.
 */
final class OperationRecipes {

    static final String ANY_TYPE = "*";

    /** One HTTP request: path relative to the FHIR base ({@code Patient/x}, {@code $meta}, {@code ?_getpages=...}). */
    record Call(String method, String path, String body, String contentType, Map<String, String> headers) {

        static Call get(String path) {
            return new Call("GET", path, null, null, Map.of());
        }

        static Call post(String path, String body) {
            return new Call("POST", path, body, "application/fhir+json", Map.of());
        }

        Call header(String name, String value) {
            Map<String, String> all = new LinkedHashMap<>(headers);
            all.put(name, value);
            return new Call(method, path, body, contentType, all);
        }

        @Override
        public String toString() {
            return method + " " + path + (headers.isEmpty() ? "" : " " + headers)
                    + (body == null ? "" : " " + (body.length() > 160 ? body.substring(0, 160) + "..." : body));
        }
    }

    /**
     * A request aimed at one fixture record (or at none). {@code label} names the interaction without
     * ids, to group findings; {@link #fake()} is the same request aimed at a record that does not exist.
     */
    record Probe(String label, Rec target, boolean mutating, Function<Rec, Call> build) {

        static Probe of(String label, Rec target, Function<Rec, Call> build) {
            return new Probe(label, target, false, build);
        }

        static Probe untargeted(String label, Call call) {
            return new Probe(label, null, false, r -> call);
        }

        Probe asMutating() {
            return new Probe(label, target, true, build);
        }

        Call call() {
            return build.apply(target);
        }

        Optional<Call> fake() {
            return target == null ? Optional.empty() : Optional.of(build.apply(target.missing()));
        }
    }

    /** What recipes build from: the fixture, and the patient an attacker would merge P1 into. */
    record Ctx(AdversaryFixture fixture, String ownPatient) {
    }

    /**
     * @param types   the resource types it has inputs for ({@link #ANY_TYPE}: any)
     * @param system  whether it covers the system-level declaration
     */
    record Recipe(String name, Set<String> types, boolean system, BiFunction<String, Ctx, List<Probe>> probes) {

        boolean covers(String type) {
            return types.contains(ANY_TYPE) || types.contains(type);
        }
    }

    private static final String TERMINOLOGY = "http://iop-fhir.org/fhir/";
    static final Map<String, Recipe> RECIPES = recipes();

    private OperationRecipes() {
    }

    private static Map<String, Recipe> recipes() {
        Map<String, Recipe> all = new LinkedHashMap<>();
        add(all, "everything", Set.of("Patient", "Encounter"), false, (type, ctx) -> {
            List<Probe> probes = perRecord(ctx, type, "$everything",
                    r -> Call.get(r.ref() + "/$everything?_count=50"));
            if ("Patient".equals(type)) {
                String ids = String.join(",", ctx.fixture().ofType("Patient").stream().map(Rec::id).toList());
                probes.add(Probe.untargeted("Patient/$everything?_id=", Call.get("Patient/$everything?_id=" + ids + "&_count=50")));
            }
            return probes;
        });
        add(all, "level-of-care", Set.of("Patient", "QuestionnaireResponse"), true, (type, ctx) -> {
            if (type == null) {
                List<Probe> probes = new ArrayList<>();
                for (Rec intake : ctx.fixture().ofType("QuestionnaireResponse")) {
                    probes.add(Probe.of("$level-of-care (assessment reference)", intake,
                            r -> Call.post("$level-of-care", params(reference("assessment", r.ref())))));
                    probes.add(Probe.of("$level-of-care (assessment reference, persist)", intake,
                            r -> Call.post("$level-of-care", params(reference("assessment", r.ref()), bool("persist", true))))
                            .asMutating());
                }
                return probes;
            }
            List<Probe> probes = perRecord(ctx, type, "$level-of-care", r -> Call.post(r.ref() + "/$level-of-care", params()));
            for (Rec rec : ctx.fixture().ofType(type)) {
                probes.add(Probe.of(type + "/$level-of-care (persist)", rec,
                        r -> Call.post(r.ref() + "/$level-of-care", params(bool("persist", true)))).asMutating());
            }
            return probes;
        });
        add(all, "extract", Set.of("QuestionnaireResponse"), false, (type, ctx) -> {
            List<Probe> probes = perRecord(ctx, type, "$extract", r -> Call.get(r.ref() + "/$extract"));
            probes.addAll(perRecord(ctx, type, "$extract (POST)", r -> Call.post(r.ref() + "/$extract", params())));
            return probes;
        });
        add(all, "attendance", Set.of("EpisodeOfCare"), false, (type, ctx) -> {
            List<Probe> probes = perRecord(ctx, type, "$attendance", r -> Call.get(r.ref() + "/$attendance"));
            probes.addAll(perRecord(ctx, type, "$attendance (page for a browser)",
                    r -> Call.get(r.ref() + "/$attendance").header("Accept", "text/html")));
            probes.addAll(perRecord(ctx, type, "$attendance?_format=html", r -> Call.get(r.ref() + "/$attendance?_format=html")));
            return probes;
        });
        add(all, "medical-necessity", Set.of("EpisodeOfCare"), false, (type, ctx) -> {
            // output=bundle and output=cdex return what the default Parameters output does, and the evidence itself.
            List<Probe> probes = perRecord(ctx, type, "$medical-necessity?output=bundle",
                    r -> Call.get(r.ref() + "/$medical-necessity?output=bundle"));
            probes.addAll(perRecord(ctx, type, "$medical-necessity?output=cdex",
                    r -> Call.get(r.ref() + "/$medical-necessity?output=cdex&attachTo=claim&trackingId=urn:example:tcn%7C1")));
            probes.addAll(perRecord(ctx, type, "$medical-necessity?_format=html",
                    r -> Call.get(r.ref() + "/$medical-necessity?_format=html")));
            probes.addAll(perRecord(ctx, type, "$medical-necessity (page for a browser)",
                    r -> Call.get(r.ref() + "/$medical-necessity").header("Accept", "text/html")));
            return probes;
        });
        add(all, "meta", Set.of(ANY_TYPE), true, (type, ctx) -> {
            if (type == null) {
                return List.of(Probe.untargeted("$meta (system)", Call.get("$meta")));
            }
            List<Probe> probes = perRecord(ctx, type, "$meta", r -> Call.get(r.ref() + "/$meta"));
            probes.add(Probe.untargeted(type + "/$meta", Call.get(type + "/$meta")));
            return probes;
        });
        add(all, "meta-add", Set.of(ANY_TYPE), false, (type, ctx) -> mutating(perRecord(ctx, type, "$meta-add",
                r -> Call.post(r.ref() + "/$meta-add", params("{\"name\":\"meta\",\"valueMeta\":{\"tag\":[{\"system\":\""
                        + AdversaryFixture.MARKER_SYSTEM + "\",\"code\":\"adversary-was-here\"}]}}")))));
        add(all, "meta-delete", Set.of(ANY_TYPE), false, (type, ctx) -> mutating(perRecord(ctx, type, "$meta-delete (Part 2 labels)",
                r -> Call.post(r.ref() + "/$meta-delete", params("{\"name\":\"meta\",\"valueMeta\":{\"security\":["
                        + label(AdversaryFixture.ACT_CODE, "SUD") + "," + label(AdversaryFixture.ACT_CODE, "42CFRPart2") + ","
                        + label(AdversaryFixture.CONFIDENTIALITY, "R") + "," + label(AdversaryFixture.ACT_CODE, "PSYTHPN") + "]}}")))));
        add(all, "validate", Set.of(ANY_TYPE), false, (type, ctx) -> {
            List<Probe> probes = perRecord(ctx, type, "$validate mode=delete",
                    r -> Call.post(r.ref() + "/$validate", params(code("mode", "delete"))));
            probes.addAll(perRecord(ctx, type, "$validate mode=update",
                    r -> Call.post(r.ref() + "/$validate", params(code("mode", "update"),
                            "{\"name\":\"resource\",\"resource\":{\"resourceType\":\"" + r.type() + "\",\"id\":\"" + r.id() + "\"}}"))));
            // A resource about a patient, validated without being stored: does validation look the patient up?
            Rec patient = ctx.fixture().rec(Who.P1, Kind.PATIENT);
            if (!ctx.fixture().ofType(type).isEmpty() && !"Patient".equals(type)) {
                probes.add(Probe.of(type + "/$validate (resource about a patient)", patient,
                        p -> Call.post(type + "/$validate", forgedAbout(type, null, p.ref()))));
            }
            return probes;
        });
        add(all, "expunge", Set.of(ANY_TYPE), true, (type, ctx) -> {
            if (type == null) {
                return List.of(Probe.untargeted("$expunge (system, deleted resources)",
                        Call.post("$expunge", params(bool("expungeDeletedResources", true), integer("limit", 1)))).asMutating());
            }
            List<Probe> probes = mutating(perRecord(ctx, type, "$expunge (previous versions)",
                    r -> Call.post(r.ref() + "/$expunge", params(bool("expungePreviousVersions", true), integer("limit", 10)))));
            probes.add(Probe.untargeted(type + "/$expunge (deleted resources)",
                    Call.post(type + "/$expunge", params(bool("expungeDeletedResources", true), integer("limit", 1)))).asMutating());
            return probes;
        });
        add(all, "hapi.fhir.merge", Set.of(ANY_TYPE), false, (type, ctx) -> merges(type, ctx, "$hapi.fhir.merge", true));
        add(all, "hapi.fhir.undo-merge", Set.of(ANY_TYPE), false, (type, ctx) -> merges(type, ctx, "$hapi.fhir.undo-merge", false));
        add(all, "hapi.fhir.replace-references", Set.of(), true, (type, ctx) -> replaceReferences(ctx, "$hapi.fhir.replace-references"));
        add(all, "hapi.fhir.undo-replace-references", Set.of(), true,
                (type, ctx) -> replaceReferences(ctx, "$hapi.fhir.undo-replace-references"));
        add(all, "lastn", Set.of("Observation"), false, (type, ctx) -> perPatient(ctx, "Observation/$lastn?patient=",
                p -> Call.get("Observation/$lastn?patient=" + p.ref() + "&max=5")));
        add(all, "document", Set.of("Composition"), false, (type, ctx) -> {
            List<Probe> probes = perRecord(ctx, type, "$document", r -> Call.get(r.ref() + "/$document"));
            probes.addAll(mutating(perRecord(ctx, type, "$document?persist=true", r -> Call.get(r.ref() + "/$document?persist=true"))));
            return probes;
        });
        add(all, "snapshot", Set.of("StructureDefinition"), false, (type, ctx) -> List.of(Probe.untargeted(
                "StructureDefinition/$snapshot", Call.get("StructureDefinition/$snapshot?url="
                        + enc(TERMINOLOGY + "StructureDefinition/iop-encounter")))));
        add(all, "expand", Set.of("ValueSet"), false, (type, ctx) -> List.of(Probe.untargeted("ValueSet/$expand",
                Call.get("ValueSet/$expand?url=" + enc(TERMINOLOGY + "ValueSet/asam-dimension")))));
        add(all, "validate-code", Set.of("ValueSet", "CodeSystem"), false, (type, ctx) -> List.of(Probe.untargeted(
                type + "/$validate-code", Call.get(type + "/$validate-code?url=" + enc(TERMINOLOGY + type + "/asam-dimension")
                        + "&system=" + enc(TERMINOLOGY + "CodeSystem/asam-dimension") + "&code=e3-1"))));
        add(all, "lookup", Set.of("CodeSystem"), false, (type, ctx) -> List.of(Probe.untargeted("CodeSystem/$lookup",
                Call.get("CodeSystem/$lookup?system=" + enc(AdversaryFixture.PROGRAM_TRACK) + "&code=sud"))));
        add(all, "translate", Set.of("ConceptMap"), false, (type, ctx) -> List.of(Probe.untargeted("ConceptMap/$translate",
                Call.get("ConceptMap/$translate?url=" + enc(TERMINOLOGY + "ConceptMap/session-type-to-billing") + "&system="
                        + enc(TERMINOLOGY + "CodeSystem/iop-session-type") + "&code=group-therapy"))));
        add(all, "invalidate-expansion", Set.of("ValueSet"), false, (type, ctx) -> List.of(Probe.untargeted(
                "ValueSet/$invalidate-expansion", Call.post("ValueSet/asam-dimension/$invalidate-expansion", params())).asMutating()));
        // Bulk export: the kick-off answers at once (202 and a status URL, or a refusal) while the files are
        // written later; BulkExportIT follows exports to their files and checks them against the same oracle.
        add(all, "export", Set.of("Patient", "Group"), true, (type, ctx) -> {
            if (type == null) {
                return List.of(Probe.untargeted("$export", async(Call.get("$export?_type=Patient"))));
            }
            List<Probe> probes = perRecord(ctx, type, "$export", r -> async(Call.get(r.ref() + "/$export?_type=Patient")));
            if ("Patient".equals(type)) {
                probes.addAll(perPatient(ctx, "Patient/$export (patient)",
                        p -> async(Call.post("Patient/$export", params(string("_type", "Patient"), reference("patient", p.ref()))))));
            }
            return probes;
        });
        add(all, "export-poll-status", Set.of(), true, (type, ctx) -> List.of(Probe.untargeted("$export-poll-status",
                Call.get("$export-poll-status?_jobId=00000000-0000-0000-0000-000000000000"))));
        // Subscriptions Backport IG: a subscription's status, answered only to its owner (or the privacy officer).
        add(all, "status", Set.of("Subscription"), false, (type, ctx) -> {
            List<Probe> probes = perRecord(ctx, type, "$status", r -> Call.get(r.ref() + "/$status"));
            probes.add(Probe.untargeted("Subscription/$status (no such subscription)",
                    Call.get("Subscription/00000000-0000-0000-0000-000000000000/$status")));
            return probes;
        });
        add(all, "get-resource-counts", Set.of(), true, (type, ctx) -> List.of(
                Probe.untargeted("$get-resource-counts", Call.get("$get-resource-counts"))));
        for (String admin : List.of("perform-reindexing-pass", "mark-all-resources-for-reindexing", "reindex-terminology")) {
            add(all, admin, Set.of(), true, (type, ctx) -> List.of(
                    Probe.untargeted("$" + admin, Call.post("$" + admin, params())).asMutating()));
        }
        return Map.copyOf(all);
    }

    private static void add(Map<String, Recipe> all, String name, Set<String> types, boolean system,
            BiFunction<String, Ctx, List<Probe>> probes) {
        all.put(name, new Recipe(name, types, system, probes));
    }

    /** One probe per fixture record of the type. */
    static List<Probe> perRecord(Ctx ctx, String type, String what, Function<Rec, Call> build) {
        List<Probe> probes = new ArrayList<>();
        for (Rec rec : ctx.fixture().ofType(type)) {
            probes.add(Probe.of(type + "/" + what, rec, build));
        }
        return probes;
    }

    /** One probe per fixture patient. */
    static List<Probe> perPatient(Ctx ctx, String label, Function<Rec, Call> build) {
        List<Probe> probes = new ArrayList<>();
        for (Rec patient : ctx.fixture().ofType("Patient")) {
            probes.add(Probe.of(label, patient, build));
        }
        return probes;
    }

    private static Call async(Call call) {
        return call.header("Prefer", "respond-async");
    }

    private static List<Probe> mutating(List<Probe> probes) {
        return new ArrayList<>(probes.stream().map(Probe::asMutating).toList());
    }

    /** Merging P1's record into one the attacker can read (the attacker's own patient, or P3's record of that type). */
    private static List<Probe> merges(String type, Ctx ctx, String operation, boolean withPreview) {
        List<Probe> probes = new ArrayList<>();
        Rec source = ctx.fixture().rec(Who.P1, kindOf(type).orElse(null));
        if (source == null) {
            return probes;
        }
        String target = "Patient".equals(type) ? ctx.ownPatient()
                : Optional.ofNullable(ctx.fixture().rec(Who.P3, source.kind())).map(Rec::ref).orElse(null);
        if (target == null) {
            return probes;
        }
        probes.add(Probe.of(type + "/" + operation, source, r -> Call.post(type + "/" + operation,
                params(reference("source-resource", r.ref()), reference("target-resource", target)))).asMutating());
        probes.add(Probe.of(type + "/" + operation + " (source by marker identifier)", source, r -> Call.post(type + "/" + operation,
                params(identifier("source-resource-identifier", r.marker()), reference("target-resource", target)))).asMutating());
        if (withPreview) {
            probes.add(Probe.of(type + "/" + operation + " (preview)", source, r -> Call.post(type + "/" + operation,
                    params(reference("source-resource", r.ref()), reference("target-resource", target), bool("preview", true))))
                    .asMutating());
        }
        return probes;
    }

    private static List<Probe> replaceReferences(Ctx ctx, String operation) {
        List<Probe> probes = new ArrayList<>();
        Rec patient = ctx.fixture().rec(Who.P1, Kind.PATIENT);
        probes.add(Probe.of(operation + " (P1's patient to the attacker's)", patient, r -> Call.post(operation,
                params(string("source-reference-id", r.ref()), string("target-reference-id", ctx.ownPatient())))).asMutating());
        Rec episode = ctx.fixture().rec(Who.P1, Kind.EPISODE);
        Rec other = ctx.fixture().rec(Who.P3, Kind.EPISODE);
        probes.add(Probe.of(operation + " (P1's episode to P3's)", episode, r -> Call.post(operation,
                params(string("source-reference-id", r.ref()), string("target-reference-id", other.ref())))).asMutating());
        return probes;
    }

    private static Optional<Kind> kindOf(String type) {
        for (Kind kind : Kind.values()) {
            if (kind.type.equals(type) && kind != Kind.COUNSELING_NOTE) {
                return Optional.of(kind);
            }
        }
        return Optional.empty();
    }

    /**
     * A minimal resource of a type about a patient (no marker): what an attacker writes. {@code id} may
     * be null; {@code owner} is the organization an attacker puts on a Patient or EpisodeOfCare.
     */
    static String forgedAbout(String type, String id, String patientRef) {
        return forged(type, id, patientRef, AdversaryFixture.PROGRAM_B);
    }

    static String forged(String type, String id, String patientRef, String owner) {
        StringBuilder json = new StringBuilder("{\"resourceType\":\"").append(type).append('"');
        if (id != null) {
            json.append(",\"id\":\"").append(id).append('"');
        }
        String marker = "{\"system\":\"" + AdversaryFixture.MARKER_SYSTEM + "\",\"value\":\"ADV-FORGED\"}";
        boolean singleIdentifier = type.equals("QuestionnaireResponse") || type.equals("Composition");
        json.append(",\"identifier\":").append(singleIdentifier ? marker : "[" + marker + "]");
        String patient = "{\"reference\":\"" + patientRef + "\"}";
        switch (type) {
            case "Patient" -> json.append(",\"managingOrganization\":{\"reference\":\"").append(owner).append("\"}");
            case "EpisodeOfCare" -> json.append(",\"status\":\"active\",\"type\":[{\"coding\":[{\"system\":\"")
                    .append(AdversaryFixture.PROGRAM_TRACK).append("\",\"code\":\"sud\"}]}],\"patient\":").append(patient)
                    .append(",\"managingOrganization\":{\"reference\":\"").append(owner).append("\"}");
            case "Appointment" -> json.append(",\"status\":\"booked\",\"participant\":[{\"actor\":").append(patient)
                    .append(",\"status\":\"accepted\"}]");
            case "Consent" -> json.append(",\"status\":\"active\",\"patient\":").append(patient);
            case "Encounter" -> json.append(",\"status\":\"finished\",\"class\":{\"system\":\"").append(AdversaryFixture.ACT_CODE)
                    .append("\",\"code\":\"AMB\"},\"subject\":").append(patient);
            case "Observation" -> json.append(",\"status\":\"final\",\"code\":{\"text\":\"forged\"},\"subject\":").append(patient);
            default -> json.append(",\"subject\":").append(patient);
        }
        return json.append('}').toString();
    }

    static String params(String... parameters) {
        return "{\"resourceType\":\"Parameters\"" + (parameters.length == 0 ? "" : ",\"parameter\":[" + String.join(",", parameters) + "]")
                + "}";
    }

    static String reference(String name, String reference) {
        return "{\"name\":\"" + name + "\",\"valueReference\":{\"reference\":\"" + reference + "\"}}";
    }

    static String identifier(String name, String value) {
        return "{\"name\":\"" + name + "\",\"valueIdentifier\":{\"system\":\"" + AdversaryFixture.MARKER_SYSTEM
                + "\",\"value\":\"" + value + "\"}}";
    }

    static String string(String name, String value) {
        return "{\"name\":\"" + name + "\",\"valueString\":\"" + value + "\"}";
    }

    static String code(String name, String value) {
        return "{\"name\":\"" + name + "\",\"valueCode\":\"" + value + "\"}";
    }

    static String bool(String name, boolean value) {
        return "{\"name\":\"" + name + "\",\"valueBoolean\":" + value + "}";
    }

    static String integer(String name, int value) {
        return "{\"name\":\"" + name + "\",\"valueInteger\":" + value + "}";
    }

    private static String label(String system, String code) {
        return "{\"system\":\"" + system + "\",\"code\":\"" + code + "\"}";
    }

    static String enc(String value) {
        return URLEncoder.encode(value, StandardCharsets.UTF_8);
    }
}
