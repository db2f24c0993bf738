package org.iopfhir;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.Test;

/**
 * The package structure: one package per capability, no cycles between them, and the endpoint wiring
 * (the {@code server} package) depending on no feature - features contribute to it instead.
 */
class ArchitectureTest {

    private static final JavaClasses MAIN = new ClassFileImporter()
            .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
            .importPackages("org.iopfhir");

    @Test
    void capabilityPackagesHaveNoCycles() {
        slices().matching("org.iopfhir.(*)..").should().beFreeOfCycles().check(MAIN);
    }

    @Test
    void theEndpointWiringDependsOnNoFeature() {
        noClasses().that().resideInAPackage("org.iopfhir.server..")
                .should().dependOnClassesThat().resideInAnyPackage("org.iopfhir.privacy..", "org.iopfhir.ig..",
                        "org.iopfhir.levelofcare..", "org.iopfhir.attendance..", "org.iopfhir.necessity..",
                        "org.iopfhir.episode..")
                .check(MAIN);
    }
}
