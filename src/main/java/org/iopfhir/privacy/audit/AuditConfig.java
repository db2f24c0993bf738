package org.iopfhir.privacy.audit;

import ca.uhn.fhir.jpa.api.config.JpaStorageSettings;
import ca.uhn.fhir.jpa.search.cache.ISearchCacheSvc;
import jakarta.persistence.EntityManager;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/** The audit parts that work on storage; the privacy feature registers them. */
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
}
