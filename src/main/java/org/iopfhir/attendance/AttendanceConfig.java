package org.iopfhir.attendance;

import ca.uhn.fhir.jpa.api.dao.DaoRegistry;
import ca.uhn.fhir.jpa.dao.tx.IHapiTransactionService;
import java.time.Clock;
import java.util.List;
import org.iopfhir.episode.EpisodeLoader;
import org.iopfhir.privacy.SecurityMode;
import org.iopfhir.privacy.auth.CallerContext;
import org.iopfhir.privacy.part2.DisclosurePolicy;
import org.iopfhir.server.FhirEndpointFeature;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/** The episode loader both review operations read through, {@code $attendance}, and the review pages for browsers. */
@Configuration
public class AttendanceConfig {

    /** While tokens are checked, the review operations see what the disclosure rule lets their caller read. */
    @Bean
    public EpisodeLoader episodeLoader(DaoRegistry daoRegistry, IHapiTransactionService transactionService,
            SecurityMode mode, DisclosurePolicy policy) {
        return new EpisodeLoader(daoRegistry, transactionService, mode.secured()
                ? (resource, request) -> policy.decideStored(CallerContext.of(request), resource, request).permitted()
                : EpisodeLoader.Visibility.ALL);
    }

    @Bean
    FhirEndpointFeature attendanceFeature(EpisodeLoader episodeLoader, AttendanceProperties properties) {
        // HtmlAnswer sends the review operations' pages (this one's and $medical-necessity's) to browsers.
        return new FhirEndpointFeature(
                List.of(new AttendanceOperation(episodeLoader, properties, Clock.systemDefaultZone())),
                List.of(new HtmlAnswer()), List.of());
    }
}
