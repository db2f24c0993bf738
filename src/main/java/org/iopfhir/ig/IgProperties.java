package org.iopfhir.ig;

import java.util.Map;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * The {@code iop.ig.*} settings.
 *
 * @param loadExamples     load the example episode at start-up; unset means "on the embedded H2
 *                         default only", so production databases never get demo data by accident
 * @param validateOnWrite  validate resources that claim an IOP profile against it on every write
 * @param requiredProfiles resource type to profile canonical: writes of that type must claim the
 *                         profile (and are then validated against it), e.g.
 *                         {@code EpisodeOfCare: http://iop-fhir.org/fhir/StructureDefinition/iop-episode-of-care}
 */
@ConfigurationProperties("iop.ig")
public record IgProperties(
        Boolean loadExamples,
        @DefaultValue("true") boolean validateOnWrite,
        @DefaultValue Map<String, String> requiredProfiles) {
}
