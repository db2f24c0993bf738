package org.iopfhir.privacy.part2;

import ca.uhn.fhir.context.FhirContext;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Stream;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.hl7.fhir.r4.model.CodeableConcept;
import org.hl7.fhir.r4.model.Coding;
import org.hl7.fhir.r4.model.DocumentReference;
import org.hl7.fhir.r4.model.DomainResource;
import org.hl7.fhir.r4.model.EpisodeOfCare;
import org.hl7.fhir.r4.model.Resource;
import org.hl7.fhir.r4.model.ValueSet;
import org.iopfhir.fhir.ElementFinder;
import org.iopfhir.ig.ImplementationGuide;

/**
 * Which records are SUD records and which are counseling notes, from the record alone (pure, no
 * storage). The patient-level rule - everything about a patient of an SUD program is an SUD record -
 * lives in {@link Part2LabellingInterceptor}, which knows the stored data.
 *
 * <p>A record is an SUD record (42 CFR 2.11: tobacco and caffeine are not SUD) when
 * <ul>
 *   <li>it is an EpisodeOfCare of the {@code sud} or {@code co-occurring} program track
 *       ({@code http://iop-fhir.org/fhir/CodeSystem/iop-program-track}): an SUD program episode;</li>
 *   <li>any Coding in it, wherever it sits (a Condition's code, an Encounter's reason, an Observation's
 *       value, an extension, a contained resource), is in the guide's value set
 *       {@code http://iop-fhir.org/fhir/ValueSet/part2-sud-diagnoses}: ICD-10-CM F10-F16, F18, F19,
 *       O99.31, O99.32 and WHO ICD-10 F10-F16, F18, F19 with every code below them, however the code is
 *       written (F1120, f11.20, " F11.2 0"), and a curated list of SNOMED CT disorders
 *       ({@link SudDiagnoses});</li>
 *   <li>or, as a safety net for uncoded data, it is about a patient (a resource type of FHIR's Patient
 *       compartment, so not a Practitioner, Organization or ValueSet) and the text of one of its
 *       CodeableConcepts, or the display of one of its Codings, names a substance use disorder
 *       ("Opioid use disorder, moderate", "alcohol dependence"; see {@link SudText}). Security labels and
 *       tags in meta, and codes of the security label vocabularies anywhere (a consent's provisions), are
 *       not read: a sensitivity label is not evidence about the patient.</li>
 * </ul>
 *
 * <p>A counseling note (42 CFR 2.11: the practitioner's record or analysis of what was said in a
 * counseling session, kept apart from the rest of the record) is a DocumentReference the program marks
 * as one, with category or type {@code iop-record-type#sud-counseling-note}. Ordinary progress notes
 * (attendance, modality, plan) are part of the SUD record and are disclosed with it.
 */
public final class Part2Classifier {

    static final String PROGRAM_TRACK = "http://iop-fhir.org/fhir/CodeSystem/iop-program-track";
    static final Set<String> SUD_TRACKS = Set.of("sud", "co-occurring");
    static final String RECORD_TYPE = "http://iop-fhir.org/fhir/CodeSystem/iop-record-type";
    static final String COUNSELING_NOTE = "sud-counseling-note";
    private static final String PATIENT_COMPARTMENT = "Patient";
    private static final Map<String, Boolean> PATIENT_KINDS = new ConcurrentHashMap<>();

    private final FhirContext fhirContext;
    private final ElementFinder elements;
    private final SudDiagnoses diagnoses;

    Part2Classifier(FhirContext fhirContext, SudDiagnoses diagnoses) {
        this.fhirContext = fhirContext;
        this.elements = new ElementFinder(fhirContext);
        this.diagnoses = diagnoses;
    }

    /** The classifier of the SUD diagnoses value set as parsed (its rules are read once, here). */
    Part2Classifier(FhirContext fhirContext, ValueSet sudDiagnoses) {
        this(fhirContext, SudDiagnoses.from(sudDiagnoses));
    }

    /** The classifier of the guide's SUD diagnoses value set; fails if the guide has none. */
    public static Part2Classifier fromGuide(FhirContext fhirContext, ImplementationGuide guide) {
        return new Part2Classifier(fhirContext, SudDiagnoses.fromGuide(guide));
    }

    /** An SUD program episode or a record with an SUD diagnosis, coded or named: Part 2 by itself. */
    public boolean isSudRecord(IBaseResource resource) {
        if (resource == null) {
            return false;
        }
        if (isSudProgramEpisode(resource)) {
            return true;
        }
        List<Coding> codings = elements.all(resource, Coding.class);
        if (codings.stream().anyMatch(c -> diagnoses.matches(c.getSystem(), c.getCode()))) {
            return true;
        }
        return isAboutAPatient(resource) && namesSudInText(resource, codings);
    }

    public boolean isCounselingNote(IBaseResource resource) {
        return resource instanceof DocumentReference note
                && Stream.concat(note.getCategory().stream(), Stream.of(note.getType()))
                        .flatMap(concept -> concept.getCoding().stream())
                        .anyMatch(c -> RECORD_TYPE.equals(c.getSystem()) && COUNSELING_NOTE.equals(c.getCode()));
    }

    private static boolean isSudProgramEpisode(IBaseResource resource) {
        return resource instanceof EpisodeOfCare episode && episode.getType().stream()
                .flatMap(t -> t.getCoding().stream())
                .anyMatch(c -> PROGRAM_TRACK.equals(c.getSystem()) && SUD_TRACKS.contains(c.getCode()));
    }

    private boolean isAboutAPatient(IBaseResource resource) {
        return ofPatientKind(fhirContext, resource.fhirType());
    }

    /** Records of this type are about a patient: it is in FHIR's Patient compartment (an Observation, not a ValueSet). */
    static boolean ofPatientKind(FhirContext fhirContext, String type) {
        return PATIENT_KINDS.computeIfAbsent(type, t -> !fhirContext.getResourceDefinition(t)
                .getSearchParamsForCompartmentName(PATIENT_COMPARTMENT).isEmpty());
    }

    private boolean namesSudInText(IBaseResource resource, List<Coding> codings) {
        Set<Coding> labels = metaCodings(resource);
        return codings.stream().filter(c -> !labels.contains(c) && !isSecurityLabel(c))
                        .anyMatch(c -> SudText.namesSud(c.getDisplay()))
                || elements.all(resource, CodeableConcept.class).stream()
                        .filter(concept -> !concept.hasCoding() || !concept.getCoding().stream().allMatch(Part2Classifier::isSecurityLabel))
                        .anyMatch(concept -> SudText.namesSud(concept.getText()));
    }

    /**
     * A code of the HL7 security label vocabularies ("substance use disorder information sensitivity")
     * names a sensitivity, wherever it is used (meta, a consent's provisions): it is not evidence.
     */
    private static boolean isSecurityLabel(Coding coding) {
        return SecurityLabels.ACT_CODE.equals(coding.getSystem()) || SecurityLabels.CONFIDENTIALITY.equals(coding.getSystem());
    }

    /** The security labels and tags of a resource and of the resources it contains, by identity. */
    private static Set<Coding> metaCodings(IBaseResource resource) {
        Set<Coding> meta = Collections.newSetFromMap(new IdentityHashMap<>());
        Stream<Resource> resources = resource instanceof DomainResource domain
                ? Stream.concat(Stream.of(domain), domain.getContained().stream())
                : resource instanceof Resource plain ? Stream.of(plain) : Stream.empty();
        resources.filter(Resource::hasMeta).forEach(r -> {
            meta.addAll(r.getMeta().getSecurity());
            meta.addAll(r.getMeta().getTag());
        });
        return meta;
    }
}
