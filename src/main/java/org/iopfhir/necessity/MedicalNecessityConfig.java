package org.iopfhir.necessity;

import ca.uhn.fhir.context.FhirContext;
import java.time.Clock;
import org.iopfhir.episode.EpisodeLoader;
import org.iopfhir.ig.ImplementationGuide;
import org.iopfhir.levelofcare.PlacementEngine;
import org.iopfhir.privacy.part2.Part2Classifier;
import org.iopfhir.server.FhirEndpointFeature;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/** {@code $medical-necessity} over the shared episode loader, the placement engine and the guide's Part 2 SUD rule. */
@Configuration
public class MedicalNecessityConfig {

    @Bean
    FhirEndpointFeature medicalNecessityFeature(EpisodeLoader episodeLoader, PlacementEngine placementEngine,
            MedicalNecessityProperties properties, ImplementationGuide guide, FhirContext fhirContext) {
        ReviewContext context = ReviewContext.of(guide, placementEngine, Part2Classifier.fromGuide(fhirContext, guide));
        return FhirEndpointFeature.providers(
                new MedicalNecessityOperation(episodeLoader, context, properties, Clock.systemDefaultZone()));
    }
}
