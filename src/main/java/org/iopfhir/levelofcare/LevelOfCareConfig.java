package org.iopfhir.levelofcare;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.jpa.api.dao.DaoRegistry;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.hl7.fhir.r4.model.CodeSystem;
import org.hl7.fhir.r4.model.ConceptMap;
import org.iopfhir.ig.ImplementationGuide;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.iopfhir.server.FhirEndpointFeature;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.io.Resource;

/** The placement engine over the guide's rule tables (or configured replacements) and its FHIR operation. */
@Configuration
public class LevelOfCareConfig {

    private static final Logger log = LoggerFactory.getLogger(LevelOfCareConfig.class);

    @Bean
    public PlacementEngine placementEngine(ImplementationGuide guide, FhirContext fhirContext, LevelOfCareProperties properties) {
        Map<String, Map<String, Level>> levels = new LinkedHashMap<>();
        for (String system : List.of(RuleTables.LEVEL_SYSTEM, RuleTables.LOCUS_LEVEL_SYSTEM)) {
            CodeSystem codeSystem = guide.conformance().stream().map(ImplementationGuide.Entry::resource)
                    .filter(CodeSystem.class::isInstance).map(CodeSystem.class::cast)
                    .filter(cs -> system.equals(cs.getUrl())).findFirst()
                    .orElseThrow(() -> new IllegalStateException("the guide has no " + system));
            levels.put(system, RuleTables.levels(codeSystem));
        }

        // One rule set per instrument, edition and age group; a configured table replaces the built-in ones it
        // covers (a table for any age replaces those of each age group).
        List<RuleSet> tables = new ArrayList<>(guide.conformance().stream().map(ImplementationGuide.Entry::resource)
                .filter(ConceptMap.class::isInstance).map(ConceptMap.class::cast)
                .filter(RuleTables::isPlacementTable)
                .map(map -> RuleTables.ruleSet(map, levels)).toList());
        for (Resource file : properties.ruleSets()) {
            RuleSet replacement = RuleTables.ruleSet(parse(fhirContext, file), levels);
            tables.removeIf(t -> t.scope().equals(replacement.scope())
                    && (replacement.ageGroup() == null || replacement.ageGroup() == t.ageGroup()));
            tables.add(replacement);
            log.info("Placement rules for {} ({}) replaced by {} from {}", replacement.scope(),
                    replacement.ageGroup() == null ? "any age" : replacement.ageGroup().code() + "s",
                    replacement.reference(), file.getDescription());
        }
        return new PlacementEngine(tables, levels);
    }

    @Bean
    FhirEndpointFeature levelOfCareFeature(DaoRegistry daoRegistry, PlacementEngine engine) {
        return new FhirEndpointFeature(List.of(new LevelOfCareOperation(daoRegistry, engine)),
                List.of(new AssessmentRefusals()), List.of());
    }

    private static ConceptMap parse(FhirContext fhirContext, Resource file) {
        try {
            return fhirContext.newJsonParser().parseResource(ConceptMap.class,
                    new String(file.getContentAsByteArray(), StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read placement rules " + file.getDescription(), e);
        }
    }
}
