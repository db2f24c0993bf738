package org.iopfhir.bulkexport;

import ca.uhn.fhir.batch2.jobs.export.BulkDataExportProvider;
import java.util.List;
import org.iopfhir.server.FhirEndpointFeature;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * FHIR Bulk Data Access 2.0 {@code $export} at system, {@code Patient} and {@code Group/[id]} level, with
 * {@code $export-poll-status} for status, manifest and cancellation (DELETE): HAPI's own provider and its
 * batch2 export job (wired with the JPA storage), which writes NDJSON files as Binary resources. Who may
 * export and what each file holds are decided by the privacy layer, the same way as for REST reads.
 */
@Configuration
public class BulkExportConfig {

    @Bean
    FhirEndpointFeature bulkExportFeature(BulkDataExportProvider exportProvider) {
        return new FhirEndpointFeature(List.of(exportProvider), List.of(new PollStatusRequests()), List.of());
    }
}
