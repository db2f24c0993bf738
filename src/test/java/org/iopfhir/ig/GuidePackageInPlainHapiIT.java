package org.iopfhir.ig;

import static org.assertj.core.api.Assertions.assertThat;

import ca.uhn.fhir.jpa.packages.PackageInstallOutcomeJson;
import ca.uhn.fhir.jpa.packages.PackageInstallationSpec;
import ca.uhn.fhir.rest.api.MethodOutcome;
import ca.uhn.fhir.rest.client.api.IGenericClient;
import ca.uhn.fhir.rest.client.api.ServerValidationModeEnum;
import ca.uhn.fhir.rest.server.exceptions.PreconditionFailedException;
import ca.uhn.fhir.rest.server.exceptions.UnprocessableEntityException;
import java.io.ByteArrayInputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.Goal;
import org.hl7.fhir.r4.model.MetadataResource;
import org.hl7.fhir.r4.model.OperationOutcome;
import org.hl7.fhir.r4.model.Resource;
import org.hl7.fhir.utilities.npm.NpmPackage;
import org.iopfhir.testsupport.IgValidator;
import plainhapi.PlainHapiServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The published package installed into another, plain HAPI FHIR JPA server (HAPI's configuration on H2,
 * none of this server's code) with HAPI's own package installer, then checked over HTTP with HAPI's
 * client: every profile, code system, value set and search parameter is there, and that server's
 * {@code $validate} accepts a guide example and rejects a broken one by our profile's rule.
 */
class GuidePackageInPlainHapiIT {

    private static final Path PUBLISHED = Path.of("target", GuidePackage.ID + "-" + ImplementationGuide.VERSION + ".tgz");
    private static final List<String> CHECKED_TYPES = List.of("StructureDefinition", "CodeSystem", "ValueSet", "SearchParameter");

    private static PlainHapiServer server;
    private static IGenericClient client;
    private static PackageInstallOutcomeJson outcome;
    private static long startMillis;
    private static long installMillis;

    @BeforeAll
    static void startAPlainHapiServerAndInstallThePackage() throws Exception {
        long started = System.nanoTime();
        server = PlainHapiServer.start();
        startMillis = (System.nanoTime() - started) / 1_000_000;
        started = System.nanoTime();
        outcome = server.packageInstaller().install(new PackageInstallationSpec().setName(GuidePackage.ID)
                .setVersion(ImplementationGuide.VERSION).setPackageContents(Files.readAllBytes(PUBLISHED))
                .setInstallMode(PackageInstallationSpec.InstallModeEnum.STORE_AND_INSTALL));
        installMillis = (System.nanoTime() - started) / 1_000_000;
        // That server's first answers (its CapabilityStatement, a first validation) take a while to build.
        server.fhirContext().getRestfulClientFactory().setServerValidationMode(ServerValidationModeEnum.NEVER);
        server.fhirContext().getRestfulClientFactory().setSocketTimeout(120_000);
        client = server.fhirContext().newRestfulGenericClient(server.baseUrl());
        System.out.printf("plain HAPI server started in %d ms, package installed in %d ms: %s%n", startMillis,
                installMillis, outcome.getResourcesInstalled());
    }

    @AfterAll
    static void stop() throws Exception {
        if (server != null) {
            server.close();
        }
    }

    @Test
    void everyProfileCodeSystemValueSetAndSearchParameterOfThePackageIsOnThatServer() throws Exception {
        List<MetadataResource> published = new ArrayList<>();
        NpmPackage npm = NpmPackage.fromPackage(new ByteArrayInputStream(Files.readAllBytes(PUBLISHED)));
        for (String type : CHECKED_TYPES) {
            for (String file : npm.listResources(type)) {
                published.add((MetadataResource) server.fhirContext().newJsonParser()
                        .parseResource(npm.load(GuidePackage.CONFORMANCE_FOLDER, file)));
            }
        }
        Map<String, Long> perType = published.stream().collect(Collectors.groupingBy(Resource::fhirType, Collectors.counting()));
        assertThat(perType.keySet()).containsExactlyInAnyOrderElementsOf(CHECKED_TYPES);
        assertThat(perType.get("StructureDefinition")).isGreaterThan(10);

        for (MetadataResource resource : published) {
            Bundle found = client.search().byUrl(resource.fhirType() + "?url=" + resource.getUrl()).returnBundle(Bundle.class).execute();
            assertThat(found.getEntry()).as(resource.fhirType() + " " + resource.getUrl()).hasSize(1);
            assertThat(((MetadataResource) found.getEntryFirstRep().getResource()).getVersion()).isEqualTo(ImplementationGuide.VERSION);
        }
        perType.forEach((type, count) -> assertThat(outcome.getResourcesInstalled().get(type)).as(type).isEqualTo(count.intValue()));
    }

    @Test
    void thatServersValidateAcceptsOurExampleAndRejectsABrokenOneByOurProfilesRule() {
        Goal goal = (Goal) IgValidator.exampleEpisode().getEntry().stream().map(Bundle.BundleEntryComponent::getResource)
                .filter(r -> r.getIdElement().getIdPart().equals("example-goal-phq9")).findFirst().orElseThrow().copy();
        goal.setId((String) null);   // a type-level $validate: that server has no Goal of this id
        assertThat(goal.getMeta().getProfile()).extracting(p -> p.getValue())
                .containsExactly(ImplementationGuide.PROFILE_BASE + "iop-goal");

        assertThat(errors(goal)).isEmpty();

        goal.getTargetFirstRep().setDue(null);
        assertThat(errors(goal)).anyMatch(message -> message.contains("iop-goal-1"));
    }

    /** The error issues of that server's $validate (a failed validation comes back as 412 or 422). */
    private static List<String> errors(IBaseResource resource) {
        OperationOutcome result;
        try {
            MethodOutcome validated = client.validate().resource(resource).execute();
            result = (OperationOutcome) validated.getOperationOutcome();
        } catch (PreconditionFailedException | UnprocessableEntityException failed) {
            result = (OperationOutcome) failed.getOperationOutcome();
        }
        return result.getIssue().stream()
                .filter(i -> i.getSeverity() == OperationOutcome.IssueSeverity.ERROR
                        || i.getSeverity() == OperationOutcome.IssueSeverity.FATAL)
                .map(i -> i.getLocation() + ": " + i.getDiagnostics()).toList();
    }
}
