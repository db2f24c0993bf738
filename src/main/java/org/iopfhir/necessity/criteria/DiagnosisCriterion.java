package org.iopfhir.necessity.criteria;

import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import org.hl7.fhir.r4.model.Condition;
import org.hl7.fhir.r4.model.EpisodeOfCare;
import org.iopfhir.attendance.AttendanceRecords;
import org.iopfhir.necessity.Codes;
import org.iopfhir.necessity.Criterion;
import org.iopfhir.necessity.Finding;
import org.iopfhir.necessity.Review;

/** An active, confirmed SUD (F10-F19) or qualifying mental-health diagnosis on the episode. */
public class DiagnosisCriterion implements Criterion {

    @Override
    public String id() {
        return "diagnosis";
    }

    @Override
    public Finding evaluate(Review review) {
        Set<String> onEpisode = review.record().episode().getDiagnosis().stream()
                .map(EpisodeOfCare.DiagnosisComponent::getCondition).map(r -> r.getReference()).collect(Collectors.toSet());
        List<Condition> diagnoses = review.all(Condition.class).stream()
                .filter(c -> onEpisode.contains(AttendanceRecords.reference(c))).toList();
        if (diagnoses.isEmpty()) {
            return Finding.notMet("the episode names no diagnosis (EpisodeOfCare.diagnosis)", List.of());
        }
        List<Condition> qualifying = diagnoses.stream().filter(c -> activeAndConfirmed(c) && qualifies(c, review)).toList();
        return Finding.metIf(!qualifying.isEmpty(),
                "active, confirmed qualifying diagnosis: " + codes(qualifying),
                "no active, confirmed diagnosis with an ICD-10-CM code starting " + review.policy().diagnosisCodePrefixes()
                        + " among " + codes(diagnoses),
                qualifying.isEmpty() ? diagnoses : qualifying);
    }

    private static boolean activeAndConfirmed(Condition condition) {
        return Codes.has(condition.getClinicalStatus(), "http://terminology.hl7.org/CodeSystem/condition-clinical", "active")
                && Codes.has(condition.getVerificationStatus(),
                        "http://terminology.hl7.org/CodeSystem/condition-ver-status", "confirmed");
    }

    private static boolean qualifies(Condition condition, Review review) {
        return condition.getCode().getCoding().stream().filter(c -> Codes.ICD10CM.equals(c.getSystem()) && c.hasCode())
                .anyMatch(c -> review.policy().diagnosisCodePrefixes().stream().anyMatch(c.getCode()::startsWith));
    }

    private static String codes(List<Condition> conditions) {
        return conditions.stream().flatMap(c -> c.getCode().getCoding().stream())
                .filter(c -> Codes.ICD10CM.equals(c.getSystem())).map(c -> c.getCode()).collect(Collectors.joining(", "));
    }
}
