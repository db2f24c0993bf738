package org.iopfhir.levelofcare;

import java.util.List;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.core.io.Resource;

/**
 * The {@code iop.level-of-care.*} settings.
 *
 * @param defaultEdition ASAM edition used when neither the request nor the intake names one
 * @param ruleSets       placement ConceptMaps (FHIR JSON files, e.g. {@code file:/etc/iop/licensed-3rd.json})
 *                       that replace the built-in table of the edition they declare
 */
@ConfigurationProperties("iop.level-of-care")
public record LevelOfCareProperties(
        @DefaultValue("3") String defaultEdition,
        @DefaultValue List<Resource> ruleSets) {
}
