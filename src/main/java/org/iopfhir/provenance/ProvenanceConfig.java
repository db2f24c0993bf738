package org.iopfhir.provenance;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.jpa.api.config.JpaStorageSettings;
import ca.uhn.fhir.jpa.api.dao.DaoRegistry;
import java.util.HashSet;
import java.util.Set;
import org.iopfhir.privacy.audit.AuditTrailSeparation;
import org.iopfhir.privacy.audit.ServerWrittenGuard;
import java.time.Clock;
import java.util.List;
import org.iopfhir.privacy.part2.PatientRecords;
import org.iopfhir.server.FhirEndpointFeature;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/** Provenance of every write, recorded on the storage layer. */
@Configuration
public class ProvenanceConfig {

    /**
     * A Provenance never keeps the record it is about, its patient, the user or the program from being
     * deleted: its reference paths join those whose references do not block a delete, which the audit trail's
     * delete rule applies to plain deletes (and which it sets first: hence the dependency on it).
     */
    @Bean
    FhirEndpointFeature provenanceFeature(FhirContext fhirContext, DaoRegistry daos, PatientRecords records,
            JpaStorageSettings storageSettings, AuditTrailSeparation deleteRule) {
        // HAPI stores references without their version unless told otherwise: a Provenance names the version written.
        Set<String> versioned = new HashSet<>(fhirContext.getParserOptions().getDontStripVersionsFromReferencesAtPaths());
        versioned.add("Provenance.target");
        fhirContext.getParserOptions().setDontStripVersionsFromReferencesAtPaths(versioned);
        Set<String> ignored = new HashSet<>(storageSettings.getEnforceReferentialIntegrityOnDeleteDisableForPaths());
        ignored.addAll(WriteProvenance.REFERENCE_PATHS);
        storageSettings.setEnforceReferentialIntegrityOnDeleteDisableForPaths(ignored);
        return new FhirEndpointFeature(List.of(), List.of(),
                List.of(new ServerWrittenGuard("Provenance", "Provenances"),
                        new ProvenanceRecorder(daos, records, Clock.systemUTC())));
    }
}
