package org.iopfhir.levelofcare;

import java.util.List;
import java.util.Map;

/**
 * One row of a rule table: the least intensive level that safely meets a dimension's needs at a
 * rating, or a finding's (null when the finding sets no minimum), the withdrawal-management level
 * and imminent danger it implies, what has to be in place for a recommendation to be safe
 * ({@code requirements}, codes such as {@code safety-plan}), the ratings an assessment consistent
 * with the finding would give ({@code expectedRatings}, dimension to lowest rating), why, and the
 * public source the rule follows.
 */
public record PlacementRule(Level minimumLevel, Level withdrawalManagement, boolean imminentDanger, List<String> requirements,
        Map<String, Integer> expectedRatings, String rationale, String source) {

    public PlacementRule {
        requirements = List.copyOf(requirements);
        expectedRatings = Map.copyOf(expectedRatings);
    }
}
