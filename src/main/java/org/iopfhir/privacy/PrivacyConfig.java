package org.iopfhir.privacy;

import ca.uhn.fhir.batch2.api.IJobCoordinator;
import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.jpa.api.dao.DaoRegistry;
import io.micrometer.core.instrument.MeterRegistry;
import ca.uhn.fhir.rest.server.interceptor.consent.ConsentInterceptor;
import java.util.ArrayList;
import java.util.List;
import org.iopfhir.privacy.audit.ServerWrittenGuard;
import org.iopfhir.privacy.audit.AuditTrailSeparation;
import org.iopfhir.privacy.audit.RestAuditInterceptor;
import org.iopfhir.privacy.auth.BulkExportFileAccess;
import org.iopfhir.privacy.auth.BulkExportRequester;
import org.iopfhir.privacy.auth.CapabilitySecurityInterceptor;
import org.iopfhir.privacy.auth.EncounterLaunchContext;
import org.iopfhir.privacy.auth.PatientSearchNarrowing;
import org.iopfhir.privacy.auth.SmartAuthorizationInterceptor;
import org.iopfhir.privacy.part2.BulkExportConsentInterceptor;
import org.iopfhir.privacy.part2.DisclosureGuardInterceptor;
import org.iopfhir.privacy.part2.Part2ConsentService;
import org.iopfhir.privacy.part2.RedisclosureNoticeInterceptor;
import org.iopfhir.privacy.part2.WriteAccessInterceptor;
import org.iopfhir.server.ReferenceTargets;
import org.iopfhir.server.FhirEndpointFeature;
import java.time.Clock;
import java.util.Optional;
import org.hl7.fhir.r4.model.Encounter;
import org.iopfhir.ig.ImplementationGuide;
import org.iopfhir.privacy.audit.AuditEnabled;
import org.iopfhir.privacy.audit.AuditEventFactory;
import org.iopfhir.privacy.audit.AuditRecorder;
import org.iopfhir.privacy.audit.AuditTrail;
import org.iopfhir.privacy.audit.AuditLog;
import org.iopfhir.privacy.audit.AuditEventProvider;
import org.iopfhir.privacy.part2.DisclosurePolicy;
import org.iopfhir.privacy.part2.Part2Classifier;
import org.iopfhir.privacy.part2.Part2LabellingInterceptor;
import org.iopfhir.privacy.part2.PatientRecords;
import org.iopfhir.privacy.part2.RecordOwnerInterceptor;
import org.iopfhir.server.Database;
import org.iopfhir.server.FhirEndpointConfig;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Conditional;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.env.Environment;

/** The privacy layer's parts, and what it adds to the FHIR endpoint. */
@Configuration
@EnableConfigurationProperties(SecurityProperties.class)
public class PrivacyConfig {

    @Bean
    SecurityMode securityMode(SecurityProperties properties, Environment environment) {
        return SecurityMode.resolve(properties, Database.fromJdbcUrl(environment.getProperty("spring.datasource.url")));
    }

    /** The disclosure rule, for every feature that decides what a caller sees. */
    @Bean
    public DisclosurePolicy disclosurePolicy(PatientRecords records) {
        return new DisclosurePolicy(records, Clock.systemUTC());
    }

    @Bean
    PatientRecords patientRecords(FhirContext fhirContext, DaoRegistry daos, ReferenceTargets targets) {
        return new PatientRecords(fhirContext, daos, targets);
    }

    /**
     * On the storage layer (every write, transactions and start-up loading included): labelling, then the
     * record's owner, then - when tokens are checked - the write check; AuditEvents are guarded and kept apart
     * from clinical data always.
     * Bulk exports run as batch jobs on the storage layer: each resource is checked for the export's requester.
     * On the REST server, in order: SMART scopes and roles, the encounter launch context held to its patient, bulk exports tied to their requester (status and
     * files), patient search narrowing, the request guard,
     * 42 CFR Part 2 consent on what is loaded and returned, the redisclosure notice on what payers receive
     * (only when tokens are checked); the CapabilityStatement's security; the audit trail.
     */
    @Bean
    FhirEndpointFeature privacyFeature(FhirContext fhirContext, ImplementationGuide guide, SecurityMode mode,
            SecurityProperties properties, PatientRecords records, AuditRecorder auditRecorder,
            AuditTrailSeparation auditTrailSeparation, AuditEventProvider auditEvents, IJobCoordinator jobs, DaoRegistry daos,
            DisclosurePolicy policy) {
        List<Object> storage = new ArrayList<>();
        if (properties.part2Labelling()) {
            storage.add(new Part2LabellingInterceptor(fhirContext, Part2Classifier.fromGuide(fhirContext, guide), records));
        }
        storage.add(new RecordOwnerInterceptor(records));
        storage.add(new ServerWrittenGuard("AuditEvent", "AuditEvents"));
        storage.add(auditTrailSeparation);
        List<Object> server = new ArrayList<>();
        if (mode.secured()) {
            storage.add(new WriteAccessInterceptor(policy, records));
            storage.add(new BulkExportConsentInterceptor(policy));
            server.add(new SmartAuthorizationInterceptor());
            server.add(new EncounterLaunchContext(daos.getResourceDao(Encounter.class)));
            server.add(new BulkExportRequester(jobs));
            server.add(new BulkExportFileAccess(fhirContext));
            server.add(new PatientSearchNarrowing());
            server.add(new DisclosureGuardInterceptor(policy, records));
            server.add(new ConsentInterceptor(new Part2ConsentService(policy, records)));
            server.add(new RedisclosureNoticeInterceptor());
        }
        server.add(new CapabilitySecurityInterceptor(mode, properties));
        if (auditRecorder.recording()) {
            server.add(new RestAuditInterceptor(auditRecorder, records, fhirContext));
        }
        server.add(auditEvents);
        return new FhirEndpointFeature(List.of(auditEvents), server, storage);
    }

    @Bean
    @Conditional(AuditEnabled.class)
    AuditTrail auditTrail(AuditLog log, SecurityProperties properties, MeterRegistry meters) {
        return AuditTrail.inLog(log, properties.audit(), meters);
    }

    @Bean
    AuditRecorder auditRecorder(ObjectProvider<AuditTrail> trail) {
        return new AuditRecorder(new AuditEventFactory(FhirEndpointConfig.SERVER_NAME, Clock.systemUTC()),
                Optional.ofNullable(trail.getIfAvailable()));
    }
}
