package org.iopfhir.apidocs;

import ca.uhn.fhir.context.FhirContext;
import java.util.List;
import org.iopfhir.ig.ImplementationGuide;
import org.iopfhir.server.FhirEndpointFeature;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/** The OpenAPI document and Swagger UI of the FHIR endpoint, described by the implementation guide. */
@Configuration
public class ApiDocsConfig {

    @Bean
    FhirEndpointFeature apiDocsFeature(FhirContext fhirContext, ImplementationGuide guide) {
        ApiDocs apiDocs = new ApiDocs(fhirContext, guide);
        return new FhirEndpointFeature(List.of(), List.of(apiDocs), List.of(apiDocs.new Invalidation()));
    }
}
