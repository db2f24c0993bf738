package org.iopfhir.privacy.part2;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.util.FhirTerser;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.hl7.fhir.r4.model.Coding;
import org.hl7.fhir.r4.model.DocumentReference;
import org.hl7.fhir.r4.model.EpisodeOfCare;

/**
 * Which records are SUD records and which are counseling notes, from the record alone (pure, no
 * storage). The patient-level rule - everything about a patient of an SUD program is an SUD record -
 * lives in {@link Part2LabellingInterceptor}, which knows the stored data.
 *
 * <ul>
 *   <li>An EpisodeOfCare of the {@code sud} or {@code co-occurring} program track
 *       ({@code http://iop-fhir.org/fhir/CodeSystem/iop-program-track}) is an SUD program episode.</li>
 *   <li>A resource coding an ICD-10-CM substance-related disorder (F10-F19) anywhere (a Condition's code,
 *       an Encounter's reason, an Observation's value) is an SUD record.</li>
 *   <li>A counseling note (42 CFR 2.11: the practitioner's record or analysis of what was said in a
 *       counseling session, kept apart from the rest of the record) is a DocumentReference the program marks
 *       as one, with category or type {@code iop-record-type#sud-counseling-note}. Ordinary progress notes
 *       (attendance, modality, plan) are part of the SUD record and are disclosed with it.</li>
 * </ul>
 */
public final class Part2Classifier {

    static final String PROGRAM_TRACK = "http://iop-fhir.org/fhir/CodeSystem/iop-program-track";
    static final Set<String> SUD_TRACKS = Set.of("sud", "co-occurring");
    static final String ICD10CM = "http://hl7.org/fhir/sid/icd-10-cm";
    private static final Pattern SUD_DIAGNOSIS = Pattern.compile("F1[0-9](\\..*)?");
    static final String RECORD_TYPE = "http://iop-fhir.org/fhir/CodeSystem/iop-record-type";
    static final String COUNSELING_NOTE = "sud-counseling-note";

    private final FhirTerser terser;

    public Part2Classifier(FhirContext fhirContext) {
        this.terser = fhirContext.newTerser();
    }

    /** An SUD program episode or a record with an SUD diagnosis code: Part 2 by itself. */
    public boolean isSudRecord(IBaseResource resource) {
        if (resource instanceof EpisodeOfCare episode && episode.getType().stream()
                .flatMap(t -> t.getCoding().stream())
                .anyMatch(c -> PROGRAM_TRACK.equals(c.getSystem()) && SUD_TRACKS.contains(c.getCode()))) {
            return true;
        }
        List<Coding> codings = terser.getAllPopulatedChildElementsOfType(resource, Coding.class);
        return codings.stream().anyMatch(c -> ICD10CM.equals(c.getSystem()) && c.getCode() != null
                && SUD_DIAGNOSIS.matcher(c.getCode()).matches());
    }

    public boolean isCounselingNote(IBaseResource resource) {
        return resource instanceof DocumentReference note
                && java.util.stream.Stream.concat(note.getCategory().stream(), java.util.stream.Stream.of(note.getType()))
                        .flatMap(concept -> concept.getCoding().stream())
                        .anyMatch(c -> RECORD_TYPE.equals(c.getSystem()) && COUNSELING_NOTE.equals(c.getCode()));
    }
}
