package org.iopfhir.levelofcare;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Collectors;

/**
 * Recommends a level of care from an assessment, following the publicly described placement
 * logic: screening findings such as imminent danger first; each dimension's rating gives the
 * least intensive level that safely meets that dimension's needs (for ASAM, dimensions 1-3 the
 * medical and psychiatric resources, dimension 1 also withdrawal management, dimensions 4-6
 * structure and setting); the recommendation is the most intensive of those minimums. Ratings
 * are never averaged. Modifiers add minimums for combinations (a finding together with ratings,
 * such as moderate withdrawal in an unsafe home). LOCUS adds its composite score as one more minimum, next to its
 * independent per-dimension criteria. Which level each rating or score needs is data, in the
 * instrument's {@link RuleSet}.
 */
public final class PlacementEngine {

    /** Tables by scope (instrument and edition); one per age group, or one for all ages. */
    private final Map<String, List<RuleSet>> ruleSets;
    private final Map<String, Map<String, Level>> levels;

    /**
     * @param levels the ranked levels of every level code system, by system URL then code
     */
    public PlacementEngine(List<RuleSet> ruleSets, Map<String, Map<String, Level>> levels) {
        this.ruleSets = ruleSets.stream().collect(Collectors.groupingBy(RuleSet::scope, Collectors.toUnmodifiableList()));
        this.levels = Map.copyOf(levels);
    }

    /**
     * The level actually chosen for a recommendation. When it differs, the variance must be
     * explained (a reason given); when it does not, there is nothing to explain.
     */
    public Level actualLevel(Recommendation recommendation, String code, boolean reasonGiven) {
        Level recommended = recommendation.level();
        Level actual = levels.getOrDefault(recommended.system(), Map.of()).get(code);
        if (actual == null || !actual.definedIn(recommendation.edition())) {
            throw new InvalidAssessmentException("actual level '" + code + "' is not a level of "
                    + RuleSet.scope(recommendation.instrument(), recommendation.edition()));
        }
        if (!actual.definedFor(recommendation.ageGroup())) {
            throw new InvalidAssessmentException("actual level '" + code + "' does not exist for "
                    + recommendation.ageGroup().code() + "s");
        }
        if (!actual.equals(recommended) && !reasonGiven) {
            throw new InvalidAssessmentException("the actual level " + code + " differs from the recommended level "
                    + recommended.code() + ": give varianceReason");
        }
        if (actual.equals(recommended) && reasonGiven) {
            throw new InvalidAssessmentException("varianceReason is given, but the actual level is the recommended level "
                    + recommended.code());
        }
        return actual;
    }

    /**
     * What a placement away from the recommendation means: above it, the assessment does not support
     * the intensity; below it, the person gets less than the assessment calls for.
     */
    public static Optional<Recommendation.Warning> variance(Recommendation recommendation, Level actual) {
        Level recommended = recommendation.level();
        if (actual == null || actual.equals(recommended) || actual.rank() == recommended.rank()) {
            return Optional.empty();
        }
        return Optional.of(new Recommendation.Warning("variance", actual.moreIntensiveThan(recommended)
                ? "placed at " + actual.code() + ", above the recommended level " + recommended.code()
                        + ": the assessment does not support that intensity, so payers will not consider it medically necessary"
                : "placed at " + actual.code() + ", below the recommended level " + recommended.code()
                        + ": acceptable only while the recommended level is unavailable or refused, with the reason recorded"));
    }

    public Recommendation recommend(Assessment assessment) {
        RuleSet rules = rulesFor(assessment);
        checkRatings(assessment, rules);

        List<Recommendation.DimensionResult> dimensions = new ArrayList<>();
        List<PlacementRule> applied = new ArrayList<>();
        for (String dimension : new TreeSet<>(rules.dimensions().keySet())) {
            int rating = assessment.ratings().get(dimension);
            PlacementRule rule = rules.rule(dimension, rating);
            applied.add(rule);
            dimensions.add(new Recommendation.DimensionResult(dimension, rating, rule.minimumLevel(), rule.rationale(),
                    rule.source()));
        }
        Recommendation.CompositeResult composite = null;
        if (rules.hasComposite()) {
            int score = assessment.ratings().values().stream().mapToInt(Integer::intValue).sum();
            PlacementRule band = rules.compositeBand(score).map(CompositeBand::rule).orElse(null);
            if (band != null) {
                applied.add(band);
            }
            composite = new Recommendation.CompositeResult(score, band == null ? null : band.minimumLevel(),
                    band == null ? "below every composite band" : band.rationale());
        }
        List<Recommendation.RuleResult> findings = new ArrayList<>();
        List<Recommendation.Warning> warnings = new ArrayList<>();
        for (String finding : new TreeSet<>(assessment.findings())) {
            rules.findingRule(finding).ifPresent(rule -> {
                applied.add(rule);
                findings.add(new Recommendation.RuleResult(finding, rule.minimumLevel(), rule.rationale(), rule.source()));
                warnings.addAll(discordances(finding, rule, assessment));
            });
        }
        List<Recommendation.RuleResult> modifiers = new ArrayList<>();
        for (Modifier modifier : rules.modifiers()) {
            if (modifier.appliesTo(assessment)) {
                PlacementRule rule = modifier.rule();
                applied.add(rule);
                modifiers.add(new Recommendation.RuleResult(modifier.conditions(), rule.minimumLevel(), rule.rationale(),
                        rule.source()));
                warnings.addAll(discordances(modifier.conditions(), rule, assessment));
            }
        }

        Level level = applied.stream().map(PlacementRule::minimumLevel).filter(Objects::nonNull)
                .max(Comparator.comparingInt(Level::rank)).orElseThrow();
        Level withdrawal = applied.stream().map(PlacementRule::withdrawalManagement).filter(Objects::nonNull)
                .max(Comparator.comparingInt(Level::rank)).orElse(null);
        boolean imminentDanger = applied.stream().anyMatch(PlacementRule::imminentDanger);
        List<Recommendation.Requirement> requirements = requirements(applied, assessment);
        List<String> unmet = requirements.stream().filter(r -> !r.met()).map(Recommendation.Requirement::code).toList();
        if (!unmet.isEmpty() && !imminentDanger) {
            warnings.add(new Recommendation.Warning("requirement", "level " + level.code() + " is safe only once these "
                    + "are in place and documented: " + String.join(", ", unmet)));
        }
        if (rules.experimental()) {
            warnings.add(new Recommendation.Warning("illustrative-rules", "rule set " + rules.reference()
                    + " is illustrative, not a licensed grid: do not use this recommendation for clinical placement"));
        }
        return new Recommendation(rules.instrument(), rules.edition(), assessment.ageGroup(), level, withdrawal,
                imminentDanger, level.hoursFor(assessment.ageGroup()), List.copyOf(dimensions), composite,
                List.copyOf(findings), List.copyOf(modifiers), requirements, List.copyOf(warnings), rules.reference());
    }

    /**
     * The table for the assessment's instrument, edition and age group. An instrument or edition
     * without a table for the age group is refused, naming what places that age group.
     */
    private RuleSet rulesFor(Assessment assessment) {
        String scope = RuleSet.scope(assessment.instrument(), assessment.edition());
        List<RuleSet> tables = ruleSets.getOrDefault(scope, List.of());
        if (tables.isEmpty()) {
            throw new InvalidAssessmentException(assessment.instrument() == Instrument.ASAM
                    ? "unknown ASAM edition '" + assessment.edition() + "'; supported: " + editions(Instrument.ASAM)
                    : "no " + assessment.instrument().code() + " rule set" + (assessment.edition() == null ? ""
                            : " for edition '" + assessment.edition() + "'") + "; loaded: " + new TreeSet<>(ruleSets.keySet()));
        }
        return tables.stream().filter(t -> t.places(assessment.ageGroup())).findFirst()
                .orElseThrow(() -> new InvalidAssessmentException(scope + " places "
                        + tables.stream().map(t -> t.ageGroup().code() + "s").distinct().sorted()
                                .collect(Collectors.joining(" and ")) + " only; place " + assessment.ageGroup().code()
                        + "s with " + assessment.instrument().forOtherAges()));
    }

    /** A rule whose finding implies higher ratings than the assessment gives: the ratings and the facts disagree. */
    private static List<Recommendation.Warning> discordances(String trigger, PlacementRule rule, Assessment assessment) {
        List<Recommendation.Warning> warnings = new ArrayList<>();
        new TreeMap<>(rule.expectedRatings()).forEach((dimension, expected) -> {
            Integer rating = assessment.ratings().get(dimension);
            if (rating != null && rating < expected) {
                warnings.add(new Recommendation.Warning("discordance", "dimension " + dimension + " is rated " + rating
                        + ", but " + trigger + " suggests at least " + expected + ": check the rating ("
                        + rule.rationale() + ")"));
            }
        });
        return warnings;
    }

    /** Every requirement of the applied rules, met when the assessment records it (a finding of the same code). */
    private static List<Recommendation.Requirement> requirements(List<PlacementRule> applied, Assessment assessment) {
        Map<String, Recommendation.Requirement> byCode = new TreeMap<>();
        for (PlacementRule rule : applied) {
            for (String code : rule.requirements()) {
                byCode.putIfAbsent(code, new Recommendation.Requirement(code, assessment.findings().contains(code),
                        rule.rationale(), rule.source()));
            }
        }
        return List.copyOf(byCode.values());
    }

    private TreeSet<String> editions(Instrument instrument) {
        return ruleSets.values().stream().flatMap(List::stream).filter(r -> r.instrument() == instrument).map(RuleSet::edition)
                .collect(Collectors.toCollection(TreeSet::new));
    }

    private static void checkRatings(Assessment assessment, RuleSet rules) {
        Instrument instrument = rules.instrument();
        String scope = rules.edition() == null ? instrument.code() : "edition " + rules.edition();
        for (String dimension : new TreeSet<>(rules.dimensions().keySet())) {
            Integer rating = assessment.ratings().get(dimension);
            if (rating == null) {
                throw new InvalidAssessmentException("dimension " + dimension + " is not rated; " + scope
                        + " rates dimensions " + new TreeSet<>(rules.dimensions().keySet()));
            }
            if (!instrument.inRange(rating)) {
                throw new InvalidAssessmentException("dimension " + dimension + " has rating " + rating + "; "
                        + instrument.code() + " ratings run from " + instrument.minRating() + " to " + instrument.maxRating());
            }
        }
        for (String dimension : assessment.ratings().keySet()) {
            if (!rules.dimensions().containsKey(dimension)) {
                throw new InvalidAssessmentException("dimension " + dimension + " is not rated in " + scope
                        + "; it rates " + new TreeSet<>(rules.dimensions().keySet()));
            }
        }
    }
}
