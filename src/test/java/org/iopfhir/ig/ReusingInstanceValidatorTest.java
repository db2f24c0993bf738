package org.iopfhir.ig;

import static org.assertj.core.api.Assertions.assertThat;

import ca.uhn.fhir.validation.FhirValidator;
import ca.uhn.fhir.validation.SingleValidationMessage;
import ca.uhn.fhir.validation.ValidationOptions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Map;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.hl7.fhir.common.hapi.validation.support.PrePopulatedValidationSupport;
import org.hl7.fhir.common.hapi.validation.support.ValidationSupportChain;
import org.hl7.fhir.common.hapi.validation.validator.FhirInstanceValidator;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.CodeType;
import org.hl7.fhir.r4.model.Encounter;
import org.hl7.fhir.r4.model.Enumerations;
import org.hl7.fhir.r4.model.EpisodeOfCare;
import org.hl7.fhir.r4.model.Observation;
import org.hl7.fhir.r4.model.StructureDefinition;
import org.hl7.fhir.r4.model.UriType;
import org.iopfhir.testsupport.IgValidator;
import org.junit.jupiter.api.Test;

/**
 * The reusing validator gives exactly HAPI's messages - on every resource of the guide's examples,
 * on broken copies of them, on the first use of a core validator and on its reuses, and from several
 * threads at once.
 */
class ReusingInstanceValidatorTest {

    private final FhirValidator hapi = IgValidator.validator();
    private final FhirValidator reusing = IgValidator.FHIR.newValidator()
            .registerValidatorModule(ReusingInstanceValidator.like(IgValidator.module()));

    @Test
    void sameMessagesAsHapiOnTheExamplesAndOnBrokenCopies() {
        List<IBaseResource> resources = SAMPLES;
        assertThat(resources).hasSizeGreaterThan(20);
        // Twice round: the second time every validation reuses a core validator that has validated others.
        for (int round = 0; round < 2; round++) {
            for (IBaseResource resource : resources) {
                assertThat(messages(reusing, resource)).as("%s, round %d", resource.getIdElement().getValue(), round)
                        .isEqualTo(messages(hapi, resource));
            }
        }
        assertThat(resources.stream().filter(r -> messages(hapi, r).stream().anyMatch(m -> m.startsWith("ERROR"))))
                .as("the broken copies give errors, so equal lists are not just empty ones").hasSizeGreaterThanOrEqualTo(3);
    }

    /** What the parser itself reports (unknown and misplaced properties, wrong JSON types) comes through unchanged. */
    @Test
    void sameMessagesAsHapiOnJsonTheParserFindsFaultWith() {
        String profile = encounter().getMeta().getProfile().get(0).getValue();
        List<String> inputs = List.of(
                "{\"resourceType\":\"Encounter\",\"status\":\"finished\",\"colour\":\"red\"}",
                "{\"resourceType\":\"Encounter\",\"status\":7,\"class\":[{\"code\":\"AMB\"}]}",
                "{\"resourceType\":\"Encounter\",\"meta\":{\"profile\":[\"" + profile + "\"]},\"status\":\"finished\","
                        + "\"period\":{\"start\":\"yesterday\"},\"subject\":\"Patient/1\"}",
                "{\"resourceType\":\"Observation\",\"status\":\"final\",\"code\":{\"text\":\"x\"},\"valueQuantity\":{\"value\":\"1.5\"}}",
                // A type no definition is found for, and one contained in a resource of another type.
                "{\"resourceType\":\"Encountr\",\"status\":\"finished\"}",
                "{\"resourceType\":\"Encounter\",\"status\":\"finished\",\"contained\":[{\"resourceType\":\"Patient\",\"id\":\"p\","
                        + "\"gender\":\"unknown-ish\"}],\"subject\":{\"reference\":\"#p\"}}");
        for (String json : inputs) {
            List<String> expected = messages(hapi, json);
            assertThat(expected).as(json).anyMatch(m -> m.startsWith("ERROR") || m.startsWith("FATAL"));
            for (int round = 0; round < 2; round++) {
                assertThat(messages(reusing, json)).as("%s, round %d", json, round).isEqualTo(expected);
            }
        }
    }

    @Test
    void aValidatorIsDroppedAfterItsUsesAndTheNextOneAgreesToo() {
        IBaseResource broken = broken(encounter());
        List<String> expected = messages(hapi, broken);
        for (int i = 0; i < ReusingInstanceValidator.USES + 2; i++) {
            assertThat(messages(reusing, broken)).as("use %d", i).isEqualTo(expected);
        }
    }

    /**
     * A core validator kept for reuse holds nothing of the resources it validated (no coding, node, text, fetched or
     * tracked resource, message); one in use longer than its maximum age is dropped.
     */
    @Test
    void anIdleValidatorHoldsNothingOfWhatItValidatedAndAnOldOneIsDropped() {
        ReusingInstanceValidator module = ReusingInstanceValidator.like(IgValidator.module());
        FhirValidator validator = IgValidator.FHIR.newValidator().registerValidatorModule(module);
        Encounter labelled = ((Encounter) encounter()).copy();
        // A coding whose display differs from the concept's text: the core validator notes the pair for a check.
        labelled.getTypeFirstRep().setText("Group session").getCodingFirstRep().setDisplay("Group therapy");
        for (IBaseResource resource : concat(SAMPLES, List.of(labelled))) {
            assertThat(messages(validator, resource)).as(resource.getIdElement().getValue()).isEqualTo(messages(hapi, resource));
        }

        assertThat(module.idleValidators()).isPositive();
        assertThat(module.heldWhileIdle()).isZero();

        ReusingInstanceValidator ageing = ReusingInstanceValidator.like(IgValidator.module(), Duration.ZERO);
        FhirValidator once = IgValidator.FHIR.newValidator().registerValidatorModule(ageing);
        assertThat(messages(once, labelled)).isEqualTo(messages(hapi, labelled));
        assertThat(ageing.idleValidators()).isZero();
    }

    private static List<IBaseResource> concat(List<IBaseResource> first, List<IBaseResource> second) {
        List<IBaseResource> all = new ArrayList<>(first);
        all.addAll(second);
        return all;
    }

    /**
     * The core validator notes each retired, deprecated or withdrawn extension definition it has reported on, to report
     * it once: reused, it would stay silent about it on later validations, where HAPI's validator, built per call,
     * reports it every time.
     */
    @Test
    void aRetiredExtensionIsReportedOnEveryValidationAsHapiDoes() {
        StructureDefinition retired = ((StructureDefinition) IgValidator.guide().conformance().stream()
                .map(ImplementationGuide.Entry::resource).filter(StructureDefinition.class::isInstance)
                .filter(r -> r.getIdElement().getIdPart().equals("iop-age-group"))
                .findFirst().orElseThrow()).copy();
        String url = retired.getUrl() + "-retired";
        retired.setUrl(url).setStatus(Enumerations.PublicationStatus.RETIRED).setId("iop-age-group-retired");
        retired.getSnapshot().getElement().stream().filter(e -> e.getPath().equals("Extension.url"))
                .forEach(e -> e.setFixed(new UriType(url)));
        PrePopulatedValidationSupport withRetired = new PrePopulatedValidationSupport(IgValidator.FHIR);
        withRetired.addResource(retired);
        FhirInstanceValidator hapiModule = new FhirInstanceValidator(
                new ValidationSupportChain(withRetired, IgValidator.module().getValidationSupport()));
        FhirValidator hapiWithRetired = IgValidator.FHIR.newValidator().registerValidatorModule(hapiModule);
        FhirValidator reusingWithRetired = IgValidator.FHIR.newValidator()
                .registerValidatorModule(ReusingInstanceValidator.like(hapiModule));
        EpisodeOfCare episode = ((EpisodeOfCare) SAMPLES.stream().filter(EpisodeOfCare.class::isInstance).findFirst()
                .orElseThrow()).copy();
        episode.addExtension(url, new CodeType("adult"));

        List<String> expected = messages(hapiWithRetired, episode);
        assertThat(expected).anyMatch(m -> m.contains("MSG_DEPENDS_ON_RETIRED"));
        for (int round = 0; round < 3; round++) {
            assertThat(messages(hapiWithRetired, episode)).as("HAPI, round %d", round).isEqualTo(expected);
            assertThat(messages(reusingWithRetired, episode)).as("round %d", round).isEqualTo(expected);
        }
    }

    @Test
    void validatesFromSeveralThreadsAtOnce() throws Exception {
        List<IBaseResource> resources = SAMPLES;
        List<List<String>> expected = resources.stream().map(r -> messages(hapi, r)).toList();
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            List<Future<Boolean>> runs = new ArrayList<>();
            for (int t = 0; t < 8; t++) {
                runs.add(pool.submit(() -> {
                    for (int i = 0; i < resources.size(); i++) {
                        if (!messages(reusing, resources.get(i)).equals(expected.get(i))) {
                            return false;
                        }
                    }
                    return true;
                }));
            }
            for (Future<Boolean> run : runs) {
                assertThat(run.get()).isTrue();
            }
        } finally {
            pool.shutdownNow();
        }
    }

    private static List<String> messages(FhirValidator validator, IBaseResource resource) {
        ValidationOptions options = new ValidationOptions();
        resource.getMeta().getProfile().forEach(p -> options.addProfile(p.getValue()));
        return validator.validateWithResult(resource, options).getMessages().stream()
                .map(ReusingInstanceValidatorTest::describe).sorted().toList();
    }

    private static List<String> messages(FhirValidator validator, String json) {
        return validator.validateWithResult(json).getMessages().stream()
                .map(ReusingInstanceValidatorTest::describe).sorted().toList();
    }

    private static String describe(SingleValidationMessage m) {
        return m.getSeverity() + " " + m.getLocationString() + " " + m.getMessageId() + " " + m.getMessage();
    }

    private static final List<IBaseResource> SAMPLES = samples();

    /** Up to three resources of each type in the guide's example bundles, plus broken copies of some. */
    private static List<IBaseResource> samples() {
        List<IBaseResource> all = new ArrayList<>();
        Map<String, Integer> perType = new HashMap<>();
        IgValidator.guide().examples().stream().map(e -> e.resource()).filter(Bundle.class::isInstance)
                .map(Bundle.class::cast).flatMap(b -> b.getEntry().stream()).map(Bundle.BundleEntryComponent::getResource)
                .filter(r -> perType.merge(r.fhirType(), 1, Integer::sum) <= 3)
                .forEach(all::add);
        List<IBaseResource> broken = new ArrayList<>();
        all.stream().filter(Encounter.class::isInstance).limit(2).forEach(r -> broken.add(broken(r)));
        all.stream().filter(Observation.class::isInstance).limit(2).forEach(r -> {
            Observation copy = ((Observation) r).copy();
            copy.setStatus(null);
            copy.getCode().getCodingFirstRep().setSystem("not a uri");
            broken.add(copy);
        });
        all.addAll(broken);
        return all;
    }

    private static IBaseResource encounter() {
        return SAMPLES.stream().filter(Encounter.class::isInstance).findFirst().orElseThrow();
    }

    private static IBaseResource broken(IBaseResource encounter) {
        Encounter copy = ((Encounter) encounter).copy();
        copy.setStatus(null);
        copy.setClass_(null);
        return copy;
    }
}
