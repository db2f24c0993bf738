package org.iopfhir.ig;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.parser.IParser;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.hl7.fhir.r4.model.Bundle;
import org.springframework.core.io.Resource;
import org.springframework.core.io.support.PathMatchingResourcePatternResolver;

/**
 * The implementation guide shipped in the jar: {@code profiles/} and {@code terminology/} (copied
 * to {@code ig/} on the classpath by the build), parsed once. Conformance resources come in the
 * order they must be installed: code systems before the value sets that use them, extensions
 * and profiles after terminology.
 */
public final class ImplementationGuide {

    public static final String CANONICAL_BASE = "http://iop-fhir.org/fhir/";
    /** The version every artifact of the guide carries. */
    public static final String VERSION = "0.2.0";
    public static final String PROFILE_BASE = CANONICAL_BASE + "StructureDefinition/";

    private static final String LOCATION = "classpath*:ig/**/*.json";
    private static final Map<String, Integer> INSTALL_ORDER = Map.of(
            "CodeSystem", 0, "ValueSet", 1, "ConceptMap", 2, "StructureDefinition", 3,
            "SearchParameter", 4, "Questionnaire", 5, "OperationDefinition", 6);

    /** A resource as read from the guide, with a digest of its file so unchanged content is skipped. */
    public record Entry(String file, IBaseResource resource, String digest) {
    }

    private final List<Entry> conformance;
    private final List<Entry> examples;

    private ImplementationGuide(List<Entry> conformance, List<Entry> examples) {
        this.conformance = conformance;
        this.examples = examples;
    }

    public static ImplementationGuide fromClasspath(FhirContext fhirContext) {
        IParser parser = fhirContext.newJsonParser();
        List<Entry> conformance = new ArrayList<>();
        List<Entry> examples = new ArrayList<>();
        try {
            for (Resource file : new PathMatchingResourcePatternResolver().getResources(LOCATION)) {
                byte[] content = file.getContentAsByteArray();
                String path = file.getURI().toString();
                IBaseResource resource = parser.parseResource(new String(content, StandardCharsets.UTF_8));
                Entry entry = new Entry(path.substring(path.lastIndexOf("/ig/") + 1), resource, sha256(content));
                if (path.contains("/examples/")) {
                    examples.add(entry);
                } else if (INSTALL_ORDER.containsKey(resource.fhirType())) {
                    conformance.add(entry);
                } else {
                    throw new IllegalStateException(entry.file() + ": a " + resource.fhirType()
                            + " is not a conformance resource; examples belong in profiles/examples/");
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("could not read the implementation guide from the classpath", e);
        }
        conformance.sort(Comparator.comparing((Entry e) -> INSTALL_ORDER.get(e.resource().fhirType()))
                .thenComparing(Entry::file));
        examples.sort(Comparator.comparing(Entry::file));
        return new ImplementationGuide(List.copyOf(conformance), List.copyOf(examples));
    }

    public List<Entry> conformance() {
        return conformance;
    }

    /** Example Bundles (transactions of PUTs, so they can be loaded again without change). */
    public List<Entry> examples() {
        return examples.stream().filter(e -> e.resource() instanceof Bundle).toList();
    }

    private static String sha256(byte[] content) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(content));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
