package org.iopfhir.ig;

import static org.assertj.core.api.Assertions.assertThat;

import ca.uhn.fhir.validation.ResultSeverityEnum;
import ca.uhn.fhir.validation.SingleValidationMessage;
import ca.uhn.fhir.validation.ValidationResult;
import java.util.List;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.hl7.fhir.r4.model.Appointment;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.CanonicalType;
import org.hl7.fhir.r4.model.CarePlan;
import org.hl7.fhir.r4.model.CodeableConcept;
import org.hl7.fhir.r4.model.Consent;
import org.hl7.fhir.r4.model.Encounter;
import org.hl7.fhir.r4.model.EpisodeOfCare;
import org.hl7.fhir.r4.model.Goal;
import org.hl7.fhir.r4.model.IntegerType;
import org.hl7.fhir.r4.model.MetadataResource;
import org.hl7.fhir.r4.model.Observation;
import org.hl7.fhir.r4.model.QuestionnaireResponse;
import org.hl7.fhir.r4.model.Resource;
import org.iopfhir.testsupport.IgValidator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** The guide as shipped: conventions, valid examples, and each profile's key rule enforced. */
class ImplementationGuideTest {

    private static final String LEVELS = "http://iop-fhir.org/fhir/CodeSystem/asam-level-of-care";

    @Test
    void everyConformanceResourceHasItsCanonicalUrlIdAndFileName() {
        assertThat(IgValidator.guide().conformance()).hasSizeGreaterThan(40).allSatisfy(entry -> {
            MetadataResource resource = (MetadataResource) entry.resource();
            String type = resource.fhirType();
            assertThat(resource.getUrl()).isEqualTo(ImplementationGuide.CANONICAL_BASE + type + "/" + resource.getIdPart());
            assertThat(resource.getIdPart()).matches("[a-z0-9]+(-[a-z0-9.]+)*");
            assertThat(entry.file()).endsWith("/" + type + "-" + resource.getIdPart() + ".json");
            assertThat(resource.getVersion()).isEqualTo(ImplementationGuide.VERSION);
        });
    }

    @Test
    void everyExampleResourceValidatesWithZeroErrors() {
        List<Bundle.BundleEntryComponent> entries = exampleEpisode().getEntry();
        assertThat(entries).hasSizeGreaterThan(100);
        assertThat(entries).allSatisfy(entry -> assertThat(errors(entry.getResource()))
                .as(entry.getResource().getIdElement().getValue()).isEmpty());
    }

    @Test
    void exampleEpisodeUsesEveryProfileOfTheGuide() {
        List<String> claimed = exampleEpisode().getEntry().stream()
                .flatMap(e -> e.getResource().getMeta().getProfile().stream()).map(CanonicalType::getValue)
                .distinct().toList();
        List<String> profiles = IgValidator.guide().conformance().stream()
                .map(ImplementationGuide.Entry::resource)
                .filter(r -> r instanceof org.hl7.fhir.r4.model.StructureDefinition sd
                        && sd.getKind() == org.hl7.fhir.r4.model.StructureDefinition.StructureDefinitionKind.RESOURCE)
                .map(r -> ((MetadataResource) r).getUrl()).toList();
        assertThat(claimed).containsAll(profiles);
    }

    /**
     * What any SDC engine makes of the example intake following the Questionnaire's observationExtract
     * flags (SDC "Observation-based extraction": code from the item, value from the answer,
     * category from observation-extract-category, subject, effective = authored, derivedFrom the response)
     * is a valid dimension rating: no IOP-specific extraction is needed.
     */
    @Test
    void aStandardSdcObservationExtractionOfTheIntakeGivesValidDimensionRatings() {
        QuestionnaireResponse intake = exampleEpisode().getEntry().stream().map(Bundle.BundleEntryComponent::getResource)
                .filter(QuestionnaireResponse.class::isInstance).map(QuestionnaireResponse.class::cast).findFirst().orElseThrow();
        org.hl7.fhir.r4.model.Questionnaire questionnaire = IgValidator.guide().conformance().stream()
                .map(ImplementationGuide.Entry::resource).filter(org.hl7.fhir.r4.model.Questionnaire.class::isInstance)
                .map(org.hl7.fhir.r4.model.Questionnaire.class::cast).findFirst().orElseThrow();
        java.util.Map<String, org.hl7.fhir.r4.model.Questionnaire.QuestionnaireItemComponent> flagged = new java.util.HashMap<>();
        collectFlagged(questionnaire.getItem(), flagged);
        List<Observation> extracted = new java.util.ArrayList<>();
        collectAnswers(intake.getItem(), flagged, intake, extracted);

        assertThat(extracted).hasSize(6).allSatisfy(observation -> {
            assertThat(observation.getValue()).isInstanceOf(CodeableConcept.class);
            assertThat(errors(observation)).as(observation.getCode().getCodingFirstRep().getCode()).isEmpty();
        });
    }

    private static void collectFlagged(List<org.hl7.fhir.r4.model.Questionnaire.QuestionnaireItemComponent> items,
            java.util.Map<String, org.hl7.fhir.r4.model.Questionnaire.QuestionnaireItemComponent> flagged) {
        for (var item : items) {
            var flag = item.getExtensionByUrl("http://hl7.org/fhir/uv/sdc/StructureDefinition/sdc-questionnaire-observationExtract");
            if (flag != null && ((org.hl7.fhir.r4.model.BooleanType) flag.getValue()).booleanValue()) {
                flagged.put(item.getLinkId(), item);
            }
            collectFlagged(item.getItem(), flagged);
        }
    }

    private static void collectAnswers(List<QuestionnaireResponse.QuestionnaireResponseItemComponent> items,
            java.util.Map<String, org.hl7.fhir.r4.model.Questionnaire.QuestionnaireItemComponent> flagged,
            QuestionnaireResponse response, List<Observation> extracted) {
        for (var item : items) {
            var definition = flagged.get(item.getLinkId());
            if (definition != null) {
                for (var answer : item.getAnswer()) {
                    Observation observation = new Observation().setStatus(Observation.ObservationStatus.FINAL)
                            .setCode(new CodeableConcept().setCoding(definition.getCode()))
                            .setSubject(response.getSubject()).setEffective(response.getAuthoredElement().copy())
                            // R4 Observation.value has no Coding: a coded answer becomes a CodeableConcept.
                            .setValue(answer.getValue() instanceof org.hl7.fhir.r4.model.Coding coded
                                    ? new CodeableConcept(coded.copy()) : answer.getValue().copy());
                    observation.addDerivedFrom(new org.hl7.fhir.r4.model.Reference("QuestionnaireResponse/" + response.getIdPart()));
                    definition.getExtensionsByUrl("http://hl7.org/fhir/uv/sdc/StructureDefinition/sdc-questionnaire-observation-extract-category")
                            .forEach(category -> observation.addCategory((CodeableConcept) category.getValue()));
                    observation.getMeta().addProfile(ImplementationGuide.PROFILE_BASE + "iop-dimension-rating");
                    extracted.add(observation);
                }
            }
            item.getAnswer().forEach(answer -> collectAnswers(answer.getItem(), flagged, response, extracted));
            collectAnswers(item.getItem(), flagged, response, extracted);
        }
    }

    static Stream<Arguments> brokenVariants() {
        return Stream.of(
                broken("a finished episode must say why it ended", "EpisodeOfCare/example-episode", EpisodeOfCare.class,
                        e -> e.getExtension().removeIf(x -> x.getUrl().endsWith("iop-discharge-reason")), "iop-eoc-4"),
                broken("the patient takes part in the plan", "CarePlan/example-careplan", CarePlan.class,
                        p -> p.getContributor().removeIf(r -> r.getReference().startsWith("Patient/")), "iop-cp-2"),
                broken("planned sessions need a frequency and duration", "CarePlan/example-careplan", CarePlan.class,
                        p -> p.getActivityFirstRep().getDetail().getScheduledTiming().getRepeat().setDurationElement(null),
                        "iop-cp-3"),
                broken("a goal is measurable only with a due date", "Goal/example-goal-phq9", Goal.class,
                        g -> g.getTargetFirstRep().setDue(null), "iop-goal-1"),
                broken("a session belongs to an episode", "Appointment/example-appt-g01", Appointment.class,
                        a -> a.getSupportingInformation().removeIf(r -> r.getReference().startsWith("EpisodeOfCare/")),
                        "iop-appt-2"),
                broken("attended time is counted in minutes", "Encounter/example-enc-g01", Encounter.class,
                        e -> e.getLength().setCode("h").setUnit("h").setValue(3), "iop-enc-2"),
                broken("an intake answers our questionnaire", "QuestionnaireResponse/example-intake",
                        QuestionnaireResponse.class, q -> q.setQuestionnaire("http://example.org/Questionnaire/phq9"),
                        "iop-qr-1"),
                broken("ratings run from 0 to 4", "Observation/example-rating-5", Observation.class,
                        o -> o.setValue(new IntegerType(5)), "iop-dim-2"),
                broken("a level other than the recommended one needs a variance reason",
                        "Observation/example-determination", Observation.class, o -> {
                            o.getComponent().removeIf(c -> c.getCode().getCodingFirstRep().getCode().equals("variance-reason"));
                            o.getComponent().stream()
                                    .filter(c -> c.getCode().getCodingFirstRep().getCode().equals("actual-level"))
                                    .forEach(c -> c.setValue(new CodeableConcept().addCoding(
                                            new org.hl7.fhir.r4.model.Coding(LEVELS, "3.1", null))));
                        }, "iop-loc-1"),
                broken("Part 2 consent names its recipient", "Consent/example-consent", Consent.class,
                        c -> c.getProvision().getActorFirstRep().getRole().getCodingFirstRep().setCode("AUT"), "iop-cons-2"),
                broken("a drug screen is coded with LOINC, not the retired local code", "Observation/example-uds-01",
                        Observation.class, o -> o.getCode().getCodingFirstRep()
                                .setSystem("http://iop-fhir.org/fhir/CodeSystem/iop-session-type").setCode("drug-testing"),
                        "iop-uds-1"),
                broken("a drug screen's result is coded, not a string", "Observation/example-uds-01",
                        Observation.class, o -> o.setValue(new org.hl7.fhir.r4.model.StringType("Negative")),
                        "allows for the type CodeableConcept"),
                broken("a drug screen's result is SNOMED CT Positive, Negative or Inconclusive", "Observation/example-uds-01",
                        Observation.class, o -> o.getValueCodeableConcept().getCodingFirstRep().setCode("52101004"),
                        "iop-drug-screen-result"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("brokenVariants")
    void brokenVariantOfAProfilesKeyRuleIsRejectedWithItsRule(String rule, Resource broken, String constraintKey) {
        assertThat(errors(broken)).as(rule).anyMatch(m -> m.getMessage().contains(constraintKey));
    }

    private static <T extends Resource> Arguments broken(String rule, String id, Class<T> type, Consumer<T> breakIt,
            String constraintKey) {
        T resource = type.cast(exampleEpisode().getEntry().stream()
                .map(Bundle.BundleEntryComponent::getResource)
                .filter(r -> r.getIdElement().toUnqualifiedVersionless().getValue().equals(id))
                .findFirst().orElseThrow(() -> new AssertionError(id + " is not in the example episode"))
                .copy());
        assertThat(errors(resource)).as(id + " before breaking it").isEmpty();
        breakIt.accept(resource);
        return Arguments.of(rule, resource, constraintKey);
    }

    private static List<SingleValidationMessage> errors(Resource resource) {
        ValidationResult result = IgValidator.validator().validateWithResult(resource);
        return result.getMessages().stream()
                .filter(m -> m.getSeverity().ordinal() >= ResultSeverityEnum.ERROR.ordinal()).toList();
    }

    private static Bundle exampleEpisode() {
        return IgValidator.exampleEpisode();
    }
}
