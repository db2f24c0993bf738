package org.iopfhir.levelofcare;

import java.time.LocalDate;
import java.time.Period;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Supplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.hl7.fhir.r4.model.Coding;
import org.hl7.fhir.r4.model.Patient;
import org.hl7.fhir.r4.model.QuestionnaireResponse;
import org.hl7.fhir.r4.model.Type;
import org.iopfhir.fhir.FhirDates;

/**
 * Turns an answered {@code Questionnaire/iop-intake} (version 0.2.0) into an {@link Assessment}.
 * The linkIds are the questionnaire's contract: the ratings sit in edition-specific groups
 * ({@code eE-N-rating}: edition E, dimension N; {@code locus-X-rating}: LOCUS scale X), so a
 * response whose rating items do not fit the edition it claims is refused. The edition-neutral
 * groups hold facts that become findings for the rule tables: the suicide screen, withdrawal
 * scores, stability, pregnancy and opioid use, the home and support network.
 */
public final class IntakeReader {

    public static final String INTAKE = "http://iop-fhir.org/fhir/Questionnaire/iop-intake";
    static final String VERSION = "0.2.0";
    public static final String IMMINENT_DANGER = "imminent-danger";
    /** The placement findings (codes of {@link RuleTables#OBSERVATION_CODES}) an assessment may carry. */
    public static final Set<String> FINDINGS = Set.of(IMMINENT_DANGER, "withdrawal-signs", "complicated-withdrawal-history",
            "cognitive-impairment", "unsafe-environment", "no-support-network", "lives-with-active-users", "homeless",
            "medically-unstable", "psychiatrically-unstable", "withdrawal-score-moderate", "withdrawal-score-severe",
            "suicide-risk", "pregnant-opioid-use", "safety-plan", "psychiatric-evaluation", "otp-moud-consult");
    private static final Pattern ASAM_RATING = Pattern.compile("e([34])-(\\d)-rating");
    private static final Pattern LOCUS_RATING = Pattern.compile("locus-(\\w+)-rating");
    private static final String RXNORM = "http://www.nlm.nih.gov/research/umls/rxnorm";
    /** Opioid agonist treatment (buprenorphine, methadone): a pregnant person on it already has the consult's outcome. */
    private static final Set<String> OPIOID_AGONISTS = Set.of("1819", "6813");
    /** Withdrawal scale bands: CIWA-Ar 10-18 moderate, 19+ severe; COWS 13-24 moderate, 25+ (moderately) severe. */
    private static final int CIWA_MODERATE = 10;
    private static final int CIWA_SEVERE = 19;
    private static final int COWS_MODERATE = 13;
    private static final int COWS_SEVERE = 25;

    private IntakeReader() {
    }

    public static boolean isIntake(QuestionnaireResponse response) {
        String questionnaire = response.getQuestionnaire();
        return questionnaire != null && (questionnaire.equals(INTAKE) || questionnaire.startsWith(INTAKE + "|"));
    }

    /**
     * @param edition        overrides the response's edition when given
     * @param ageGroup       the age group when the caller knows it (e.g. the episode's); checked against the intake
     * @param patient        the subject (or null), read to check or derive the age group from its birthDate
     */
    public static Assessment read(QuestionnaireResponse response, String edition, AgeGroup ageGroup,
            Supplier<Patient> patient) {
        if (!isIntake(response)) {
            throw new InvalidAssessmentException("QuestionnaireResponse answers '" + response.getQuestionnaire()
                    + "', not the intake assessment " + INTAKE);
        }
        String version = response.getQuestionnaire().contains("|")
                ? response.getQuestionnaire().substring(response.getQuestionnaire().indexOf('|') + 1) : VERSION;
        if (!VERSION.equals(version)) {
            throw new InvalidAssessmentException("the intake answers version " + version + " of " + INTAKE
                    + "; this server places version " + VERSION + " (edition-specific rating groups): reassess with it");
        }
        if (response.getStatus() != QuestionnaireResponse.QuestionnaireResponseStatus.COMPLETED
                && response.getStatus() != QuestionnaireResponse.QuestionnaireResponseStatus.AMENDED) {
            throw new InvalidAssessmentException("the intake is " + (response.getStatus() == null ? "without status"
                    : response.getStatus().toCode()) + "; only a completed or amended intake can be placed");
        }
        if (!response.hasAuthor() || !response.getAuthor().hasReference() && !response.getAuthor().hasIdentifier()) {
            throw new InvalidAssessmentException("the intake names no author: who rated the dimensions has to be recorded");
        }
        Map<String, List<Type>> answers = new HashMap<>();
        collect(response.getItem(), answers);

        String instrumentCode = code(first(answers, "screening-instrument"));
        if ("calocus-casii".equals(instrumentCode)) {
            throw new InvalidAssessmentException("the intake asks for placement with CALOCUS-CASII, and no CALOCUS-CASII "
                    + "rule set is loaded (its grid is licensed: load it with iop.level-of-care.rule-sets); substance use "
                    + "placement for adolescents uses the ASAM 3rd edition (screening-instrument asam)");
        }
        Instrument instrument = instrumentCode == null ? Instrument.ASAM : Instrument.fromCode(instrumentCode);
        Map<String, Integer> ratings = new HashMap<>();
        String chosenEdition = null;
        if (instrument == Instrument.ASAM) {
            chosenEdition = asamEdition(answers, edition);
            ratings.putAll(asamRatings(answers, chosenEdition));
        } else {
            if (edition != null) {
                throw new InvalidAssessmentException("edition applies to ASAM placement; this intake is placed with "
                        + instrument.code());
            }
            answers.forEach((linkId, values) -> {
                Matcher locus = LOCUS_RATING.matcher(linkId);
                if (locus.matches()) {
                    ratings.put(locus.group(1), rating(linkId, values.get(0)));
                }
            });
        }
        return new Assessment(instrument, chosenEdition, ratings, ageGroup(answers, ageGroup, patient, response),
                findings(answers));
    }

    /** The edition the intake claims (or, without a claim, the one whose rating groups it answers); a request may not change it. */
    private static String asamEdition(Map<String, List<Type>> answers, String requested) {
        String claimed = code(first(answers, "screening-edition"));
        Set<String> answered = new TreeSet<>();
        answers.keySet().forEach(linkId -> {
            Matcher rating = ASAM_RATING.matcher(linkId);
            if (rating.matches()) {
                answered.add(rating.group(1));
            }
        });
        if (claimed == null && answered.size() > 1) {
            throw new InvalidAssessmentException("the intake rates dimensions of both editions and claims neither: answer "
                    + "screening-edition and only that edition's rating group");
        }
        String ratedUnder = claimed != null ? claimed : answered.isEmpty() ? null : answered.iterator().next();
        if (requested != null && ratedUnder != null && !requested.equals(ratedUnder)) {
            // Dimensions mean different things in the two editions: a rating cannot change edition.
            throw new InvalidAssessmentException("the intake was rated under edition " + ratedUnder
                    + " and cannot be placed under edition " + requested + "; reassess under that edition");
        }
        if (requested == null && ratedUnder == null) {
            throw new InvalidAssessmentException("the intake names no ASAM edition (screening-edition) and rates no dimension");
        }
        return requested != null ? requested : ratedUnder;
    }

    private static Map<String, Integer> asamRatings(Map<String, List<Type>> answers, String edition) {
        Map<String, Integer> ratings = new HashMap<>();
        List<String> misfits = new ArrayList<>();
        answers.forEach((linkId, values) -> {
            if (!linkId.startsWith("e3-") && !linkId.startsWith("e4-")) {
                return;
            }
            if (!linkId.startsWith("e" + edition + "-")) {
                misfits.add(linkId);
                return;
            }
            Matcher rating = ASAM_RATING.matcher(linkId);
            if (rating.matches()) {
                ratings.put("e" + edition + "-" + rating.group(2), rating(linkId, values.get(0)));
            }
        });
        if (!misfits.isEmpty()) {
            throw new InvalidAssessmentException("the intake claims ASAM edition " + edition + " but answers items of the other "
                    + "edition's group: " + new TreeSet<>(misfits) + "; dimensions differ between editions, so answer only "
                    + "the claimed edition's group");
        }
        return ratings;
    }

    /**
     * The given age group, the one the intake answers, or the one the patient's birthDate gives on the
     * day of the intake (calendar dates as recorded, no time zone shift); all that are known must agree.
     */
    private static AgeGroup ageGroup(Map<String, List<Type>> answers, AgeGroup given, Supplier<Patient> patient,
            QuestionnaireResponse response) {
        String answeredCode = code(first(answers, "screening-age-group"));
        AgeGroup answered = answeredCode == null ? null : AgeGroup.fromCode(answeredCode);
        Patient subject = patient.get();
        LocalDate born = subject == null ? null : FhirDates.localDate(subject.getBirthDateElement());
        LocalDate on = response.hasAuthored() ? FhirDates.localDate(response.getAuthoredElement()) : LocalDate.now(ZoneOffset.UTC);
        AgeGroup byBirth = born == null ? null : AgeGroup.atAge(Period.between(born, on).getYears());
        if (given != null && answered != null && given != answered) {
            throw new InvalidAssessmentException("ageGroup " + given.code() + " contradicts the intake's screening-age-group "
                    + answered.code());
        }
        AgeGroup stated = given != null ? given : answered;
        if (stated != null && byBirth != null && stated != byBirth) {
            throw new InvalidAssessmentException("the intake is for the " + stated.code() + " group, but the patient (born "
                    + born + ") was " + Period.between(born, on).getYears() + " on " + on + ": correct the age group or the birthDate");
        }
        if (stated == null && byBirth == null) {
            throw new InvalidAssessmentException("the age group is unknown: answer screening-age-group, give ageGroup, "
                    + "or record the patient's birthDate");
        }
        return stated != null ? stated : byBirth;
    }

    /** The facts of the edition-neutral groups as findings of iop-observation-code. */
    private static Set<String> findings(Map<String, List<Type>> answers) {
        Set<String> findings = new HashSet<>();
        if (isTrue(answers, "screening-imminent-danger") || isTrue(answers, "homicidal-ideation")
                || isTrue(answers, "cssrs-intent") || isTrue(answers, "cssrs-plan")) {
            findings.add(IMMINENT_DANGER);
        }
        Integer phq9Item9 = integer(answers, "screening-phq9-item9");
        if (isTrue(answers, "cssrs-active-thoughts") || isTrue(answers, "cssrs-method")
                || isTrue(answers, "cssrs-behavior-3-months") || isTrue(answers, "self-harm-3-months")
                || phq9Item9 != null && phq9Item9 > 0) {
            findings.add("suicide-risk");
        }
        addIf(findings, "safety-plan", isTrue(answers, "safety-plan-completed"));
        addIf(findings, "psychiatric-evaluation", isTrue(answers, "psychiatric-evaluation-completed"));
        String symptoms = code(first(answers, "withdrawal-symptoms"));
        addIf(findings, "withdrawal-signs", symptoms != null && !"none".equals(symptoms));
        addIf(findings, "complicated-withdrawal-history", isTrue(answers, "withdrawal-history-complicated"));
        int ciwa = orZero(integer(answers, "ciwa-ar-score"));
        int cows = orZero(integer(answers, "cows-score"));
        if (ciwa >= CIWA_SEVERE || cows >= COWS_SEVERE) {
            findings.add("withdrawal-score-severe");
        } else if (ciwa >= CIWA_MODERATE || cows >= COWS_MODERATE) {
            findings.add("withdrawal-score-moderate");
        }
        addIf(findings, "medically-unstable", isFalse(answers, "medically-stable"));
        addIf(findings, "psychiatrically-unstable", isFalse(answers, "psychiatrically-stable"));
        addIf(findings, "cognitive-impairment", isTrue(answers, "cognitive-impairment"));
        addIf(findings, "unsafe-environment", isFalse(answers, "environment-safe"));
        addIf(findings, "no-support-network", isFalse(answers, "support-network"));
        String living = code(first(answers, "living-situation"));
        addIf(findings, "lives-with-active-users", "living-with-active-users".equals(living));
        addIf(findings, "homeless", "homeless".equals(living));
        boolean opioids = answers.getOrDefault("substance-class", List.of()).stream().anyMatch(a -> "opioid".equals(code(a)))
                || answers.getOrDefault("diagnosis", List.of()).stream().map(IntakeReader::code)
                        .anyMatch(c -> c != null && c.startsWith("F11"));
        boolean onAgonist = answers.getOrDefault("current-moud-maud", List.of()).stream()
                .anyMatch(a -> a instanceof Coding c && RXNORM.equals(c.getSystem()) && OPIOID_AGONISTS.contains(c.getCode()));
        addIf(findings, "pregnant-opioid-use", isTrue(answers, "pregnant") && opioids);
        addIf(findings, "otp-moud-consult", onAgonist);
        return findings;
    }

    private static void addIf(Set<String> findings, String finding, boolean condition) {
        if (condition) {
            findings.add(finding);
        }
    }

    /** Every answer by linkId, at any depth (repeating groups add to the same list). */
    private static void collect(List<QuestionnaireResponse.QuestionnaireResponseItemComponent> items,
            Map<String, List<Type>> answers) {
        for (QuestionnaireResponse.QuestionnaireResponseItemComponent item : items) {
            for (QuestionnaireResponse.QuestionnaireResponseItemAnswerComponent answer : item.getAnswer()) {
                if (answer.hasValue()) {
                    answers.computeIfAbsent(item.getLinkId(), k -> new ArrayList<>()).add(answer.getValue());
                }
                collect(answer.getItem(), answers);
            }
            collect(item.getItem(), answers);
        }
    }

    private static Type first(Map<String, List<Type>> answers, String linkId) {
        List<Type> values = answers.get(linkId);
        return values == null || values.isEmpty() ? null : values.get(0);
    }

    private static int rating(String linkId, Type answer) {
        String value = answer.isPrimitive() ? answer.primitiveValue() : code(answer);
        try {
            return Integer.parseInt(value);
        } catch (NumberFormatException | NullPointerException e) {
            throw new InvalidAssessmentException(linkId + " is '" + value + "', not a rating");
        }
    }

    private static Integer integer(Map<String, List<Type>> answers, String linkId) {
        Type answer = first(answers, linkId);
        if (answer == null) {
            return null;
        }
        try {
            return Integer.valueOf(answer.primitiveValue());
        } catch (NumberFormatException | NullPointerException e) {
            throw new InvalidAssessmentException(linkId + " is '" + answer.primitiveValue() + "', not a whole number");
        }
    }

    private static int orZero(Integer value) {
        return value == null ? 0 : value;
    }

    private static String code(Type answer) {
        return answer instanceof Coding coding ? coding.getCode()
                : answer != null && answer.isPrimitive() ? answer.primitiveValue() : null;
    }

    private static boolean isTrue(Map<String, List<Type>> answers, String linkId) {
        Type answer = first(answers, linkId);
        return answer != null && answer.isPrimitive() && "true".equals(answer.primitiveValue());
    }

    /** Answered "no" (an unanswered question is not a finding). */
    private static boolean isFalse(Map<String, List<Type>> answers, String linkId) {
        Type answer = first(answers, linkId);
        return answer != null && answer.isPrimitive() && "false".equals(answer.primitiveValue());
    }
}
