package org.iopfhir.levelofcare;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.hl7.fhir.r4.model.CodeSystem;
import org.hl7.fhir.r4.model.ConceptMap;
import org.iopfhir.ig.ImplementationGuide;
import org.iopfhir.testsupport.IgValidator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The default ASAM-informed tables through the engine: clinical cases, bad input, monotonicity. */
class PlacementEngineTest {

    private static final Map<String, Level> LEVELS = RuleTables.levels(resource(CodeSystem.class, "asam-level-of-care"));
    private static final Map<String, Map<String, Level>> ALL_LEVELS = Map.of(
            RuleTables.LEVEL_SYSTEM, LEVELS,
            RuleTables.LOCUS_LEVEL_SYSTEM, RuleTables.levels(resource(CodeSystem.class, "locus-level-of-care")));
    private static final List<String> LOCUS_SCALES = List.of("1", "2", "3", "4a", "4b", "5", "6");
    private static final PlacementEngine ENGINE = new PlacementEngine(List.of(
            RuleTables.ruleSet(resource(ConceptMap.class, "asam-placement-3rd-edition"), ALL_LEVELS),
            RuleTables.ruleSet(resource(ConceptMap.class, "asam-placement-4th-edition"), ALL_LEVELS),
            RuleTables.ruleSet(resource(ConceptMap.class, "locus-placement-illustrative"), ALL_LEVELS)), ALL_LEVELS);
    private static final List<Set<String>> FINDING_SETS = List.of(Set.of(), Set.of("imminent-danger"),
            Set.of("withdrawal-signs"), Set.of("complicated-withdrawal-history"), Set.of("cognitive-impairment"));

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
            medically stable, motivated but relapsing, safe home: intensive outpatient | 3 | 1,0,2,2,3,1 | adult | | 2.1 | | false
            no problem in any dimension: early intervention                             | 3 | 0,0,0,0,0,0 | adult | | 0.5 | | false
            mild problems only: outpatient                                              | 3 | 1,1,1,1,1,1 | adult | | 1 | | false
            moderate withdrawal needs monitored ambulatory withdrawal management        | 3 | 2,0,1,1,1,1 | adult | | 2.1 | 2-WM | false
            significant withdrawal needs 24-hour medical monitoring                     | 3 | 3,0,1,1,1,1 | adult | | 3.7 | 3.7-WM | false
            severe withdrawal is imminent danger                                        | 3 | 4,0,0,0,0,0 | adult | | 4 | 4-WM | true
            significant psychiatric instability needs medically monitored care          | 3 | 0,0,3,1,1,1 | adult | | 3.7 | | false
            active suicidal intent (dimension 3 at 4) is imminent danger                 | 3 | 0,0,4,0,0,0 | adult | | 4 | | true
            unstable medical condition is imminent danger                               | 3 | 0,4,0,0,0,0 | adult | | 4 | | true
            high relapse risk alone calls for near-daily structure                      | 3 | 0,0,0,0,4,0 | adult | | 2.5 | | false
            an environment that undermines recovery points to residential care          | 3 | 0,0,0,0,0,3 | adult | | 3.1 | | false
            never average: one dimension at 3 outweighs five at 0                       | 3 | 0,0,0,0,0,3 | adolescent | | 3.1 | | false
            imminent danger at screening overrides mild ratings                          | 3 | 1,1,1,1,1,1 | adult | imminent-danger | 4 | | true
            4th edition: mild problems, outpatient therapy                              | 4 | 1,1,1,1,1 | adult | | 1.5 | | false
            4th edition: typical intensive outpatient candidate                         | 4 | 1,0,2,2,2 | adult | | 2.1 | | false
            4th edition: moderate withdrawal, medically managed intensive outpatient    | 4 | 2,0,1,1,1 | adult | | 2.7 | 2.7 | false
            4th edition: dangerous recovery environment, high-intensity residential     | 4 | 0,0,0,0,4 | adult | | 3.5 | | false
            current withdrawal signs at low risk add ambulatory withdrawal management   | 3 | 1,1,1,1,1,1 | adult | withdrawal-signs | 1 | 1-WM | false
            moderate withdrawal with no safe place to withdraw: residential withdrawal  | 3 | 2,0,1,1,1,3 | adult | | 3.1 | 3.2-WM | false
            moderate withdrawal after past seizures needs medically monitored withdrawal | 3 | 2,0,1,1,1,1 | adult | complicated-withdrawal-history | 3.7 | 3.7-WM | false
            cognitive impairment and a need for 24-hour structure: population-specific  | 3 | 0,0,2,1,1,3 | adult | cognitive-impairment | 3.3 | | false
            adolescents have no population-specific level: low-intensity residential    | 3 | 0,0,2,1,1,3 | adolescent | cognitive-impairment | 3.1 | | false
            no safe or sober place to live at all: high-intensity residential           | 3 | 0,0,0,0,0,4 | adult | | 3.5 | | false
            not ready to change at all, otherwise stable: partial hospitalization       | 3 | 0,0,0,4,0,0 | adult | | 2.5 | | false
            4th edition: in remission with no current needs, long-term monitoring       | 4 | 0,0,0,0,0 | adult | | 1.0 | | false
            4th edition: mild withdrawal signs, medically managed outpatient            | 4 | 1,0,1,1,1 | adult | withdrawal-signs | 1.7 | 1.7 | false
            4th edition: moderate withdrawal after past seizures, medically managed residential | 4 | 2,0,1,1,1 | adult | complicated-withdrawal-history | 3.7 | 3.7 | false
            4th edition: significant use-related risks, high-intensity outpatient       | 4 | 0,0,0,3,0 | adult | | 2.5 | | false
            4th edition: unsupportive recovery environment, low-intensity residential   | 4 | 0,0,0,0,3 | adult | | 3.1 | | false
            4th edition: unstable medical condition, medically managed residential      | 4 | 0,3,0,0,0 | adult | | 3.7 | | false
            4th edition: imminent danger at screening                                   | 4 | 0,0,0,0,0 | adult | imminent-danger | 4 | | true
            """)
    void recommendsTheLeastIntensiveLevelThatMeetsTheHighestRiskNeeds(String why, String edition, String ratings,
            String ageGroup, String finding, String level, String withdrawal, boolean danger) {
        Recommendation recommendation = ENGINE.recommend(assessment(edition, ratings, ageGroup, finding));

        assertThat(recommendation.level().code()).as(why).isEqualTo(level);
        assertThat(recommendation.withdrawalManagement() == null ? null : recommendation.withdrawalManagement().code())
                .as(why).isEqualTo(withdrawal);
        assertThat(recommendation.imminentDanger()).as(why).isEqualTo(danger);
        assertThat(recommendation.edition()).isEqualTo(edition);
        assertThat(recommendation.dimensions()).allSatisfy(d -> assertThat(d.rationale()).isNotBlank());
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
            minimal difficulty on every scale: basic services                                  | 1,1,1,1,1,1,1 | 0 | 7  | false
            moderate difficulties everywhere add up to high-intensity community services (IOP) | 3,3,3,3,3,3,3 | 3 | 21 | false
            moderate risk of harm alone needs high-intensity community services                 | 3,1,1,1,1,1,1 | 3 | 9  | false
            serious functional impairment alone needs medically monitored day treatment         | 1,4,1,1,1,1,1 | 4 | 10 | false
            extreme risk of harm is imminent danger: medically managed residential              | 5,1,1,1,1,1,1 | 6 | 11 | true
            severe unstable co-morbidity is imminent danger                                    | 1,1,5,1,1,1,1 | 6 | 11 | true
            overwhelming stress, no support, failed treatment and no engagement add up to day treatment | 1,1,1,5,5,5,5 | 4 | 23 | false
            composite band outweighs mild independent criteria                                 | 2,3,3,3,3,3,3 | 3 | 20 | false
            never average: one serious scale outweighs six minimal ones                        | 4,1,1,1,1,1,1 | 5 | 10 | false
            """)
    void locusPlacesByIndependentCriteriaAndTheCompositeScore(String why, String ratings, String level, int score,
            boolean danger) {
        Recommendation recommendation = ENGINE.recommend(locus(ratings.split(",")));

        assertThat(recommendation.level().code()).as(why).isEqualTo(level);
        assertThat(recommendation.level().system()).isEqualTo(RuleTables.LOCUS_LEVEL_SYSTEM);
        assertThat(recommendation.composite().score()).as(why).isEqualTo(score);
        assertThat(recommendation.imminentDanger()).as(why).isEqualTo(danger);
        assertThat(recommendation.instrument()).isEqualTo(Instrument.LOCUS);
        assertThat(recommendation.edition()).isNull();
        assertThat(recommendation.withdrawalManagement()).isNull();
        assertThat(recommendation.weeklyHours()).as("LOCUS levels define no weekly hours").isNull();
        assertThat(recommendation.dimensions()).extracting(Recommendation.DimensionResult::dimension)
                .containsExactlyElementsOf(LOCUS_SCALES);
        assertThat(recommendation.ruleSet()).isEqualTo("locus-placement-illustrative|0.1.0");
    }

    @Test
    void theLocusCompositeSetsItsOwnMinimumWithItsReason() {
        Recommendation recommendation = ENGINE.recommend(locus("2,3,3,3,3,3,3".split(",")));

        assertThat(recommendation.dimensions()).allSatisfy(d -> assertThat(d.minimumLevel().rank()).isLessThanOrEqualTo(2));
        assertThat(recommendation.composite().minimumLevel().code()).isEqualTo("3");
        assertThat(recommendation.composite().rationale()).startsWith("Composite 19 or more");
    }

    @Test
    void badLocusRatingsAreRefusedWithTheReason() {
        assertThatThrownBy(() -> ENGINE.recommend(locus("0,1,1,1,1,1,1".split(","))))
                .isInstanceOf(InvalidAssessmentException.class).hasMessageContaining("locus ratings run from 1 to 5");
        Map<String, Integer> withoutSupport = new HashMap<>(locus("1,1,1,1,1,1,1".split(",")).ratings());
        withoutSupport.remove("4b");
        assertThatThrownBy(() -> ENGINE.recommend(new Assessment(Instrument.LOCUS, null, withoutSupport, AgeGroup.ADULT, Set.of())))
                .hasMessageContaining("dimension 4b is not rated");
        assertThatThrownBy(() -> ENGINE.recommend(new Assessment(Instrument.LOCUS, "3", Map.of("1", 1), AgeGroup.ADULT, Set.of())))
                .hasMessageContaining("no locus rule set for edition '3'");
    }

    @Test
    void intensiveOutpatientHoursDependOnTheAgeGroup() {
        HourRange adult = ENGINE.recommend(assessment("3", "1,0,2,2,3,1", "adult", null)).weeklyHours();
        HourRange adolescent = ENGINE.recommend(assessment("3", "1,0,2,2,3,1", "adolescent", null)).weeklyHours();

        assertThat(adult).isEqualTo(new HourRange(new BigDecimal("9"), new BigDecimal("20")));
        assertThat(adolescent).isEqualTo(new HourRange(new BigDecimal("6"), new BigDecimal("20")));
    }

    @Test
    void everyDimensionReportsItsRatingMinimumLevelAndRationaleAndTheRuleSet() {
        Recommendation recommendation = ENGINE.recommend(assessment("3", "1,0,2,2,3,1", "adult", null));

        assertThat(recommendation.dimensions()).extracting(Recommendation.DimensionResult::dimension)
                .containsExactly("1", "2", "3", "4", "5", "6");
        assertThat(recommendation.dimensions().get(4).minimumLevel().code()).isEqualTo("2.1");
        assertThat(recommendation.ruleSet()).isEqualTo("asam-placement-3rd-edition|0.1.0");
    }

    @Test
    void badAssessmentsAreRefusedWithTheReason() {
        assertThatThrownBy(() -> ENGINE.recommend(new Assessment("3", Map.of("1", 1), AgeGroup.ADULT, Set.of())))
                .isInstanceOf(InvalidAssessmentException.class).hasMessageContaining("dimension 2 is not rated");
        assertThatThrownBy(() -> ENGINE.recommend(assessment("3", "1,0,2,2,5,1", "adult", null)))
                .hasMessageContaining("dimension 5 has rating 5");
        assertThatThrownBy(() -> ENGINE.recommend(assessment("5", "1,0,2,2,3,1", "adult", null)))
                .hasMessageContaining("unknown ASAM edition '5'");
        assertThatThrownBy(() -> ENGINE.recommend(assessment("4", "1,0,2,2,3,1", "adult", null)))
                .hasMessageContaining("dimension 6 is not rated in edition 4");
    }

    @Test
    void raisingAnySingleRatingNeverLowersTheRecommendation() {
        for (Set<String> findings : FINDING_SETS) {
            assertMonotone(Instrument.ASAM, "3", List.of("1", "2", "3", "4", "5", "6"), findings);
            assertMonotone(Instrument.ASAM, "4", List.of("1", "2", "3", "4", "5"), findings);
        }
        assertMonotone(Instrument.LOCUS, null, LOCUS_SCALES, Set.of());
    }

    @Test
    void everyLevelOfBothEditionsIsRecommendedForSomeAssessment() {
        for (String edition : List.of("3", "4")) {
            List<String> dimensions = edition.equals("3") ? List.of("1", "2", "3", "4", "5", "6") : List.of("1", "2", "3", "4", "5");
            Set<String> recommended = new java.util.TreeSet<>();
            forEveryRating(Instrument.ASAM, dimensions.size(), ratings -> {
                for (Set<String> findings : FINDING_SETS) {
                    for (AgeGroup age : AgeGroup.values()) {
                        Recommendation r = ENGINE.recommend(new Assessment(Instrument.ASAM, edition,
                                assessment(Instrument.ASAM, edition, dimensions, ratings).ratings(), age, findings));
                        recommended.add(r.level().code());
                        if (r.withdrawalManagement() != null) {
                            recommended.add(r.withdrawalManagement().code());
                        }
                    }
                }
            });
            Set<String> levelsOfEdition = new java.util.TreeSet<>(LEVELS.values().stream()
                    .filter(l -> l.definedIn(edition)).map(Level::code).toList());
            assertThat(recommended).as("edition %s", edition).isEqualTo(levelsOfEdition);
        }
    }

    @Test
    void anActualLevelThatDiffersFromTheRecommendationNeedsAReason() {
        Recommendation iop = ENGINE.recommend(assessment("3", "1,0,2,2,3,1", "adult", null));

        assertThat(ENGINE.actualLevel(iop, "1", true).code()).isEqualTo("1");
        assertThat(ENGINE.actualLevel(iop, "2.1", false).code()).isEqualTo("2.1");
        assertThatThrownBy(() -> ENGINE.actualLevel(iop, "1", false)).hasMessageContaining("give varianceReason");
        assertThatThrownBy(() -> ENGINE.actualLevel(iop, "2.1", true)).hasMessageContaining("is the recommended level");
        assertThatThrownBy(() -> ENGINE.actualLevel(iop, "2.7", true))
                .hasMessageContaining("actual level '2.7' is not a level of asam edition 3");
    }

    @Test
    void tablesThatSkipARatingOrGoBackwardsAreRefused() {
        Level outpatient = LEVELS.get("1");
        Level iop = LEVELS.get("2.1");
        PlacementRule low = new PlacementRule(outpatient, null, false, "low");
        PlacementRule high = new PlacementRule(iop, null, false, "high");

        assertThatThrownBy(() -> new RuleSet("backwards", "1", Instrument.ASAM, "3",
                Map.of("1", List.of(low, high, low, high, high)), Map.of(), List.of(), List.of()))
                .hasMessageContaining("rating 2 needs a less intensive level than rating 1");
        assertThatThrownBy(() -> new RuleSet("short", "1", Instrument.ASAM, "3", Map.of("1", List.of(low, high)), Map.of(), List.of(), List.of()))
                .hasMessageContaining("needs a rule for every rating 0-4");
        assertThatThrownBy(() -> new RuleSet("bands", "1", Instrument.LOCUS, null, Map.of("1", List.of(low, low, low, low, low)),
                Map.of(), List.of(new CompositeBand(7, high), new CompositeBand(20, low)), List.of()))
                .hasMessageContaining("composite score 20 needs a less intensive level than score 7");
    }

    /**
     * Every combination of ratings, each dimension raised by one, and each finding added: the level
     * never drops and danger never disappears.
     */
    private static void assertMonotone(Instrument instrument, String edition, List<String> dimensions, Set<String> findings) {
        forEveryRating(instrument, dimensions.size(), ratings -> {
            Recommendation base = ENGINE.recommend(assessment(instrument, edition, dimensions, ratings, findings));
            for (int d = 0; d < ratings.length; d++) {
                if (ratings[d] == instrument.maxRating()) {
                    continue;
                }
                int[] raised = ratings.clone();
                raised[d]++;
                assertNotLower(base, ENGINE.recommend(assessment(instrument, edition, dimensions, raised, findings)));
            }
            if (instrument == Instrument.ASAM) {
                for (Set<String> more : FINDING_SETS) {
                    Set<String> added = new java.util.HashSet<>(findings);
                    added.addAll(more);
                    assertNotLower(base, ENGINE.recommend(assessment(instrument, edition, dimensions, ratings, added)));
                }
            }
        });
    }

    private static void assertNotLower(Recommendation base, Recommendation higher) {
        assertThat(higher.level().rank()).as("%s -> %s", base.dimensions(), higher.dimensions())
                .isGreaterThanOrEqualTo(base.level().rank());
        assertThat(!base.imminentDanger() || higher.imminentDanger()).isTrue();
    }

    private static void forEveryRating(Instrument instrument, int dimensions, java.util.function.Consumer<int[]> check) {
        int steps = instrument.maxRating() - instrument.minRating() + 1;
        int combinations = (int) Math.pow(steps, dimensions);
        for (int n = 0; n < combinations; n++) {
            int[] ratings = new int[dimensions];
            for (int i = 0, rest = n; i < dimensions; i++, rest /= steps) {
                ratings[i] = instrument.minRating() + rest % steps;
            }
            check.accept(ratings);
        }
    }

    private static Assessment assessment(Instrument instrument, String edition, List<String> dimensions, int[] ratings) {
        return assessment(instrument, edition, dimensions, ratings, Set.of());
    }

    private static Assessment assessment(Instrument instrument, String edition, List<String> dimensions, int[] ratings,
            Set<String> findings) {
        Map<String, Integer> byDimension = new HashMap<>();
        for (int i = 0; i < ratings.length; i++) {
            byDimension.put(dimensions.get(i), ratings[i]);
        }
        return new Assessment(instrument, edition, byDimension, AgeGroup.ADULT, findings);
    }

    private static Assessment locus(String[] ratings) {
        int[] values = java.util.Arrays.stream(ratings).mapToInt(r -> Integer.parseInt(r.trim())).toArray();
        return assessment(Instrument.LOCUS, null, LOCUS_SCALES, values);
    }

    private static Assessment assessment(String edition, String ratings, String ageGroup, String finding) {
        List<Integer> values = new ArrayList<>();
        for (String r : ratings.split(",")) {
            values.add(Integer.parseInt(r.trim()));
        }
        Map<String, Integer> byDimension = new HashMap<>();
        for (int i = 0; i < values.size(); i++) {
            byDimension.put(String.valueOf(i + 1), values.get(i));
        }
        return new Assessment(edition, byDimension, AgeGroup.fromCode(ageGroup),
                finding == null || finding.isBlank() ? Set.of() : Set.of(finding.trim()));
    }

    private static <T> T resource(Class<T> type, String id) {
        return IgValidator.guide().conformance().stream().map(ImplementationGuide.Entry::resource)
                .filter(type::isInstance).map(type::cast)
                .filter(r -> ((org.hl7.fhir.r4.model.Resource) r).getIdElement().getIdPart().equals(id))
                .findFirst().orElseThrow();
    }
}
