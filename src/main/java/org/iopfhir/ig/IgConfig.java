package org.iopfhir.ig;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.validation.IValidatorModule;
import org.springframework.beans.factory.annotation.Qualifier;
import java.util.List;
import org.iopfhir.server.FhirEndpointFeature;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/** The implementation guide and validation on write against it. */
@Configuration
public class IgConfig {

    @Bean
    public ImplementationGuide implementationGuide(FhirContext fhirContext) {
        return ImplementationGuide.fromClasspath(fhirContext);
    }

    @Bean
    public ProfileValidationInterceptor profileValidationInterceptor(FhirContext fhirContext,
            @Qualifier("myInstanceValidator") IValidatorModule instanceValidator, IgProperties properties) {
        return new ProfileValidationInterceptor(fhirContext, instanceValidator, properties.requiredProfiles());
    }

    /** Validation on write sits on the storage layer, so it sees every write (REST, transactions, start-up loading). */
    @Bean
    FhirEndpointFeature validationFeature(ProfileValidationInterceptor profileValidation, IgProperties properties) {
        return new FhirEndpointFeature(List.of(), List.of(),
                properties.validateOnWrite() ? List.of(profileValidation) : List.of());
    }
}
