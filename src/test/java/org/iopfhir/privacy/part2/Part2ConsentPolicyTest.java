package org.iopfhir.privacy.part2;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.util.List;
import java.util.Set;
import java.util.function.Consumer;
import org.hl7.fhir.r4.model.CodeableConcept;
import org.hl7.fhir.r4.model.Coding;
import org.hl7.fhir.r4.model.Consent;
import org.hl7.fhir.r4.model.DateTimeType;
import org.hl7.fhir.r4.model.Observation;
import org.hl7.fhir.r4.model.Period;
import org.hl7.fhir.r4.model.Reference;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class Part2ConsentPolicyTest {

    static final String PAYER = "Organization/payer";
    static final Instant NOW = Instant.parse("2026-06-15T12:00:00Z");
    static final Set<String> SUD_RECORD = Set.of("SUD", "R", "42CFRPart2");
    static final Set<String> COUNSELING_NOTE = Set.of("SUD", "R", "42CFRPart2", "PSYTHPN");
    static final String ACT_CODE = "http://terminology.hl7.org/CodeSystem/v3-ActCode";

    /** The shape of the example consent: payment and coverage review of SUD records, notes denied. */
    static Consent consent(Consumer<Consent> change) {
        Consent consent = new Consent();
        consent.setId("c1");
        consent.setStatus(Consent.ConsentState.ACTIVE);
        consent.getScope().addCoding(new Coding("http://terminology.hl7.org/CodeSystem/consentscope", "patient-privacy", null));
        consent.getPolicyRule().addCoding(new Coding(ACT_CODE, "42CFRPart2", null));
        Consent.ProvisionComponent provision = consent.getProvision().setType(Consent.ConsentProvisionType.PERMIT)
                .setPeriod(new Period().setStartElement(new DateTimeType("2026-01-05")).setEndElement(new DateTimeType("2027-01-05")));
        provision.addActor().setReference(new Reference(PAYER)).setRole(new CodeableConcept(
                new Coding("http://terminology.hl7.org/CodeSystem/v3-ParticipationType", "IRCP", null)));
        provision.addPurpose(new Coding("http://terminology.hl7.org/CodeSystem/v3-ActReason", "HPAYMT", null));
        provision.addPurpose(new Coding("http://terminology.hl7.org/CodeSystem/v3-ActReason", "COVAUTH", null));
        provision.addSecurityLabel(new Coding(ACT_CODE, "SUD", null));
        provision.addProvision().setType(Consent.ConsentProvisionType.DENY).addSecurityLabel(new Coding(ACT_CODE, "PSYTHPN", null));
        change.accept(consent);
        return consent;
    }

    static Arguments row(String why, boolean permitted, List<Consent> consents, String purpose, Set<String> labels, Instant now) {
        return Arguments.of(why, permitted, consents, purpose, labels, now);
    }

    static List<Arguments> table() {
        Consumer<Consent> asIs = c -> { };
        return List.of(
                row("an active consent naming the payer permits payment review", true, List.of(consent(asIs)), "HPAYMT", SUD_RECORD, NOW),
                row("and coverage authorization", true, List.of(consent(asIs)), "COVAUTH", SUD_RECORD, NOW),
                row("but not treatment by the payer", false, List.of(consent(asIs)), "TREAT", SUD_RECORD, NOW),
                row("no consent, no disclosure", false, List.of(), "HPAYMT", SUD_RECORD, NOW),
                row("a revoked (inactive) consent stops disclosure", false,
                        List.of(consent(c -> c.setStatus(Consent.ConsentState.INACTIVE))), "HPAYMT", SUD_RECORD, NOW),
                row("a rejected consent never permitted", false,
                        List.of(consent(c -> c.setStatus(Consent.ConsentState.REJECTED))), "HPAYMT", SUD_RECORD, NOW),
                row("a draft is not yet a consent", false,
                        List.of(consent(c -> c.setStatus(Consent.ConsentState.DRAFT))), "HPAYMT", SUD_RECORD, NOW),
                row("an expired consent stops disclosure", false, List.of(consent(asIs)), "HPAYMT", SUD_RECORD,
                        Instant.parse("2027-01-06T00:00:00Z")),
                row("the end date counts in full", true, List.of(consent(asIs)), "HPAYMT", SUD_RECORD,
                        Instant.parse("2027-01-05T23:00:00Z")),
                row("nothing before the period starts", false, List.of(consent(asIs)), "HPAYMT", SUD_RECORD,
                        Instant.parse("2026-01-04T12:00:00Z")),
                row("another payer is not the recipient", false,
                        List.of(consent(c -> c.getProvision().getActorFirstRep().getReference().setReference("Organization/other"))),
                        "HPAYMT", SUD_RECORD, NOW),
                row("a payer named in another role is not a recipient", false,
                        List.of(consent(c -> c.getProvision().getActorFirstRep().getRole().getCodingFirstRep().setCode("AUT"))),
                        "HPAYMT", SUD_RECORD, NOW),
                row("counseling notes excluded by the nested deny", false, List.of(consent(asIs)), "HPAYMT", COUNSELING_NOTE, NOW),
                row("counseling notes need their own permit even without a deny", false,
                        List.of(consent(c -> c.getProvision().getProvision().clear())), "HPAYMT", COUNSELING_NOTE, NOW),
                row("a nested permit naming counseling notes releases them", true,
                        List.of(consent(c -> c.getProvision().getProvisionFirstRep().setType(Consent.ConsentProvisionType.PERMIT))),
                        "HPAYMT", COUNSELING_NOTE, NOW),
                row("a separate consent for counseling notes releases them", true,
                        List.of(consent(asIs), consent(c -> {
                            c.getProvision().getProvision().clear();
                            c.getProvision().addSecurityLabel(new Coding(ACT_CODE, "PSYTHPN", null));
                        })), "HPAYMT", COUNSELING_NOTE, NOW),
                row("a consent releasing other labels does not release SUD records", false,
                        List.of(consent(c -> c.getProvision().getSecurityLabelFirstRep().setCode("HIV"))), "HPAYMT", SUD_RECORD, NOW),
                row("a TPO consent covers payment", true,
                        List.of(consent(c -> c.getProvision().getPurpose().get(1).setCode("TREAT"))), "HPAYMT", SUD_RECORD, NOW),
                row("a consent that is not a Part 2 privacy consent does not count", false,
                        List.of(consent(c -> c.getScope().getCodingFirstRep().setCode("treatment"))), "HPAYMT", SUD_RECORD, NOW),
                row("a deny consent permits nothing", false,
                        List.of(consent(c -> c.getProvision().setType(Consent.ConsentProvisionType.DENY))), "HPAYMT", SUD_RECORD, NOW),
                row("one permitting consent among revoked ones is enough", true,
                        List.of(consent(c -> c.setStatus(Consent.ConsentState.INACTIVE)), consent(asIs)), "HPAYMT", SUD_RECORD, NOW));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("table")
    void decides(String why, boolean permitted, List<Consent> consents, String purpose, Set<String> labels, Instant now) {
        Decision decision = Part2ConsentPolicy.decide(consents, PAYER, purpose, observation(labels), now);

        assertThat(decision.permitted()).as(decision.reason()).isEqualTo(permitted);
        assertThat(decision.reason()).isNotBlank();
    }

    /** A labelled drug screen of patient p1, taken in session e1. */
    static Observation observation(Set<String> labels) {
        Observation observation = new Observation();
        observation.setId("Observation/o1");
        observation.getCode().addCoding(new Coding("http://loinc.org", "19295-5", "Opiates screen"));
        observation.addCategory().addCoding(new Coding("http://terminology.hl7.org/CodeSystem/observation-category",
                "laboratory", null));
        observation.setSubject(new Reference("Patient/p1"));
        observation.setEncounter(new Reference("Encounter/e1"));
        labels.forEach(code -> observation.getMeta().addSecurity(
                "R".equals(code) ? "http://terminology.hl7.org/CodeSystem/v3-Confidentiality" : ACT_CODE, code, null));
        return observation;
    }

    static Arguments provisionRow(String why, boolean permitted, Consumer<Consent> change) {
        return Arguments.of(why, permitted, consent(change));
    }

    /** What a provision states beyond recipient, purpose and labels: data, class, code and period, at both levels. */
    static List<Arguments> provisions() {
        Coding opiates = new Coding("http://loinc.org", "19295-5", null);
        return List.of(
                provisionRow("a consent limited to named records releases a named record", true,
                        c -> c.getProvision().addData().setMeaning(Consent.ConsentDataMeaning.INSTANCE)
                                .setReference(new Reference("Observation/o1"))),
                provisionRow("but not a record it does not name", false,
                        c -> c.getProvision().addData().setMeaning(Consent.ConsentDataMeaning.INSTANCE)
                                .setReference(new Reference("Observation/other"))),
                provisionRow("a consent releasing a session's related records releases what refers to it", true,
                        c -> c.getProvision().addData().setMeaning(Consent.ConsentDataMeaning.RELATED)
                                .setReference(new Reference("Encounter/e1"))),
                provisionRow("an instance release of the session does not release what refers to it", false,
                        c -> c.getProvision().addData().setMeaning(Consent.ConsentDataMeaning.INSTANCE)
                                .setReference(new Reference("Encounter/e1"))),
                provisionRow("a consent limited to conditions does not release observations", false,
                        c -> c.getProvision().addClass_(new Coding(Part2ConsentPolicy.RESOURCE_TYPES, "Condition", null))),
                provisionRow("a consent limited to observations releases one", true,
                        c -> c.getProvision().addClass_(new Coding(Part2ConsentPolicy.RESOURCE_TYPES, "Observation", null))),
                provisionRow("a nested deny by class excludes drug screens", false,
                        c -> c.getProvision().addProvision().setType(Consent.ConsentProvisionType.DENY)
                                .addClass_(new Coding(Part2ConsentPolicy.RESOURCE_TYPES, "Observation", null))),
                provisionRow("a nested deny by code excludes the opiates screen", false,
                        c -> c.getProvision().addProvision().setType(Consent.ConsentProvisionType.DENY)
                                .addCode(new CodeableConcept(opiates))),
                provisionRow("a nested deny by another code leaves it released", true,
                        c -> c.getProvision().addProvision().setType(Consent.ConsentProvisionType.DENY)
                                .addCode(new CodeableConcept(new Coding("http://loinc.org", "3426-4", null)))),
                provisionRow("a nested deny by category excludes laboratory results", false,
                        c -> c.getProvision().addProvision().setType(Consent.ConsentProvisionType.DENY)
                                .addCode(new CodeableConcept(new Coding(null, "laboratory", null)))),
                provisionRow("a nested deny whose period is over no longer applies", true,
                        c -> c.getProvision().addProvision().setType(Consent.ConsentProvisionType.DENY)
                                .addClass_(new Coding(Part2ConsentPolicy.RESOURCE_TYPES, "Observation", null))
                                .setPeriod(new Period().setEndElement(new DateTimeType("2026-03-01")))),
                provisionRow("a nested deny for another recipient does not apply to this payer", true,
                        c -> c.getProvision().addProvision().setType(Consent.ConsentProvisionType.DENY)
                                .addActor(new Consent.provisionActorComponent().setReference(new Reference("Organization/x"))
                                        .setRole(c.getProvision().getActorFirstRep().getRole()))),
                provisionRow("a nested deny of the session's related records excludes them", false,
                        c -> c.getProvision().addProvision().setType(Consent.ConsentProvisionType.DENY)
                                .addData(new Consent.provisionDataComponent().setMeaning(Consent.ConsentDataMeaning.RELATED)
                                        .setReference(new Reference("Encounter/e1")))),
                provisionRow("a permit without a named recipient releases to no one", false,
                        c -> c.getProvision().getActor().clear()),
                provisionRow("a permit without a purpose releases for no purpose", false,
                        c -> c.getProvision().getPurpose().clear()));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("provisions")
    void appliesEveryElementAProvisionStates(String why, boolean permitted, Consent consent) {
        Decision decision = Part2ConsentPolicy.decide(List.of(consent), PAYER, "HPAYMT", observation(SUD_RECORD), NOW);

        assertThat(decision.permitted()).as(decision.reason()).isEqualTo(permitted);
    }

    @org.junit.jupiter.api.Test
    void anotherProgramIsARecipientLikeAPayerForTreatment() {
        Consent transfer = consent(c -> {
            c.getProvision().getActorFirstRep().getReference().setReference("Organization/program-b");
            c.getProvision().getPurpose().clear();
            c.getProvision().addPurpose(new Coding("http://terminology.hl7.org/CodeSystem/v3-ActReason", "TREAT", null));
        });

        assertThat(Part2ConsentPolicy.decide(List.of(transfer), "Organization/program-b", "TREAT", observation(SUD_RECORD), NOW)
                .permitted()).isTrue();
        assertThat(Part2ConsentPolicy.decide(List.of(transfer), "Organization/program-c", "TREAT", observation(SUD_RECORD), NOW)
                .permitted()).isFalse();
        assertThat(Part2ConsentPolicy.decide(List.of(transfer), "Organization/program-b", "HPAYMT", observation(SUD_RECORD), NOW)
                .permitted()).isFalse();
    }
}
