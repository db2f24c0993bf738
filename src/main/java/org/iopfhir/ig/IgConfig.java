package org.iopfhir.ig;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.validation.IValidatorModule;
import org.hl7.fhir.common.hapi.validation.validator.FhirInstanceValidator;
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
        // HAPI's JPA configuration builds its validator as a FhirInstanceValidator; this one takes its settings.
        return new ProfileValidationInterceptor(fhirContext,
                ReusingInstanceValidator.like((FhirInstanceValidator) instanceValidator), properties.requiredProfiles());
    }

    /** Validation on write sits on the storage layer, so it sees every write (REST, transactions, start-up loading). */
    @Bean
    FhirEndpointFeature validationFeature(ProfileValidationInterceptor profileValidation, IgProperties properties) {
        return new FhirEndpointFeature(List.of(), List.of(),
                properties.validateOnWrite() ? List.of(profileValidation) : List.of());
    }
}
