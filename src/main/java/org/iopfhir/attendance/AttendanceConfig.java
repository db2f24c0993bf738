package org.iopfhir.attendance;

import ca.uhn.fhir.jpa.api.dao.DaoRegistry;
import ca.uhn.fhir.jpa.dao.tx.IHapiTransactionService;
import java.time.Clock;
import org.iopfhir.episode.EpisodeLoader;
import org.iopfhir.server.FhirEndpointFeature;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/** The episode loader both review operations read through, and {@code $attendance}. */
@Configuration
public class AttendanceConfig {

    @Bean
    public EpisodeLoader episodeLoader(DaoRegistry daoRegistry, IHapiTransactionService transactionService) {
        return new EpisodeLoader(daoRegistry, transactionService);
    }

    @Bean
    FhirEndpointFeature attendanceFeature(EpisodeLoader episodeLoader, AttendanceProperties properties) {
        return FhirEndpointFeature.providers(new AttendanceOperation(episodeLoader, properties, Clock.systemDefaultZone()));
    }
}
