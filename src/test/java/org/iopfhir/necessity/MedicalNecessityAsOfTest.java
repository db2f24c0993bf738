package org.iopfhir.necessity;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.LocalDate;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.hl7.fhir.r4.model.BooleanType;
import org.hl7.fhir.r4.model.CarePlan;
import org.hl7.fhir.r4.model.ClaimResponse;
import org.hl7.fhir.r4.model.CodeableConcept;
import org.hl7.fhir.r4.model.Coding;
import org.hl7.fhir.r4.model.Condition;
import org.hl7.fhir.r4.model.Consent;
import org.hl7.fhir.r4.model.DateTimeType;
import org.hl7.fhir.r4.model.Goal;
import org.hl7.fhir.r4.model.Observation;
import org.hl7.fhir.r4.model.QuestionnaireResponse;
import org.hl7.fhir.r4.model.Reference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * A review "as of" a date sees only what was documented by then: later evidence does not exist for
 * it, criterion by criterion, and no finding cites it (so the documentation package cannot hold it).
 */
class MedicalNecessityAsOfTest {

    private static final String MEDICARE = "medicare-2024";
    private static final String COMMERCIAL = "commercial-default";
    private static final LocalDate LATER = ExampleReview.AFTER_DISCHARGE;

    @ParameterizedTest(name = "{0} as of {1}")
    @MethodSource("reviewDates")
    void noFindingCitesEvidenceDocumentedAfterTheReviewDate(String policy, LocalDate asOf) {
        Verdict verdict = new ExampleReview().verdict(policy, asOf);

        verdict.results().forEach(r -> r.finding().evidence().forEach(e -> {
            LocalDate documented = Documented.date(e);
            assertThat(documented == null || !documented.isAfter(asOf)).as(r.id() + " cites " + e.getIdElement().getIdPart()
                    + " of " + documented).isTrue();
            if (e instanceof CarePlan plan) {
                assertThat(plan.getNote()).allSatisfy(n -> assertThat(Documented.date(new CarePlan().setCreatedElement(
                        n.getTimeElement()))).isBeforeOrEqualTo(asOf));
            }
            if (e instanceof Goal goal) {
                assertThat(goal.hasAchievementStatus() && goal.getStatusDate().toInstant()
                        .isAfter(asOf.plusDays(1).atStartOfDay(java.time.ZoneId.systemDefault()).toInstant())).isFalse();
            }
        }));
    }

    static Stream<Arguments> reviewDates() {
        return Stream.of(MEDICARE, COMMERCIAL).flatMap(p -> Stream.of("2026-01-20", "2026-02-20", "2026-03-10", "2026-03-26")
                .map(d -> Arguments.of(p, LocalDate.parse(d))));
    }

    /** A change that makes later evidence decide a criterion: before it the criterion sees the earlier record. */
    static Stream<Arguments> criteria() {
        return Stream.of(
                criterion("diagnosis", COMMERCIAL, "2026-01-20", e -> e
                                .change("Condition/example-dx-aud", Condition.class, c -> c.setRecordedDateElement(
                                        new DateTimeType("2026-02-01")))
                                .change("Condition/example-dx-gad", Condition.class, c -> c.setRecordedDateElement(
                                        new DateTimeType("2026-02-01"))),
                        Status.NOT_MET, Status.MET),
                criterion("assessment", COMMERCIAL, "2026-01-08", e -> e.change("QuestionnaireResponse/example-intake",
                                QuestionnaireResponse.class, q -> q.setAuthoredElement(new DateTimeType("2026-01-10T10:00:00-05:00"))),
                        Status.NOT_MET, Status.NOT_MET),
                criterion("imminent-danger", COMMERCIAL, "2026-01-20", e -> e.add(determination(e, "2026-02-02", true)),
                        Status.MET, Status.MET),
                criterion("able-to-participate", MEDICARE, "2026-01-20", e -> e.add(impairment("2026-02-01")),
                        Status.MET, Status.INSUFFICIENT_DATA),
                criterion("planned-intensity", COMMERCIAL, "2026-01-20", e -> e.change("CarePlan/example-careplan",
                                CarePlan.class, p -> p.setCreatedElement(new DateTimeType("2026-02-01"))),
                        Status.NOT_MET, Status.MET),
                criterion("hours-delivered", COMMERCIAL, "2026-01-20", e -> { }, Status.MET, Status.MET),
                criterion("service-mix", COMMERCIAL, "2026-01-11", e -> { }, Status.MET, Status.MET),
                criterion("continued-stay", COMMERCIAL, "2026-03-08", e -> MedicalNecessityScenarioTest.positive(e, "10"),
                        Status.MET, Status.INSUFFICIENT_DATA),
                criterion("length-of-stay", COMMERCIAL, "2026-01-20", e -> { }, Status.MET, Status.MET),
                criterion("certification", MEDICARE, "2026-02-20", e -> { }, Status.MET, Status.MET),
                criterion("plan-of-care", COMMERCIAL, "2026-01-20", e -> e.change("CarePlan/example-careplan",
                                CarePlan.class, p -> p.setCreatedElement(new DateTimeType("2026-02-01"))),
                        Status.NOT_MET, Status.NOT_MET),
                criterion("measurable-goals", COMMERCIAL, "2026-01-20", e -> e.change("CarePlan/example-careplan",
                                CarePlan.class, p -> p.setCreatedElement(new DateTimeType("2026-02-01"))),
                        Status.NOT_MET, Status.MET),
                criterion("safety-plan", COMMERCIAL, "2026-01-20", e -> e.change("CarePlan/example-safety-plan",
                                CarePlan.class, p -> p.setCreatedElement(new DateTimeType("2026-02-01"))),
                        Status.NOT_MET, Status.NOT_MET),
                criterion("medication-offered", COMMERCIAL, "2026-01-20", e -> e.change("CarePlan/example-careplan",
                                CarePlan.class, p -> p.setCreatedElement(new DateTimeType("2026-02-01"))),
                        Status.NOT_MET, Status.MET),
                criterion("plan-review", COMMERCIAL, "2026-02-10", e -> e.change("CarePlan/example-careplan",
                                CarePlan.class, p -> p.getNote().remove(0)),
                        Status.NOT_MET, Status.NOT_MET),
                criterion("progress-notes", COMMERCIAL, "2026-01-20", e -> e.remove("DocumentReference/example-note-g30"),
                        Status.MET, Status.NOT_MET),
                criterion("discharge", COMMERCIAL, "2026-03-20", e -> { }, Status.NOT_APPLICABLE, Status.MET),
                criterion("consent", COMMERCIAL, "2026-01-20", e -> e.change("Consent/example-consent", Consent.class,
                                c -> c.setDateTimeElement(new DateTimeType("2026-02-01"))),
                        Status.NOT_MET, Status.MET),
                criterion("authorization", COMMERCIAL, "2026-01-20", e -> e.change("ClaimResponse/example-preauth",
                                ClaimResponse.class, c -> c.setCreatedElement(new DateTimeType("2026-02-01"))),
                        Status.NOT_MET, Status.MET),
                criterion("attendance", COMMERCIAL, "2026-01-20", e -> { }, Status.MET, Status.MET),
                criterion("drug-testing", COMMERCIAL, "2026-01-20", e -> Stream.of("04", "05", "06", "07", "08", "09", "10",
                                "11", "12").forEach(k -> e.remove("Observation/example-uds-" + k)),
                        Status.MET, Status.NOT_MET));
    }

    @ParameterizedTest(name = "{0} as of {2}")
    @MethodSource("criteria")
    void everyCriterionJudgesTheRecordAsItStoodOnTheReviewDate(String id, String policy, LocalDate asOf,
            Consumer<ExampleReview> change, Status then, Status later) {
        ExampleReview review = new ExampleReview();
        change.accept(review);

        Verdict early = review.verdict(policy, asOf);
        assertThat(early.finding(id).status()).as(id + " as of " + asOf + ": " + early.finding(id).detail()).isEqualTo(then);
        assertThat(early.finding(id).evidence()).allSatisfy(e -> assertThat(Documented.date(e) == null
                || !Documented.date(e).isAfter(asOf)).as(id + " cites " + e.getIdElement().getIdPart()).isTrue());
        assertThat(review.verdict(policy, LATER).finding(id).status()).as(id + " later").isEqualTo(later);
        assertThat(Checklist.CRITERIA).extracting(Criterion::id).contains(id);
    }

    @Test
    void everyCriterionHasAnAsOfCase() {
        assertThat(criteria().map(a -> (String) a.get()[0]).toList())
                .containsExactlyInAnyOrderElementsOf(Checklist.CRITERIA.stream().map(Criterion::id).toList());
    }

    @Test
    void asOfTheTwentiethOfJanuaryOnlyThreeDrugTestsAndNoPlanReviewExist() {
        Verdict verdict = new ExampleReview().verdict(COMMERCIAL, LocalDate.of(2026, 1, 20));

        assertThat(verdict.finding("drug-testing").evidence()).hasSize(3);
        assertThat(verdict.finding("plan-review").detail()).startsWith("0 practitioner reviews");
        assertThat(verdict.finding("hours-delivered").detail()).contains("2 complete weeks");
        assertThat(new ExampleReview().verdict(COMMERCIAL, LocalDate.of(2026, 2, 20)).finding("continued-stay").detail())
                .contains("PHQ-9 12 on 2026-02-13").doesNotContain("2026-02-27");
    }

    private static Arguments criterion(String id, String policy, String asOf, Consumer<ExampleReview> change, Status then,
            Status later) {
        return Arguments.of(id, policy, LocalDate.parse(asOf), change, then, later);
    }

    private static Observation determination(ExampleReview review, String day, boolean danger) {
        Observation later = review.get("Observation/example-determination", Observation.class).copy();
        later.setId("example-later-determination");
        later.setEffective(new DateTimeType(day)).getDerivedFrom().clear();
        later.getComponentFirstRep().setValue(new BooleanType(danger));
        return later;
    }

    private static Observation impairment(String day) {
        Observation found = new Observation().setStatus(Observation.ObservationStatus.FINAL)
                .setCode(new CodeableConcept(new Coding(Codes.OBSERVATION, "cognitive-impairment", null)))
                .setEffective(new DateTimeType(day)).setValue(new BooleanType(true));
        found.setSubject(new Reference("Patient/example-patient")).setId("example-impairment");
        return found;
    }
}
