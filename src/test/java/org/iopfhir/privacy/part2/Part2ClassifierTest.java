package org.iopfhir.privacy.part2;

import static org.assertj.core.api.Assertions.assertThat;

import ca.uhn.fhir.context.FhirContext;
import java.util.List;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.hl7.fhir.r4.model.CodeableConcept;
import org.hl7.fhir.r4.model.Coding;
import org.hl7.fhir.r4.model.Condition;
import org.hl7.fhir.r4.model.DocumentReference;
import org.hl7.fhir.r4.model.Encounter;
import org.hl7.fhir.r4.model.EpisodeOfCare;
import org.hl7.fhir.r4.model.Reference;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class Part2ClassifierTest {

    private static final Part2Classifier CLASSIFIER = new Part2Classifier(FhirContext.forR4Cached());

    static EpisodeOfCare episode(String track) {
        EpisodeOfCare episode = new EpisodeOfCare();
        episode.addType().addCoding(new Coding(Part2Classifier.PROGRAM_TRACK, track, null));
        return episode;
    }

    static Condition diagnosis(String system, String code) {
        Condition condition = new Condition();
        condition.getCode().addCoding(new Coding(system, code, null));
        return condition;
    }

    static DocumentReference note(String system, String code, boolean asCategory) {
        DocumentReference note = new DocumentReference();
        note.setType(new CodeableConcept(new Coding("http://loinc.org", "11506-3", null)));
        note.getContext().addEncounter(new Reference("Encounter/e1"));
        if (asCategory) {
            note.addCategory(new CodeableConcept(new Coding(system, code, null)));
        } else {
            note.setType(new CodeableConcept(new Coding(system, code, null)));
        }
        return note;
    }

    static List<Arguments> sudRecords() {
        Encounter sessionForOpioidUse = new Encounter();
        sessionForOpioidUse.addReasonCode().addCoding(new Coding(Part2Classifier.ICD10CM, "F11.20", null));
        return List.of(
                Arguments.of("an episode of the SUD track", episode("sud"), true),
                Arguments.of("an episode of the co-occurring track", episode("co-occurring"), true),
                Arguments.of("a mental-health-only episode", episode("mental-health"), false),
                Arguments.of("alcohol dependence F10.20", diagnosis(Part2Classifier.ICD10CM, "F10.20"), true),
                Arguments.of("other stimulant use F15.10", diagnosis(Part2Classifier.ICD10CM, "F15.10"), true),
                Arguments.of("a category code alone, F19", diagnosis(Part2Classifier.ICD10CM, "F19"), true),
                Arguments.of("generalized anxiety F41.1 is not SUD", diagnosis(Part2Classifier.ICD10CM, "F41.1"), false),
                Arguments.of("nicotine dependence F17 is SUD by code range", diagnosis(Part2Classifier.ICD10CM, "F17.210"), true),
                Arguments.of("F10.20 in another code system is not ICD-10-CM", diagnosis("http://example.org/local", "F10.20"), false),
                Arguments.of("an SUD reason on an encounter", sessionForOpioidUse, true));
    }

    @ParameterizedTest(name = "{0}: SUD record = {2}")
    @MethodSource("sudRecords")
    void sudRecordsAreRecognizedFromTrackAndDiagnosis(String why, IBaseResource resource, boolean sud) {
        assertThat(CLASSIFIER.isSudRecord(resource)).isEqualTo(sud);
    }

    static List<Arguments> notes() {
        return List.of(
                Arguments.of("a session note the program keeps apart as a counseling note",
                        note(Part2Classifier.RECORD_TYPE, Part2Classifier.COUNSELING_NOTE, true), true),
                Arguments.of("a document typed as a counseling note", note(Part2Classifier.RECORD_TYPE, Part2Classifier.COUNSELING_NOTE, false), true),
                Arguments.of("an ordinary progress note of a session is part of the record",
                        note("http://loinc.org", "11506-3", false), false),
                Arguments.of("a discharge summary", note("http://loinc.org", "18842-5", false), false),
                Arguments.of("the same code in another system", note("http://example.org/types", Part2Classifier.COUNSELING_NOTE, true), false));
    }

    @ParameterizedTest(name = "{0}: counseling note = {2}")
    @MethodSource("notes")
    void counselingNotesAreTheNotesTheProgramKeepsApart(String why, IBaseResource resource, boolean counselingNote) {
        assertThat(CLASSIFIER.isCounselingNote(resource)).isEqualTo(counselingNote);
    }
}
