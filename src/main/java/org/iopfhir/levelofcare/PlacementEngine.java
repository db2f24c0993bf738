package org.iopfhir.levelofcare;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * Recommends a level of care from an assessment, following the publicly described placement
 * logic: screening findings such as imminent danger first; each dimension's rating gives the
 * least intensive level that safely meets that dimension's needs (dimensions 1-3 the medical and
 * psychiatric resources, dimension 1 also withdrawal management, dimensions 4-6 structure and
 * setting); the recommendation is the most intensive of those minimums. Ratings are never
 * averaged. Which level each rating needs is data, in the edition's {@link RuleSet}.
 */
public final class PlacementEngine {

    private final Map<String, RuleSet> ruleSetsByEdition;

    public PlacementEngine(List<RuleSet> ruleSets) {
        this.ruleSetsByEdition = ruleSets.stream().collect(Collectors.toUnmodifiableMap(RuleSet::edition, Function.identity()));
    }

    public Recommendation recommend(Assessment assessment) {
        RuleSet rules = ruleSetsByEdition.get(assessment.edition());
        if (rules == null) {
            throw new InvalidAssessmentException("unknown ASAM edition '" + assessment.edition() + "'; supported: "
                    + new TreeSet<>(ruleSetsByEdition.keySet()));
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
        List<String> findings = new ArrayList<>();
        for (String finding : new TreeSet<>(assessment.findings())) {
            rules.findingRule(finding).ifPresent(rule -> {
                applied.add(rule);
                findings.add(finding + ": " + rule.rationale());
            });
        }

        Level level = applied.stream().map(PlacementRule::minimumLevel).max(Comparator.comparingInt(Level::rank)).orElseThrow();
        Level withdrawal = applied.stream().map(PlacementRule::withdrawalManagement).filter(l -> l != null)
                .max(Comparator.comparingInt(Level::rank)).orElse(null);
        boolean imminentDanger = applied.stream().anyMatch(PlacementRule::imminentDanger);
        return new Recommendation(rules.edition(), level, withdrawal, imminentDanger, level.hoursFor(assessment.ageGroup()),
                List.copyOf(dimensions), List.copyOf(findings), rules.reference());
    }

    private static void checkRatings(Assessment assessment, RuleSet rules) {
        for (String dimension : new TreeSet<>(rules.dimensions().keySet())) {
            Integer rating = assessment.ratings().get(dimension);
            if (rating == null) {
                throw new InvalidAssessmentException("dimension " + dimension + " is not rated; edition "
                        + rules.edition() + " rates dimensions " + new TreeSet<>(rules.dimensions().keySet()));
            }
            if (rating < 0 || rating > RuleSet.MAX_RATING) {
                throw new InvalidAssessmentException("dimension " + dimension + " has rating " + rating
                        + "; ratings run from 0 to " + RuleSet.MAX_RATING);
            }
        }
        for (String dimension : assessment.ratings().keySet()) {
            if (!rules.dimensions().containsKey(dimension)) {
                throw new InvalidAssessmentException("dimension " + dimension + " is not rated in edition "
                        + rules.edition() + "; it rates " + new TreeSet<>(rules.dimensions().keySet()));
            }
        }
    }
}
