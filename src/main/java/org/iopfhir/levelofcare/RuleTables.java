package org.iopfhir.levelofcare;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.hl7.fhir.r4.model.CodeSystem;
import org.hl7.fhir.r4.model.Coding;
import org.hl7.fhir.r4.model.ConceptMap;

/**
 * Reads the engine's data from FHIR: levels (rank and weekly hours) from the
 * {@code asam-level-of-care} CodeSystem, rule sets from placement ConceptMaps. A placement map
 * has one group per dimension (each target's {@code dependsOn} names the dimension; source code
 * = rating, target = minimum level, {@code comment} = rationale, {@code product} = withdrawal
 * management level and imminent danger) and a group whose source codes are screening findings.
 */
public final class RuleTables {

    public static final String BASE = "http://iop-fhir.org/fhir/";
    public static final String LEVEL_SYSTEM = BASE + "CodeSystem/asam-level-of-care";
    public static final String DIMENSION_SYSTEM = BASE + "CodeSystem/asam-dimension";
    public static final String EDITION_SYSTEM = BASE + "CodeSystem/asam-edition";
    private static final String RATING_SYSTEM = BASE + "CodeSystem/asam-risk-rating";
    private static final String WITHDRAWAL_PRODUCT = LEVEL_SYSTEM + "#withdrawal-management";
    private static final String DANGER_PRODUCT = BASE + "CodeSystem/iop-observation-code#imminent-danger";

    private RuleTables() {
    }

    /** Levels that sit on the intensity continuum (those with an {@code intensity-rank}). */
    public static Map<String, Level> levels(CodeSystem codeSystem) {
        Map<String, Level> levels = new LinkedHashMap<>();
        for (CodeSystem.ConceptDefinitionComponent concept : codeSystem.getConcept()) {
            Map<String, String> properties = new HashMap<>();
            concept.getProperty().forEach(p -> properties.put(p.getCode(), p.getValue().primitiveValue()));
            String rank = properties.get("intensity-rank");
            if (rank != null) {
                levels.put(concept.getCode(), new Level(concept.getCode(), concept.getDisplay(), Integer.parseInt(rank),
                        hours(properties, "adult"), hours(properties, "adolescent")));
            }
        }
        return levels;
    }

    public static RuleSet ruleSet(ConceptMap map, Map<String, Level> levels) {
        String edition = map.getUseContext().stream()
                .flatMap(u -> u.getValueCodeableConcept().getCoding().stream())
                .filter(c -> EDITION_SYSTEM.equals(c.getSystem())).map(Coding::getCode).findFirst()
                .orElseThrow(() -> new IllegalArgumentException(map.getUrl() + " names no ASAM edition in useContext"));
        Map<String, List<PlacementRule>> byDimension = new HashMap<>();
        Map<String, PlacementRule> byFinding = new HashMap<>();
        for (ConceptMap.ConceptMapGroupComponent group : map.getGroup()) {
            boolean ratings = RATING_SYSTEM.equals(group.getSource());
            for (ConceptMap.SourceElementComponent element : group.getElement()) {
                ConceptMap.TargetElementComponent target = element.getTargetFirstRep();
                PlacementRule rule = rule(map, target, levels);
                if (!ratings) {
                    byFinding.put(element.getCode(), rule);
                    continue;
                }
                String dimension = target.getDependsOn().stream()
                        .filter(d -> DIMENSION_SYSTEM.equals(d.getProperty())).map(d -> d.getValue()).findFirst()
                        .orElseThrow(() -> new IllegalArgumentException(map.getUrl() + ": rating " + element.getCode()
                                + " has no dimension (dependsOn " + DIMENSION_SYSTEM + ")"));
                List<PlacementRule> rules = byDimension.computeIfAbsent(dimension, d -> new ArrayList<>(
                        Collections.nCopies(RuleSet.MAX_RATING + 1, null)));
                int rating = Integer.parseInt(element.getCode());
                if (rating < 0 || rating > RuleSet.MAX_RATING) {
                    throw new IllegalArgumentException(map.getUrl() + ": rating " + rating + " is outside 0-" + RuleSet.MAX_RATING);
                }
                rules.set(rating, rule);
            }
        }
        return new RuleSet(map.getIdElement().getIdPart(), map.getVersion(), edition, byDimension, byFinding);
    }

    private static PlacementRule rule(ConceptMap map, ConceptMap.TargetElementComponent target, Map<String, Level> levels) {
        Level withdrawal = null;
        boolean danger = false;
        for (ConceptMap.OtherElementComponent product : target.getProduct()) {
            if (WITHDRAWAL_PRODUCT.equals(product.getProperty())) {
                withdrawal = level(map, product.getValue(), levels);
            } else if (DANGER_PRODUCT.equals(product.getProperty())) {
                danger = Boolean.parseBoolean(product.getValue());
            }
        }
        return new PlacementRule(level(map, target.getCode(), levels), withdrawal, danger, target.getComment());
    }

    private static Level level(ConceptMap map, String code, Map<String, Level> levels) {
        Level level = levels.get(code);
        if (level == null) {
            throw new IllegalArgumentException(map.getUrl() + ": '" + code + "' is not a ranked level of " + LEVEL_SYSTEM);
        }
        return level;
    }

    private static HourRange hours(Map<String, String> properties, String ageGroup) {
        String min = properties.get("min-weekly-hours-" + ageGroup);
        String max = properties.get("max-weekly-hours-" + ageGroup);
        return min == null ? null : new HourRange(new BigDecimal(min), max == null ? null : new BigDecimal(max));
    }
}
