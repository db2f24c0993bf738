package org.iopfhir.levelofcare;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Set;
import org.hl7.fhir.r4.model.BooleanType;
import org.hl7.fhir.r4.model.Coding;
import org.hl7.fhir.r4.model.DateType;
import org.hl7.fhir.r4.model.IntegerType;
import org.hl7.fhir.r4.model.Patient;
import org.hl7.fhir.r4.model.QuestionnaireResponse;
import org.hl7.fhir.r4.model.StringType;
import org.hl7.fhir.r4.model.Type;
import org.iopfhir.testsupport.IgValidator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** One edit to the example intake, and exactly the findings it should produce. */
class IntakeReaderTest {

    private static final String CS = "http://iop-fhir.org/fhir/CodeSystem/";

    @Test
    void theExampleIntakeIsAnAdultThirdEditionAssessmentWithMildWithdrawalSigns() {
        Assessment assessment = IntakeReader.read(IntakeEdits.example(), null, null, () -> null);

        assertThat(assessment.edition()).isEqualTo("3");
        assertThat(assessment.ageGroup()).isEqualTo(AgeGroup.ADULT);
        assertThat(assessment.ratings()).containsOnlyKeys("e3-1", "e3-2", "e3-3", "e3-4", "e3-5", "e3-6")
                .containsEntry("e3-5", 3).containsEntry("e3-6", 1);
        assertThat(assessment.findings()).containsExactly("withdrawal-signs");
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
            unsafe home                               | environment-safe                 | boolean | false                    | unsafe-environment
            no support network                        | support-network                  | boolean | false                    | no-support-network
            lives with people who use                 | living-situation                 | string  | living-with-active-users | lives-with-active-users
            homeless                                  | living-situation                 | string  | homeless                 | homeless
            not medically stable                      | medically-stable                 | boolean | false                    | medically-unstable
            not psychiatrically stable                | psychiatrically-stable           | boolean | false                    | psychiatrically-unstable
            CIWA-Ar 12 is moderate                    | ciwa-ar-score                    | integer | 12                       | withdrawal-score-moderate
            CIWA-Ar 19 is severe                      | ciwa-ar-score                    | integer | 19                       | withdrawal-score-severe
            COWS 13 is moderate                       | cows-score                       | integer | 13                       | withdrawal-score-moderate
            COWS 25 is severe                         | cows-score                       | integer | 25                       | withdrawal-score-severe
            CIWA-Ar 9 is below the moderate band      | ciwa-ar-score                    | integer | 9                        |
            active suicidal thoughts                  | cssrs-active-thoughts            | boolean | true                     | suicide-risk
            suicidal behaviour in the past 3 months   | cssrs-behavior-3-months          | boolean | true                     | suicide-risk
            self-harm in the past 3 months            | self-harm-3-months               | boolean | true                     | suicide-risk
            PHQ-9 item 9 positive                     | screening-phq9-item9             | integer | 1                        | suicide-risk
            passive wish to be dead only              | cssrs-wish-dead                  | boolean | true                     |
            suicidal intent                           | cssrs-intent                     | boolean | true                     | imminent-danger
            suicidal plan                             | cssrs-plan                       | boolean | true                     | imminent-danger
            homicidal ideation                        | homicidal-ideation               | boolean | true                     | imminent-danger
            imminent danger found at screening        | screening-imminent-danger        | boolean | true                     | imminent-danger
            a safety plan is in place                 | safety-plan-completed            | boolean | true                     | safety-plan
            a psychiatric evaluation was done         | psychiatric-evaluation-completed | boolean | true                     | psychiatric-evaluation
            complicated withdrawal history            | withdrawal-history-complicated   | boolean | true                     | complicated-withdrawal-history
            cognitive impairment                      | cognitive-impairment             | boolean | true                     | cognitive-impairment
            pregnant, alcohol only                    | pregnant                         | boolean | true                     |
            """)
    void oneAnswerGivesExactlyItsFinding(String why, String linkId, String type, String value, String finding) {
        QuestionnaireResponse intake = IntakeEdits.example();
        IntakeEdits.answer(intake, linkId, value(type, value));

        Set<String> findings = IntakeReader.read(intake, null, null, () -> null).findings();

        assertThat(findings).as(why).containsExactlyInAnyOrderElementsOf(
                finding == null ? List.of("withdrawal-signs") : List.of("withdrawal-signs", finding));
    }

    @Test
    void pregnancyWithOpioidUseNeedsAConsultUnlessAnOpioidAgonistIsAlreadyPrescribed() {
        QuestionnaireResponse intake = IntakeEdits.example();
        IntakeEdits.answer(intake, "pregnant", new BooleanType(true));
        IntakeEdits.answer(intake, "diagnosis", new Coding("http://hl7.org/fhir/sid/icd-10-cm", "F11.20", null));
        assertThat(IntakeReader.read(intake, null, null, () -> null).findings()).contains("pregnant-opioid-use")
                .doesNotContain("otp-moud-consult");

        IntakeEdits.answer(intake, "current-moud-maud", new Coding("http://www.nlm.nih.gov/research/umls/rxnorm", "1819", null));
        assertThat(IntakeReader.read(intake, null, null, () -> null).findings()).contains("pregnant-opioid-use", "otp-moud-consult");
    }

    @Test
    void theAgeGroupComesFromTheBirthDateOnTheIntakesCalendarDayAndMustAgree() {
        QuestionnaireResponse intake = IntakeEdits.example();
        IntakeEdits.remove(intake, "screening-age-group");
        intake.getAuthoredElement().setValueAsString("2026-01-02T23:30:00-05:00");
        Patient eighteenThatDay = new Patient();
        eighteenThatDay.setBirthDateElement(new DateType("2008-01-02"));
        Patient eighteenTomorrow = new Patient();
        eighteenTomorrow.setBirthDateElement(new DateType("2008-01-03"));

        // 23:30 in New York is already the 3rd in UTC: the calendar day as recorded decides.
        assertThat(IntakeReader.read(intake, null, null, () -> eighteenThatDay).ageGroup()).isEqualTo(AgeGroup.ADULT);
        assertThat(IntakeReader.read(intake, null, null, () -> eighteenTomorrow).ageGroup()).isEqualTo(AgeGroup.ADOLESCENT);
        assertThatThrownBy(() -> IntakeReader.read(intake, null, null, () -> null)).hasMessageContaining("age group is unknown");
        assertThatThrownBy(() -> IntakeReader.read(IntakeEdits.example(), null, null, () -> eighteenTomorrow))
                .hasMessageContaining("is for the adult group, but the patient (born 2008-01-03) was 17");
        assertThatThrownBy(() -> IntakeReader.read(IntakeEdits.example(), null, AgeGroup.ADOLESCENT, () -> null))
                .hasMessageContaining("contradicts the intake's screening-age-group adult");
    }

    @Test
    void anIntakeWithoutAClaimedEditionIsPlacedByTheGroupItRatesAndARequestCannotChangeIt() {
        QuestionnaireResponse intake = IntakeEdits.example();
        IntakeEdits.remove(intake, "screening-edition");

        assertThat(IntakeReader.read(intake, null, null, () -> null).edition()).isEqualTo("3");
        assertThatThrownBy(() -> IntakeReader.read(IntakeEdits.example(), "4", null, () -> null))
                .hasMessageContaining("rated under edition 3 and cannot be placed under edition 4");
    }

    @Test
    void aLocusIntakeIsPlacedWithItsSevenScales() {
        QuestionnaireResponse intake = IntakeEdits.example();
        IntakeEdits.answer(intake, "screening-instrument", new Coding(CS + "iop-placement-instrument", "locus", null));
        for (String scale : List.of("1", "2", "3", "4a", "4b", "5", "6")) {
            IntakeEdits.answer(intake, "locus-" + scale + "-rating", new Coding(CS + "locus-rating", "3", null));
        }

        Assessment assessment = IntakeReader.read(intake, null, null, () -> null);

        assertThat(assessment.instrument()).isEqualTo(Instrument.LOCUS);
        assertThat(assessment.edition()).isNull();
        assertThat(assessment.ratings()).containsOnlyKeys("1", "2", "3", "4a", "4b", "5", "6").containsValue(3);
        intake.setId("QuestionnaireResponse/locus-intake");
        assertThat(DeterminationRecords.dimensionRatings(intake, assessment))
                .hasSize(7).allSatisfy(rating -> {
                    assertThat(rating.getCode().getCodingFirstRep().getSystem()).isEqualTo(RuleTables.LOCUS_DIMENSION_SYSTEM);
                    assertThat(rating.getMeta().getProfile()).as("the rating profile codes ASAM dimensions").isEmpty();
                    assertThat(rating.getExtension()).isEmpty();
                });
        assertThatThrownBy(() -> IntakeReader.read(intake, "3", null, () -> null))
                .hasMessageContaining("edition applies to ASAM placement");
    }

    private static Type value(String type, String value) {
        return switch (type) {
            case "boolean" -> new BooleanType(value);
            case "integer" -> new IntegerType(value);
            default -> new StringType(value);
        };
    }
}
