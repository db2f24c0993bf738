package org.iopfhir.levelofcare;

import java.time.LocalDate;
import java.time.Period;
import java.time.ZoneOffset;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Supplier;
import org.hl7.fhir.r4.model.Patient;
import org.hl7.fhir.r4.model.QuestionnaireResponse;
import org.hl7.fhir.r4.model.Type;

/**
 * Turns an answered {@code Questionnaire/iop-intake} into an {@link Assessment}. The linkIds are
 * the questionnaire's contract: {@code dim-N-rating} holds dimension N's rating, the screening
 * group the edition, age group and imminent danger; active suicidal intent with a plan and
 * homicidal ideation also count as imminent danger. Current withdrawal signs, a history of
 * complicated withdrawal and a cognitive impairment become findings the rule tables' modifiers use.
 */
public final class IntakeReader {

    public static final String INTAKE = "http://iop-fhir.org/fhir/Questionnaire/iop-intake";
    public static final String IMMINENT_DANGER = "imminent-danger";
    private static final String WITHDRAWAL_SIGNS = "withdrawal-signs";
    private static final String COMPLICATED_WITHDRAWAL = "complicated-withdrawal-history";
    private static final String COGNITIVE_IMPAIRMENT = "cognitive-impairment";
    /** The placement findings (codes of {@link RuleTables#OBSERVATION_CODES}) the rule tables may use. */
    public static final Set<String> FINDINGS = Set.of(IMMINENT_DANGER, WITHDRAWAL_SIGNS, COMPLICATED_WITHDRAWAL, COGNITIVE_IMPAIRMENT);

    private IntakeReader() {
    }

    public static boolean isIntake(QuestionnaireResponse response) {
        String questionnaire = response.getQuestionnaire();
        return questionnaire != null && (questionnaire.equals(INTAKE) || questionnaire.startsWith(INTAKE + "|"));
    }

    /**
     * @param edition  overrides the response's edition when given
     * @param ageGroup overrides the response's age group when given
     * @param patient  the subject (or null), read only when the age group must come from its birthDate
     */
    public static Assessment read(QuestionnaireResponse response, String edition, AgeGroup ageGroup,
            String defaultEdition, Supplier<Patient> patient) {
        if (!isIntake(response)) {
            throw new InvalidAssessmentException("QuestionnaireResponse answers '" + response.getQuestionnaire()
                    + "', not the intake assessment " + INTAKE);
        }
        if (response.getStatus() != QuestionnaireResponse.QuestionnaireResponseStatus.COMPLETED
                && response.getStatus() != QuestionnaireResponse.QuestionnaireResponseStatus.AMENDED) {
            throw new InvalidAssessmentException("the intake is " + (response.getStatus() == null ? "without status"
                    : response.getStatus().toCode()) + "; only a completed or amended intake can be placed");
        }
        Map<String, Type> answers = new HashMap<>();
        collect(response.getItem(), answers);

        Map<String, Integer> ratings = new HashMap<>();
        for (int dimension = 1; dimension <= 6; dimension++) {
            Type answer = answers.get("dim-" + dimension + "-rating");
            if (answer != null) {
                ratings.put(String.valueOf(dimension), rating(dimension, answer));
            }
        }
        Set<String> findings = new HashSet<>();
        if (isTrue(answers.get("screening-imminent-danger")) || isTrue(answers.get("dim-3-homicidal-ideation"))
                || "active-with-plan-or-intent".equals(code(answers.get("dim-3-suicidal-ideation")))) {
            findings.add(IMMINENT_DANGER);
        }
        String withdrawalSigns = code(answers.get("dim-1-withdrawal-symptoms"));
        if (withdrawalSigns != null && !"none".equals(withdrawalSigns)) {
            findings.add(WITHDRAWAL_SIGNS);
        }
        if (isTrue(answers.get("dim-1-withdrawal-history"))) {
            findings.add(COMPLICATED_WITHDRAWAL);
        }
        if (isTrue(answers.get("dim-3-cognitive-impairment"))) {
            findings.add(COGNITIVE_IMPAIRMENT);
        }
        String ratedUnder = code(answers.get("screening-edition"));
        if (edition != null && ratedUnder != null && !edition.equals(ratedUnder)) {
            // Dimensions 4-6 mean different things in the two editions: a rating cannot change edition.
            throw new InvalidAssessmentException("the intake was rated under edition " + ratedUnder
                    + " and cannot be placed under edition " + edition + "; reassess under that edition");
        }
        String chosenEdition = edition != null ? edition : ratedUnder != null ? ratedUnder : defaultEdition;
        if (chosenEdition.equals("4")) {
            ratings.remove("6"); // the 4th edition does not rate dimension 6; the intake may still carry it
        }
        AgeGroup chosenAge = ageGroup != null ? ageGroup
                : Optional.ofNullable(code(answers.get("screening-age-group"))).map(AgeGroup::fromCode)
                        .orElseGet(() -> ageAt(patient.get(), response));
        return new Assessment(chosenEdition, ratings, chosenAge, findings);
    }

    private static AgeGroup ageAt(Patient patient, QuestionnaireResponse response) {
        if (patient == null || !patient.hasBirthDate()) {
            throw new InvalidAssessmentException("the age group is unknown: answer screening-age-group, give ageGroup, "
                    + "or record the patient's birthDate");
        }
        LocalDate born = patient.getBirthDate().toInstant().atZone(ZoneOffset.UTC).toLocalDate();
        LocalDate on = response.hasAuthored()
                ? response.getAuthored().toInstant().atZone(ZoneOffset.UTC).toLocalDate() : LocalDate.now(ZoneOffset.UTC);
        return AgeGroup.atAge(Period.between(born, on).getYears());
    }

    private static void collect(List<QuestionnaireResponse.QuestionnaireResponseItemComponent> items, Map<String, Type> answers) {
        for (QuestionnaireResponse.QuestionnaireResponseItemComponent item : items) {
            if (item.hasAnswer() && item.getAnswerFirstRep().hasValue()) {
                answers.put(item.getLinkId(), item.getAnswerFirstRep().getValue());
                item.getAnswer().forEach(a -> collect(a.getItem(), answers));
            }
            collect(item.getItem(), answers);
        }
    }

    private static int rating(int dimension, Type answer) {
        String value = answer.isPrimitive() ? answer.primitiveValue() : code(answer);
        try {
            return Integer.parseInt(value);
        } catch (NumberFormatException | NullPointerException e) {
            throw new InvalidAssessmentException("dim-" + dimension + "-rating is '" + value + "', not a rating 0-4");
        }
    }

    private static String code(Type answer) {
        return answer instanceof org.hl7.fhir.r4.model.Coding coding ? coding.getCode()
                : answer != null && answer.isPrimitive() ? answer.primitiveValue() : null;
    }

    private static boolean isTrue(Type answer) {
        return answer != null && answer.isPrimitive() && "true".equals(answer.primitiveValue());
    }
}
