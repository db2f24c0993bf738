package org.iopfhir.necessity.criteria;

import java.time.Instant;
import java.time.LocalTime;
import java.time.ZoneId;
import java.util.List;
import org.hl7.fhir.r4.model.Consent;
import org.hl7.fhir.r4.model.EpisodeOfCare;
import org.iopfhir.necessity.Criterion;
import org.iopfhir.necessity.Finding;
import org.iopfhir.necessity.Kind;
import org.iopfhir.necessity.Review;
import org.iopfhir.privacy.part2.Decision;
import org.iopfhir.privacy.part2.Part2ConsentPolicy;
import org.iopfhir.privacy.part2.SecurityLabels;

/**
 * Before SUD evidence leaves for this payer: a Part 2 consent that permits disclosing the episode's
 * SUD records to the payer under review for payment on the review date. Decided by the privacy
 * layer's own rule ({@link Part2ConsentPolicy}), on the episode labelled as the server labels SUD
 * records, so the review and the disclosure guard never disagree. A missing consent is a
 * documentation deficiency to fix before submission, not a clinical finding. Not applicable when
 * the episode holds no SUD record (Part 2 does not cover it).
 */
public class ConsentCriterion implements Criterion {

    static final String PAYMENT = "HPAYMT";

    @Override
    public String id() {
        return "consent";
    }

    @Override
    public Kind kind() {
        return Kind.DOCUMENTATION;
    }

    @Override
    public Finding evaluate(Review review) {
        EpisodeOfCare episode = review.record().episode();
        if (!review.substanceUse()) {
            return Finding.notApplicable("no substance use disorder record: 42 CFR Part 2 does not cover this episode");
        }
        List<Consent> consents = review.all(Consent.class).stream().filter(Part2ConsentPolicy::isPart2Consent).toList();
        if (review.payer() == null) {
            return Finding.notMet("no payer under review: name it (payer=Organization/...) or record the patient's Coverage "
                    + "of this payer type, so the consent can be checked against it", consents);
        }
        EpisodeOfCare labelled = episode.copy();
        SecurityLabels.PART2.forEach(label -> SecurityLabels.add(labelled, label));
        Instant on = review.asOf().atTime(LocalTime.NOON).atZone(ZoneId.systemDefault()).toInstant();
        Decision decision = Part2ConsentPolicy.decide(consents, review.payer(), PAYMENT, labelled, on);
        if (!decision.permitted()) {
            return Finding.notMet("no Part 2 consent permits disclosing the SUD record to " + review.payer()
                    + " for payment on " + review.asOf() + ": " + decision.reason(), consents);
        }
        List<Consent> permitting = consents.stream()
                .filter(c -> Part2ConsentPolicy.decide(List.of(c), review.payer(), PAYMENT, labelled, on).permitted()).toList();
        return Finding.met(decision.reason() + " to " + review.payer() + " on " + review.asOf(), permitting);
    }
}
