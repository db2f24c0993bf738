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
            RuleTables.ruleSet(resource(ConceptMap.class, "asam-placement-3rd-edition-adolescent"), ALL_LEVELS),
            RuleTables.ruleSet(resource(ConceptMap.class, "asam-placement-4th-edition"), ALL_LEVELS),
            RuleTables.ruleSet(resource(ConceptMap.class, "locus-placement-illustrative"), ALL_LEVELS)), ALL_LEVELS);
    private static final List<String> EDITION_3 = List.of("e3-1", "e3-2", "e3-3", "e3-4", "e3-5", "e3-6");
    private static final List<String> EDITION_4 = List.of("e4-1", "e4-2", "e4-3", "e4-4", "e4-5");
    private static final List<Set<String>> FINDING_SETS = List.of(Set.of(), Set.of("imminent-danger"),
            Set.of("withdrawal-signs"), Set.of("complicated-withdrawal-history"), Set.of("cognitive-impairment"),
            Set.of("unsafe-environment"), Set.of("lives-with-active-users", "no-support-network"));

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
            typical IOP candidate: stable, relapsing, safe home                          | 3 | 1,0,2,2,3,1 | adult      |                                   | 2.1 |        | false |                                    |
            no problem in any dimension: early intervention                              | 3 | 0,0,0,0,0,0 | adult      |                                   | 0.5 |        | false |                                    |
            mild problems only: outpatient                                               | 3 | 1,1,1,1,1,1 | adult      |                                   | 1   |        | false |                                    |
            moderate withdrawal: monitored ambulatory withdrawal management              | 3 | 2,0,1,1,1,1 | adult      |                                   | 2.1 | 2-WM   | false |                                    |
            significant withdrawal: 24-hour medical monitoring                           | 3 | 3,0,1,1,1,1 | adult      |                                   | 3.7 | 3.7-WM | false |                                    |
            severe withdrawal is imminent danger                                         | 3 | 4,0,0,0,0,0 | adult      |                                   | 4   | 4-WM   | true  |                                    |
            significant psychiatric instability: medically monitored care                | 3 | 0,0,3,1,1,1 | adult      |                                   | 3.7 |        | false |                                    |
            dimension 3 at 4 is imminent danger                                          | 3 | 0,0,4,0,0,0 | adult      |                                   | 4   |        | true  |                                    |
            unstable medical condition is imminent danger                                | 3 | 0,4,0,0,0,0 | adult      |                                   | 4   |        | true  |                                    |
            high relapse risk alone: near-daily structure                                | 3 | 0,0,0,0,4,0 | adult      |                                   | 2.5 |        | false |                                    |
            environment undermining recovery: residential                                | 3 | 0,0,0,0,0,3 | adult      |                                   | 3.1 |        | false |                                    |
            never average: one dimension at 3 outweighs five at 0                        | 3 | 0,0,0,0,0,3 | adolescent |                                   | 3.1 |        | false |                                    |
            imminent danger at screening overrides mild ratings                          | 3 | 1,1,1,1,1,1 | adult      | imminent-danger                   | 4   |        | true  |                                    |
            withdrawal signs at low risk add ambulatory withdrawal management            | 3 | 1,1,1,1,1,1 | adult      | withdrawal-signs                  | 1   | 1-WM   | false |                                    |
            moderate withdrawal, no safe place to withdraw: residential withdrawal       | 3 | 2,0,1,1,1,3 | adult      |                                   | 3.1 | 3.2-WM | false |                                    |
            moderate withdrawal after past seizures: medically monitored withdrawal      | 3 | 2,0,1,1,1,1 | adult      | complicated-withdrawal-history    | 3.7 | 3.7-WM | false |                                    |
            cognitive impairment needing 24-hour structure: population-specific          | 3 | 0,0,2,1,1,3 | adult      | cognitive-impairment              | 3.3 |        | false |                                    |
            no safe or sober place to live at all: high-intensity residential            | 3 | 0,0,0,0,0,4 | adult      |                                   | 3.5 |        | false |                                    |
            not ready to change at all, otherwise stable: partial hospitalization        | 3 | 0,0,0,4,0,0 | adult      |                                   | 2.5 |        | false |                                    |
            unsafe home with D6 rated mild: residential, and the rating is questioned    | 3 | 1,0,2,2,3,1 | adult      | unsafe-environment                | 3.1 |        | false |                                    | discordance
            no support network: at least IOP                                             | 3 | 1,0,1,1,1,1 | adult      | no-support-network                | 2.1 |        | false |                                    | discordance
            lives with people who use: at least IOP                                      | 3 | 1,0,1,1,1,1 | adult      | lives-with-active-users           | 2.1 |        | false |                                    | discordance
            lives with users and no support, D6 rated 1: residential, rating questioned  | 3 | 1,0,2,2,3,1 | adult      | lives-with-active-users no-support-network | 3.1 |  | false |                                | discordance
            homeless without support: residential                                        | 3 | 1,0,2,2,3,1 | adult      | homeless no-support-network       | 3.1 |        | false |                                    | discordance
            homeless with support: IOP with housing help                                 | 3 | 1,0,2,2,3,2 | adult      | homeless                          | 2.1 |        | false |                                    |
            lives with users and no support, D6 rated 3: consistent, no warning          | 3 | 1,0,2,2,3,3 | adult      | lives-with-active-users no-support-network | 3.1 |  | false |                                |
            not medically stable: medically monitored care                               | 3 | 1,0,2,2,3,1 | adult      | medically-unstable                | 3.7 |        | false |                                    | discordance
            not psychiatrically stable: monitored care                                   | 3 | 1,0,2,2,3,1 | adult      | psychiatrically-unstable          | 3.7 |        | false |                                    | discordance
            moderate withdrawal score with D1 rated mild: discordance only               | 3 | 1,0,2,2,3,1 | adult      | withdrawal-score-moderate         | 2.1 |        | false |                                    | discordance
            moderate withdrawal score with D1 rated moderate: consistent                 | 3 | 2,0,2,2,3,1 | adult      | withdrawal-score-moderate         | 2.1 | 2-WM   | false |                                    |
            severe withdrawal score: medically monitored withdrawal                      | 3 | 1,0,2,2,3,1 | adult      | withdrawal-score-severe           | 3.7 | 3.7-WM | false |                                    | discordance
            active suicidal ideation: IOP only with a safety plan and an evaluation      | 3 | 1,0,2,2,3,1 | adult      | suicide-risk                      | 2.1 |        | false | safety-plan psychiatric-evaluation | requirement
            suicidal ideation with both in place: plain IOP                              | 3 | 1,0,2,2,3,1 | adult      | suicide-risk safety-plan psychiatric-evaluation | 2.1 | | false |                             |
            suicidal ideation with a safety plan only: still conditional                 | 3 | 1,0,2,2,3,1 | adult      | suicide-risk safety-plan          | 2.1 |        | false | psychiatric-evaluation             | requirement
            suicidal ideation with D3 rated mild: conditional and questioned             | 3 | 1,0,1,2,3,1 | adult      | suicide-risk                      | 2.1 |        | false | safety-plan psychiatric-evaluation | discordance requirement
            suicidal intent is imminent danger, whatever else is in place                | 3 | 1,0,2,2,3,1 | adult      | imminent-danger suicide-risk      | 4   |        | true  | safety-plan psychiatric-evaluation |
            pregnant and using opioids: OTP or MOUD consult                              | 3 | 1,0,2,2,3,1 | adult      | pregnant-opioid-use               | 2.1 |        | false | otp-moud-consult                   | requirement
            pregnant, using opioids, already on agonist treatment                        | 3 | 1,0,2,2,3,1 | adult      | pregnant-opioid-use otp-moud-consult | 2.1 |     | false |                                    |
            moderate withdrawal in an unsafe home: residential withdrawal                | 3 | 2,0,2,2,3,1 | adult      | unsafe-environment                | 3.1 | 3.2-WM | false |                                    | discordance
            adolescent typical IOP candidate                                             | 3 | 1,0,2,2,3,1 | adolescent |                                   | 2.1 |        | false |                                    |
            adolescent moderate withdrawal: managed within IOP, no WM level              | 3 | 2,0,1,1,1,1 | adolescent |                                   | 2.1 |        | false |                                    |
            adolescent significant withdrawal: 3.7 without a WM sub-level                | 3 | 3,0,1,1,1,1 | adolescent |                                   | 3.7 |        | false |                                    |
            adolescent severe withdrawal is imminent danger                              | 3 | 4,0,0,0,0,0 | adolescent |                                   | 4   |        | true  |                                    |
            adolescent withdrawal signs at low risk: outpatient                          | 3 | 1,1,1,1,1,1 | adolescent | withdrawal-signs                  | 1   |        | false |                                    |
            adolescent moderate withdrawal, no safe place: residential                   | 3 | 2,0,1,1,1,3 | adolescent |                                   | 3.1 |        | false |                                    |
            adolescent moderate withdrawal after seizures                                | 3 | 2,0,1,1,1,1 | adolescent | complicated-withdrawal-history    | 3.7 |        | false |                                    |
            adolescents have no 3.3: low-intensity residential                           | 3 | 0,0,2,1,1,3 | adolescent | cognitive-impairment              | 3.1 |        | false |                                    |
            adolescent dangerous environment: 3.5                                        | 3 | 0,0,0,0,0,4 | adolescent |                                   | 3.5 |        | false |                                    |
            adolescent unsafe home                                                       | 3 | 1,0,2,2,3,1 | adolescent | unsafe-environment                | 3.1 |        | false |                                    | discordance
            adolescent suicidal ideation: conditional IOP                                | 3 | 1,0,2,2,3,1 | adolescent | suicide-risk                      | 2.1 |        | false | safety-plan psychiatric-evaluation | requirement
            adolescent severe withdrawal score                                           | 3 | 1,0,2,2,3,1 | adolescent | withdrawal-score-severe           | 3.7 |        | false |                                    | discordance
            4th edition: mild problems, outpatient therapy                               | 4 | 1,1,1,1,1   | adult      |                                   | 1.5 |        | false |                                    |
            4th edition: typical IOP candidate                                           | 4 | 1,0,2,3,1   | adult      |                                   | 2.1 |        | false |                                    |
            4th edition: moderate withdrawal, medically managed intensive outpatient     | 4 | 2,0,1,1,1   | adult      |                                   | 2.7 | 2.7    | false |                                    |
            4th edition: dangerous recovery environment                                  | 4 | 0,0,0,0,4   | adult      |                                   | 3.5 |        | false |                                    |
            4th edition: in remission, long-term monitoring                              | 4 | 0,0,0,0,0   | adult      |                                   | 1.0 |        | false |                                    |
            4th edition: mild withdrawal signs, medically managed outpatient             | 4 | 1,0,1,1,1   | adult      | withdrawal-signs                  | 1.7 | 1.7    | false |                                    |
            4th edition: moderate withdrawal after seizures                              | 4 | 2,0,1,1,1   | adult      | complicated-withdrawal-history    | 3.7 | 3.7    | false |                                    |
            4th edition: high use-related risks, as the 3rd edition's relapse rating     | 4 | 0,0,0,3,0   | adult      |                                   | 2.1 |        | false |                                    |
            4th edition: very high use-related risks                                     | 4 | 0,0,0,4,0   | adult      |                                   | 2.5 |        | false |                                    |
            4th edition: environment undermining recovery                                | 4 | 0,0,0,0,3   | adult      |                                   | 3.1 |        | false |                                    |
            4th edition: significant biomedical needs                                    | 4 | 0,3,0,0,0   | adult      |                                   | 3.7 |        | false |                                    |
            4th edition: imminent danger at screening                                    | 4 | 0,0,0,0,0   | adult      | imminent-danger                   | 4   |        | true  |                                    |
            4th edition: unsafe home                                                     | 4 | 1,0,2,3,1   | adult      | unsafe-environment                | 3.1 |        | false |                                    | discordance
            4th edition: moderate withdrawal in an unsafe home: medically managed residential | 4 | 2,0,2,3,1 | adult  | unsafe-environment                | 3.7 | 3.7    | false |                                    | discordance
            4th edition: cognitive impairment needing 24-hour structure (no 3.3)        | 4 | 0,0,2,1,3   | adult      | cognitive-impairment              | 3.5 |        | false |                                    |
            4th edition: suicidal ideation, conditional                                  | 4 | 1,0,2,3,1   | adult      | suicide-risk                      | 2.1 |        | false | safety-plan psychiatric-evaluation | requirement
            4th edition: severe withdrawal score                                         | 4 | 1,0,2,3,1   | adult      | withdrawal-score-severe           | 3.7 | 3.7    | false |                                    | discordance
            4th edition: lives with users, no support                                    | 4 | 1,0,2,3,1   | adult      | lives-with-active-users no-support-network | 3.1 |  | false |                                | discordance
            3rd edition, same relapse risk as the 4th-edition row above                  | 3 | 0,0,0,0,3,0 | adult      |                                   | 2.1 |        | false |                                    |
            3rd edition, same environment as the 4th-edition row                          | 3 | 0,0,0,0,0,3 | adult      |                                   | 3.1 |        | false |                                    |
            """)
    void placesClinicalVignettes(String why, String edition, String ratings, String ageGroup, String findings, String level,
            String withdrawal, boolean danger, String unmet, String warnings) {
        Recommendation recommendation = ENGINE.recommend(assessment(edition, ratings, ageGroup, findings));

        assertThat(recommendation.level().code()).as(why).isEqualTo(level);
        assertThat(recommendation.withdrawalManagement() == null ? null : recommendation.withdrawalManagement().code())
                .as(why).isEqualTo(withdrawal);
        assertThat(recommendation.imminentDanger()).as(why).isEqualTo(danger);
        assertThat(recommendation.requirements().stream().filter(r -> !r.met()).map(Recommendation.Requirement::code))
                .as(why).containsExactlyInAnyOrderElementsOf(words(unmet));
        assertThat(recommendation.warnings().stream().map(Recommendation.Warning::kind).distinct())
                .as(why + ": " + recommendation.warnings()).containsExactlyInAnyOrderElementsOf(words(warnings));
        assertThat(recommendation.edition()).isEqualTo(edition);
        assertThat(recommendation.dimensions()).allSatisfy(d -> assertThat(d.source()).isNotBlank());
        assertThat(recommendation.findings()).allSatisfy(f -> assertThat(f.source()).isNotBlank());
        assertThat(recommendation.modifiers()).allSatisfy(m -> assertThat(m.source()).isNotBlank());
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
        assertThat(recommendation.ruleSet()).isEqualTo("locus-placement-illustrative|0.2.0");
        assertThat(recommendation.warnings()).extracting(Recommendation.Warning::kind).contains("illustrative-rules");
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
                .containsExactlyElementsOf(EDITION_3);
        assertThat(recommendation.dimensions().get(4).minimumLevel().code()).isEqualTo("2.1");
        assertThat(recommendation.ruleSet()).isEqualTo("asam-placement-3rd-edition|0.2.0");
        assertThat(recommendation.warnings()).isEmpty();
    }

    @Test
    void badAssessmentsAreRefusedWithTheReason() {
        assertThatThrownBy(() -> ENGINE.recommend(new Assessment("3", Map.of("e3-1", 1), AgeGroup.ADULT, Set.of())))
                .isInstanceOf(InvalidAssessmentException.class).hasMessageContaining("dimension e3-2 is not rated");
        assertThatThrownBy(() -> ENGINE.recommend(assessment("3", "1,0,2,2,5,1", "adult", null)))
                .hasMessageContaining("dimension e3-5 has rating 5");
        assertThatThrownBy(() -> ENGINE.recommend(new Assessment("5", Map.of("e3-1", 1), AgeGroup.ADULT, Set.of())))
                .hasMessageContaining("unknown ASAM edition '5'");
        Map<String, Integer> thirdEditionRatings = assessment("3", "1,0,2,2,3,1", "adult", null).ratings();
        assertThatThrownBy(() -> ENGINE.recommend(new Assessment("4", thirdEditionRatings, AgeGroup.ADULT, Set.of())))
                .hasMessageContaining("is not rated; edition 4 rates dimensions [e4-1");
    }

    @Test
    void adultOnlyInstrumentsRefuseAdolescentsAndNameTheRightOne() {
        assertThatThrownBy(() -> ENGINE.recommend(assessment("4", "1,0,2,3,1", "adolescent", null)))
                .isInstanceOf(InvalidAssessmentException.class)
                .hasMessageContaining("asam edition 4 places adults only")
                .hasMessageContaining("3rd edition's adolescent criteria (edition 3)");
        Map<String, Integer> locusRatings = locus("3,3,3,3,3,3,3".split(",")).ratings();
        assertThatThrownBy(() -> ENGINE.recommend(new Assessment(Instrument.LOCUS, null, locusRatings, AgeGroup.ADOLESCENT, Set.of())))
                .hasMessageContaining("locus places adults only").hasMessageContaining("CALOCUS-CASII");
        Recommendation adolescent = ENGINE.recommend(assessment("3", "1,0,2,2,3,1", "adolescent", null));
        assertThat(adolescent.ruleSet()).isEqualTo("asam-placement-3rd-edition-adolescent|0.2.0");
        assertThatThrownBy(() -> ENGINE.actualLevel(adolescent, "3.3", true)).hasMessageContaining("does not exist for adolescents");
        assertThatThrownBy(() -> ENGINE.actualLevel(adolescent, "2-WM", true)).hasMessageContaining("does not exist for adolescents");
    }

    @Test
    void aPlacementAwayFromTheRecommendationSaysWhichWayItGoes() {
        Recommendation iop = ENGINE.recommend(assessment("3", "1,0,2,2,3,1", "adult", null));
        Recommendation outpatient = ENGINE.recommend(assessment("3", "1,1,1,1,1,1", "adult", null));

        assertThat(PlacementEngine.variance(outpatient, LEVELS.get("2.1")).orElseThrow().text())
                .contains("above the recommended level 1").contains("not consider it medically necessary");
        assertThat(PlacementEngine.variance(iop, LEVELS.get("1")).orElseThrow().text())
                .contains("below the recommended level 2.1").contains("unavailable or refused");
        assertThat(PlacementEngine.variance(iop, LEVELS.get("2.1"))).isEmpty();
        assertThat(PlacementEngine.variance(iop, null)).isEmpty();
    }

    @Test
    void raisingAnySingleRatingNeverLowersTheRecommendation() {
        for (Set<String> findings : FINDING_SETS) {
            assertMonotone(Instrument.ASAM, "3", EDITION_3, findings);
            assertMonotone(Instrument.ASAM, "4", EDITION_4, findings);
        }
        assertMonotone(Instrument.LOCUS, null, LOCUS_SCALES, Set.of());
    }

    /**
     * Random assessments with random sets of every finding the intake can produce, in every table:
     * adding any one finding or raising any one rating never lowers the level, drops imminent
     * danger, or removes a requirement.
     */
    @Test
    void addingAnyFindingNeverLowersTheRecommendation() {
        java.util.Random random = new java.util.Random(11);
        List<String> findings = new ArrayList<>(new java.util.TreeSet<>(IntakeReader.FINDINGS));
        record Table(String edition, List<String> dimensions, AgeGroup age) {
        }
        for (Table table : List.of(new Table("3", EDITION_3, AgeGroup.ADULT), new Table("3", EDITION_3, AgeGroup.ADOLESCENT),
                new Table("4", EDITION_4, AgeGroup.ADULT))) {
            for (int n = 0; n < 1500; n++) {
                Map<String, Integer> ratings = new HashMap<>();
                table.dimensions().forEach(d -> ratings.put(d, random.nextInt(5)));
                Set<String> present = new java.util.HashSet<>();
                findings.forEach(f -> {
                    if (random.nextInt(6) == 0) {
                        present.add(f);
                    }
                });
                Recommendation base = ENGINE.recommend(new Assessment(table.edition(), ratings, table.age(), present));
                for (String finding : findings) {
                    Set<String> more = new java.util.HashSet<>(present);
                    more.add(finding);
                    Recommendation higher = ENGINE.recommend(new Assessment(table.edition(), ratings, table.age(), more));
                    assertNotLower(base, higher);
                    assertThat(higher.requirements().stream().map(Recommendation.Requirement::code))
                            .as("%s + %s", present, finding)
                            .containsAll(base.requirements().stream().map(Recommendation.Requirement::code).toList());
                }
                for (String dimension : table.dimensions()) {
                    if (ratings.get(dimension) < 4) {
                        Map<String, Integer> raised = new HashMap<>(ratings);
                        raised.merge(dimension, 1, Integer::sum);
                        assertNotLower(base, ENGINE.recommend(new Assessment(table.edition(), raised, table.age(), present)));
                    }
                }
            }
        }
    }

    @Test
    void everyLevelOfBothEditionsIsRecommendedForSomeAssessment() {
        for (String edition : List.of("3", "4")) {
            List<String> dimensions = edition.equals("3") ? EDITION_3 : EDITION_4;
            for (AgeGroup age : edition.equals("3") ? List.of(AgeGroup.values()) : List.of(AgeGroup.ADULT)) {
                Set<String> recommended = new java.util.TreeSet<>();
                forEveryRating(Instrument.ASAM, dimensions.size(), ratings -> {
                    for (Set<String> findings : FINDING_SETS) {
                        Recommendation r = ENGINE.recommend(new Assessment(Instrument.ASAM, edition,
                                assessment(Instrument.ASAM, edition, dimensions, ratings).ratings(), age, findings));
                        recommended.add(r.level().code());
                        if (r.withdrawalManagement() != null) {
                            recommended.add(r.withdrawalManagement().code());
                        }
                    }
                });
                Set<String> levelsOfEdition = new java.util.TreeSet<>(LEVELS.values().stream()
                        .filter(l -> l.definedIn(edition) && l.definedFor(age)).map(Level::code).toList());
                assertThat(recommended).as("edition %s, %s", edition, age).isEqualTo(levelsOfEdition);
            }
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
        PlacementRule low = rule(outpatient);
        PlacementRule high = rule(iop);
        PlacementRule populationSpecific = rule(LEVELS.get("3.3"));

        assertThatThrownBy(() -> new RuleSet("backwards", "1", Instrument.ASAM, "3", null, false,
                Map.of("e3-1", List.of(low, high, low, high, high)), Map.of(), List.of(), List.of()))
                .hasMessageContaining("rating 2 needs a less intensive level than rating 1");
        assertThatThrownBy(() -> new RuleSet("short", "1", Instrument.ASAM, "3", null, false,
                Map.of("e3-1", List.of(low, high)), Map.of(), List.of(), List.of()))
                .hasMessageContaining("needs a rule with a level for every rating 0-4");
        assertThatThrownBy(() -> new RuleSet("bands", "1", Instrument.LOCUS, null, null, false,
                Map.of("1", List.of(low, low, low, low, low)),
                Map.of(), List.of(new CompositeBand(7, high), new CompositeBand(20, low)), List.of()))
                .hasMessageContaining("composite score 20 needs a less intensive level than score 7");
        assertThatThrownBy(() -> new RuleSet("teens", "1", Instrument.ASAM, "3", AgeGroup.ADOLESCENT, false,
                Map.of("e3-1", List.of(low, low, low, high, high)), Map.of("cognitive-impairment", populationSpecific),
                List.of(), List.of()))
                .hasMessageContaining("places adolescents at level 3.3, which does not exist for them");
        PlacementRule expectsUnrated = new PlacementRule(null, null, false, List.of(), Map.of("e3-9", 2), "odd", "a source");
        assertThatThrownBy(() -> new RuleSet("expects", "1", Instrument.ASAM, "3", null, false,
                Map.of("e3-1", List.of(low, low, low, high, high)), Map.of("withdrawal-signs", expectsUnrated),
                List.of(), List.of()))
                .hasMessageContaining("a rule expects dimension e3-9 rated at least 2, which the table does not rate");
    }

    private static PlacementRule rule(Level level) {
        return new PlacementRule(level, null, false, List.of(), Map.of(), "why", "a source");
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

    @Test
    void aLocusDeterminationRecordsItsLocusLevelInTheDeterminationProfileAndAnAsamOneNeedsItsEdition() {
        org.hl7.fhir.r4.model.QuestionnaireResponse intake = new org.hl7.fhir.r4.model.QuestionnaireResponse()
                .setSubject(new org.hl7.fhir.r4.model.Reference("Patient/example-patient"));
        intake.setId("QuestionnaireResponse/locus-intake");
        Assessment assessment = locus("3,2,3,3,2,3,2".split(","));
        Recommendation recommendation = ENGINE.recommend(assessment);

        org.hl7.fhir.r4.model.Observation determination =
                DeterminationRecords.determination(intake, assessment, recommendation, null, null, List.of());

        assertThat(determination.getValueCodeableConcept().getCodingFirstRep().getSystem()).isEqualTo(RuleTables.LOCUS_LEVEL_SYSTEM);
        assertThat(errors(determination)).isEmpty();
        org.hl7.fhir.r4.model.Observation asamWithoutEdition = determination.copy();
        asamWithoutEdition.getValueCodeableConcept().getCodingFirstRep().setSystem(RuleTables.LEVEL_SYSTEM).setCode("2.1");
        assertThat(errors(asamWithoutEdition)).anyMatch(m -> m.contains("iop-loc-3"));
    }

    private static List<String> errors(org.hl7.fhir.r4.model.Resource resource) {
        return IgValidator.validator().validateWithResult(resource).getMessages().stream()
                .filter(m -> m.getSeverity().ordinal() >= ca.uhn.fhir.validation.ResultSeverityEnum.ERROR.ordinal())
                .map(m -> m.getLocationString() + ": " + m.getMessage()).toList();
    }

    private static Assessment locus(String[] ratings) {
        int[] values = java.util.Arrays.stream(ratings).mapToInt(r -> Integer.parseInt(r.trim())).toArray();
        return assessment(Instrument.LOCUS, null, LOCUS_SCALES, values);
    }

    /** Ratings of dimensions 1, 2, ... of the edition, and findings separated by spaces. */
    private static Assessment assessment(String edition, String ratings, String ageGroup, String findings) {
        List<Integer> values = new ArrayList<>();
        for (String r : ratings.split(",")) {
            values.add(Integer.parseInt(r.trim()));
        }
        Map<String, Integer> byDimension = new HashMap<>();
        for (int i = 0; i < values.size(); i++) {
            byDimension.put("e" + edition + "-" + (i + 1), values.get(i));
        }
        return new Assessment(edition, byDimension, AgeGroup.fromCode(ageGroup.trim()), Set.copyOf(words(findings)));
    }

    private static List<String> words(String text) {
        return text == null || text.isBlank() ? List.of() : List.of(text.trim().split("\\s+"));
    }

    private static <T> T resource(Class<T> type, String id) {
        return IgValidator.guide().conformance().stream().map(ImplementationGuide.Entry::resource)
                .filter(type::isInstance).map(type::cast)
                .filter(r -> ((org.hl7.fhir.r4.model.Resource) r).getIdElement().getIdPart().equals(id))
                .findFirst().orElseThrow();
    }
}
