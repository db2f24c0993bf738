package org.iopfhir.levelofcare;

import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import java.util.stream.Stream;

/**
 * A placement rule table for one instrument and edition: for each rated dimension, the rule for
 * each rating of the instrument's scale, rules for screening findings, modifiers that combine
 * several facts and, for instruments that sum their ratings (LOCUS), composite-score bands. Checked when built, so a table (ours or a
 * licensed replacement) that skips a rating or lets a higher rating or score need a less
 * intensive level is refused at start-up rather than giving inconsistent advice: monotone
 * tables make "raising a rating never lowers the recommendation" hold by construction.
 */
public final class RuleSet {

    private final String id;
    private final String version;
    private final Instrument instrument;
    private final String edition;
    private final AgeGroup ageGroup;
    private final boolean experimental;
    private final Map<String, List<PlacementRule>> byDimension;
    private final Map<String, PlacementRule> byFinding;
    private final List<CompositeBand> composite;
    private final List<Modifier> modifiers;

    /**
     * @param ageGroup     the age group the table places, or null for any
     * @param experimental an illustrative table (not for clinical placement): every answer from it says so
     */
    public RuleSet(String id, String version, Instrument instrument, String edition, AgeGroup ageGroup, boolean experimental,
            Map<String, List<PlacementRule>> byDimension, Map<String, PlacementRule> byFinding, List<CompositeBand> composite,
            List<Modifier> modifiers) {
        this.id = id;
        this.version = version;
        this.instrument = instrument;
        this.edition = edition;
        this.ageGroup = ageGroup;
        this.experimental = experimental;
        this.byDimension = Map.copyOf(byDimension);
        this.byFinding = Map.copyOf(byFinding);
        this.composite = composite.stream().sorted(Comparator.comparingInt(CompositeBand::minScore)).toList();
        this.modifiers = List.copyOf(modifiers);
        if (this.byDimension.isEmpty()) {
            throw new IllegalArgumentException("rule set " + id + " rates no dimension");
        }
        int ratings = instrument.maxRating() - instrument.minRating() + 1;
        this.byDimension.forEach((dimension, rules) -> {
            // List.of(...).contains(null) would throw; tables read from FHIR may hold nulls for gaps.
            if (rules.size() != ratings || rules.stream().anyMatch(r -> r == null || r.minimumLevel() == null)) {
                throw new IllegalArgumentException("rule set " + id + ": dimension " + dimension + " needs a rule with a level for every rating "
                        + instrument.minRating() + "-" + instrument.maxRating());
            }
            for (int i = 1; i < ratings; i++) {
                if (rules.get(i - 1).minimumLevel().moreIntensiveThan(rules.get(i).minimumLevel())) {
                    throw new IllegalArgumentException("rule set " + id + ": dimension " + dimension + " rating "
                            + (instrument.minRating() + i) + " needs a less intensive level than rating "
                            + (instrument.minRating() + i - 1));
                }
            }
        });
        for (int i = 1; i < this.composite.size(); i++) {
            CompositeBand lower = this.composite.get(i - 1);
            CompositeBand higher = this.composite.get(i);
            if (lower.minScore() == higher.minScore()) {
                throw new IllegalArgumentException("rule set " + id + ": two composite bands start at " + lower.minScore());
            }
            if (lower.rule().minimumLevel().moreIntensiveThan(higher.rule().minimumLevel())) {
                throw new IllegalArgumentException("rule set " + id + ": composite score " + higher.minScore()
                        + " needs a less intensive level than score " + lower.minScore());
            }
        }
        for (Modifier modifier : this.modifiers) {
            modifier.minimumRatings().forEach((dimension, rating) -> checkRated(dimension, rating, "a modifier needs"));
        }
        allRules().forEach(rule -> {
            rule.expectedRatings().forEach((dimension, rating) -> checkRated(dimension, rating, "a rule expects"));
            for (Level level : Arrays.asList(rule.minimumLevel(), rule.withdrawalManagement())) {
                if (level != null && ageGroup != null && !level.definedFor(ageGroup)) {
                    throw new IllegalArgumentException("rule set " + id + " places " + ageGroup.code() + "s at level "
                            + level.code() + ", which does not exist for them");
                }
            }
        });
    }

    private void checkRated(String dimension, int rating, String what) {
        if (!byDimension.containsKey(dimension) || !instrument.inRange(rating)) {
            throw new IllegalArgumentException("rule set " + id + ": " + what + " dimension " + dimension
                    + " rated at least " + rating + ", which the table does not rate");
        }
    }

    private Stream<PlacementRule> allRules() {
        return Stream.of(byDimension.values().stream().flatMap(List::stream), byFinding.values().stream(),
                composite.stream().map(CompositeBand::rule), modifiers.stream().map(Modifier::rule))
                .flatMap(Function.identity());
    }

    /** {@code id|version}, as reported with every recommendation. */
    public String reference() {
        return id + "|" + version;
    }

    public Instrument instrument() {
        return instrument;
    }

    /** What the table places: its instrument and edition, e.g. {@code asam edition 3} or {@code locus}. */
    public String scope() {
        return scope(instrument, edition);
    }

    public static String scope(Instrument instrument, String edition) {
        return edition == null ? instrument.code() : instrument.code() + " edition " + edition;
    }

    /** The age group the table places, or null when it places any age. */
    public AgeGroup ageGroup() {
        return ageGroup;
    }

    public boolean places(AgeGroup age) {
        return ageGroup == null || ageGroup == age;
    }

    /** An illustrative table, not for clinical placement. */
    public boolean experimental() {
        return experimental;
    }

    /** The edition placed under, or null for an instrument without editions. */
    public String edition() {
        return edition;
    }

    public Map<String, List<PlacementRule>> dimensions() {
        return byDimension;
    }

    public PlacementRule rule(String dimension, int rating) {
        return byDimension.get(dimension).get(rating - instrument.minRating());
    }

    public Optional<PlacementRule> findingRule(String finding) {
        return Optional.ofNullable(byFinding.get(finding));
    }

    public List<Modifier> modifiers() {
        return modifiers;
    }

    public boolean hasComposite() {
        return !composite.isEmpty();
    }

    /** The band a composite score falls in; empty below the lowest band. */
    public Optional<CompositeBand> compositeBand(int score) {
        CompositeBand found = null;
        for (CompositeBand band : composite) {
            if (band.minScore() <= score) {
                found = band;
            }
        }
        return Optional.ofNullable(found);
    }
}
