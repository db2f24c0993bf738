package org.iopfhir.privacy.audit;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.jpa.api.config.JpaStorageSettings;
import ca.uhn.fhir.jpa.api.dao.DaoRegistry;
import ca.uhn.fhir.jpa.dao.tx.IHapiTransactionService;
import ca.uhn.fhir.jpa.search.cache.ISearchCacheSvc;
import jakarta.persistence.EntityManager;
import javax.sql.DataSource;
import org.hl7.fhir.r4.model.AuditEvent;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/** The audit trail's storage and endpoint, and the audit parts that work on storage; the privacy feature registers them. */
@Configuration
public class AuditConfig {

    @Bean
    AuditTrailSeparation auditTrailSeparation(JpaStorageSettings storageSettings, EntityManager entityManager,
            ISearchCacheSvc searches) {
        // The audit trail's references to patients never keep a patient from being deleted; every other
        // reference still does (AuditTrailSeparation applies this to plain deletes, HAPI to $delete-expunge).
        storageSettings.setEnforceReferentialIntegrityOnDeleteDisableForPaths(AuditEventFactory.REFERENCE_PATHS);
        return new AuditTrailSeparation(storageSettings, entityManager, searches);
    }

    @Bean
    public AuditLog auditLog(DataSource dataSource, FhirContext fhirContext) {
        AuditLog log = new AuditLog(dataSource, fhirContext);
        log.createSchema();
        return log;
    }

    @Bean
    public AuditEventProvider auditEventProvider(AuditLog log, ObjectProvider<AuditTrail> trail) {
        return new AuditEventProvider(log, trail::getIfAvailable);
    }

    @Bean
    public EarlierAuditEvents earlierAuditEvents(DaoRegistry daos, IHapiTransactionService transactions, AuditLog log) {
        return new EarlierAuditEvents(daos.getResourceDao(AuditEvent.class), transactions, log);
    }

}
