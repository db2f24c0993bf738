package org.iopfhir.necessity;

import java.time.LocalDate;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.CarePlan;
import org.hl7.fhir.r4.model.EpisodeOfCare;
import org.hl7.fhir.r4.model.Resource;
import org.iopfhir.episode.EpisodeRecord;
import org.iopfhir.levelofcare.AgeGroup;
import org.iopfhir.levelofcare.LevelOfCareConfig;
import org.iopfhir.levelofcare.LevelOfCareProperties;
import org.iopfhir.levelofcare.PlacementEngine;
import org.iopfhir.testsupport.IgValidator;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.env.YamlPropertySourceLoader;
import org.springframework.core.env.PropertySource;
import org.springframework.core.env.StandardEnvironment;
import org.springframework.core.io.ClassPathResource;

/**
 * The example episode as the checklist sees it, without a server: a changeable copy of the
 * shipped Bundle, grouped the way {@code EpisodeLoader} groups what it reads, reviewed under the
 * policies of the shipped {@code application.yaml} plus {@code reassessment-only}, a policy an
 * operator might add: the defaults, except that only formal reassessment sessions count.
 */
final class ExampleReview {

    static final MedicalNecessityProperties PROPERTIES = shippedProperties();
    static final PlacementEngine PLACEMENT = placementEngine();
    static final LocalDate AFTER_DISCHARGE = LocalDate.of(2026, 4, 1);

    private final Map<String, Resource> resources = new LinkedHashMap<>();

    ExampleReview() {
        Bundle bundle = IgValidator.exampleEpisode().copy();
        bundle.getEntry().forEach(e -> resources.put(e.getResource().fhirType() + "/" + e.getResource().getIdPart(),
                e.getResource()));
    }

    <T extends Resource> ExampleReview change(String reference, Class<T> type, Consumer<T> change) {
        change.accept(type.cast(resources.get(reference)));
        return this;
    }

    ExampleReview remove(String referencePrefix) {
        resources.keySet().removeIf(k -> k.startsWith(referencePrefix));
        return this;
    }

    Verdict verdict(String policy) {
        return verdict(policy, AFTER_DISCHARGE);
    }

    Verdict verdict(String policy, LocalDate asOf) {
        return Checklist.evaluate(new Review(record(), PROPERTIES.policies().get(policy), asOf, PLACEMENT));
    }

    EpisodeRecord record() {
        EpisodeOfCare episode = (EpisodeOfCare) resources.get("EpisodeOfCare/example-episode");
        Map<Class<? extends Resource>, List<Resource>> byType = new LinkedHashMap<>();
        for (Class<? extends Resource> type : MedicalNecessityOperation.TYPES) {
            byType.put(type, resources.values().stream().filter(type::isInstance)
                    .filter(r -> !(r instanceof CarePlan plan) || plan.getExtensionByUrl(org.iopfhir.episode.EpisodeLoader.EPISODE_EXTENSION) != null).toList());
        }
        String ageGroup = episode.getExtensionByUrl("http://iop-fhir.org/fhir/StructureDefinition/iop-age-group")
                .getValue().primitiveValue();
        return new EpisodeRecord(episode, null, AgeGroup.fromCode(ageGroup), byType);
    }

    private static MedicalNecessityProperties shippedProperties() {
        try {
            StandardEnvironment environment = new StandardEnvironment();
            for (PropertySource<?> source : new YamlPropertySourceLoader().load("shipped",
                    new ClassPathResource("application.yaml"))) {
                environment.getPropertySources().addLast(source);
            }
            // An operator's own policy names only what differs from the defaults.
            environment.getPropertySources().addFirst(new org.springframework.core.env.MapPropertySource("operator",
                    Map.of("iop.medical-necessity.policies.reassessment-only.reassessment-session-types", "reassessment")));
            return Binder.get(environment).bind("iop.medical-necessity", MedicalNecessityProperties.class).get();
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /** The engine as the server builds it, from the guide's tables. */
    private static PlacementEngine placementEngine() {
        return new LevelOfCareConfig().placementEngine(IgValidator.guide(), IgValidator.FHIR, new LevelOfCareProperties(List.of()));
    }
}
