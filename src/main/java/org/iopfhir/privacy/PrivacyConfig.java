package org.iopfhir.privacy;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.jpa.api.dao.DaoRegistry;
import ca.uhn.fhir.jpa.api.dao.IFhirSystemDao;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Clock;
import java.util.Optional;
import org.hl7.fhir.r4.model.Bundle;
import org.iopfhir.privacy.audit.AuditEnabled;
import org.iopfhir.privacy.audit.AuditEventFactory;
import org.iopfhir.privacy.audit.AuditRecorder;
import org.iopfhir.privacy.audit.AuditTrail;
import org.iopfhir.privacy.part2.Part2AccessPolicy;
import org.iopfhir.privacy.part2.Part2Classifier;
import org.iopfhir.privacy.part2.Part2LabellingInterceptor;
import org.iopfhir.privacy.part2.PatientRecords;
import org.iopfhir.server.Database;
import org.iopfhir.server.FhirEndpointConfig;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Conditional;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.env.Environment;

/** The privacy layer's parts; FhirEndpointConfig registers them on the FHIR endpoint. */
@Configuration
@EnableConfigurationProperties(SecurityProperties.class)
public class PrivacyConfig {

    @Bean
    SecurityMode securityMode(SecurityProperties properties, Environment environment) {
        return SecurityMode.resolve(properties, Database.fromJdbcUrl(environment.getProperty("spring.datasource.url")));
    }

    @Bean
    PatientRecords patientRecords(FhirContext fhirContext, DaoRegistry daos) {
        return new PatientRecords(fhirContext, daos);
    }

    @Bean
    Part2LabellingInterceptor part2Labelling(FhirContext fhirContext, PatientRecords records) {
        return new Part2LabellingInterceptor(fhirContext, new Part2Classifier(fhirContext), records);
    }

    @Bean
    Part2AccessPolicy part2AccessPolicy(PatientRecords records) {
        return new Part2AccessPolicy(records, Clock.systemUTC());
    }

    @Bean
    @Conditional(AuditEnabled.class)
    AuditTrail auditTrail(IFhirSystemDao<Bundle, ?> systemDao, SecurityProperties properties, MeterRegistry meters) {
        return new AuditTrail(systemDao, properties.audit(), meters);
    }

    @Bean
    AuditRecorder auditRecorder(ObjectProvider<AuditTrail> trail) {
        return new AuditRecorder(new AuditEventFactory(FhirEndpointConfig.SERVER_NAME, Clock.systemUTC()),
                Optional.ofNullable(trail.getIfAvailable()));
    }
}
