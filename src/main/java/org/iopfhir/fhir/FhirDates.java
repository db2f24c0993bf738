package org.iopfhir.fhir;

import java.time.Instant;
import java.time.LocalDate;
import org.hl7.fhir.r4.model.BaseDateTimeType;

/** Dates of FHIR date and dateTime elements as the program's clock read them. */
public final class FhirDates {

    private FhirDates() {
    }

    /**
     * The calendar day of a date or dateTime in the time zone it was recorded in: a session at
     * 21:00-05:00 belongs to that evening's program day, not to the next day in UTC.
     */
    public static LocalDate localDate(BaseDateTimeType value) {
        if (value == null || value.getValue() == null) {
            return null;
        }
        return LocalDate.of(value.getYear(), value.getMonth() + 1, value.getDay());
    }

    /** The instant of a dateTime, or null when absent. */
    public static Instant instant(BaseDateTimeType value) {
        return value == null || value.getValue() == null ? null : value.getValue().toInstant();
    }
}
