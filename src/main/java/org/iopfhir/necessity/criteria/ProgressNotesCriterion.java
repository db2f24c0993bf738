package org.iopfhir.necessity.criteria;

import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.hl7.fhir.r4.model.DocumentReference;
import org.hl7.fhir.r4.model.Encounter;
import org.hl7.fhir.r4.model.Reference;
import org.hl7.fhir.r4.model.Resource;
import org.iopfhir.attendance.AttendanceRecords;
import org.iopfhir.fhir.FhirDates;
import org.iopfhir.necessity.Codes;
import org.iopfhir.necessity.Criterion;
import org.iopfhir.necessity.Finding;
import org.iopfhir.necessity.Kind;
import org.iopfhir.necessity.Review;

/**
 * Every attended session has a final progress note (LOINC 11506-3, {@code context.encounter} the
 * session) signed ({@code date}), within the policy's days of the session's end where the policy
 * sets a deadline. A missing or late note is a documentation deficiency, never a clinical finding.
 */
public class ProgressNotesCriterion implements Criterion {

    @Override
    public Kind kind() {
        return Kind.DOCUMENTATION;
    }

    @Override
    public String id() {
        return "progress-notes";
    }

    @Override
    public Finding evaluate(Review review) {
        List<Encounter> sessions = review.attendedEncounters();
        if (sessions.isEmpty()) {
            return Finding.insufficient("no attended session yet", List.of());
        }
        Map<String, DocumentReference> noteBySession = new HashMap<>();
        for (DocumentReference note : review.documents(Codes.LOINC, Codes.PROGRESS_NOTE)) {
            if (note.getDocStatus() != DocumentReference.ReferredDocumentStatus.FINAL || !note.hasDate()) {
                continue;
            }
            note.getContext().getEncounter().stream().map(Reference::getReference).forEach(r -> noteBySession.putIfAbsent(r, note));
        }
        int days = review.policy().noteSigningDays();
        List<String> missing = new ArrayList<>();
        List<String> late = new ArrayList<>();
        List<Resource> evidence = new ArrayList<>();
        for (Encounter session : sessions) {
            DocumentReference note = noteBySession.get(AttendanceRecords.reference(session));
            if (note == null) {
                missing.add(AttendanceRecords.reference(session));
                continue;
            }
            evidence.add(note);
            Instant ended = FhirDates.instant(session.getPeriod().hasEnd() ? session.getPeriod().getEndElement()
                    : session.getPeriod().getStartElement());
            if (days > 0 && ChronoUnit.HOURS.between(ended, note.getDate().toInstant()) > 24L * days) {
                late.add(AttendanceRecords.reference(session));
            }
        }
        String counts = (sessions.size() - missing.size()) + " of " + sessions.size() + " attended sessions have a signed "
                + "progress note";
        return Finding.metIf(missing.isEmpty() && late.isEmpty(), counts + (days > 0 ? ", each within " + days + " days" : ""),
                counts + (missing.isEmpty() ? "" : "; without a note: " + String.join(", ", missing))
                        + (late.isEmpty() ? "" : "; signed after " + days + " days: " + String.join(", ", late)), evidence);
    }
}
