package org.iopfhir.necessity.criteria;

import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.stream.Collectors;
import org.hl7.fhir.r4.model.Coding;
import org.hl7.fhir.r4.model.Condition;
import org.hl7.fhir.r4.model.EpisodeOfCare;
import org.iopfhir.attendance.AttendanceRecords;
import org.iopfhir.necessity.Codes;
import org.iopfhir.necessity.Criterion;
import org.iopfhir.necessity.Finding;
import org.iopfhir.necessity.Kind;
import org.iopfhir.necessity.Review;

/**
 * An active, confirmed diagnosis on the episode that IOP treats: a substance use disorder (the Part 2
 * SUD value set, the same rule the privacy layer labels records by: nicotine is not in it) or one of
 * the policy's mental-health categories. Codes the policy excludes (F17 nicotine, F51 sleep, F52
 * sexual dysfunction) never qualify. A diagnosis "in remission" qualifies only with a documented
 * reason (the Condition's {@code evidence} or {@code note}); without one the finding lacks data.
 */
public class DiagnosisCriterion implements Criterion {

    @Override
    public String id() {
        return "diagnosis";
    }

    @Override
    public Kind kind() {
        return Kind.CLINICAL;
    }

    @Override
    public Finding evaluate(Review review) {
        Set<String> onEpisode = review.record().episode().getDiagnosis().stream()
                .map(EpisodeOfCare.DiagnosisComponent::getCondition).map(r -> r.getReference()).collect(Collectors.toSet());
        List<Condition> diagnoses = review.all(Condition.class).stream()
                .filter(c -> onEpisode.contains(AttendanceRecords.reference(c))).toList();
        if (diagnoses.isEmpty()) {
            return Finding.notMet("the episode names no diagnosis (EpisodeOfCare.diagnosis) documented by " + review.asOf(),
                    List.of());
        }
        List<Condition> qualifying = diagnoses.stream().filter(c -> activeAndConfirmed(c) && qualifies(c, review)).toList();
        List<Condition> active = qualifying.stream().filter(c -> !inRemission(c)).toList();
        if (!active.isEmpty()) {
            return Finding.met("active, confirmed qualifying diagnosis: " + codes(active), active);
        }
        List<Condition> explained = qualifying.stream().filter(c -> c.hasEvidence() || c.hasNote()).toList();
        if (!explained.isEmpty()) {
            return Finding.met("qualifying diagnosis in remission, with the documented reason IOP is still needed: "
                    + codes(explained), explained);
        }
        if (!qualifying.isEmpty()) {
            return Finding.insufficient("the only qualifying diagnoses are in remission (" + codes(qualifying)
                    + ") and the record gives no reason IOP is needed (Condition.evidence or note)", qualifying);
        }
        return Finding.notMet("no active, confirmed substance use disorder or qualifying mental-health diagnosis among "
                + codes(diagnoses) + " (nicotine alone, sleep and sexual dysfunction codes do not qualify)", diagnoses);
    }

    private static boolean activeAndConfirmed(Condition condition) {
        return Codes.hasAnyOf(condition.getClinicalStatus(), "http://terminology.hl7.org/CodeSystem/condition-clinical",
                        List.of("active", "recurrence", "relapse", "remission"))
                && Codes.has(condition.getVerificationStatus(),
                        "http://terminology.hl7.org/CodeSystem/condition-ver-status", "confirmed");
    }

    private static boolean qualifies(Condition condition, Review review) {
        List<Coding> icd = icd(condition);
        if (icd.stream().anyMatch(c -> startsWithAny(c, review.policy().excludedDiagnosisPrefixes()))) {
            return false;
        }
        return review.context().sud().isSudRecord(condition)
                || icd.stream().anyMatch(c -> startsWithAny(c, review.policy().mentalHealthDiagnosisPrefixes()));
    }

    /**
     * ICD-10-CM remission codes: F10-F19 with .11 (abuse), .21 (dependence) or .91 (use) and the mood
     * disorders' remission codes F32.4, F32.5, F33.4x and F31.7x; or a Condition whose clinical
     * status says remission.
     */
    static boolean inRemission(Condition condition) {
        if (Codes.has(condition.getClinicalStatus(), "http://terminology.hl7.org/CodeSystem/condition-clinical", "remission")) {
            return true;
        }
        return icd(condition).stream().map(c -> c.getCode().replace(".", "").toUpperCase(Locale.ROOT)).anyMatch(code ->
                code.matches("F1[0-9][129]1.*") || code.startsWith("F324") || code.startsWith("F325")
                        || code.startsWith("F334") || code.startsWith("F317"));
    }

    private static boolean startsWithAny(Coding coding, List<String> prefixes) {
        String code = coding.getCode().replace(".", "").toUpperCase(Locale.ROOT);
        return prefixes.stream().map(p -> p.replace(".", "").toUpperCase(Locale.ROOT)).anyMatch(code::startsWith);
    }

    private static List<Coding> icd(Condition condition) {
        return condition.getCode().getCoding().stream().filter(c -> Codes.ICD10CM.equals(c.getSystem()) && c.hasCode()).toList();
    }

    private static String codes(List<Condition> conditions) {
        return conditions.stream().flatMap(c -> icd(c).stream()).map(Coding::getCode).collect(Collectors.joining(", "));
    }
}
