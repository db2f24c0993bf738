package org.iopfhir.attendance;

import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.stream.Collectors;
import org.hl7.fhir.r4.model.Appointment;
import org.hl7.fhir.r4.model.Communication;
import org.hl7.fhir.r4.model.Encounter;
import org.hl7.fhir.r4.model.Period;
import org.hl7.fhir.r4.model.Reference;
import org.hl7.fhir.r4.model.Resource;
import org.iopfhir.episode.EpisodeRecord;
import org.iopfhir.fhir.FhirDates;

/**
 * Turns an episode's Encounters, Appointments and Communications into the attendance core's
 * sessions and outreach, and runs it: the one place both operations compute attendance.
 */
public final class AttendanceRecords {

    /** The resource types attendance needs loaded with the episode. */
    public static final Set<Class<? extends Resource>> TYPES = Set.of(Encounter.class, Appointment.class, Communication.class);

    private AttendanceRecords() {
    }

    /**
     * @param asOf the review date: a running episode is counted up to it, a discharged one up to
     *             the earlier of it and discharge
     */
    public static AttendanceReport report(EpisodeRecord record, AttendanceRules rules, LocalDate from, LocalDate to,
            LocalDate asOf) {
        LocalDate discharge = record.discharge();
        LocalDate lastDay = discharge != null && discharge.isBefore(asOf) ? discharge : asOf;
        return AttendanceCalculator.calculate(record.admission(), lastDay, from, to,
                attended(record.all(Encounter.class)), scheduled(record.all(Appointment.class)),
                outreach(record.all(Communication.class)), rules);
    }

    /** Finished encounters, counted by {@code length}, else by their period. */
    static List<AttendedSession> attended(List<Encounter> encounters) {
        return encounters.stream()
                .filter(e -> e.getStatus() == Encounter.EncounterStatus.FINISHED && e.getPeriod().hasStart())
                .map(e -> new AttendedSession(reference(e), FhirDates.localDate(e.getPeriod().getStartElement()), minutes(e)))
                .toList();
    }

    static List<ScheduledSession> scheduled(List<Appointment> appointments) {
        return appointments.stream().filter(Appointment::hasStart)
                .map(a -> new ScheduledSession(reference(a), FhirDates.localDate(a.getStartElement()),
                        FhirDates.instant(a.getStartElement()), plannedMinutes(a), outcome(a.getStatus())))
                .toList();
    }

    /** Completed Communications about appointments: the explicit link a reviewer can follow. */
    static List<Outreach> outreach(List<Communication> communications) {
        return communications.stream()
                .filter(c -> c.getStatus() == Communication.CommunicationStatus.COMPLETED)
                .map(c -> new Outreach(reference(c), c.hasSent() ? FhirDates.instant(c.getSentElement())
                        : FhirDates.instant(c.getReceivedElement()),
                        c.getAbout().stream().map(Reference::getReference).filter(Objects::nonNull).collect(Collectors.toSet())))
                .toList();
    }

    /** A session's minutes: its {@code length}, else its period. */
    public static long minutes(Encounter encounter) {
        if (encounter.hasLength() && encounter.getLength().hasValue()) {
            String unit = encounter.getLength().hasCode() ? encounter.getLength().getCode() : encounter.getLength().getUnit();
            double value = encounter.getLength().getValue().doubleValue();
            return Math.round("h".equals(unit) ? value * 60 : value);
        }
        return periodMinutes(encounter.getPeriod());
    }

    private static long plannedMinutes(Appointment appointment) {
        if (appointment.hasMinutesDuration()) {
            return appointment.getMinutesDuration();
        }
        return appointment.hasEnd() ? Duration.between(FhirDates.instant(appointment.getStartElement()),
                FhirDates.instant(appointment.getEndElement())).toMinutes() : 0;
    }

    private static long periodMinutes(Period period) {
        Instant start = FhirDates.instant(period.getStartElement());
        Instant end = FhirDates.instant(period.getEndElement());
        return start == null || end == null ? 0 : Math.max(0, Duration.between(start, end).toMinutes());
    }

    /** How the attendance review counts an appointment of this status: the one no-show rule. */
    public static ScheduledSession.Outcome outcome(Appointment.AppointmentStatus status) {
        if (status == null) {
            return ScheduledSession.Outcome.PENDING;
        }
        return switch (status) {
            case FULFILLED, ARRIVED, CHECKEDIN -> ScheduledSession.Outcome.ATTENDED;
            case NOSHOW -> ScheduledSession.Outcome.NO_SHOW;
            case CANCELLED -> ScheduledSession.Outcome.CANCELLED;
            case ENTEREDINERROR -> ScheduledSession.Outcome.VOID;
            default -> ScheduledSession.Outcome.PENDING;
        };
    }

    public static String reference(Resource resource) {
        return resource.fhirType() + "/" + resource.getIdElement().getIdPart();
    }
}
