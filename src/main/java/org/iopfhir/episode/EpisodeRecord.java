package org.iopfhir.episode;

import java.time.LocalDate;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.hl7.fhir.r4.model.EpisodeOfCare;
import org.hl7.fhir.r4.model.Patient;
import org.hl7.fhir.r4.model.Resource;
import org.iopfhir.fhir.FhirDates;
import org.iopfhir.levelofcare.AgeGroup;

/**
 * An IOP episode and the resources read with it, grouped by type. Read-only: the operations that
 * evaluate it never write back.
 *
 * @param episode  the admission
 * @param patient  the patient, or null when the caller may not read it (and the episode states its age group)
 * @param ageGroup the program's age group (recorded on the episode, else from the birth date): it picks the thresholds
 * @param byType   the loaded resources of each requested type; a type not requested is absent
 */
public record EpisodeRecord(EpisodeOfCare episode, Patient patient, AgeGroup ageGroup,
        Map<Class<? extends Resource>, List<Resource>> byType) {

    /** The loaded resources of a type, in the order the store returned them. */
    public <T extends Resource> List<T> all(Class<T> type) {
        List<Resource> found = byType.get(type);
        if (found == null) {
            throw new IllegalStateException(type.getSimpleName() + " was not loaded with the episode");
        }
        return found.stream().map(type::cast).toList();
    }

    /** The first day of the program: the episode's period start, in its own time zone. */
    public LocalDate admission() {
        return FhirDates.localDate(episode.getPeriod().getStartElement());
    }

    /** The last day of the program, or null while it is still running. */
    public LocalDate discharge() {
        return episode.getPeriod().hasEnd() ? FhirDates.localDate(episode.getPeriod().getEndElement()) : null;
    }

    public String episodeReference() {
        return "EpisodeOfCare/" + episode.getIdElement().getIdPart();
    }

    public String patientReference() {
        return episode.getPatient().getReference();
    }

    /** Whether a reference (relative, as stored) points at this episode. */
    public boolean isEpisode(String reference) {
        return Objects.equals(reference, episodeReference());
    }
}
