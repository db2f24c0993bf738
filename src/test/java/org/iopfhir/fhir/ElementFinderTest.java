package org.iopfhir.fhir;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.util.FhirTerser;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.hl7.fhir.instance.model.api.IBase;
import org.hl7.fhir.instance.model.api.IBaseReference;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.CodeableConcept;
import org.hl7.fhir.r4.model.Coding;
import org.hl7.fhir.r4.model.DateTimeType;
import org.hl7.fhir.r4.model.DocumentReference;
import org.hl7.fhir.r4.model.Encounter;
import org.hl7.fhir.r4.model.Extension;
import org.hl7.fhir.r4.model.Identifier;
import org.hl7.fhir.r4.model.Observation;
import org.hl7.fhir.r4.model.Parameters;
import org.hl7.fhir.r4.model.Patient;
import org.hl7.fhir.r4.model.Practitioner;
import org.hl7.fhir.r4.model.Provenance;
import org.hl7.fhir.r4.model.Reference;
import org.hl7.fhir.r4.model.StringType;
import org.junit.jupiter.params.ParameterizedTest;
import org.iopfhir.testsupport.GuideFiles;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.api.Test;

/**
 * {@link ElementFinder} finds exactly what HAPI's terser finds - the same element objects, in the same order -
 * for every resource the guide ships (profiles, terminology, the example episodes and their variants) and for
 * the shapes where the two walks could part: contained resources, embedded targets, extensions on complex and
 * primitive elements, cycles, Bundles and Parameters that embed resources.
 */
class ElementFinderTest {

    private static final FhirContext FHIR = FhirContext.forR4Cached();
    private static final FhirTerser TERSER = FHIR.newTerser();
    private static final ElementFinder FINDER = new ElementFinder(FHIR);
    private static final List<Class<? extends IBase>> TYPES = List.of(IBaseReference.class, Reference.class,
            Coding.class, CodeableConcept.class, Identifier.class, IBaseResource.class);

    @ParameterizedTest(name = "{0}")
    @MethodSource("resources")
    void findsWhatTheTerserFinds(String name, IBaseResource resource) {
        for (Class<? extends IBase> type : TYPES) {
            List<IBase> found = List.copyOf(FINDER.all(resource, type));
            List<IBase> expected = List.copyOf(TERSER.getAllPopulatedChildElementsOfType(resource, type));
            assertThat(found).as(name + ": " + type.getSimpleName()).containsExactlyElementsOf(expected);
        }
        List<IBaseReference> viaTerser = TERSER.getAllResourceReferences(resource).stream()
                .map(info -> info.getResourceReference()).toList();
        assertThat(FINDER.references(resource)).as(name).containsExactlyElementsOf(viaTerser);
    }

    @Test
    void theEdgeCasesHoldWhatTheyShould() {
        // Spot checks that the comparison above is not between two empty lists.
        Observation observation = edgeCases().get(0);
        assertThat(FINDER.references(observation)).extracting(r -> r.getReferenceElement().getValue())
                .contains("Patient/p1", "Practitioner/in-extension", "#pr", "Patient/in-contained", "Patient/embedded-target",
                        "Patient/in-a-modifier-extension", "Patient/behind-a-reference-with-only-a-target")
                // Neither walk enters primitives, so a reference in a primitive's extension is not found (as the terser).
                .doesNotContain("Patient/on-a-primitive", "Patient/on-a-primitive-choice");
    }

    @Test
    void primitivesAreNotLookedFor() {
        for (Class<? extends IBase> type : List.of(StringType.class, IBase.class, org.hl7.fhir.r4.model.Type.class,
                org.hl7.fhir.r4.model.Element.class)) {
            assertThatThrownBy(() -> FINDER.all(new Patient(), type)).as(type.getSimpleName())
                    .isInstanceOf(IllegalArgumentException.class);
        }
    }

    static Stream<Object[]> resources() throws IOException {
        List<Object[]> all = new ArrayList<>();
        for (Path file : GuideFiles.all()) {
            IBaseResource resource = FHIR.newJsonParser().parseResource(Files.readString(file));
            all.add(new Object[] {file.getFileName().toString(), resource});
            if (resource instanceof Bundle bundle) {
                bundle.getEntry().forEach(e -> all.add(new Object[] {
                        file.getFileName() + " " + e.getResource().fhirType() + "/" + e.getResource().getIdElement().getIdPart(),
                        e.getResource()}));
            }
        }
        edgeCases().forEach(r -> all.add(new Object[] {"edge case " + r.fhirType(), r}));
        Parameters parameters = new Parameters();
        parameters.addParameter().setName("embedded").setResource(edgeCases().get(0));
        parameters.addParameter().setName("ref").setValue(new Reference("Patient/in-parameters"));
        all.add(new Object[] {"parameters embedding a resource", parameters});
        return all.stream();
    }

    private static List<Observation> edgeCases() {
        Observation observation = new Observation();
        observation.setId("o1");
        observation.setSubject(new Reference("Patient/p1"));
        observation.getCode().addCoding(new Coding("http://loinc.org", "1234-5", "x")).setText("t");
        // An extension holding a reference on a complex element, and one on a primitive (which the terser skips).
        observation.getCode().addExtension(new Extension("http://example.org/who", new Reference("Practitioner/in-extension")));
        observation.getStatusElement().addExtension(new Extension("http://example.org/p", new Reference("Patient/on-a-primitive")));
        observation.getIssuedElement().addExtension(new Extension("http://example.org/q", new Coding("s", "c", null)));
        Extension nested = new Extension("http://example.org/nested");
        nested.addExtension(new Extension("http://example.org/inner", new CodeableConcept(new Coding("s", "nested", null))));
        observation.addExtension(nested);
        // A contained resource, referenced locally, with references of its own.
        Practitioner contained = new Practitioner();
        contained.setId("#pr");
        contained.addIdentifier().setSystem("s").setValue("v").setAssigner(new Reference("Organization/o"));
        observation.addContained(contained);
        Encounter containedEncounter = new Encounter();
        containedEncounter.setId("#enc");
        containedEncounter.setSubject(new Reference("Patient/in-contained"));
        observation.addContained(containedEncounter);
        observation.addPerformer(embedding("#pr", null, contained));
        // An embedded target without an id is entered, also behind a reference with nothing but the target; one with
        // a stored id is not.
        DocumentReference target = new DocumentReference();
        target.getSubject().setReference("Patient/embedded-target");
        observation.addDerivedFrom(embedding(null, "embedded", target));
        Patient stored = new Patient();
        stored.setId("Patient/stored");
        stored.getManagingOrganization().setReference("Organization/not-entered");
        observation.addHasMember(embedding("Patient/stored", null, stored));
        DocumentReference unseen = new DocumentReference();
        unseen.getSubject().setReference("Patient/behind-a-reference-with-only-a-target");
        observation.addBasedOn(embedding(null, null, unseen));
        // A cycle through embedded targets.
        Provenance a = new Provenance();
        Provenance b = new Provenance();
        a.addTarget(embedding(null, "b", b));
        b.addTarget(embedding(null, "a", a));
        observation.addFocus(embedding(null, "a", a));
        observation.setValue(new DateTimeType("2026-01-01"));
        observation.getValueDateTimeType().addExtension(new Extension("http://example.org/c",
                new Reference("Patient/on-a-primitive-choice")));
        observation.addModifierExtension(new Extension("http://example.org/m", new Reference("Patient/in-a-modifier-extension")));
        Coding shared = new Coding("s", "shared", null);
        observation.addCategory().addCoding(shared);
        observation.addCategory().addCoding(shared);
        observation.addCategory().addCoding(new Coding());
        observation.addIdentifier().setSystem("s").setValue("i");

        Observation empty = new Observation();
        return List.of(observation, empty);
    }

    private static Reference embedding(String reference, String display, IBaseResource target) {
        Reference embedding = new Reference(reference).setDisplay(display);
        embedding.setResource(target);
        return embedding;
    }
}
