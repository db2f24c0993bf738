package org.iopfhir.ig;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.parser.IParser;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import ca.uhn.fhir.context.support.DefaultProfileValidationSupport;
import ca.uhn.fhir.context.support.ValidationSupportContext;
import org.hl7.fhir.common.hapi.validation.support.PrePopulatedValidationSupport;
import org.hl7.fhir.common.hapi.validation.support.SnapshotGeneratingValidationSupport;
import org.hl7.fhir.common.hapi.validation.support.ValidationSupportChain;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.hl7.fhir.r4.model.BooleanType;
import org.hl7.fhir.r4.model.StructureDefinition;
import org.hl7.fhir.r4.model.MetadataResource;
import org.hl7.fhir.r4.model.Reference;
import org.hl7.fhir.r4.model.Resource;
import org.hl7.fhir.utilities.json.parser.JsonParser;
import org.hl7.fhir.utilities.npm.NpmPackage;

/**
 * Builds the guide's FHIR package (the NPM format of https://hl7.org/fhir/R4/packages.html) from
 * {@code profiles/} and {@code terminology/}: every conformance resource in {@code package/}, the example
 * Bundles in {@code package/example/}, a {@code package.json} derived from the ImplementationGuide
 * resource, and the {@code .index.json} of each folder (written by HAPI's {@link NpmPackage}). Profiles
 * get their snapshots here, and the ImplementationGuide in the package lists every resource of it in
 * {@code definition.resource}.
 *
 * <p>Maven runs {@link #main} after compiling (see pom.xml): the package goes into {@code target/} as
 * {@code iop-fhir.guide-<version>.tgz}, installable by any FHIR tool, and the very same bytes into the
 * jar, where {@link ImplementationGuide#fromClasspath} loads it; the server serves what it publishes.
 */
public final class GuidePackage {

    /** The package's name (FHIR package id), as in the ImplementationGuide's {@code packageId}. */
    public static final String ID = "iop-fhir.guide";
    /** Where the package sits on the server's classpath. */
    public static final String CLASSPATH_LOCATION = "ig/" + ID + ".tgz";
    static final String CONFORMANCE_FOLDER = "package";
    static final String EXAMPLE_FOLDER = "example";
    private static final String CORE_PACKAGE = "hl7.fhir.r4.core";
    private static final String FHIR_VERSION = "4.0.1";

    private GuidePackage() {
    }

    /**
     * {@code GuidePackage <classes dir> <target dir> <source folder>...}: writes the package to
     * {@code <classes dir>/ig/iop-fhir.guide.tgz} and {@code <target dir>/iop-fhir.guide-<version>.tgz}.
     */
    public static void main(String[] args) throws IOException {
        if (args.length < 3) {
            throw new IllegalArgumentException("usage: GuidePackage <classes dir> <target dir> <source folder>...");
        }
        List<Path> sources = Stream.of(args).skip(2).map(Path::of).toList();
        byte[] tgz = build(FhirContext.forR4Cached(), sources);
        for (Path out : List.of(Path.of(args[0]).resolve(CLASSPATH_LOCATION),
                Path.of(args[1]).resolve(ID + "-" + ImplementationGuide.VERSION + ".tgz"))) {
            Files.createDirectories(out.getParent());
            Files.write(out, tgz);
        }
    }

    /** The package of the guide whose sources are the given folders (their {@code examples/} hold examples). */
    static byte[] build(FhirContext fhirContext, List<Path> sources) throws IOException {
        IParser parser = fhirContext.newJsonParser();
        Map<String, byte[]> conformance = new LinkedHashMap<>();
        Map<String, byte[]> examples = new LinkedHashMap<>();
        for (Path source : sources) {
            jsonFiles(source).forEach(f -> conformance.put(f.getFileName().toString(), read(f)));
            jsonFiles(source.resolve("examples")).forEach(f -> examples.put(f.getFileName().toString(), read(f)));
        }
        Map<String, Resource> parsed = new LinkedHashMap<>();
        conformance.forEach((file, content) -> parsed.put(file, parse(parser, content)));
        List<String> guides = parsed.entrySet().stream()
                .filter(e -> e.getValue() instanceof org.hl7.fhir.r4.model.ImplementationGuide)
                .map(Map.Entry::getKey).toList();
        if (guides.size() != 1) {
            throw new IllegalStateException("the guide's sources must hold exactly one ImplementationGuide, found " + guides);
        }
        String guideFile = guides.get(0);
        withSnapshots(fhirContext, parsed).forEach((file, profile) -> conformance.put(file,
                parser.setPrettyPrint(true).encodeResourceToString(profile).getBytes(StandardCharsets.UTF_8)));
        var guide = (org.hl7.fhir.r4.model.ImplementationGuide) parsed.get(guideFile);
        guide.getDefinition().getResource().clear();
        parsed.forEach((file, resource) -> {
            if (!file.equals(guideFile)) {
                list(guide, resource, false);
            }
        });
        examples.values().forEach(content -> list(guide, parse(parser, content), true));
        conformance.put(guideFile, parser.setPrettyPrint(true).encodeResourceToString(guide)
                .getBytes(StandardCharsets.UTF_8));

        NpmPackage npm = NpmPackage.empty();
        npm.setNpm(JsonParser.parseObject(manifest(guide)));
        conformance.forEach((file, content) -> npm.addFile(CONFORMANCE_FOLDER, file, content, typeOf(file)));
        examples.forEach((file, content) -> npm.addFile(EXAMPLE_FOLDER, file, content, typeOf(file)));
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        npm.save(out);
        return out.toByteArray();
    }

    /**
     * The guide's StructureDefinitions with their snapshots, generated from the differentials against base
     * R4 and the guide itself (a package carries snapshots: validators and servers read them as they are).
     */
    private static Map<String, StructureDefinition> withSnapshots(FhirContext fhirContext, Map<String, Resource> parsed) {
        PrePopulatedValidationSupport guide = new PrePopulatedValidationSupport(fhirContext);
        parsed.values().forEach(guide::addResource);
        ValidationSupportChain chain = new ValidationSupportChain(new DefaultProfileValidationSupport(fhirContext),
                guide, new SnapshotGeneratingValidationSupport(fhirContext));
        Map<String, StructureDefinition> profiles = new LinkedHashMap<>();
        parsed.forEach((file, resource) -> {
            if (resource instanceof StructureDefinition sd && !sd.hasSnapshot()) {
                IBaseResource generated = chain.generateSnapshot(new ValidationSupportContext(chain), sd.copy(),
                        sd.getUrl(), null, sd.getName());
                if (!(generated instanceof StructureDefinition withSnapshot) || !withSnapshot.hasSnapshot()) {
                    throw new IllegalStateException(file + ": no snapshot could be generated");
                }
                profiles.put(file, withSnapshot);
            }
        });
        return profiles;
    }

    private static void list(org.hl7.fhir.r4.model.ImplementationGuide guide, Resource resource, boolean example) {
        var listed = guide.getDefinition().addResource()
                .setReference(new Reference(resource.fhirType() + "/" + resource.getIdPart()))
                .setExample(new BooleanType(example));
        if (resource instanceof MetadataResource metadata) {
            listed.setName(metadata.hasTitle() ? metadata.getTitle() : metadata.getName());
        } else {
            listed.setName(resource.getIdPart());
        }
    }

    /** {@code package.json} (https://hl7.org/fhir/R4/packages.html#2.1.10.4), from the ImplementationGuide. */
    private static byte[] manifest(org.hl7.fhir.r4.model.ImplementationGuide guide) throws IOException {
        if (!ID.equals(guide.getPackageId()) || !ImplementationGuide.VERSION.equals(guide.getVersion())) {
            throw new IllegalStateException("the ImplementationGuide must be package " + ID + " version "
                    + ImplementationGuide.VERSION + ", is " + guide.getPackageId() + " " + guide.getVersion());
        }
        Map<String, String> dependencies = new LinkedHashMap<>();
        dependencies.put(CORE_PACKAGE, FHIR_VERSION);
        guide.getDependsOn().forEach(d -> dependencies.put(d.getPackageId(), d.getVersion()));
        Map<String, Object> manifest = new LinkedHashMap<>();
        manifest.put("name", ID);
        manifest.put("version", guide.getVersion());
        manifest.put("type", "fhir.ig");
        manifest.put("title", guide.getTitle());
        manifest.put("description", guide.getDescription());
        manifest.put("canonical", ImplementationGuide.CANONICAL_BASE.substring(0, ImplementationGuide.CANONICAL_BASE.length() - 1));
        manifest.put("url", guide.getUrl());
        manifest.put("fhirVersions", List.of(FHIR_VERSION));
        manifest.put("dependencies", dependencies);
        manifest.put("author", guide.getPublisher());
        manifest.put("maintainers", List.of(Map.of("name", guide.getContactFirstRep().getName(),
                "url", guide.getContactFirstRep().getTelecomFirstRep().getValue())));
        manifest.put("license", guide.getLicense().toCode());
        var jurisdiction = guide.getJurisdictionFirstRep().getCodingFirstRep();
        manifest.put("jurisdiction", jurisdiction.getSystem() + "#" + jurisdiction.getCode());
        return new ObjectMapper().writerWithDefaultPrettyPrinter().writeValueAsBytes(manifest);
    }

    private static List<Path> jsonFiles(Path folder) {
        if (!Files.isDirectory(folder)) {
            return List.of();
        }
        try (Stream<Path> files = Files.list(folder)) {
            return files.filter(f -> f.getFileName().toString().endsWith(".json")).sorted().toList();
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private static byte[] read(Path file) {
        try {
            return Files.readAllBytes(file);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private static Resource parse(IParser parser, byte[] content) {
        return (Resource) parser.parseResource(new String(content, StandardCharsets.UTF_8));
    }

    private static String typeOf(String file) {
        return file.substring(0, file.indexOf('-'));
    }
}
