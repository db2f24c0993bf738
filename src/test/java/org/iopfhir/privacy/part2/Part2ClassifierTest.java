package org.iopfhir.privacy.part2;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import ca.uhn.fhir.context.FhirContext;
import java.time.Duration;
import java.util.List;
import java.util.function.Consumer;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.Claim;
import org.hl7.fhir.r4.model.CodeableConcept;
import org.hl7.fhir.r4.model.Coding;
import org.hl7.fhir.r4.model.Condition;
import org.hl7.fhir.r4.model.Consent;
import org.hl7.fhir.r4.model.DocumentReference;
import org.hl7.fhir.r4.model.Encounter;
import org.hl7.fhir.r4.model.EpisodeOfCare;
import org.hl7.fhir.r4.model.Observation;
import org.hl7.fhir.r4.model.Organization;
import org.hl7.fhir.r4.model.Patient;
import org.hl7.fhir.r4.model.Practitioner;
import org.hl7.fhir.r4.model.QuestionnaireResponse;
import org.hl7.fhir.r4.model.Reference;
import org.hl7.fhir.r4.model.ValueSet;
import org.iopfhir.ig.ImplementationGuide;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

class Part2ClassifierTest {

    static final FhirContext FHIR = FhirContext.forR4Cached();
    static final ImplementationGuide GUIDE = ImplementationGuide.fromClasspath(FHIR);
    static final Part2Classifier CLASSIFIER = Part2Classifier.fromGuide(FHIR, GUIDE);

    static final String ICD10CM = "http://hl7.org/fhir/sid/icd-10-cm";
    static final String ICD10CM_OID = "urn:oid:2.16.840.1.113883.6.90";
    static final String ICD10 = "http://hl7.org/fhir/sid/icd-10";
    static final String ICD10_OID = "urn:oid:2.16.840.1.113883.6.3";
    static final String SNOMED = "http://snomed.info/sct";
    static final String SNOMED_OID = "urn:oid:2.16.840.1.113883.6.96";
    static final String LOINC = "http://loinc.org";
    static final String LOCAL = "http://example.org/local-codes";

    static EpisodeOfCare episode(String track) {
        EpisodeOfCare episode = new EpisodeOfCare();
        episode.addType().addCoding(new Coding(Part2Classifier.PROGRAM_TRACK, track, null));
        return episode;
    }

    static Condition diagnosis(String system, String code) {
        return diagnosis(new Coding(system, code, null));
    }

    static Condition diagnosis(Coding coding) {
        Condition condition = new Condition();
        condition.getCode().addCoding(coding);
        return condition;
    }

    static Condition diagnosisText(String text) {
        Condition condition = new Condition();
        condition.getCode().setText(text);
        return condition;
    }

    static Observation observationCode(String text) {
        Observation observation = new Observation();
        observation.getCode().setText(text);
        return observation;
    }

    static <T extends IBaseResource> T with(T resource, Consumer<T> change) {
        change.accept(resource);
        return resource;
    }

    static DocumentReference note(String system, String code, boolean asCategory) {
        DocumentReference note = new DocumentReference();
        note.setType(new CodeableConcept(new Coding(LOINC, "11506-3", null)));
        note.getContext().addEncounter(new Reference("Encounter/e1"));
        if (asCategory) {
            note.addCategory(new CodeableConcept(new Coding(system, code, null)));
        } else {
            note.setType(new CodeableConcept(new Coding(system, code, null)));
        }
        return note;
    }

    static List<Arguments> programEpisodes() {
        return List.of(
                Arguments.of("an episode of the SUD track is an SUD program's record", episode("sud"), true),
                Arguments.of("an episode of the co-occurring track treats SUD too", episode("co-occurring"), true),
                Arguments.of("a mental-health-only episode is not Part 2 by itself", episode("mental-health"), false),
                Arguments.of("the track code in another system is not our program track",
                        with(new EpisodeOfCare(), e -> e.addType().addCoding(new Coding(LOCAL, "sud", null))), false));
    }

    static List<Arguments> codedDiagnoses() {
        return List.of(
                Arguments.of("alcohol dependence F10.20, written the ICD-10-CM way", diagnosis(ICD10CM, "F10.20"), true),
                Arguments.of("opioid dependence without the dot (F1120), as billing systems store it", diagnosis(ICD10CM, "F1120"), true),
                Arguments.of("opioid dependence in lower case (f11.20)", diagnosis(ICD10CM, "f11.20"), true),
                Arguments.of("opioid dependence with spaces around and inside (' F11.2 0 ')", diagnosis(ICD10CM, " F11.2 0 "), true),
                Arguments.of("opioid abuse F11.10 (F11.1: abuse is an SUD too)", diagnosis(ICD10CM, "F11.10"), true),
                Arguments.of("opioid use F110 without the dot is still in category F11", diagnosis(ICD10CM, "F110"), true),
                Arguments.of("sedative, hypnotic or anxiolytic dependence F13.20", diagnosis(ICD10CM, "F13.20"), true),
                Arguments.of("other stimulant abuse F15.10 (amphetamine-type)", diagnosis(ICD10CM, "F15.10"), true),
                Arguments.of("inhalant dependence F18.20", diagnosis(ICD10CM, "F18.20"), true),
                Arguments.of("a category code alone, F19 (other psychoactive substance)", diagnosis(ICD10CM, "F19"), true),
                Arguments.of("cannabis use F12.90 under the HL7 OID of ICD-10-CM", diagnosis(ICD10CM_OID, "F12.90"), true),
                Arguments.of("WHO ICD-10 F10.2 alcohol dependence syndrome", diagnosis(ICD10, "F10.2"), true),
                Arguments.of("WHO ICD-10 F11.0 acute opioid intoxication under the HL7 OID of ICD-10", diagnosis(ICD10_OID, "F11.0"), true),
                Arguments.of("alcohol use complicating pregnancy O99.310 (ICD-10-CM chapter 15)", diagnosis(ICD10CM, "O99.310"), true),
                Arguments.of("drug use complicating childbirth O99.324", diagnosis(ICD10CM, "O99.324"), true),
                Arguments.of("nicotine dependence F17.210: 42 CFR 2.11 excludes tobacco", diagnosis(ICD10CM, "F17.210"), false),
                Arguments.of("nicotine dependence category F17 alone", diagnosis(ICD10CM, "F17"), false),
                Arguments.of("WHO ICD-10 F17.2 tobacco dependence", diagnosis(ICD10, "F17.2"), false),
                Arguments.of("smoking complicating pregnancy O99.33 is tobacco", diagnosis(ICD10CM, "O99.330"), false),
                Arguments.of("mental disorders complicating pregnancy O99.34 are not SUD", diagnosis(ICD10CM, "O99.340"), false),
                Arguments.of("generalized anxiety F41.1 is mental health, not SUD", diagnosis(ICD10CM, "F41.1"), false),
                Arguments.of("major depressive disorder F32.9", diagnosis(ICD10CM, "F32.9"), false),
                Arguments.of("schizophrenia F20.9 follows the SUD block", diagnosis(ICD10CM, "F20.9"), false),
                Arguments.of("F1 alone is no code at all", diagnosis(ICD10CM, "F1"), false),
                Arguments.of("F10.20 in a local code system: we cannot know what it means", diagnosis(LOCAL, "F10.20"), false),
                Arguments.of("an ICD code under the SNOMED CT system", diagnosis(SNOMED, "F11.20"), false),
                Arguments.of("a SNOMED CT code under the ICD-10-CM system", diagnosis(ICD10CM, "75544000"), false),
                Arguments.of("SNOMED CT opioid dependence 75544000", diagnosis(SNOMED, "75544000"), true),
                Arguments.of("SNOMED CT alcohol use disorder 1336085007", diagnosis(SNOMED, "1336085007"), true),
                Arguments.of("SNOMED CT cocaine abuse 78267003 under the HL7 OID of SNOMED CT", diagnosis(SNOMED_OID, "78267003"), true),
                Arguments.of("SNOMED CT drug abuse 26416006 with stray spaces", diagnosis(SNOMED, " 26416006 "), true),
                Arguments.of("SNOMED CT group psychotherapy 76168009 is a procedure, not a diagnosis", diagnosis(SNOMED, "76168009"), false),
                Arguments.of("an SUD reason for a session",
                        with(new Encounter(), e -> e.addReasonCode().addCoding(new Coding(ICD10CM, "F11.20", null))), true),
                Arguments.of("an SUD problem recorded as an Observation value",
                        with(new Observation(), o -> o.setValue(new CodeableConcept(new Coding(ICD10CM, "F14.20", null)))), true),
                Arguments.of("an SUD code in an extension",
                        with(new Observation(), o -> o.addExtension("http://example.org/ext/primary-diagnosis",
                                new Coding(ICD10CM, "F10.20", null))), true),
                Arguments.of("an SUD Condition contained in an Encounter", with(new Encounter(), e -> {
                    e.addContained(diagnosis(ICD10CM, "F12.20").setId("dx"));
                    e.addDiagnosis().setCondition(new Reference("#dx"));
                }), true),
                Arguments.of("an SUD diagnosis on a claim",
                        with(new Claim(), c -> c.addDiagnosis().setSequence(1).setDiagnosis(
                                new CodeableConcept(new Coding(ICD10CM, "F11.20", null)))), true),
                Arguments.of("an SUD code next to a mental-health one", with(diagnosis(ICD10CM, "F41.1"),
                        c -> c.getCode().addCoding(new Coding(SNOMED, "66590003", null))), true));
    }

    static List<Arguments> namedDiagnoses() {
        return List.of(
                Arguments.of("an opioid use disorder given as text only", diagnosisText("Opioid use disorder, moderate"), true),
                Arguments.of("alcohol dependence as the display of a local code",
                        diagnosis(new Coding(LOCAL, "AD-1", "Alcohol dependence")), true),
                Arguments.of("a SNOMED CT descendant the value set does not list, by its display",
                        diagnosis(new Coding(SNOMED, "191819002", "Continuous opioid dependence")), true),
                Arguments.of("sustained remission is still an SUD diagnosis",
                        diagnosisText("Severe alcohol use disorder, in sustained remission"), true),
                Arguments.of("DSM-5 sedative, hypnotic, or anxiolytic use disorder",
                        diagnosisText("Sedative, hypnotic, or anxiolytic use disorder, mild"), true),
                Arguments.of("history of alcoholism", diagnosisText("History of alcoholism"), true),
                Arguments.of("substance abuse", diagnosisText("SUBSTANCE ABUSE"), true),
                Arguments.of("drug abuse as an encounter reason", with(new Encounter(), e -> e.addReasonCode().setText("drug abuse")), true),
                Arguments.of("heroin addiction", diagnosisText("Heroin addiction"), true),
                Arguments.of("addiction to prescription opioids", diagnosisText("Addiction to prescription opioids"), true),
                Arguments.of("chemical dependency", diagnosisText("Chemical dependency"), true),
                Arguments.of("ICD-10 harmful use wording", diagnosisText("Harmful use of alcohol"), true),
                Arguments.of("alcohol abuse next to nicotine dependence is still alcohol abuse",
                        diagnosisText("Tobacco dependence and alcohol abuse"), true),
                Arguments.of("substance abuse with tobacco expressly excepted",
                        diagnosisText("Substance abuse, excluding tobacco"), true),
                Arguments.of("a bare addiction diagnosis", diagnosisText("Addiction"), true),
                Arguments.of("an SUD named in an Observation value",
                        with(new Observation(), o -> o.setValue(new CodeableConcept().setText("opioid use disorder"))), true),
                Arguments.of("a session of counseling for substance abuse is SUD treatment",
                        with(new Encounter(), e -> e.addType().addCoding(new Coding(SNOMED, "313071005", "Counseling for substance abuse"))), true),
                Arguments.of("the LOCUS co-morbidity dimension is rated for every mental-health patient",
                        with(new Observation(), o -> o.getCode().addCoding(new Coding("http://iop-fhir.org/fhir/CodeSystem/locus-dimension",
                                "3", "Medical, addictive and psychiatric co-morbidity"))), false),
                Arguments.of("tobacco use disorder: 42 CFR 2.11 excludes tobacco", diagnosisText("Tobacco use disorder"), false),
                Arguments.of("nicotine dependence alone", diagnosis(new Coding(LOCAL, "ND", "Nicotine dependence, cigarettes, uncomplicated")), false),
                Arguments.of("caffeine use disorder: 42 CFR 2.11 excludes caffeine", diagnosisText("Caffeine use disorder"), false),
                Arguments.of("nicotine addiction", diagnosisText("Nicotine addiction"), false),
                Arguments.of("gambling addiction is not a substance use disorder", diagnosisText("Gambling addiction"), false),
                Arguments.of("addicted to the internet", diagnosisText("Addicted to internet gaming"), false),
                Arguments.of("a generic substance word qualified by nicotine",
                        diagnosisText("Substance use disorder (nicotine)"), false),
                Arguments.of("the AUDIT-C screening instrument everyone is given",
                        observationCode("Alcohol Use Disorders Identification Test - Consumption [AUDIT-C]"), false),
                Arguments.of("the DAST-10 screening instrument", observationCode("Drug Abuse Screening Test (DAST-10)"), false),
                Arguments.of("what a screening looks for", observationCode("Screening for alcohol abuse"), false),
                Arguments.of("social history: alcohol use without a disorder", observationCode("Alcohol use"), false),
                Arguments.of("a urine drug screen", observationCode("Urine drug screen"), false),
                Arguments.of("days abstinent from alcohol", observationCode("Days abstinent from alcohol"), false),
                Arguments.of("major depressive disorder", diagnosisText("Major depressive disorder, recurrent"), false),
                Arguments.of("a practitioner's qualification is not about a patient",
                        with(new Practitioner(), p -> p.addQualification().getCode().setText("Physician, board certified in addiction medicine")), false),
                Arguments.of("an organization's type is not about a patient",
                        with(new Organization(), o -> o.addType().setText("Substance abuse treatment program")), false),
                Arguments.of("an intake answering that the patient's track is substance use disorder",
                        with(new QuestionnaireResponse(), q -> q.addItem().setLinkId("track").addAnswer().setValue(
                                new Coding(Part2Classifier.PROGRAM_TRACK, "sud", "Substance use disorder"))), true),
                Arguments.of("a consent's SUD security label is policy vocabulary, not a diagnosis",
                        with(new Consent(), c -> c.getProvision().addSecurityLabel(SecurityLabels.PART2.get(0).copy())), false),
                Arguments.of("a record's own security label is not evidence about it",
                        with(observationCode("Craving scale"), o -> o.getMeta().addSecurity(SecurityLabels.PART2.get(0))), false));
    }

    @ParameterizedTest(name = "{0}: SUD record = {2}")
    @MethodSource({"programEpisodes", "codedDiagnoses", "namedDiagnoses"})
    void sudRecordsAreRecognizedByMeaning(String why, IBaseResource resource, boolean sud) {
        assertThat(CLASSIFIER.isSudRecord(resource)).as(why).isEqualTo(sud);
    }

    static List<Arguments> notes() {
        return List.of(
                Arguments.of("a session note the program keeps apart as a counseling note",
                        note(Part2Classifier.RECORD_TYPE, Part2Classifier.COUNSELING_NOTE, true), true),
                Arguments.of("a document typed as a counseling note", note(Part2Classifier.RECORD_TYPE, Part2Classifier.COUNSELING_NOTE, false), true),
                Arguments.of("an ordinary progress note of a session is part of the record",
                        note(LOINC, "11506-3", false), false),
                Arguments.of("a discharge summary", note(LOINC, "18842-5", false), false),
                Arguments.of("the same code in another system", note("http://example.org/types", Part2Classifier.COUNSELING_NOTE, true), false),
                Arguments.of("a condition is never a note", diagnosis(ICD10CM, "F10.20"), false));
    }

    @ParameterizedTest(name = "{0}: counseling note = {2}")
    @MethodSource("notes")
    void counselingNotesAreTheNotesTheProgramKeepsApart(String why, IBaseResource resource, boolean counselingNote) {
        assertThat(CLASSIFIER.isCounselingNote(resource)).isEqualTo(counselingNote);
    }

    @Test
    void incompleteRecordsAreClassifiedWithoutErrors() {
        Condition noCode = new Condition();
        Condition emptyCoding = diagnosis(new Coding());
        Condition noSystem = diagnosis(null, "F11.20");
        Condition noCodeValue = diagnosis(ICD10CM, null);
        Condition blank = diagnosis(ICD10CM, " . ");
        Condition blankText = diagnosisText("   ");

        for (IBaseResource resource : List.of(noCode, emptyCoding, noSystem, noCodeValue, blank, blankText, new Patient(),
                new Bundle(), new EpisodeOfCare(), new DocumentReference())) {
            assertThat(CLASSIFIER.isSudRecord(resource)).as(resource.fhirType()).isFalse();
            assertThat(CLASSIFIER.isCounselingNote(resource)).isFalse();
        }
        assertThat(CLASSIFIER.isSudRecord(null)).isFalse();
        assertThat(CLASSIFIER.isCounselingNote(null)).isFalse();
        // Without a system a code means nothing, but its display still says what it is.
        assertThat(CLASSIFIER.isSudRecord(diagnosis(new Coding(null, "F11.20", "Opioid use disorder")))).isTrue();
    }

    @Test
    void veryLongValuesAreClassifiedQuicklyAndWithoutErrors() {
        String huge = "F11".repeat(300_000);
        String vetoedAgainAndAgain = "gambling addiction ".repeat(50_000);
        String sudAtTheEnd = "x".repeat(500_000) + " opioid use disorder";
        assertTimeoutPreemptively(Duration.ofSeconds(10), () -> {
            assertThat(CLASSIFIER.isSudRecord(diagnosis(ICD10CM, huge))).isTrue();
            assertThat(CLASSIFIER.isSudRecord(diagnosis(SNOMED, huge))).isFalse();
            assertThat(CLASSIFIER.isSudRecord(diagnosisText(vetoedAgainAndAgain))).isFalse();
            assertThat(CLASSIFIER.isSudRecord(diagnosisText(sudAtTheEnd))).isTrue();
            assertThat(CLASSIFIER.isSudRecord(diagnosisText(" ".repeat(1_000_000)))).isFalse();
            assertThat(CLASSIFIER.isSudRecord(diagnosis(new Coding(LOCAL, huge, huge)))).isFalse();
        });
    }

    @Test
    void theValueSetIsTheRuleAndCitesItsSources() {
        ValueSet valueSet = sudDiagnoses();
        // A draft like every artifact of a guide at 0.x, but not an example: the server applies it.
        assertThat(valueSet.getStatus().toCode()).isEqualTo("draft");
        assertThat(valueSet.getExperimental()).isFalse();
        assertThat(valueSet.getPurpose()).contains("42 CFR 2.11", "ecfr.gov", "F10-F19", "cdc.gov", "icd.who.int",
                "opioid-cds");
        SudDiagnoses diagnoses = SudDiagnoses.from(valueSet);
        assertThat(diagnoses.icdCategories().get(SudDiagnoses.Terminology.ICD10CM))
                .containsExactlyInAnyOrder("F10", "F11", "F12", "F13", "F14", "F15", "F16", "F18", "F19", "O9931", "O9932");
        assertThat(diagnoses.icdCategories().get(SudDiagnoses.Terminology.ICD10))
                .containsExactlyInAnyOrder("F10", "F11", "F12", "F13", "F14", "F15", "F16", "F18", "F19");
        assertThat(diagnoses.snomedCodes()).hasSizeGreaterThan(30).contains("66590003", "75544000", "1336085007");
    }

    @Test
    void everyCodeOfTheValueSetMakesAnSudRecord() {
        for (ValueSet.ConceptSetComponent include : sudDiagnoses().getCompose().getInclude()) {
            for (ValueSet.ConceptReferenceComponent concept : include.getConcept()) {
                assertThat(CLASSIFIER.isSudRecord(diagnosis(include.getSystem(), concept.getCode())))
                        .as(include.getSystem() + "|" + concept.getCode()).isTrue();
            }
        }
    }

    @Test
    void anIcdIsAFilterIsReadAsTheCategoryItNames() {
        ValueSet valueSet = new ValueSet().setUrl("http://example.org/vs");
        valueSet.getCompose().addInclude().setSystem(ICD10CM).addFilter().setProperty("concept")
                .setOp(ValueSet.FilterOperator.ISA).setValue("F10");
        Part2Classifier classifier = new Part2Classifier(FHIR, valueSet);

        assertThat(classifier.isSudRecord(diagnosis(ICD10CM, "f10.239"))).isTrue();
        assertThat(classifier.isSudRecord(diagnosis(ICD10CM, "F11.20"))).isFalse();
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"an exclude", "a SNOMED CT filter", "an unknown system", "an imported value set", "a too short category",
            "no codes"})
    void aValueSetTheClassifierCannotEvaluateFaithfullyIsRefused(String what) {
        ValueSet valueSet = new ValueSet().setUrl("http://example.org/vs");
        switch (what) {
            case "an exclude" -> {
                valueSet.getCompose().addInclude().setSystem(ICD10CM).addConcept().setCode("F10");
                valueSet.getCompose().addExclude().setSystem(ICD10CM).addConcept().setCode("F10.9");
            }
            case "a SNOMED CT filter" -> valueSet.getCompose().addInclude().setSystem(SNOMED).addFilter()
                    .setProperty("concept").setOp(ValueSet.FilterOperator.ISA).setValue("66214007");
            case "an unknown system" -> valueSet.getCompose().addInclude().setSystem(LOCAL).addConcept().setCode("F10");
            case "an imported value set" -> valueSet.getCompose().addInclude().setSystem(ICD10CM)
                    .addValueSet("http://example.org/other");
            case "a too short category" -> valueSet.getCompose().addInclude().setSystem(ICD10CM).addConcept().setCode("F1");
            default -> { }
        }
        assertThatThrownBy(() -> SudDiagnoses.from(valueSet)).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("http://example.org/vs");
    }

    static ValueSet sudDiagnoses() {
        return GUIDE.conformance().stream().map(ImplementationGuide.Entry::resource)
                .filter(ValueSet.class::isInstance).map(ValueSet.class::cast)
                .filter(vs -> SudDiagnoses.CANONICAL.equals(vs.getUrl())).findFirst().orElseThrow();
    }
}
