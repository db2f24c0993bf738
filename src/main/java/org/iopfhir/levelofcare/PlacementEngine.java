package org.iopfhir.levelofcare;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeSet;
import java.util.function.Function;
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

    private final Map<String, RuleSet> ruleSets;
    private final Map<String, Map<String, Level>> levels;

    /**
     * @param levels the ranked levels of every level code system, by system URL then code
     */
    public PlacementEngine(List<RuleSet> ruleSets, Map<String, Map<String, Level>> levels) {
        this.ruleSets = ruleSets.stream().collect(Collectors.toUnmodifiableMap(RuleSet::scope, Function.identity()));
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

    public Recommendation recommend(Assessment assessment) {
        RuleSet rules = ruleSets.get(RuleSet.scope(assessment.instrument(), assessment.edition()));
        if (rules == null) {
            throw new InvalidAssessmentException(assessment.instrument() == Instrument.ASAM
                    ? "unknown ASAM edition '" + assessment.edition() + "'; supported: " + editions(Instrument.ASAM)
                    : "no " + assessment.instrument().code() + " rule set" + (assessment.edition() == null ? ""
                            : " for edition '" + assessment.edition() + "'") + "; loaded: " + new TreeSet<>(ruleSets.keySet()));
        }
        checkRatings(assessment, rules);

        List<Recommendation.DimensionResult> dimensions = new ArrayList<>();
        List<PlacementRule> applied = new ArrayList<>();
        for (String dimension : new TreeSet<>(rules.dimensions().keySet())) {
            int rating = assessment.ratings().get(dimension);
            PlacementRule rule = rules.rule(dimension, rating);
            applied.add(rule);
            dimensions.add(new Recommendation.DimensionResult(dimension, rating, rule.minimumLevel(), rule.rationale()));
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
        List<String> findings = new ArrayList<>();
        for (String finding : new TreeSet<>(assessment.findings())) {
            rules.findingRule(finding).ifPresent(rule -> {
                applied.add(rule);
                findings.add(finding + ": " + rule.rationale());
            });
        }

        List<String> modifiers = new ArrayList<>();
        for (Modifier modifier : rules.modifiers()) {
            if (modifier.appliesTo(assessment)) {
                applied.add(modifier.rule());
                modifiers.add(modifier.rule().rationale());
            }
        }

        Level level = applied.stream().map(PlacementRule::minimumLevel).max(Comparator.comparingInt(Level::rank)).orElseThrow();
        Level withdrawal = applied.stream().map(PlacementRule::withdrawalManagement).filter(Objects::nonNull)
                .max(Comparator.comparingInt(Level::rank)).orElse(null);
        boolean imminentDanger = applied.stream().anyMatch(PlacementRule::imminentDanger);
        return new Recommendation(rules.instrument(), rules.edition(), level, withdrawal, imminentDanger,
                level.hoursFor(assessment.ageGroup()), List.copyOf(dimensions), composite, List.copyOf(findings),
                List.copyOf(modifiers), rules.reference());
    }

    private TreeSet<String> editions(Instrument instrument) {
        return ruleSets.values().stream().filter(r -> r.instrument() == instrument).map(RuleSet::edition)
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
