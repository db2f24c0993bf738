package org.iopfhir.necessity;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.LocalDate;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;
import java.util.function.UnaryOperator;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.hl7.fhir.r4.model.BooleanType;
import org.hl7.fhir.r4.model.CarePlan;
import org.hl7.fhir.r4.model.ClaimResponse;
import org.hl7.fhir.r4.model.CodeableConcept;
import org.hl7.fhir.r4.model.Coding;
import org.hl7.fhir.r4.model.Condition;
import org.hl7.fhir.r4.model.DateTimeType;
import org.hl7.fhir.r4.model.DocumentReference;
import org.hl7.fhir.r4.model.Encounter;
import org.hl7.fhir.r4.model.EpisodeOfCare;
import org.hl7.fhir.r4.model.Goal;
import org.hl7.fhir.r4.model.Observation;
import org.hl7.fhir.r4.model.Practitioner;
import org.hl7.fhir.r4.model.QuestionnaireResponse;
import org.hl7.fhir.r4.model.StringType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The checklist on the shipped 12-week example episode: complete, it is clinically met under both
 * policies; each realistic change below flips exactly the criteria that depend on it, and only a
 * clinical criterion changes the outcome: documentation and quality findings are listed apart.
 */
class MedicalNecessityScenarioTest {

    private static final String MEDICARE = "medicare-2024";
    private static final String COMMERCIAL = "commercial-default";

    @Test
    void theCompleteEpisodeMeetsEveryCommercialCriterionWithEvidence() {
        Verdict verdict = new ExampleReview().verdict(COMMERCIAL);

        assertThat(verdict.results()).extracting(Verdict.Result::id).containsExactly("diagnosis", "assessment",
                "imminent-danger", "able-to-participate", "planned-intensity", "hours-delivered", "service-mix",
                "continued-stay", "length-of-stay", "certification", "plan-of-care", "measurable-goals", "safety-plan",
                "medication-offered", "plan-review", "progress-notes", "discharge", "consent", "authorization", "attendance",
                "drug-testing");
        assertThat(verdict.results()).filteredOn(r -> r.rule() != null).allSatisfy(r -> {
            assertThat(r.finding().status()).as(r.id() + ": " + r.finding().detail()).isEqualTo(Status.MET);
            assertThat(r.finding().evidence()).as(r.id()).isNotEmpty();
            assertThat(r.rule().source()).as(r.id()).isNotBlank();
        });
        assertThat(verdict.results()).filteredOn(r -> r.rule() == null).extracting(Verdict.Result::id)
                .containsExactlyInAnyOrder("able-to-participate", "certification");
        assertThat(List.of(verdict.outcome(), verdict.documentation(), verdict.quality())).containsOnly(Status.MET);
    }

    @org.junit.jupiter.params.ParameterizedTest(name = "{0}")
    @org.junit.jupiter.params.provider.CsvSource({"commercial-default, MET, MET, MET", "medicare-2024, MET, NOT_MET, MET"})
    void theAdolescentVariantReachesItsVerdictUnderEachPolicy(String policy, Status outcome, Status documentation,
            Status quality) {
        Verdict verdict = new ExampleReview(org.iopfhir.testsupport.IgValidator.example("Bundle-variant-adolescent.json"))
                .verdict(policy);

        assertThat(List.of(verdict.outcome(), verdict.documentation(), verdict.quality())).as(policy + ": "
                + verdict.results().stream().map(r -> r.id() + "=" + r.finding().status()).toList())
                .containsExactly(outcome, documentation, quality);
        assertThat(verdict.finding("service-mix").detail()).contains("family therapy (family therapy is in the plan)");
        assertThat(verdict.finding("assessment").status()).isEqualTo(Status.MET);
    }

    @Test
    void underMedicareTheEpisodeIsClinicallyMetButTheConsentNamesNoMedicarePayer() {
        Verdict verdict = new ExampleReview().verdict(MEDICARE);

        assertThat(verdict.outcome()).isEqualTo(Status.MET);
        assertThat(notMet(verdict)).containsExactly("consent");
        assertThat(verdict.documentation()).isEqualTo(Status.NOT_MET);
        assertThat(verdict.finding("consent").detail()).contains("no payer under review");
        // Medicare invents no drug-test schedule, attendance rate or note deadline
        assertThat(Stream.of("drug-testing", "attendance", "measurable-goals", "length-of-stay", "authorization")
                .map(id -> verdict.finding(id).status())).containsOnly(Status.NOT_APPLICABLE);
        assertThat(verdict.finding("progress-notes").detail()).doesNotContain("within");
        // video groups do not count toward Medicare hours: three weeks fall short, but not as a pattern
        assertThat(verdict.finding("hours-delivered").detail()).contains("isolated exceptions", "held by video");
    }

    static Stream<Arguments> changes() {
        return Stream.of(
                change("removing the treatment plan loses the plan, its goals, intensity, reviews and the medication offer",
                        COMMERCIAL, e -> e.remove("CarePlan/example-careplan"),
                        "plan-of-care", "measurable-goals", "planned-intensity", "plan-review", "medication-offered"),
                change("one short week is an exception, not a pattern", COMMERCIAL,
                        e -> shorten(e, "g05", "g06"), new String[0]),
                change("two short weeks in a row are a pattern", COMMERCIAL,
                        e -> shorten(e, "g05", "g06", "g07", "g09"), "hours-delivered"),
                change("Medicare asks 9 hours of adolescents too (the example's consent names no Medicare payer)", MEDICARE,
                        e -> shorten(e, "g05", "g06", "g07", "g09").change("EpisodeOfCare/example-episode",
                                EpisodeOfCare.class, ep -> ep.getExtensionByUrl(
                                        "http://iop-fhir.org/fhir/StructureDefinition/iop-age-group")
                                        .setValue(new org.hl7.fhir.r4.model.CodeType("adolescent")))
                                .change("QuestionnaireResponse/example-intake", QuestionnaireResponse.class,
                                        q -> q.getItem().stream().flatMap(group -> group.getItem().stream())
                                                .filter(item -> item.getLinkId().equals("screening-age-group"))
                                                .forEach(item -> item.getAnswerFirstRep().setValue(new org.hl7.fhir.r4.model.Coding(
                                                        "http://iop-fhir.org/fhir/CodeSystem/iop-age-group", "adolescent", null)))),
                        "hours-delivered", "consent"),
                change("Medicare does not count video groups: two weeks by video fall short", MEDICARE,
                        e -> virtual(e, "g04", "g05", "g07", "g09"), "hours-delivered", "consent"),
                change("the commercial policy counts the same video groups", COMMERCIAL,
                        e -> virtual(e, "g04", "g05", "g07", "g09"), new String[0]),
                change("H0015 needs 3 hours on 3 days: two long days a week fail it", COMMERCIAL,
                        e -> longDays(e), "hours-delivered"),
                change("Medicare has no per-day hour rule", MEDICARE, e -> longDays(e), "consent"),
                change("without the intake assessment nothing shows the level was assessed", COMMERCIAL,
                        e -> e.remove("QuestionnaireResponse/example-intake"), "assessment"),
                change("an intake 45 days before admission is too old", COMMERCIAL,
                        e -> e.change("QuestionnaireResponse/example-intake", QuestionnaireResponse.class,
                                q -> q.setAuthoredElement(new DateTimeType("2025-11-21T10:00:00-05:00"))),
                        "assessment"),
                change("IOP above a recommended 1.0 for preference is not medically necessary", COMMERCIAL,
                        e -> recommend(e, "1", "patient-preference"), "assessment"),
                change("IOP below a recommended 2.5 that is not available is the next available level", COMMERCIAL,
                        e -> recommend(e, "2.5", "level-not-available"), new String[0]),
                change("IOP below a recommended 2.5 for clinical judgment is not an unavailable or refused level",
                        COMMERCIAL, e -> recommend(e, "2.5", "clinical-judgment"), "assessment"),
                change("IOP below a recommended 2.5 without any reason", COMMERCIAL,
                        e -> recommend(e, "2.5", null), "assessment"),
                change("without the recertification the certification lapses after 60 days", MEDICARE,
                        e -> e.remove("DocumentReference/example-certification-02"), "certification", "consent"),
                change("a certification signed by a counselor is no physician certification", MEDICARE,
                        e -> e.change("Practitioner/example-physician", Practitioner.class,
                                p -> p.getQualificationFirstRep().setCode(new CodeableConcept().setText("LADC"))),
                        "certification", "consent"),
                change("a certification that names no plan of care lacks its content", MEDICARE,
                        e -> e.change("DocumentReference/example-certification-01", DocumentReference.class,
                                d -> d.getContext().getRelated().removeIf(r -> r.getReference().startsWith("CarePlan/"))),
                        "certification", "consent"),
                change("a plan of two groups a week neither reaches IOP intensity nor supports the certification", MEDICARE,
                        e -> e.change("CarePlan/example-careplan", CarePlan.class,
                                p -> p.getActivityFirstRep().getDetail().getScheduledTiming().getRepeat().setFrequency(2)),
                        "planned-intensity", "certification", "consent"),
                change("no-shows without outreach are a quality finding", COMMERCIAL,
                        e -> e.remove("Communication/"), "attendance"),
                change("a provisional diagnosis does not qualify", COMMERCIAL,
                        e -> e.change("Condition/example-dx-aud", Condition.class, c -> unconfirm(c))
                                .change("Condition/example-dx-gad", Condition.class, c -> unconfirm(c)),
                        "diagnosis"),
                change("nicotine dependence and insomnia alone do not qualify (and need no MAUD)", COMMERCIAL,
                        e -> e.change("Condition/example-dx-aud", Condition.class, c -> recode(c, "F17.210"))
                                .change("Condition/example-dx-gad", Condition.class, c -> recode(c, "F51.01")),
                        "diagnosis"),
                change("imminent danger recorded at determination needs a higher level", COMMERCIAL,
                        e -> e.change("Observation/example-determination", Observation.class,
                                o -> o.getComponentFirstRep().setValue(new BooleanType(true))),
                        "imminent-danger"),
                change("a plan written ten days after admission is late", COMMERCIAL,
                        e -> e.change("CarePlan/example-careplan", CarePlan.class,
                                p -> p.setCreatedElement(new DateTimeType("2026-01-15"))),
                        "plan-of-care"),
                change("a goal without a due date is not measurable", COMMERCIAL,
                        e -> e.change("Goal/example-goal-phq9", Goal.class, g -> g.getTargetFirstRep().setDue(null)),
                        "measurable-goals"),
                change("a plan never reviewed after it was written", COMMERCIAL,
                        e -> e.change("CarePlan/example-careplan", CarePlan.class, p -> p.getNote().clear()),
                        "plan-review"),
                change("family therapy in the plan but never delivered", COMMERCIAL,
                        e -> e.change("CarePlan/example-careplan", CarePlan.class, p -> p.addActivity().getDetail()
                                .setStatus(CarePlan.CarePlanActivityStatus.NOTSTARTED)
                                .setCode(new CodeableConcept(new Coding(Codes.SESSION_TYPE, "family-therapy", null)))),
                        "service-mix"),
                change("a session without its progress note is a documentation deficiency", COMMERCIAL,
                        e -> e.remove("DocumentReference/example-note-g10"), "progress-notes"),
                change("drug screens stopping after a month break the program's cadence, a quality rule", COMMERCIAL,
                        e -> Stream.of("05", "06", "07", "08", "09", "10", "11", "12")
                                .forEach(k -> e.remove("Observation/example-uds-" + k)),
                        "drug-testing"),
                change("Medicare sets no drug-test cadence", MEDICARE,
                        e -> Stream.of("05", "06", "07", "08", "09", "10", "11", "12")
                                .forEach(k -> e.remove("Observation/example-uds-" + k)),
                        "consent"),
                change("a positive screen answered by the next day's plan review supports the stay", COMMERCIAL,
                        e -> positive(e, "05"), new String[0]),
                change("a re-rating to level 1 after admission means step down", COMMERCIAL,
                        e -> e.add(rerating(e, "2026-03-06", "1")), "continued-stay"),
                change("discharge without an aftercare referral", COMMERCIAL,
                        e -> e.remove("ServiceRequest/example-aftercare-referral"), "discharge"),
                change("no Part 2 consent is a deficiency to fix, not a clinical denial", COMMERCIAL,
                        e -> e.remove("Consent/"), "consent"),
                change("care beyond the authorized window is a technical deficiency", COMMERCIAL,
                        e -> e.change("ClaimResponse/example-preauth", ClaimResponse.class,
                                c -> c.getPreAuthPeriod().setEndElement(new DateTimeType("2026-02-28"))),
                        "authorization"),
                change("more H0015 days than authorized", COMMERCIAL,
                        e -> e.change("ClaimResponse/example-preauth", ClaimResponse.class,
                                c -> c.getAddItemFirstRep().getQuantity().setValue(20)),
                        "authorization"),
                change("no authorization on file", COMMERCIAL, e -> e.remove("ClaimResponse/"), "authorization"),
                change("Medicare IOP needs no prior authorization", MEDICARE, e -> e.remove("ClaimResponse/"), "consent"),
                change("no safety plan", COMMERCIAL, e -> e.remove("CarePlan/example-safety-plan"), "safety-plan"),
                change("alcohol use disorder without a documented offer of medication", COMMERCIAL,
                        e -> e.change("CarePlan/example-careplan", CarePlan.class, p -> p.getActivity().removeIf(a ->
                                Codes.has(a.getDetail().getCode(), Codes.SESSION_TYPE, "medication-management"))),
                        "medication-offered"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("changes")
    void eachChangeFlipsExactlyTheCriteriaThatDependOnIt(String why, String policy, UnaryOperator<ExampleReview> change,
            Set<String> flipped) {
        Verdict verdict = change.apply(new ExampleReview()).verdict(policy);

        assertThat(notMet(verdict)).as(why + ": " + verdict.results()).isEqualTo(flipped);
        boolean clinical = verdict.results().stream().anyMatch(r -> flipped.contains(r.id()) && r.kind() == Kind.CLINICAL);
        assertThat(verdict.outcome()).as(why).isEqualTo(clinical ? Status.NOT_MET : Status.MET);
        verdict.results().stream().filter(r -> flipped.contains(r.id()))
                .forEach(r -> assertThat(r.finding().detail()).as(r.id()).isNotBlank());
    }

    @Test
    void aRemissionCodeWithoutAReasonLeavesTheDiagnosisUnproven() {
        ExampleReview review = new ExampleReview()
                .change("Condition/example-dx-aud", Condition.class, c -> recode(c, "F10.21").getNote().clear())
                .change("Condition/example-dx-gad", Condition.class, c -> recode(c, "F52.0"));
        assertThat(review.verdict(COMMERCIAL).finding("diagnosis").status()).isEqualTo(Status.INSUFFICIENT_DATA);
        assertThat(review.verdict(COMMERCIAL).outcome()).isEqualTo(Status.INSUFFICIENT_DATA);

        review.change("Condition/example-dx-aud", Condition.class, c -> c.addNote().setText("Early remission; "
                + "relapsed twice within 3 months of earlier remissions"));
        assertThat(review.verdict(COMMERCIAL).finding("diagnosis").status()).isEqualTo(Status.MET);
    }

    @Test
    void aPositiveScreenThePlanNeverAnswersIsAClinicalSignalNotAPaperworkFailure() {
        Verdict verdict = positive(new ExampleReview(), "07").verdict(COMMERCIAL);

        assertThat(verdict.finding("continued-stay").status()).isEqualTo(Status.INSUFFICIENT_DATA);
        assertThat(verdict.finding("continued-stay").detail()).contains("example-uds-07", "plan change or step-up");
        assertThat(verdict.finding("drug-testing").status()).isEqualTo(Status.MET);
    }

    @Test
    void goalsAllMetMidEpisodeMeanStepDown() {
        ExampleReview review = new ExampleReview();
        for (String goal : List.of("abstinence", "phq9", "attendance")) {
            review.change("Goal/example-goal-" + goal, Goal.class, g -> g.setLifecycleStatus(Goal.GoalLifecycleStatus.COMPLETED)
                    .setAchievementStatus(new CodeableConcept(new Coding(Codes.GOAL_ACHIEVEMENT, "achieved", null)))
                    .setStatusDateElement(new org.hl7.fhir.r4.model.DateType("2026-02-10")));
        }
        Verdict verdict = review.verdict(COMMERCIAL, LocalDate.of(2026, 2, 20));

        assertThat(verdict.finding("continued-stay").status()).isEqualTo(Status.NOT_MET);
        assertThat(verdict.finding("continued-stay").detail()).contains("step down or discharge");
    }

    @Test
    void aConsentToAnotherPayerDoesNotCoverThePayerUnderReview() {
        Verdict verdict = Checklist.evaluate(new ExampleReview().review(COMMERCIAL, ExampleReview.AFTER_DISCHARGE,
                "Organization/other-plan"));

        assertThat(verdict.finding("consent").status()).isEqualTo(Status.NOT_MET);
        assertThat(verdict.finding("consent").detail()).contains("Organization/other-plan");
        assertThat(verdict.outcome()).isEqualTo(Status.MET);
    }

    @Test
    void midEpisodeTheDischargeIsNotYetApplicableAndTheRestIsJudgedUpToTheReviewDate() {
        Verdict verdict = new ExampleReview().verdict(COMMERCIAL, LocalDate.of(2026, 2, 20));

        assertThat(verdict.finding("discharge").status()).isEqualTo(Status.NOT_APPLICABLE);
        assertThat(verdict.outcome()).isEqualTo(Status.MET);
        assertThat(new ExampleReview().verdict(MEDICARE, LocalDate.of(2026, 2, 20)).finding("certification").detail())
                .contains("to 2026-02-20");
    }

    @Test
    void aMentalHealthTrackNeedsNeitherDrugTestsNorPart2ConsentAndBillsS9480() {
        ExampleReview review = new ExampleReview().remove("Consent/").remove("Observation/example-uds")
                .change("EpisodeOfCare/example-episode", EpisodeOfCare.class,
                        ep -> ep.getTypeFirstRep().getCodingFirstRep().setCode("mental-health").setDisplay("Mental health"))
                .change("Condition/example-dx-aud", Condition.class, c -> recode(c, "F33.1"));
        Verdict verdict = review.verdict(COMMERCIAL);

        assertThat(verdict.finding("drug-testing").status()).isEqualTo(Status.NOT_APPLICABLE);
        assertThat(verdict.finding("consent").status()).isEqualTo(Status.NOT_APPLICABLE);
        assertThat(verdict.finding("medication-offered").status()).isEqualTo(Status.NOT_APPLICABLE);
        assertThat(verdict.outcome()).isEqualTo(Status.MET);
        assertThat(verdict.payment().lines()).extracting(PaymentFacts.Line::code).contains("S9480");
        assertThat(verdict.payment().revenueCode()).isEqualTo("0905");
    }

    @Test
    void paymentFactsFollowThePayer() {
        PaymentFacts medicare = new ExampleReview().verdict(MEDICARE).payment();
        assertThat(medicare.model()).isEqualTo(Billing.SERVICES_PER_DAY);
        assertThat(medicare.billTypes()).containsExactly("13X", "76X", "85X");
        assertThat(medicare.conditionCodes()).containsExactly("92");
        assertThat(medicare.revenueCode()).isEqualTo("0906");
        // one three-hour group a day is one service: no Medicare per diem, whatever its length
        assertThat(medicare.lines()).containsExactly(new PaymentFacts.Line(PaymentFacts.UNPAID, 38));

        PaymentFacts commercial = new ExampleReview().verdict(COMMERCIAL).payment();
        assertThat(commercial.lines()).extracting(PaymentFacts.Line::code).containsExactly("H0015", PaymentFacts.UNPAID);
        assertThat(commercial.lines().get(0).days()).isGreaterThan(30);

        // three services on one day earn the 3-service tier
        ExampleReview busy = new ExampleReview();
        for (String id : List.of("example-enc-i02", "example-enc-g07", "example-enc-g09")) {
            busy.change("Encounter/" + id, Encounter.class, enc -> enc.getPeriod()
                    .setStartElement(new DateTimeType("2026-01-21T09:00:00-05:00")));
        }
        assertThat(busy.verdict(MEDICARE).payment().lines()).contains(new PaymentFacts.Line("apc-iop-3-services", 1));
    }

    @Test
    void aFreshEpisodeWithNothingDueYetLacksDataRatherThanFailing() {
        // on admission day the plan (written the next day) does not exist yet, and is not yet due
        Verdict verdict = new ExampleReview().verdict(COMMERCIAL, LocalDate.of(2026, 1, 5));

        assertThat(verdict.finding("hours-delivered").status()).isEqualTo(Status.INSUFFICIENT_DATA);
        assertThat(verdict.finding("continued-stay").status()).isEqualTo(Status.NOT_APPLICABLE);
        assertThat(verdict.outcome()).as(verdict.results().toString()).isEqualTo(Status.INSUFFICIENT_DATA);
    }

    @ParameterizedTest(name = "{0} -> {1}")
    @org.junit.jupiter.params.provider.CsvSource({
            "'met,met,not-applicable', MET",
            "'met,insufficient-data,met', INSUFFICIENT_DATA",
            "'met,insufficient-data,not-met', NOT_MET",
            "'not-applicable', MET"})
    void anyUnmetCriterionFailsTheReviewAndMissingDataComesNext(String statuses, Status outcome) {
        assertThat(Checklist.outcome(Stream.of(statuses.split(","))
                .map(s -> Status.valueOf(s.toUpperCase().replace('-', '_'))).toList())).isEqualTo(outcome);
    }

    // ----------------------------------------------------------------------------------- changes

    /** Cuts groups to 90 minutes: week 2 holds groups 4-6, week 3 groups 7 and 9, a make-up group and an individual session. */
    private static ExampleReview shorten(ExampleReview review, String... groups) {
        for (String g : groups) {
            review.change("Encounter/example-enc-" + g, Encounter.class, enc -> enc.getLength().setValue(90));
        }
        return review;
    }

    private static ExampleReview virtual(ExampleReview review, String... groups) {
        for (String g : groups) {
            review.change("Encounter/example-enc-" + g, Encounter.class,
                    enc -> enc.setClass_(new Coding(Codes.ACT_CODE, Codes.VIRTUAL, "virtual")));
        }
        return review;
    }

    /** Weeks 2 and 3: two 4.5-hour days and short ones; 10 to 11 hours a week on only 2 days of 3 hours. */
    private static ExampleReview longDays(ExampleReview review) {
        Map.of("g04", 270, "g05", 270, "g06", 60, "g07", 270, "g09", 270, "m01", 60).forEach((g, minutes) ->
                review.change("Encounter/example-enc-" + g, Encounter.class, enc -> enc.getLength().setValue(minutes)));
        return review;
    }

    private static ExampleReview recommend(ExampleReview review, String level, String varianceReason) {
        return review.change("Observation/example-determination", Observation.class, o -> {
            o.getValueCodeableConcept().getCodingFirstRep().setCode(level);
            if (varianceReason != null) {
                o.addComponent().setCode(new CodeableConcept(new Coding(Codes.OBSERVATION, "variance-reason", null)))
                        .setValue(new CodeableConcept(new Coding(Codes.VARIANCE_REASON, varianceReason, null)));
            }
        });
    }

    /** The lab's edit for a positive screen: the SNOMED CT result Positive on the cup and on its EtG analyte. */
    static ExampleReview positive(ExampleReview review, String test) {
        return review.change("Observation/example-uds-" + test, Observation.class, o -> {
            o.getValueCodeableConcept().getCodingFirstRep().setCode(Codes.POSITIVE).setDisplay("Positive");
            o.getComponentFirstRep().getValueCodeableConcept().getCodingFirstRep().setCode(Codes.POSITIVE).setDisplay("Positive");
        });
    }

    @Test
    void onlyAPositiveResultIsASignal() {
        for (String result : List.of("260385009", "419984006")) {   // Negative, Inconclusive
            ExampleReview review = new ExampleReview().change("Observation/example-uds-07", Observation.class,
                    o -> o.getComponentFirstRep().getValueCodeableConcept().getCodingFirstRep().setCode(result));
            assertThat(review.verdict(COMMERCIAL).finding("continued-stay").status()).as(result).isEqualTo(Status.MET);
        }
        ExampleReview analyteOnly = new ExampleReview().change("Observation/example-uds-07", Observation.class,
                o -> o.getComponentFirstRep().getValueCodeableConcept().getCodingFirstRep().setCode(Codes.POSITIVE));
        assertThat(analyteOnly.verdict(COMMERCIAL).finding("continued-stay").detail()).contains("example-uds-07");
    }

    @Test
    void aScreenInTheRetiredLocalCodingStillCountsIsReadAndIsNamedForRecoding() {
        ExampleReview review = new ExampleReview().change("Observation/example-uds-07", Observation.class, o -> o
                .setCode(new CodeableConcept(new Coding(Codes.SESSION_TYPE, Codes.RETIRED_DRUG_TEST, null)))
                .setValue(new StringType("Positive (EtG)")).getComponent().clear());
        Verdict verdict = review.verdict(COMMERCIAL);

        assertThat(verdict.finding("drug-testing").status()).isEqualTo(Status.MET);
        assertThat(verdict.finding("drug-testing").detail()).contains("12 drug tests", "1 positive",
                "1 coded with the retired local code", "recode as LOINC 65750-2");
        assertThat(verdict.finding("continued-stay").detail()).contains("example-uds-07");

        ExampleReview unrelated = new ExampleReview().change("Observation/example-uds-07", Observation.class, o -> o
                .setCode(new CodeableConcept(new Coding(Codes.LOINC, "5645-7", null))));   // urine ethanol, not a screen of ours
        assertThat(unrelated.verdict(COMMERCIAL).finding("drug-testing").detail()).contains("11 drug tests");
    }

    private static Observation rerating(ExampleReview review, String day, String level) {
        Observation rerated = review.get("Observation/example-determination", Observation.class).copy();
        rerated.setId("example-rerating");
        rerated.setEffective(new DateTimeType(day)).getDerivedFrom().clear();
        rerated.getValueCodeableConcept().getCodingFirstRep().setCode(level);
        return rerated;
    }

    private static void unconfirm(Condition condition) {
        condition.getVerificationStatus().getCodingFirstRep().setCode("provisional");
    }

    private static Condition recode(Condition condition, String icd) {
        condition.getCode().getCodingFirstRep().setCode(icd).setDisplay(null);
        condition.getCode().setText(null);
        return condition;
    }

    private static Set<String> notMet(Verdict verdict) {
        return verdict.results().stream().filter(r -> r.finding().status() == Status.NOT_MET).map(Verdict.Result::id)
                .collect(Collectors.toSet());
    }

    private static Arguments change(String why, String policy, Consumer<ExampleReview> change, String... flipped) {
        return Arguments.of(why, policy, (UnaryOperator<ExampleReview>) e -> {
            change.accept(e);
            return e;
        }, Set.of(flipped));
    }
}
