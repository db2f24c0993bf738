package org.iopfhir.levelofcare;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.hl7.fhir.r4.model.CodeSystem;
import org.hl7.fhir.r4.model.Coding;
import org.hl7.fhir.r4.model.ConceptMap;

/**
 * Reads the engine's data from FHIR: levels (rank and weekly hours) from the level CodeSystems
 * ({@code asam-level-of-care}, {@code locus-level-of-care}), rule sets from placement
 * ConceptMaps. A placement map has one group per dimension (source = the instrument's rating
 * system, each target's {@code dependsOn} names the dimension; source code = rating, target =
 * minimum level, {@code comment} = rationale, {@code product} = withdrawal-management level and
 * imminent danger), a group whose source codes are screening findings, optionally a group of
 * modifiers (source = the dimension system; each target one rule whose {@code dependsOn} entries
 * are all conditions, see {@link #modifier}); for LOCUS the findings group
 * also holds the composite-score bands (element {@code locus-composite-score}, one target per
 * band, {@code dependsOn} value = the band's lowest score).
 */
public final class RuleTables {

    public static final String BASE = "http://iop-fhir.org/fhir/";
    public static final String LEVEL_SYSTEM = BASE + "CodeSystem/asam-level-of-care";
    public static final String LOCUS_LEVEL_SYSTEM = BASE + "CodeSystem/locus-level-of-care";
    public static final String DIMENSION_SYSTEM = BASE + "CodeSystem/asam-dimension";
    public static final String LOCUS_DIMENSION_SYSTEM = BASE + "CodeSystem/locus-dimension";
    public static final String EDITION_SYSTEM = BASE + "CodeSystem/asam-edition";
    private static final String RATING_SYSTEM = BASE + "CodeSystem/asam-risk-rating";
    private static final String LOCUS_RATING_SYSTEM = BASE + "CodeSystem/locus-rating";
    public static final String OBSERVATION_CODES = BASE + "CodeSystem/iop-observation-code";
    public static final String AGE_GROUP_SYSTEM = BASE + "CodeSystem/iop-age-group";
    public static final String RULE_SOURCE = BASE + "StructureDefinition/iop-rule-source";
    private static final String COMPOSITE = "locus-composite-score";
    private static final String COMPOSITE_PROPERTY = OBSERVATION_CODES + "#" + COMPOSITE;
    private static final String WITHDRAWAL_PRODUCT = LEVEL_SYSTEM + "#withdrawal-management";
    private static final String DANGER_PRODUCT = OBSERVATION_CODES + "#imminent-danger";
    private static final String REQUIREMENT_PRODUCT = OBSERVATION_CODES + "#requirement";

    private RuleTables() {
    }

    /** The code system that codes an instrument's dimensions. */
    public static String dimensionSystem(Instrument instrument) {
        return instrument == Instrument.LOCUS ? LOCUS_DIMENSION_SYSTEM : DIMENSION_SYSTEM;
    }

    /** The instrument whose dimensions a code system codes, or null. */
    public static Instrument instrumentOfDimensionSystem(String system) {
        return DIMENSION_SYSTEM.equals(system) ? Instrument.ASAM : LOCUS_DIMENSION_SYSTEM.equals(system) ? Instrument.LOCUS : null;
    }

    /** Whether a ConceptMap is a placement table (it maps some instrument's ratings). */
    public static boolean isPlacementTable(ConceptMap map) {
        return map.getGroup().stream().anyMatch(g -> instrumentOfRatingSystem(g.getSource()) != null);
    }

    /** Levels that sit on the intensity continuum (those with an {@code intensity-rank}), by code. */
    public static Map<String, Level> levels(CodeSystem codeSystem) {
        Map<String, Level> levels = new LinkedHashMap<>();
        for (CodeSystem.ConceptDefinitionComponent concept : codeSystem.getConcept()) {
            Map<String, String> properties = new HashMap<>();
            Set<String> editions = new HashSet<>();
            Set<AgeGroup> ageGroups = new HashSet<>();
            concept.getProperty().forEach(p -> {
                properties.put(p.getCode(), p.getValue().primitiveValue());
                if ("edition".equals(p.getCode())) {
                    editions.add(p.getValue().primitiveValue());
                } else if ("age-group".equals(p.getCode())) {
                    ageGroups.add(AgeGroup.fromCode(p.getValue().primitiveValue()));
                }
            });
            String rank = properties.get("intensity-rank");
            if (rank != null) {
                levels.put(concept.getCode(), new Level(codeSystem.getUrl(), concept.getCode(), concept.getDisplay(),
                        Integer.parseInt(rank), editions, ageGroups, hours(properties, "adult"), hours(properties, "adolescent")));
            }
        }
        return levels;
    }

    /**
     * @param levels the ranked levels of every level code system, by system URL then code
     */
    public static RuleSet ruleSet(ConceptMap map, Map<String, Map<String, Level>> levels) {
        Instrument instrument = map.getGroup().stream().map(g -> instrumentOfRatingSystem(g.getSource()))
                .filter(i -> i != null).findFirst()
                .orElseThrow(() -> new IllegalArgumentException(map.getUrl() + " maps no ratings of a known instrument"));
        String edition = instrument == Instrument.ASAM ? asamEdition(map) : null;
        Map<String, List<PlacementRule>> byDimension = new HashMap<>();
        Map<String, PlacementRule> byFinding = new HashMap<>();
        List<CompositeBand> composite = new ArrayList<>();
        List<Modifier> modifiers = new ArrayList<>();
        for (ConceptMap.ConceptMapGroupComponent group : map.getGroup()) {
            Map<String, Level> targetLevels = levels.get(group.getTarget());
            if (targetLevels == null) {
                throw new IllegalArgumentException(map.getUrl() + ": group target " + group.getTarget() + " is no level code system");
            }
            boolean ratings = instrumentOfRatingSystem(group.getSource()) == instrument;
            if (dimensionSystem(instrument).equals(group.getSource())) {
                group.getElement().forEach(element -> element.getTarget().forEach(
                        target -> modifiers.add(modifier(map, instrument, target, targetLevels))));
                continue;
            }
            for (ConceptMap.SourceElementComponent element : group.getElement()) {
                if (!ratings && COMPOSITE.equals(element.getCode())) {
                    element.getTarget().forEach(target -> composite.add(new CompositeBand(
                            Integer.parseInt(dependsOn(map, target, COMPOSITE_PROPERTY, "composite band")),
                            rule(map, target, targetLevels))));
                    continue;
                }
                PlacementRule rule = rule(map, element.getTargetFirstRep(), targetLevels);
                if (!ratings) {
                    byFinding.put(element.getCode(), rule);
                    continue;
                }
                String dimension = dependsOn(map, element.getTargetFirstRep(), dimensionSystem(instrument), "rating " + element.getCode());
                int rating = Integer.parseInt(element.getCode());
                if (!instrument.inRange(rating)) {
                    throw new IllegalArgumentException(map.getUrl() + ": rating " + rating + " is outside "
                            + instrument.minRating() + "-" + instrument.maxRating());
                }
                byDimension.computeIfAbsent(dimension, d -> new ArrayList<>(Collections.nCopies(
                        instrument.maxRating() - instrument.minRating() + 1, null))).set(rating - instrument.minRating(), rule);
            }
        }
        return new RuleSet(map.getIdElement().getIdPart(), map.getVersion(), instrument, edition, ageGroup(map),
                map.getExperimental(), byDimension, byFinding, composite, modifiers);
    }

    /**
     * A modifier target: each {@code dependsOn} is a condition, {@code <dimension system>#<code>} =
     * that dimension rated at least the value, {@code iop-observation-code} = that finding present,
     * {@code iop-age-group} = that age group.
     */
    private static Modifier modifier(ConceptMap map, Instrument instrument, ConceptMap.TargetElementComponent target,
            Map<String, Level> levels) {
        Map<String, Integer> minimumRatings = new HashMap<>();
        Set<String> findings = new HashSet<>();
        AgeGroup ageGroup = null;
        String dimensionPrefix = dimensionSystem(instrument) + "#";
        for (ConceptMap.OtherElementComponent condition : target.getDependsOn()) {
            String property = condition.getProperty();
            if (property.startsWith(dimensionPrefix)) {
                minimumRatings.put(property.substring(dimensionPrefix.length()), Integer.parseInt(condition.getValue()));
            } else if (OBSERVATION_CODES.equals(property)) {
                findings.add(condition.getValue());
            } else if (AGE_GROUP_SYSTEM.equals(property)) {
                ageGroup = AgeGroup.fromCode(condition.getValue());
            } else {
                throw new IllegalArgumentException(map.getUrl() + ": a modifier has an unknown condition " + property);
            }
        }
        if (minimumRatings.isEmpty() && findings.isEmpty()) {
            throw new IllegalArgumentException(map.getUrl() + ": a modifier needs at least one rating or finding condition");
        }
        return new Modifier(minimumRatings, findings, ageGroup, rule(map, target, levels));
    }

    private static Instrument instrumentOfRatingSystem(String system) {
        return RATING_SYSTEM.equals(system) ? Instrument.ASAM : LOCUS_RATING_SYSTEM.equals(system) ? Instrument.LOCUS : null;
    }

    private static String asamEdition(ConceptMap map) {
        return map.getUseContext().stream()
                .flatMap(u -> u.getValueCodeableConcept().getCoding().stream())
                .filter(c -> EDITION_SYSTEM.equals(c.getSystem())).map(Coding::getCode).findFirst()
                .orElseThrow(() -> new IllegalArgumentException(map.getUrl() + " names no ASAM edition in useContext"));
    }

    /** The age group a table places, from a useContext {@code age} coded with iop-age-group; null for any. */
    private static AgeGroup ageGroup(ConceptMap map) {
        return map.getUseContext().stream().filter(u -> "age".equals(u.getCode().getCode()))
                .flatMap(u -> u.getValueCodeableConcept().getCoding().stream())
                .filter(c -> AGE_GROUP_SYSTEM.equals(c.getSystem())).map(c -> AgeGroup.fromCode(c.getCode()))
                .findFirst().orElse(null);
    }

    private static String dependsOn(ConceptMap map, ConceptMap.TargetElementComponent target, String property, String what) {
        return target.getDependsOn().stream().filter(d -> property.equals(d.getProperty())).map(d -> d.getValue())
                .findFirst().orElseThrow(() -> new IllegalArgumentException(map.getUrl() + ": " + what
                        + " has no dependsOn " + property));
    }

    /**
     * A target as a rule: code = minimum level (absent: none); products = withdrawal-management
     * level, imminent danger, requirements ({@code iop-observation-code#requirement}) and expected
     * ratings ({@code <dimension system>#<code>} = at least the value); extension
     * {@code iop-rule-source} = the public source.
     */
    private static PlacementRule rule(ConceptMap map, ConceptMap.TargetElementComponent target, Map<String, Level> levels) {
        Level withdrawal = null;
        boolean danger = false;
        List<String> requirements = new ArrayList<>();
        Map<String, Integer> expected = new HashMap<>();
        for (ConceptMap.OtherElementComponent product : target.getProduct()) {
            String property = product.getProperty();
            if (WITHDRAWAL_PRODUCT.equals(property)) {
                withdrawal = level(map, product.getValue(), levels);
            } else if (DANGER_PRODUCT.equals(property)) {
                danger = Boolean.parseBoolean(product.getValue());
            } else if (REQUIREMENT_PRODUCT.equals(property)) {
                requirements.add(product.getValue());
            } else if (property.startsWith(DIMENSION_SYSTEM + "#") || property.startsWith(LOCUS_DIMENSION_SYSTEM + "#")) {
                expected.put(property.substring(property.indexOf('#') + 1), Integer.parseInt(product.getValue()));
            } else {
                throw new IllegalArgumentException(map.getUrl() + ": a rule has an unknown product " + property);
            }
        }
        Level minimum = target.hasCode() ? level(map, target.getCode(), levels) : null;
        if (minimum == null && withdrawal == null && !danger && requirements.isEmpty() && expected.isEmpty()) {
            throw new IllegalArgumentException(map.getUrl() + ": a rule without a level has to require or expect something");
        }
        String source = target.getExtensionString(RULE_SOURCE);
        return new PlacementRule(minimum, withdrawal, danger, requirements, expected, target.getComment(), source);
    }

    private static Level level(ConceptMap map, String code, Map<String, Level> levels) {
        Level level = levels.get(code);
        if (level == null) {
            throw new IllegalArgumentException(map.getUrl() + ": '" + code + "' is not a ranked level of its target system");
        }
        return level;
    }

    private static HourRange hours(Map<String, String> properties, String ageGroup) {
        String min = properties.get("min-weekly-hours-" + ageGroup);
        String max = properties.get("max-weekly-hours-" + ageGroup);
        return min == null ? null : new HourRange(new BigDecimal(min), max == null ? null : new BigDecimal(max));
    }
}
