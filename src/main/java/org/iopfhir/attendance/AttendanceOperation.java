package org.iopfhir.attendance;

import ca.uhn.fhir.rest.annotation.IdParam;
import ca.uhn.fhir.rest.annotation.Operation;
import ca.uhn.fhir.rest.annotation.OperationParam;
import ca.uhn.fhir.rest.api.server.RequestDetails;
import ca.uhn.fhir.rest.server.exceptions.InvalidRequestException;
import java.math.BigDecimal;
import java.time.Clock;
import java.time.LocalDate;
import org.hl7.fhir.r4.model.DateType;
import org.hl7.fhir.r4.model.DecimalType;
import org.hl7.fhir.r4.model.IdType;
import org.hl7.fhir.r4.model.IntegerType;
import org.hl7.fhir.r4.model.Parameters;
import org.hl7.fhir.r4.model.Quantity;
import org.hl7.fhir.r4.model.Reference;
import org.hl7.fhir.r4.model.StringType;
import org.hl7.fhir.r4.model.CodeType;
import org.iopfhir.episode.EpisodeLoader;
import org.iopfhir.episode.EpisodeRecord;
import org.iopfhir.fhir.FhirDates;

/**
 * {@code EpisodeOfCare/[id]/$attendance}: hours per rolling 7-day window from admission against
 * the age group's threshold, attendance rate and no-shows without outreach, with a reviewer's
 * page. Reads through {@link EpisodeLoader} for the caller; writes nothing.
 */
public class AttendanceOperation {

    public static final String CANONICAL = EpisodeLoader.BASE + "OperationDefinition/attendance";
    private static final String UCUM = "http://unitsofmeasure.org";

    private final EpisodeLoader loader;
    private final AttendanceProperties properties;
    private final Clock clock;

    public AttendanceOperation(EpisodeLoader loader, AttendanceProperties properties, Clock clock) {
        this.loader = loader;
        this.properties = properties;
        this.clock = clock;
    }

    @Operation(name = "$attendance", typeName = "EpisodeOfCare", idempotent = true, canonicalUrl = CANONICAL)
    public Parameters attendance(
            @IdParam IdType id,
            @OperationParam(name = "start", max = 1) DateType start,
            @OperationParam(name = "end", max = 1) DateType end,
            RequestDetails request) {
        LocalDate from = FhirDates.localDate(start);
        LocalDate to = FhirDates.localDate(end);
        if (from != null && to != null && from.isAfter(to)) {
            throw new InvalidRequestException("start (" + from + ") is after end (" + to + ")");
        }
        EpisodeRecord record = loader.load(id, AttendanceRecords.TYPES, request);
        AttendanceReport report = AttendanceRecords.report(record, properties.rules(record.ageGroup()), from, to,
                LocalDate.now(clock));
        String title = "Attendance, " + record.episodeReference();
        String div = AttendanceNarrative.div(title, Html.patient(record.patient(), record.patientReference()),
                record.ageGroup().code(), report);
        HtmlAnswer.offer(request, title);
        return output(record, report, div);
    }

    static Parameters output(EpisodeRecord record, AttendanceReport report, String div) {
        Parameters out = new Parameters();
        out.addParameter().setName("episode").setValue(new Reference(record.episodeReference()));
        out.addParameter().setName("start").setValue(new DateType(report.from().toString()));
        out.addParameter().setName("end").setValue(new DateType(report.to().toString()));
        out.addParameter().setName("ageGroup").setValue(new CodeType(record.ageGroup().code()));
        out.addParameter().setName("threshold").setValue(hours(report.rules().minimumWeeklyHours()));
        for (Week week : report.weeks()) {
            Parameters.ParametersParameterComponent part = out.addParameter().setName("week");
            part.addPart().setName("start").setValue(new DateType(week.start().toString()));
            part.addPart().setName("end").setValue(new DateType(week.end().toString()));
            part.addPart().setName("hours").setValue(hours(week.hours()));
            part.addPart().setName("scheduledHours").setValue(hours(week.scheduledHours()));
            part.addPart().setName("threshold").setValue(hours(week.threshold()));
            part.addPart().setName("status").setValue(new CodeType(week.status().code()));
        }
        out.addParameter().setName("totalHours").setValue(hours(report.totalHours()));
        out.addParameter().setName("weeksBelowThreshold").setValue(new IntegerType(report.weeksWith(Week.Status.BELOW).size()));
        out.addParameter().setName("weeksAtPartialHospitalIntensity")
                .setValue(new IntegerType(report.weeksWith(Week.Status.PARTIAL_HOSPITAL).size()));
        out.addParameter().setName("sessionsDue").setValue(new IntegerType(report.due()));
        out.addParameter().setName("sessionsAttended").setValue(new IntegerType(report.attended()));
        out.addParameter().setName("sessionsCancelled").setValue(new IntegerType(report.cancelled()));
        if (report.attendanceRate() != null) {
            out.addParameter().setName("attendanceRate").setValue(new DecimalType(report.attendanceRate()));
        }
        out.addParameter().setName("noShows").setValue(new IntegerType(report.noShows().size()));
        report.noShowsWithoutOutreach().forEach(n ->
                out.addParameter().setName("noShowWithoutOutreach").setValue(new Reference(n.session())));
        out.addParameter().setName("narrative").setValue(new StringType(div));
        return out;
    }

    private static Quantity hours(BigDecimal value) {
        return new Quantity().setValue(value).setUnit("h").setSystem(UCUM).setCode("h");
    }
}
