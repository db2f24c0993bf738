package org.iopfhir.ig;

import static org.assertj.core.api.Assertions.assertThat;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.context.support.DefaultProfileValidationSupport;
import ca.uhn.fhir.context.support.IValidationSupport;
import ca.uhn.fhir.validation.FhirValidator;
import ca.uhn.fhir.validation.ResultSeverityEnum;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.hl7.fhir.common.hapi.validation.support.BaseValidationSupport;
import org.hl7.fhir.common.hapi.validation.support.CommonCodeSystemsTerminologyService;
import org.hl7.fhir.common.hapi.validation.support.InMemoryTerminologyServerValidationSupport;
import org.hl7.fhir.common.hapi.validation.support.NpmPackageValidationSupport;
import org.hl7.fhir.common.hapi.validation.support.SnapshotGeneratingValidationSupport;
import org.hl7.fhir.common.hapi.validation.support.ValidationSupportChain;
import org.hl7.fhir.common.hapi.validation.validator.FhirInstanceValidator;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.MetadataResource;
import org.hl7.fhir.r4.model.Questionnaire;
import org.hl7.fhir.r4.model.Resource;
import org.hl7.fhir.r4.model.SearchParameter;
import org.hl7.fhir.r4.model.StructureDefinition;
import org.hl7.fhir.utilities.json.model.JsonObject;
import org.hl7.fhir.utilities.npm.NpmPackage;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The published package ({@code target/iop-fhir.guide-<version>.tgz}) as another FHIR tool sees it: read
 * with the HL7 package library, loaded into a fresh HAPI instance validator through
 * {@link NpmPackageValidationSupport} (nothing of the server's own loading involved), and every artifact
 * and every example resource in it validated with zero errors.
 */
class GuidePackageTest {

    private static final FhirContext FHIR = FhirContext.forR4Cached();
    private static final Path PUBLISHED = Path.of("target", GuidePackage.ID + "-" + ImplementationGuide.VERSION + ".tgz");

    private static NpmPackage npm;
    private static FhirValidator validator;

    @BeforeAll
    static void loadThePublishedPackage() throws IOException {
        try (InputStream in = Files.newInputStream(PUBLISHED)) {
            npm = NpmPackage.fromPackage(in);
        }
        NpmPackageValidationSupport guide = new NpmPackageValidationSupport(FHIR);
        guide.loadPackageFromClasspath("classpath:" + GuidePackage.CLASSPATH_LOCATION);
        Map<String, Questionnaire> questionnaires = resources(GuidePackage.CONFORMANCE_FOLDER).stream()
                .filter(Questionnaire.class::isInstance).map(Questionnaire.class::cast)
                .collect(Collectors.toMap(Questionnaire::getUrl, q -> q));
        // HAPI's pre-populated support holds no Questionnaires; the validator looks responses' ones up here.
        IValidationSupport questionnaireSupport = new BaseValidationSupport(FHIR) {
            @Override
            @SuppressWarnings("unchecked")
            public <T extends IBaseResource> T fetchResource(Class<T> type, String url) {
                Questionnaire q = url == null ? null : questionnaires.get(url.split("\\|")[0]);
                return q != null && (type == null || type.isInstance(q)) ? (T) q : null;
            }
        };
        validator = FHIR.newValidator().registerValidatorModule(new FhirInstanceValidator(new ValidationSupportChain(
                new DefaultProfileValidationSupport(FHIR), guide, questionnaireSupport,
                new CommonCodeSystemsTerminologyService(FHIR), new InMemoryTerminologyServerValidationSupport(FHIR),
                new SnapshotGeneratingValidationSupport(FHIR))));
    }

    @Test
    void theServerLoadsTheVeryPackageThatIsPublished() throws IOException {
        try (InputStream inJar = GuidePackageTest.class.getClassLoader().getResourceAsStream(GuidePackage.CLASSPATH_LOCATION)) {
            assertThat(inJar).as(GuidePackage.CLASSPATH_LOCATION).isNotNull();
            assertThat(inJar.readAllBytes()).isEqualTo(Files.readAllBytes(PUBLISHED));
        }
    }

    @Test
    void manifestNamesTheGuideItsFhirVersionAndOnlyTheCorePackage() {
        JsonObject manifest = npm.getNpm();
        assertThat(npm.name()).isEqualTo("iop-fhir.guide");
        assertThat(npm.version()).isEqualTo(ImplementationGuide.VERSION);
        assertThat(npm.canonical()).isEqualTo("http://iop-fhir.org/fhir");
        assertThat(npm.url()).isEqualTo("http://iop-fhir.org/fhir/ImplementationGuide/iop-fhir");
        assertThat(manifest.getJsonArray("fhirVersions").asStrings()).containsExactly("4.0.1");
        assertThat(npm.dependencies()).containsExactly("hl7.fhir.r4.core#4.0.1");
        assertThat(npm.type()).isEqualTo("fhir.ig");
    }

    @Test
    void indexListsEveryFileOfEachFolder() throws IOException {
        for (String folder : List.of(GuidePackage.CONFORMANCE_FOLDER, GuidePackage.EXAMPLE_FOLDER)) {
            NpmPackage.NpmPackageFolder content = npm.getFolders().get(folder);
            assertThat(content.index()).as(folder + "/.index.json").isNotNull();
            Set<String> indexed = content.index().getJsonObjects("files").stream()
                    .map(f -> f.asString("filename")).collect(Collectors.toSet());
            assertThat(indexed).as(folder).containsExactlyInAnyOrderElementsOf(content.listFiles());
        }
        assertThat(npm.getFolders().get(GuidePackage.EXAMPLE_FOLDER).listFiles()).hasSize(5);
    }

    @Test
    void implementationGuideListsEveryResourceOfThePackage() {
        org.hl7.fhir.r4.model.ImplementationGuide guide = resources(GuidePackage.CONFORMANCE_FOLDER).stream()
                .filter(org.hl7.fhir.r4.model.ImplementationGuide.class::isInstance)
                .map(org.hl7.fhir.r4.model.ImplementationGuide.class::cast).findFirst().orElseThrow();
        assertThat(guide.getPackageId()).isEqualTo(npm.name());
        assertThat(guide.getVersion()).isEqualTo(npm.version());
        assertThat(guide.getDependsOn()).as("dependsOn only what is available: the core, implied by fhirVersion").isEmpty();
        List<String> packaged = new ArrayList<>();
        resources(GuidePackage.CONFORMANCE_FOLDER).stream()
                .filter(r -> !(r instanceof org.hl7.fhir.r4.model.ImplementationGuide))
                .forEach(r -> packaged.add(r.fhirType() + "/" + r.getIdPart() + " example=false"));
        resources(GuidePackage.EXAMPLE_FOLDER)
                .forEach(r -> packaged.add(r.fhirType() + "/" + r.getIdPart() + " example=true"));
        assertThat(guide.getDefinition().getResource()).extracting(r -> r.getReference().getReference()
                + " example=" + r.getExampleBooleanType().getValue()).containsExactlyInAnyOrderElementsOf(packaged);
    }

    @Test
    void everyArtifactIsADraftWithContactAndUsJurisdiction() {
        assertThat(resources(GuidePackage.CONFORMANCE_FOLDER)).hasSizeGreaterThan(50).allSatisfy(resource -> {
            MetadataResource artifact = (MetadataResource) resource;
            // HAPI's search parameter registry ignores draft SearchParameters: ours are active so searches work.
            assertThat(artifact.getStatus().toCode()).as(artifact.getUrl())
                    .isEqualTo(artifact instanceof SearchParameter ? "active" : "draft");
            assertThat(artifact.getContactFirstRep().getName()).as(artifact.getUrl()).isEqualTo(artifact.getPublisher());
            assertThat(artifact.getJurisdiction()).as(artifact.getUrl()).singleElement()
                    .satisfies(j -> assertThat(j.getCodingFirstRep().getSystem() + "#" + j.getCodingFirstRep().getCode())
                            .isEqualTo("urn:iso:std:iso:3166#US"));
        });
    }

    @Test
    void everyArtifactValidatesWithZeroErrors() {
        assertThat(resources(GuidePackage.CONFORMANCE_FOLDER)).allSatisfy(artifact ->
                assertThat(errors(artifact)).as(artifact.fhirType() + "/" + artifact.getIdPart()).isEmpty());
    }

    @Test
    void everyExampleValidatesWithZeroErrors() {
        List<Resource> examples = resources(GuidePackage.EXAMPLE_FOLDER);
        // The validator checks each entry of a Bundle against the profiles it claims.
        assertThat(examples).hasSize(5).allSatisfy(example -> assertThat(errors(example)).as(example.getIdPart()).isEmpty());
    }

    /**
     * Errors, except the one the HL7 validator reports for an extension's {@code context} when it cannot
     * download the core package (hl7.fhir.r4.core is not reachable from this build): it checks contexts
     * against every published FHIR version's package, fetched from packages.fhir.org. The contexts
     * themselves are checked by {@link #everyExtensionContextIsAnR4Element}.
     */
    @Test
    void everyExtensionContextIsAnR4Element() {
        assertThat(resources(GuidePackage.CONFORMANCE_FOLDER).stream()
                .filter(r -> r instanceof StructureDefinition sd && "Extension".equals(sd.getType()))
                .map(StructureDefinition.class::cast)).hasSizeGreaterThanOrEqualTo(6).allSatisfy(sd ->
                assertThat(sd.getContext()).isNotEmpty().allSatisfy(context -> {
                    assertThat(context.getType()).isEqualTo(StructureDefinition.ExtensionContextType.ELEMENT);
                    String type = context.getExpression().split("\\.")[0];
                    assertThat(FHIR.getResourceTypes().contains(type) || FHIR.getElementDefinition(type) != null)
                            .as(sd.getUrl() + " context " + context.getExpression()).isTrue();
                }));
    }

    private static List<String> errors(Resource resource) {
        return validator.validateWithResult(resource).getMessages().stream()
                .filter(m -> m.getSeverity().ordinal() >= ResultSeverityEnum.ERROR.ordinal())
                .filter(m -> !m.getMessage().contains("Unable to resolve package id hl7.fhir.r4.core"))
                .map(m -> m.getLocationString() + ": " + m.getMessage()).toList();
    }

    private static List<Resource> resources(String folder) {
        NpmPackage.NpmPackageFolder content = npm.getFolders().get(folder);
        List<Resource> resources = new ArrayList<>();
        for (String file : content.listFiles()) {
            try {
                resources.add((Resource) FHIR.newJsonParser().parseResource(new String(content.fetchFile(file),
                        java.nio.charset.StandardCharsets.UTF_8)));
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        }
        return resources;
    }
}
