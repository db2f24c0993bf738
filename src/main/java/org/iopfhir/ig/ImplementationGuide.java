package org.iopfhir.ig;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.parser.IParser;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.utilities.npm.NpmPackage;
import org.springframework.core.io.ClassPathResource;

/**
 * The implementation guide shipped in the jar: the FHIR package the build makes of {@code profiles/}
 * and {@code terminology/} ({@link GuidePackage}), parsed once. Conformance resources come in the
 * order they must be installed: code systems before the value sets that use them, extensions
 * and profiles after terminology.
 */
public final class ImplementationGuide {

    public static final String CANONICAL_BASE = "http://iop-fhir.org/fhir/";
    /** The version every artifact of the guide carries. */
    public static final String VERSION = "0.2.0";
    public static final String PROFILE_BASE = CANONICAL_BASE + "StructureDefinition/";

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

    /** The guide as packaged into the jar by the build ({@link GuidePackage}). */
    public static ImplementationGuide fromClasspath(FhirContext fhirContext) {
        try (InputStream in = new ClassPathResource(GuidePackage.CLASSPATH_LOCATION).getInputStream()) {
            return fromPackage(fhirContext, NpmPackage.fromPackage(in));
        } catch (IOException e) {
            throw new UncheckedIOException("could not read the implementation guide package "
                    + GuidePackage.CLASSPATH_LOCATION + " from the classpath", e);
        }
    }

    static ImplementationGuide fromPackage(FhirContext fhirContext, NpmPackage npm) throws IOException {
        IParser parser = fhirContext.newJsonParser();
        List<Entry> conformance = new ArrayList<>();
        for (var file : read(npm, GuidePackage.CONFORMANCE_FOLDER).entrySet()) {
            Entry entry = entry(parser, GuidePackage.CONFORMANCE_FOLDER + "/" + file.getKey(), file.getValue());
            if (entry.resource() instanceof org.hl7.fhir.r4.model.ImplementationGuide) {
                // It describes the package for other tools. Not stored here: it lists the example Bundles,
                // which a server stores as their entries, so its references to them could not resolve.
                continue;
            }
            if (!INSTALL_ORDER.containsKey(entry.resource().fhirType())) {
                throw new IllegalStateException(entry.file() + ": a " + entry.resource().fhirType()
                        + " is not a conformance resource; examples belong in profiles/examples/");
            }
            conformance.add(entry);
        }
        List<Entry> examples = new ArrayList<>();
        for (var file : read(npm, GuidePackage.EXAMPLE_FOLDER).entrySet()) {
            examples.add(entry(parser, GuidePackage.CONFORMANCE_FOLDER + "/" + GuidePackage.EXAMPLE_FOLDER + "/"
                    + file.getKey(), file.getValue()));
        }
        conformance.sort(Comparator.comparing((Entry e) -> INSTALL_ORDER.get(e.resource().fhirType()))
                .thenComparing(Entry::file));
        examples.sort(Comparator.comparing(Entry::file));
        return new ImplementationGuide(List.copyOf(conformance), List.copyOf(examples));
    }

    private static Map<String, byte[]> read(NpmPackage npm, String folder) throws IOException {
        Map<String, byte[]> files = new TreeMap<>();
        NpmPackage.NpmPackageFolder content = npm.getFolders().get(folder);
        if (content != null) {
            for (String file : content.listFiles()) {
                files.put(file, content.fetchFile(file));
            }
        }
        return files;
    }

    private static Entry entry(IParser parser, String file, byte[] content) {
        return new Entry(file, parser.parseResource(new String(content, StandardCharsets.UTF_8)), sha256(content));
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
