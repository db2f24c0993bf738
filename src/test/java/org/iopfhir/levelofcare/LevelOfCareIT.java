package org.iopfhir.levelofcare;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ca.uhn.fhir.rest.server.exceptions.BaseServerResponseException;
import ca.uhn.fhir.rest.server.exceptions.InvalidRequestException;
import ca.uhn.fhir.rest.server.exceptions.ResourceNotFoundException;
import ca.uhn.fhir.rest.server.exceptions.UnprocessableEntityException;
import org.hl7.fhir.r4.model.BooleanType;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.CapabilityStatement;
import org.hl7.fhir.r4.model.CodeType;
import org.hl7.fhir.r4.model.Coding;
import org.hl7.fhir.r4.model.IdType;
import org.hl7.fhir.r4.model.IntegerType;
import org.hl7.fhir.r4.model.Observation;
import org.hl7.fhir.r4.model.OperationDefinition;
import org.hl7.fhir.r4.model.OperationOutcome;
import org.hl7.fhir.r4.model.Parameters;
import org.hl7.fhir.r4.model.Patient;
import org.hl7.fhir.r4.model.QuestionnaireResponse;
import org.hl7.fhir.r4.model.Range;
import org.hl7.fhir.r4.model.Reference;
import org.hl7.fhir.r4.model.StringType;
import org.iopfhir.testsupport.IgValidator;
import org.iopfhir.testsupport.PostgresServerTest;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** $level-of-care and $extract over HTTP on PostgreSQL, against the example episode. */
class LevelOfCareIT extends PostgresServerTest {

    private static final String DIMENSIONS = "http://iop-fhir.org/fhir/CodeSystem/asam-dimension";

    /** The tests read the example episode and add records of their own; loading it once per class is enough. */
    private static boolean exampleLoaded;

    @BeforeEach
    void exampleEpisode() {
        if (!exampleLoaded) {
            client().transaction().withBundle(IgValidator.exampleEpisode().copy()).execute();
            exampleLoaded = true;
        }
    }

    @Test
    void inlineRatingsGiveTheLevelHoursReasonsAndRuleSet() {
        Parameters out = levelOfCare(ratings("3", 1, 0, 2, 2, 3, 1));

        assertThat(((Coding) out.getParameterValue("level")).getCode()).isEqualTo("2.1");
        assertThat(((BooleanType) out.getParameterValue("imminentDanger")).booleanValue()).isFalse();
        Range hours = (Range) out.getParameterValue("weeklyHours");
        assertThat(hours.getLow().getValue()).isEqualByComparingTo("9");
        assertThat(hours.getHigh().getValue()).isEqualByComparingTo("20");
        assertThat(out.getParameters("dimension")).hasSize(6).allSatisfy(d -> {
            assertThat(d.getPart()).extracting(Parameters.ParametersParameterComponent::getName)
                    .containsExactly("code", "rating", "minimumLevel", "rationale", "source");
        });
        assertThat(out.getParameterValue("ruleSet").primitiveValue()).isEqualTo("asam-placement-3rd-edition|0.2.0");
        assertThat(((BooleanType) out.getParameterValue("conditional")).booleanValue()).isFalse();
        assertThat(out.getParameter("issue")).isNull();
    }

    @Test
    void adolescentsArePlacedWithTheAdolescentTableItsHoursAndNoWithdrawalSubLevels() {
        Parameters out = levelOfCare(ratings("3", "adolescent", 2, 0, 1, 1, 1, 1));

        assertThat(((Coding) out.getParameterValue("level")).getCode()).isEqualTo("2.1");
        assertThat(out.getParameter("withdrawalManagement")).as("adolescent criteria have no WM sub-levels").isNull();
        assertThat(((Range) out.getParameterValue("weeklyHours")).getLow().getValue()).isEqualByComparingTo("6");
        assertThat(out.getParameterValue("ageGroup").primitiveValue()).isEqualTo("adolescent");
        assertThat(out.getParameterValue("ruleSet").primitiveValue()).isEqualTo("asam-placement-3rd-edition-adolescent|0.2.0");
    }

    @Test
    void adultOnlyInstrumentsRefuseAdolescentsNamingTheRightOne() {
        assertRefused(ratings("4", "adolescent", 1, 0, 2, 3, 1), UnprocessableEntityException.class,
                "3rd edition's adolescent criteria");
        assertRefused(locus("adolescent", "3", "3", "3", "3", "3", "3", "3"), UnprocessableEntityException.class,
                "CALOCUS-CASII");
        Parameters withoutAge = ratings("3", 1, 0, 2, 2, 3, 1);
        withoutAge.getParameter().removeIf(p -> p.getName().equals("ageGroup"));
        assertRefused(withoutAge, InvalidRequestException.class, "ageGroup is required");
    }

    @Test
    void aBareDimensionNumberNeedsAnEditionBecauseTheEditionsNumberDifferently() {
        Parameters bare = new Parameters().addParameter("ageGroup", new CodeType("adult"));
        for (int i = 1; i <= 6; i++) {
            Parameters.ParametersParameterComponent rating = bare.addParameter().setName("rating");
            rating.addPart().setName("dimension").setValue(new Coding(DIMENSIONS, String.valueOf(i), null));
            rating.addPart().setName("value").setValue(new IntegerType(new int[] {1, 0, 2, 2, 3, 1}[i - 1]));
        }
        assertRefused(bare.copy(), InvalidRequestException.class, "does not say its edition");

        Parameters placed = levelOfCare(bare.addParameter("edition", new CodeType("3")));
        assertThat(((Coding) placed.getParameterValue("level")).getCode()).isEqualTo("2.1");
        Parameters conflicting = ratings("3", 1, 0, 2, 2, 3, 1);
        conflicting.getParameter().removeIf(p -> p.getName().equals("edition"));
        conflicting.addParameter("edition", new CodeType("4"));
        assertRefused(conflicting, InvalidRequestException.class, "rate one edition per request");
    }

    @Test
    void theIntakesFactsRaiseThePlacementAndDiscordantRatingsAreFlagged() {
        QuestionnaireResponse intake = IntakeEdits.example();
        IntakeEdits.answer(intake, "living-situation", new StringType("living-with-active-users"));
        IntakeEdits.answer(intake, "support-network", new BooleanType(false));

        Parameters out = levelOfCare(inline(intake));

        assertThat(((Coding) out.getParameterValue("level")).getCode()).as("D6 rated 1, but lives with users, no support")
                .isEqualTo("3.1");
        assertThat(out.getParameters("finding")).extracting(f -> ((Coding) f.getPart().get(0).getValue()).getCode())
                .contains("lives-with-active-users", "no-support-network");
        OperationOutcome issues = (OperationOutcome) out.getParameter("issue").getResource();
        assertThat(issues.getIssue()).anySatisfy(i -> {
            assertThat(i.getSeverity()).isEqualTo(OperationOutcome.IssueSeverity.WARNING);
            assertThat(i.getDiagnostics()).contains("dimension e3-6 is rated 1");
        });
    }

    @Test
    void activeSuicidalIdeationLeavesOnlyAConditionalRecommendationAndIntentIsImminentDanger() {
        QuestionnaireResponse ideation = IntakeEdits.example();
        IntakeEdits.answer(ideation, "cssrs-active-thoughts", new BooleanType(true));
        IntakeEdits.answer(ideation, "cssrs-method", new BooleanType(false));
        IntakeEdits.answer(ideation, "cssrs-intent", new BooleanType(false));
        IntakeEdits.answer(ideation, "cssrs-plan", new BooleanType(false));

        Parameters out = levelOfCare(inline(ideation));

        assertThat(((Coding) out.getParameterValue("level")).getCode()).isEqualTo("2.1");
        assertThat(((BooleanType) out.getParameterValue("conditional")).booleanValue()).isTrue();
        assertThat(out.getParameters("requirement")).extracting(r -> ((Coding) r.getPart().get(0).getValue()).getCode())
                .containsExactly("psychiatric-evaluation", "safety-plan");

        IntakeEdits.answer(ideation, "cssrs-intent", new BooleanType(true));
        Parameters intent = levelOfCare(inline(ideation));
        assertThat(((BooleanType) intent.getParameterValue("imminentDanger")).booleanValue()).isTrue();
        assertThat(((Coding) intent.getParameterValue("level")).getCode()).isEqualTo("4");
    }

    @Test
    void intakesThatDoNotFitTheirEditionOrLackAnAuthorAreRefused() {
        QuestionnaireResponse fourth = IntakeEdits.example();
        IntakeEdits.answer(fourth, "screening-edition", new Coding("http://iop-fhir.org/fhir/CodeSystem/asam-edition", "4", null));
        assertRefused(inline(fourth), UnprocessableEntityException.class, "claims ASAM edition 4 but answers items");

        QuestionnaireResponse anonymous = IntakeEdits.example().setAuthor(null);
        assertRefused(inline(anonymous), UnprocessableEntityException.class, "names no author");

        QuestionnaireResponse old = IntakeEdits.example().setQuestionnaire(IntakeReader.INTAKE + "|0.1.0");
        assertRefused(inline(old), UnprocessableEntityException.class, "answers version 0.1.0");

        QuestionnaireResponse teen = IntakeEdits.example();
        IntakeEdits.answer(teen, "screening-age-group", new Coding(RuleTables.AGE_GROUP_SYSTEM, "adolescent", null));
        assertRefused(inline(teen), UnprocessableEntityException.class, "but the patient (born");

        QuestionnaireResponse calocus = IntakeEdits.example();
        IntakeEdits.answer(calocus, "screening-instrument", new Coding("http://iop-fhir.org/fhir/CodeSystem/iop-placement-instrument",
                "calocus-casii", null));
        assertRefused(inline(calocus), UnprocessableEntityException.class, "no CALOCUS-CASII rule set is loaded");
    }

    @Test
    void locusRatingsArePlacedWithTheLocusRuleSetAndItsCompositeScore() {
        Parameters out = levelOfCare(locus("adult", "3", "3", "3", "3", "3", "3", "3"));

        Coding level = (Coding) out.getParameterValue("level");
        assertThat(level.getSystem()).isEqualTo(RuleTables.LOCUS_LEVEL_SYSTEM);
        assertThat(level.getCode()).isEqualTo("3");
        assertThat(out.getParameterValue("instrument").primitiveValue()).isEqualTo("locus");
        assertThat(out.getParameter("edition")).isNull();
        assertThat(out.getParameter("weeklyHours")).isNull();
        assertThat(out.getParameters("dimension")).hasSize(7);
        Parameters.ParametersParameterComponent composite = out.getParameter("composite");
        assertThat(((IntegerType) composite.getPart().get(0).getValue()).getValue()).isEqualTo(21);
        assertThat(((Coding) composite.getPart().get(1).getValue()).getCode()).isEqualTo("3");
        assertThat(out.getParameterValue("ruleSet").primitiveValue()).isEqualTo("locus-placement-illustrative|0.2.0");
        OperationOutcome issues = (OperationOutcome) out.getParameter("issue").getResource();
        assertThat(issues.getIssueFirstRep().getDiagnostics()).contains("illustrative");

        assertRefused(locus("adult", "3", "3", "3", "3", "3", "3"), UnprocessableEntityException.class, "dimension 6 is not rated");
        assertRefused(locus("adult", "0", "3", "3", "3", "3", "3", "3"), UnprocessableEntityException.class,
                "locus ratings run from 1 to 5");
        Parameters withEdition = locus("adult", "3", "3", "3", "3", "3", "3", "3").addParameter("edition", new CodeType("3"));
        assertRefused(withEdition, InvalidRequestException.class, "edition applies to ASAM ratings only");
        Parameters mixed = ratings("3", 1, 0, 2, 2, 3, 1);
        mixed.getParameter().addAll(locus(null, "3").getParameter());
        assertRefused(mixed, InvalidRequestException.class, "mix ASAM and LOCUS");
    }

    @Test
    void storedIntakeAndThePatientsLatestIntakeGiveTheSameAnswer() {
        Parameters byResponse = client().operation().onInstance(new IdType("QuestionnaireResponse/example-intake"))
                .named("$level-of-care").withNoParameters(Parameters.class).execute();
        Parameters byPatient = client().operation().onInstance(new IdType("Patient/example-patient"))
                .named("$level-of-care").withNoParameters(Parameters.class).execute();
        Parameters byReference = levelOfCare(new Parameters().addParameter("assessment",
                new Reference("QuestionnaireResponse/example-intake")));

        assertThat(((Coding) byResponse.getParameterValue("level")).getCode()).isEqualTo("2.1");
        assertThat(((Coding) byPatient.getParameterValue("level")).getCode()).isEqualTo("2.1");
        assertThat(((Coding) byReference.getParameterValue("level")).getCode()).isEqualTo("2.1");
    }

    @Test
    void persistStoresValidRecordsOnceHoweverOftenItIsAsked() {
        Parameters persist = new Parameters().addParameter("persist", new BooleanType(true));
        Parameters first = client().operation().onInstance(new IdType("QuestionnaireResponse/example-intake"))
                .named("$level-of-care").withParameters(persist).execute();
        Parameters second = client().operation().onInstance(new IdType("QuestionnaireResponse/example-intake"))
                .named("$level-of-care").withParameters(persist.copy()).execute();

        Observation determination = (Observation) first.getParameter("determination").getResource();
        assertThat(determination.getMeta().getProfile()).anyMatch(p -> p.getValue().endsWith("iop-level-of-care-determination"));
        assertThat(determination.getHasMember()).hasSize(6);
        assertThat(determination.getDerivedFromFirstRep().getReference()).isEqualTo("QuestionnaireResponse/example-intake");
        assertThat(((Observation) second.getParameter("determination").getResource()).getIdElement().getIdPart())
                .isEqualTo(determination.getIdElement().getIdPart());
        Bundle stored = client().search().forResource(Observation.class)
                .where(Observation.IDENTIFIER.exactly().systemAndIdentifier(DeterminationRecords.DETERMINATION_IDENTIFIER,
                        determination.getIdentifierFirstRep().getValue()))
                .returnBundle(Bundle.class).execute();
        assertThat(stored.getEntry()).hasSize(1);
    }

    @Test
    void aVarianceIsRecordedWithItsReasonAndADifferentDecisionIsANewDetermination() {
        IdType intake = new IdType("QuestionnaireResponse/example-intake");
        Parameters chosen = new Parameters().addParameter("persist", new BooleanType(true))
                .addParameter("actualLevel", new Coding(RuleTables.LEVEL_SYSTEM, "1", null));
        chosen.addParameter().setName("varianceReason").setValue(new org.hl7.fhir.r4.model.CodeableConcept(
                new Coding("http://iop-fhir.org/fhir/CodeSystem/iop-variance-reason", "waitlist", "Waitlist")));

        Parameters out = client().operation().onInstance(intake).named("$level-of-care").withParameters(chosen).execute();
        Parameters again = client().operation().onInstance(intake).named("$level-of-care").withParameters(chosen).execute();
        Parameters agreed = client().operation().onInstance(intake).named("$level-of-care")
                .withParameters(new Parameters().addParameter("persist", new BooleanType(true))).execute();

        Observation determination = (Observation) out.getParameter("determination").getResource();
        assertThat(determination.getComponent()).extracting(c -> c.getCode().getCodingFirstRep().getCode())
                .contains("actual-level", "variance-reason");
        assertThat(((Coding) out.getParameterValue("actualLevel")).getCode()).isEqualTo("1");
        assertThat(again.getParameter("determination").getResource().getIdElement().getIdPart())
                .isEqualTo(determination.getIdElement().getIdPart());
        assertThat(agreed.getParameter("determination").getResource().getIdElement().getIdPart())
                .isNotEqualTo(determination.getIdElement().getIdPart());

        Parameters unexplained = new Parameters().addParameter("persist", new BooleanType(true))
                .addParameter("actualLevel", new Coding(RuleTables.LEVEL_SYSTEM, "3.1", null));
        assertThatThrownBy(() -> client().operation().onInstance(intake).named("$level-of-care")
                .withParameters(unexplained).execute())
                .isInstanceOf(UnprocessableEntityException.class).hasMessageContaining("give varianceReason");
    }

    @Test
    void findingsGivenWithInlineRatingsApplyTheTablesModifiers() {
        Parameters input = ratings("3", 2, 0, 1, 1, 1, 1)
                .addParameter("finding", new Coding(RuleTables.OBSERVATION_CODES, "complicated-withdrawal-history", null));

        Parameters out = levelOfCare(input);

        assertThat(((Coding) out.getParameterValue("level")).getCode()).isEqualTo("3.7");
        assertThat(((Coding) out.getParameterValue("withdrawalManagement")).getCode()).isEqualTo("3.7-WM");
        assertThat(out.getParameter("modifier").getPart()).anySatisfy(p -> {
            assertThat(p.getName()).isEqualTo("rationale");
            assertThat(p.getValue().primitiveValue()).contains("complicated withdrawal");
        });
        assertRefused(ratings("3", 2, 0, 1, 1, 1, 1).addParameter("finding", new Coding(RuleTables.OBSERVATION_CODES, "lonely", null)),
                InvalidRequestException.class, "finding must be one of");
        assertRefused(ratings("3", 2, 0, 1, 1, 1, 1).addParameter("finding", new Coding(RuleTables.OBSERVATION_CODES, null, null)),
                InvalidRequestException.class, "finding must be one of");
        assertRefused(ratings("3", 2, 0, 1, 1, 1, 1).addParameter("actualLevel", new Coding(RuleTables.LEVEL_SYSTEM, null, null)),
                InvalidRequestException.class, "actualLevel must be a code of");
    }

    @Test
    void extractTurnsTheRatingsIntoObservationsThatPostOnce() {
        Bundle extracted = client().operation().onInstance(new IdType("QuestionnaireResponse/example-intake"))
                .named("$extract").withNoParameters(Parameters.class).returnResourceType(Bundle.class).execute();

        assertThat(extracted.getType()).isEqualTo(Bundle.BundleType.TRANSACTION);
        assertThat(extracted.getEntry()).hasSize(6);
        Bundle first = client().transaction().withBundle(extracted.copy()).execute();
        Bundle again = client().transaction().withBundle(extracted.copy()).execute();
        assertThat(again.getEntry()).extracting(e -> e.getResponse().getLocation())
                .containsExactlyElementsOf(first.getEntry().stream().map(e -> e.getResponse().getLocation()).toList());
    }

    @Test
    void extractAtTypeLevelFromAnInlineIntakeGivesTheSameRatingsValidAgainstTheGuide() {
        Bundle stored = client().operation().onInstance(new IdType("QuestionnaireResponse/example-intake"))
                .named("$extract").withNoParameters(Parameters.class).returnResourceType(Bundle.class).execute();
        QuestionnaireResponse intake = client().read().resource(QuestionnaireResponse.class).withId("example-intake").execute();
        Parameters in = new Parameters();
        in.addParameter().setName("questionnaire-response").setResource(intake);

        Bundle inline = client().operation().onType(QuestionnaireResponse.class).named("$extract")
                .withParameters(in).returnResourceType(Bundle.class).execute();

        assertThat(inline.getEntry()).extracting(e -> e.getRequest().getIfNoneExist())
                .containsExactlyElementsOf(stored.getEntry().stream().map(e -> e.getRequest().getIfNoneExist()).toList());
        assertThat(inline.getEntry()).allSatisfy(e -> assertThat(IgValidator.validator().validateWithResult(e.getResource())
                .getMessages()).noneMatch(m -> m.getSeverity().ordinal() >= ca.uhn.fhir.validation.ResultSeverityEnum.ERROR.ordinal()));
        assertThatThrownBy(() -> client().operation().onType(QuestionnaireResponse.class).named("$extract")
                .withNoParameters(Parameters.class).returnResourceType(Bundle.class).execute())
                .isInstanceOf(InvalidRequestException.class).hasMessageContaining("questionnaire-response");
    }

    @Test
    void badInputIsRefusedWithAnOperationOutcomeThatNamesTheProblem() {
        assertRefused(ratings("3", 1, 0, 2, 2, 3), UnprocessableEntityException.class, "dimension e3-6 is not rated");
        assertRefused(ratings("3", 1, 0, 2, 2, 7, 1), UnprocessableEntityException.class, "dimension e3-5 has rating 7");
        assertRefused(ratings("3", 1, 0, 2, 2, 3, 1).setParameter("edition", new CodeType("5")), InvalidRequestException.class,
                "rate one edition per request");
        assertRefused(new Parameters(), InvalidRequestException.class, "give exactly one of");
        assertRefused(new Parameters().addParameter("assessment", new Reference("QuestionnaireResponse/no-such-intake")),
                ResourceNotFoundException.class, "no-such-intake");

        QuestionnaireResponse notAnIntake = new QuestionnaireResponse()
                .setStatus(QuestionnaireResponse.QuestionnaireResponseStatus.COMPLETED)
                .setQuestionnaire("http://example.org/Questionnaire/phq9");
        Parameters withOther = new Parameters();
        withOther.addParameter().setName("response").setResource(notAnIntake);
        assertRefused(withOther, UnprocessableEntityException.class, "not the intake assessment");

        Parameters otherEdition = new Parameters().addParameter("edition", new CodeType("4"));
        assertThatThrownBy(() -> client().operation().onInstance(new IdType("QuestionnaireResponse/example-intake"))
                .named("$level-of-care").withParameters(otherEdition).execute())
                .isInstanceOf(UnprocessableEntityException.class).hasMessageContaining("rated under edition 3");

        IdType withoutIntake = (IdType) client().create().resource(new Patient().setActive(true)).execute().getId();
        assertThatThrownBy(() -> client().operation().onInstance(withoutIntake.toUnqualifiedVersionless())
                .named("$level-of-care").withNoParameters(Parameters.class).execute())
                .isInstanceOf(ResourceNotFoundException.class).hasMessageContaining("no completed or amended intake");
    }

    @Test
    void operationsArePublishedWithTheirDefinitions() {
        CapabilityStatement capabilities = client().capabilities().ofType(CapabilityStatement.class).execute();
        assertThat(capabilities.getRestFirstRep().getOperation())
                .anyMatch(o -> o.getName().equals("level-of-care") && o.getDefinition().equals(LevelOfCareOperation.CANONICAL));

        // HAPI answers reads of OperationDefinition/[id] with the definitions it generates itself;
        // ours, with the full parameter documentation, are found by their canonical URL.
        Bundle found = client().search().forResource(OperationDefinition.class)
                .where(OperationDefinition.URL.matches().value(LevelOfCareOperation.CANONICAL))
                .returnBundle(Bundle.class).execute();
        OperationDefinition definition = (OperationDefinition) found.getEntryFirstRep().getResource();
        assertThat(definition.getParameter()).extracting(OperationDefinition.OperationDefinitionParameterComponent::getName)
                .contains("assessment", "response", "rating", "finding", "edition", "ageGroup", "actualLevel", "varianceReason",
                        "persist", "level", "instrument", "dimension", "composite", "modifier", "ruleSet");
    }

    private Parameters levelOfCare(Parameters input) {
        return client().operation().onServer().named("$level-of-care").withParameters(input).execute();
    }

    private void assertRefused(Parameters input, Class<? extends BaseServerResponseException> status, String reason) {
        assertThatThrownBy(() -> levelOfCare(input)).isInstanceOfSatisfying(status, e -> {
            OperationOutcome outcome = (OperationOutcome) e.getOperationOutcome();
            assertThat(outcome.getIssueFirstRep().getDiagnostics()).contains(reason);
        });
    }

    /** LOCUS ratings in scale order 1, 2, 3, 4a, 4b, 5, 6, for an age group (null: none given). */
    private static Parameters locus(String ageGroup, String... values) {
        String[] scales = {"1", "2", "3", "4a", "4b", "5", "6"};
        Parameters input = new Parameters();
        if (ageGroup != null) {
            input.addParameter("ageGroup", new CodeType(ageGroup));
        }
        for (int i = 0; i < values.length; i++) {
            Parameters.ParametersParameterComponent rating = input.addParameter().setName("rating");
            rating.addPart().setName("dimension").setValue(new Coding(RuleTables.LOCUS_DIMENSION_SYSTEM, scales[i], null));
            rating.addPart().setName("value").setValue(new IntegerType(Integer.parseInt(values[i])));
        }
        return input;
    }

    private static Parameters ratings(String edition, int... values) {
        return ratings(edition, "adult", values);
    }

    /** ASAM ratings of dimensions 1, 2, ... of the edition, coded e{edition}-N. */
    private static Parameters ratings(String edition, String ageGroup, int... values) {
        Parameters input = new Parameters();
        input.addParameter().setName("edition").setValue(new CodeType(edition));
        input.addParameter().setName("ageGroup").setValue(new CodeType(ageGroup));
        for (int i = 0; i < values.length; i++) {
            Parameters.ParametersParameterComponent rating = input.addParameter().setName("rating");
            rating.addPart().setName("dimension").setValue(new Coding(DIMENSIONS, "e" + edition + "-" + (i + 1), null));
            rating.addPart().setName("value").setValue(new IntegerType(values[i]));
        }
        return input;
    }

    private static Parameters inline(QuestionnaireResponse intake) {
        Parameters input = new Parameters();
        input.addParameter().setName("response").setResource(intake);
        return input;
    }
}
