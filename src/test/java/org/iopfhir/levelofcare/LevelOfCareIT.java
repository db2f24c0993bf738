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
import org.iopfhir.testsupport.IgValidator;
import org.iopfhir.testsupport.PostgresServerTest;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** $level-of-care and $extract over HTTP on PostgreSQL, against the example episode. */
class LevelOfCareIT extends PostgresServerTest {

    private static final String DIMENSIONS = "http://iop-fhir.org/fhir/CodeSystem/asam-dimension";

    @BeforeEach
    void exampleEpisode() {
        client().transaction().withBundle(IgValidator.exampleEpisode().copy()).execute();
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
                    .containsExactly("code", "rating", "minimumLevel", "rationale");
        });
        assertThat(out.getParameterValue("ruleSet").primitiveValue()).isEqualTo("asam-placement-3rd-edition|0.1.0");
    }

    @Test
    void adolescentHoursAndWithdrawalManagementAreReported() {
        Parameters input = ratings("3", 2, 0, 1, 1, 1, 1);
        input.addParameter().setName("ageGroup").setValue(new CodeType("adolescent"));

        Parameters out = levelOfCare(input);

        assertThat(((Coding) out.getParameterValue("withdrawalManagement")).getCode()).isEqualTo("2-WM");
        assertThat(((Range) out.getParameterValue("weeklyHours")).getLow().getValue()).isEqualByComparingTo("6");
    }

    @Test
    void locusRatingsArePlacedWithTheLocusRuleSetAndItsCompositeScore() {
        Parameters out = levelOfCare(locus("3", "3", "3", "3", "3", "3", "3"));

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
        assertThat(out.getParameterValue("ruleSet").primitiveValue()).isEqualTo("locus-placement-illustrative|0.1.0");

        assertRefused(locus("3", "3", "3", "3", "3", "3"), UnprocessableEntityException.class, "dimension 6 is not rated");
        assertRefused(locus("0", "3", "3", "3", "3", "3", "3"), UnprocessableEntityException.class, "locus ratings run from 1 to 5");
        Parameters withEdition = locus("3", "3", "3", "3", "3", "3", "3").addParameter("edition", new CodeType("3"));
        assertRefused(withEdition, InvalidRequestException.class, "edition applies to ASAM ratings only");
        Parameters mixed = ratings("3", 1, 0, 2, 2, 3, 1);
        mixed.getParameter().addAll(locus("3").getParameter());
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
        assertThat(out.getParameterValue("modifier").primitiveValue()).contains("complicated withdrawal");
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
    void badInputIsRefusedWithAnOperationOutcomeThatNamesTheProblem() {
        assertRefused(ratings("3", 1, 0, 2, 2, 3), UnprocessableEntityException.class, "dimension 6 is not rated");
        assertRefused(ratings("3", 1, 0, 2, 2, 7, 1), UnprocessableEntityException.class, "dimension 5 has rating 7");
        assertRefused(ratings("5", 1, 0, 2, 2, 3, 1), UnprocessableEntityException.class, "unknown ASAM edition");
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
                .isInstanceOf(ResourceNotFoundException.class).hasMessageContaining("no completed intake");
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

    /** LOCUS ratings in scale order 1, 2, 3, 4a, 4b, 5, 6. */
    private static Parameters locus(String... values) {
        String[] scales = {"1", "2", "3", "4a", "4b", "5", "6"};
        Parameters input = new Parameters();
        for (int i = 0; i < values.length; i++) {
            Parameters.ParametersParameterComponent rating = input.addParameter().setName("rating");
            rating.addPart().setName("dimension").setValue(new Coding(RuleTables.LOCUS_DIMENSION_SYSTEM, scales[i], null));
            rating.addPart().setName("value").setValue(new IntegerType(Integer.parseInt(values[i])));
        }
        return input;
    }

    private static Parameters ratings(String edition, int... values) {
        Parameters input = new Parameters();
        input.addParameter().setName("edition").setValue(new CodeType(edition));
        for (int i = 0; i < values.length; i++) {
            Parameters.ParametersParameterComponent rating = input.addParameter().setName("rating");
            rating.addPart().setName("dimension").setValue(new Coding(DIMENSIONS, String.valueOf(i + 1), null));
            rating.addPart().setName("value").setValue(new IntegerType(values[i]));
        }
        return input;
    }
}
