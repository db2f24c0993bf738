package org.iopfhir.necessity;

import java.time.Clock;
import org.iopfhir.episode.EpisodeLoader;
import org.iopfhir.levelofcare.PlacementEngine;
import org.iopfhir.server.FhirEndpointFeature;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/** {@code $medical-necessity} over the shared episode loader and the placement engine. */
@Configuration
public class MedicalNecessityConfig {

    @Bean
    FhirEndpointFeature medicalNecessityFeature(EpisodeLoader episodeLoader, PlacementEngine placementEngine,
            MedicalNecessityProperties properties) {
        return FhirEndpointFeature.providers(
                new MedicalNecessityOperation(episodeLoader, placementEngine, properties, Clock.systemDefaultZone()));
    }
}
