package org.iopfhir.necessity;

import java.util.Arrays;
import java.util.List;
import org.hl7.fhir.r4.model.CodeableConcept;
import org.iopfhir.episode.EpisodeLoader;

/** The code systems and codes the criteria recognize evidence by. */
public final class Codes {

    public static final String IOP = EpisodeLoader.BASE + "CodeSystem/iop-careplan-category";
    public static final String OBSERVATION = EpisodeLoader.BASE + "CodeSystem/iop-observation-code";
    public static final String RECORD_TYPE = EpisodeLoader.BASE + "CodeSystem/iop-record-type";
    public static final String SESSION_TYPE = EpisodeLoader.BASE + "CodeSystem/iop-session-type";
    public static final String TRACK = EpisodeLoader.PROGRAM_TRACK_SYSTEM;
    public static final String LEVEL = EpisodeLoader.BASE + "CodeSystem/asam-level-of-care";
    public static final String LOINC = "http://loinc.org";
    public static final String SNOMED = "http://snomed.info/sct";
    public static final String ICD10CM = "http://hl7.org/fhir/sid/icd-10-cm";
    public static final String ACT_CODE = "http://terminology.hl7.org/CodeSystem/v3-ActCode";
    public static final String ACT_REASON = "http://terminology.hl7.org/CodeSystem/v3-ActReason";
    public static final String DEGREE = "http://terminology.hl7.org/CodeSystem/v2-0360";
    public static final String GOAL_ACHIEVEMENT = "http://terminology.hl7.org/CodeSystem/goal-achievement";
    public static final String INTERPRETATION = "http://terminology.hl7.org/CodeSystem/v3-ObservationInterpretation";
    public static final String VARIANCE_REASON = EpisodeLoader.BASE + "CodeSystem/iop-variance-reason";
    /** Encounter.class of a session held by video or telephone. */
    public static final String VIRTUAL = "VR";
    public static final String PHQ9 = "44261-6";
    public static final String GAD7 = "70274-6";
    /** iop-observation-code: a substance-use monitor's days of use in the past 30 days (e.g. the Brief Addiction Monitor). */
    public static final String USE_MONITOR = "substance-use-days";
    public static final String PROGRESS_NOTE = "11506-3";
    public static final String DISCHARGE_SUMMARY = "18842-5";
    public static final String PATIENT_CONSENT = "59284-0";
    public static final String IOP_LEVEL = "2.1";
    public static final String SAFETY_PLAN = "crisis-safety-plan";
    /**
     * Urine drug screens (LOINC; ValueSet iop-drug-screen-code, which cites the sources): the drugs-of-abuse cup and
     * the ethyl glucuronide screen.
     */
    public static final List<String> DRUG_SCREENS = List.of("65750-2", "58375-7");
    /** SNOMED CT qualifier value Positive (ValueSet iop-drug-screen-result, which cites the source). */
    public static final String POSITIVE = "10828004";
    /** The retired local code of a drug test (iop-session-type), still read so that no stored test is missed. */
    public static final String RETIRED_DRUG_TEST = "drug-testing";

    private Codes() {
    }

    public static boolean has(CodeableConcept concept, String system, String code) {
        return concept != null && concept.getCoding().stream()
                .anyMatch(c -> system.equals(c.getSystem()) && code.equals(c.getCode()));
    }

    public static boolean hasAny(List<CodeableConcept> concepts, String system, String... codes) {
        return concepts.stream().anyMatch(c -> hasAnyOf(c, system, Arrays.asList(codes)));
    }

    public static boolean hasAnyOf(CodeableConcept concept, String system, List<String> codes) {
        return concept != null && concept.getCoding().stream()
                .anyMatch(c -> system.equals(c.getSystem()) && codes.contains(c.getCode()));
    }
}
