package org.iopfhir.necessity;

import java.time.LocalDate;
import java.util.Date;
import org.hl7.fhir.r4.model.BaseDateTimeType;
import org.hl7.fhir.r4.model.CarePlan;
import org.hl7.fhir.r4.model.ClaimResponse;
import org.hl7.fhir.r4.model.Communication;
import org.hl7.fhir.r4.model.Condition;
import org.hl7.fhir.r4.model.Consent;
import org.hl7.fhir.r4.model.DocumentReference;
import org.hl7.fhir.r4.model.Encounter;
import org.hl7.fhir.r4.model.Goal;
import org.hl7.fhir.r4.model.Observation;
import org.hl7.fhir.r4.model.QuestionnaireResponse;
import org.hl7.fhir.r4.model.Resource;
import org.hl7.fhir.r4.model.ServiceRequest;
import org.iopfhir.fhir.FhirDates;

/**
 * A review "as of" a date sees only what was documented by then: a resource dated later does not
 * exist for it, and a plan's later reviews and a goal's later status are cut off. The date of a
 * resource is the date it was documented (an Observation's issue or effective time, a note's date,
 * an encounter's start); resources without such a date are kept.
 */
final class Documented {

    private Documented() {
    }

    /** The resource as it stood on {@code asOf}, or null when it did not exist yet. */
    static <T extends Resource> T asOf(T resource, LocalDate asOf) {
        LocalDate dated = date(resource);
        if (dated != null && dated.isAfter(asOf)) {
            return null;
        }
        if (resource instanceof CarePlan plan && plan.getNote().stream().anyMatch(n -> after(n.getTimeElement(), asOf))) {
            CarePlan then = plan.copy();
            then.getNote().removeIf(n -> after(n.getTimeElement(), asOf));
            return cast(resource, then);
        }
        if (resource instanceof Goal goal && after(goal.getStatusDateElement(), asOf)) {
            Goal then = goal.copy();
            then.setAchievementStatus(null).setStatusDate((Date) null);
            then.setLifecycleStatus(Goal.GoalLifecycleStatus.ACTIVE);
            return cast(resource, then);
        }
        return resource;
    }

    @SuppressWarnings("unchecked")
    private static <T extends Resource> T cast(T original, Resource copy) {
        return (T) original.getClass().cast(copy);
    }

    static LocalDate date(Resource resource) {
        BaseDateTimeType date = null;
        if (resource instanceof Encounter e) {
            date = e.getPeriod().getStartElement();
        } else if (resource instanceof Observation o) {
            date = o.hasIssued() ? o.getIssuedElement() : o.hasEffectiveDateTimeType() ? o.getEffectiveDateTimeType()
                    : o.hasEffectivePeriod() ? o.getEffectivePeriod().getStartElement() : null;
        } else if (resource instanceof DocumentReference d) {
            date = d.getDateElement();
        } else if (resource instanceof QuestionnaireResponse q) {
            date = q.getAuthoredElement();
        } else if (resource instanceof CarePlan p) {
            date = p.getCreatedElement();
        } else if (resource instanceof Goal g) {
            date = g.hasStartDateType() ? g.getStartDateType() : null;
        } else if (resource instanceof Condition c) {
            date = c.getRecordedDateElement();
        } else if (resource instanceof Consent c) {
            date = c.getDateTimeElement();
        } else if (resource instanceof ServiceRequest s) {
            date = s.getAuthoredOnElement();
        } else if (resource instanceof ClaimResponse c) {
            date = c.getCreatedElement();
        } else if (resource instanceof Communication c) {
            date = c.hasSent() ? c.getSentElement() : c.getReceivedElement();
        }
        return date == null || date.isEmpty() ? null : FhirDates.localDate(date);
    }

    private static boolean after(BaseDateTimeType date, LocalDate asOf) {
        return date != null && !date.isEmpty() && FhirDates.localDate(date).isAfter(asOf);
    }
}
