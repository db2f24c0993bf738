package org.iopfhir.levelofcare;

import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * A placement rule table for one edition: for each rated dimension, the rule for each rating
 * 0-4, plus rules for screening findings. Checked when built, so a table (ours or a licensed
 * replacement) that skips a rating or lets a higher rating need a less intensive level is
 * refused at start-up rather than giving inconsistent advice: monotone tables make "raising a
 * rating never lowers the recommendation" hold by construction.
 */
public final class RuleSet {

    public static final int MAX_RATING = 4;

    private final String id;
    private final String version;
    private final String edition;
    private final Map<String, List<PlacementRule>> byDimension;
    private final Map<String, PlacementRule> byFinding;

    public RuleSet(String id, String version, String edition, Map<String, List<PlacementRule>> byDimension,
            Map<String, PlacementRule> byFinding) {
        this.id = id;
        this.version = version;
        this.edition = edition;
        this.byDimension = Map.copyOf(byDimension);
        this.byFinding = Map.copyOf(byFinding);
        if (this.byDimension.isEmpty()) {
            throw new IllegalArgumentException("rule set " + id + " rates no dimension");
        }
        this.byDimension.forEach((dimension, rules) -> {
            // List.of(...).contains(null) would throw; tables read from FHIR may hold nulls for gaps.
            if (rules.size() != MAX_RATING + 1 || rules.stream().anyMatch(Objects::isNull)) {
                throw new IllegalArgumentException("rule set " + id + ": dimension " + dimension
                        + " needs a rule for every rating 0-" + MAX_RATING);
            }
            for (int rating = 1; rating <= MAX_RATING; rating++) {
                if (rules.get(rating - 1).minimumLevel().moreIntensiveThan(rules.get(rating).minimumLevel())) {
                    throw new IllegalArgumentException("rule set " + id + ": dimension " + dimension + " rating "
                            + rating + " needs a less intensive level than rating " + (rating - 1));
                }
            }
        });
    }

    /** {@code id|version}, as reported with every recommendation. */
    public String reference() {
        return id + "|" + version;
    }

    public String edition() {
        return edition;
    }

    public Map<String, List<PlacementRule>> dimensions() {
        return byDimension;
    }

    public PlacementRule rule(String dimension, int rating) {
        return byDimension.get(dimension).get(rating);
    }

    public Optional<PlacementRule> findingRule(String finding) {
        return Optional.ofNullable(byFinding.get(finding));
    }
}
