package org.iopfhir.levelofcare;

import java.util.List;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.core.io.Resource;

/**
 * The {@code iop.level-of-care.*} settings.
 *
 * @param ruleSets placement ConceptMaps (FHIR JSON files, e.g. {@code file:/etc/iop/licensed-3rd.json}) that
 *                 replace the built-in table(s) of the instrument, edition and age group they declare
 */
@ConfigurationProperties("iop.level-of-care")
public record LevelOfCareProperties(
        @DefaultValue List<Resource> ruleSets) {
}
