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
    private static final PlacementEngine ENGINE = new PlacementEngine(List.of(
            RuleTables.ruleSet(resource(ConceptMap.class, "asam-placement-3rd-edition"), LEVELS),
            RuleTables.ruleSet(resource(ConceptMap.class, "asam-placement-4th-edition"), LEVELS)));

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
        assertMonotone("3", 6);
        assertMonotone("4", 5);
    }

    @Test
    void tablesThatSkipARatingOrGoBackwardsAreRefused() {
        Level outpatient = LEVELS.get("1");
        Level iop = LEVELS.get("2.1");
        PlacementRule low = new PlacementRule(outpatient, null, false, "low");
        PlacementRule high = new PlacementRule(iop, null, false, "high");

        assertThatThrownBy(() -> new RuleSet("backwards", "1", "3", Map.of("1", List.of(low, high, low, high, high)), Map.of()))
                .hasMessageContaining("rating 2 needs a less intensive level than rating 1");
        assertThatThrownBy(() -> new RuleSet("short", "1", "3", Map.of("1", List.of(low, high)), Map.of()))
                .hasMessageContaining("needs a rule for every rating 0-4");
    }

    private static void assertMonotone(String edition, int dimensions) {
        int combinations = (int) Math.pow(5, dimensions);
        for (int n = 0; n < combinations; n++) {
            int[] ratings = digits(n, dimensions);
            Recommendation base = ENGINE.recommend(assessment(edition, ratings));
            for (int d = 0; d < dimensions; d++) {
                if (ratings[d] == RuleSet.MAX_RATING) {
                    continue;
                }
                int[] raised = ratings.clone();
                raised[d]++;
                Recommendation higher = ENGINE.recommend(assessment(edition, raised));
                assertThat(higher.level().rank()).as("edition %s %s -> %s", edition, ratings, raised)
                        .isGreaterThanOrEqualTo(base.level().rank());
                assertThat(!base.imminentDanger() || higher.imminentDanger()).isTrue();
            }
        }
    }

    private static int[] digits(int n, int count) {
        int[] digits = new int[count];
        for (int i = 0; i < count; i++) {
            digits[i] = n % 5;
            n /= 5;
        }
        return digits;
    }

    private static Assessment assessment(String edition, int[] ratings) {
        Map<String, Integer> byDimension = new HashMap<>();
        for (int i = 0; i < ratings.length; i++) {
            byDimension.put(String.valueOf(i + 1), ratings[i]);
        }
        return new Assessment(edition, byDimension, AgeGroup.ADULT, Set.of());
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
