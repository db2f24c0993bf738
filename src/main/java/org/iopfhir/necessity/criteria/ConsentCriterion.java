package org.iopfhir.necessity.criteria;

import java.time.LocalDate;
import java.util.List;
import java.util.Set;
import org.hl7.fhir.r4.model.Consent;
import org.iopfhir.fhir.FhirDates;
import org.iopfhir.necessity.Codes;
import org.iopfhir.necessity.Criterion;
import org.iopfhir.necessity.Finding;
import org.iopfhir.necessity.Review;

/**
 * Before any SUD evidence leaves: an active 42 CFR Part 2 consent, in force on the review date,
 * permitting disclosure to a named recipient for payment or coverage purposes. Not applicable to a
 * mental-health-only track, whose records Part 2 does not cover.
 */
public class ConsentCriterion implements Criterion {

    private static final List<String> PAYMENT_PURPOSES = List.of("HPAYMT", "COVAUTH", "TREAT-HPAYMT-HOPERAT");

    @Override
    public String id() {
        return "consent";
    }

    @Override
    public Finding evaluate(Review review) {
        if (review.tracks().equals(Set.of("mental-health"))) {
            return Finding.notApplicable("a mental-health track: 42 CFR Part 2 does not cover its records");
        }
        List<Consent> part2 = review.all(Consent.class).stream()
                .filter(c -> c.getStatus() == Consent.ConsentState.ACTIVE)
                .filter(c -> Codes.hasAny(c.getCategory(), Codes.LOINC, Codes.PATIENT_CONSENT)
                        || c.getPolicyRule().getCoding().stream().anyMatch(k -> "42CFRPart2".equals(k.getCode())))
                .toList();
        List<Consent> permitting = part2.stream().filter(c -> permitsPayment(c, review.asOf())).toList();
        if (permitting.isEmpty()) {
            return Finding.notMet(part2.isEmpty() ? "no active 42 CFR Part 2 consent"
                    : "no active Part 2 consent in force on " + review.asOf() + " permits disclosure to a named recipient "
                            + "for payment", part2);
        }
        Consent consent = permitting.get(0);
        String recipient = consent.getProvision().getActor().stream().map(a -> a.getReference().hasDisplay()
                ? a.getReference().getDisplay() : a.getReference().getReference()).findFirst().orElse("");
        return Finding.met("active Part 2 consent of " + FhirDates.localDate(consent.getDateTimeElement())
                + " permits disclosure to " + recipient + " for payment", permitting);
    }

    private static boolean permitsPayment(Consent consent, LocalDate on) {
        var provision = consent.getProvision();
        LocalDate from = FhirDates.localDate(provision.getPeriod().getStartElement());
        LocalDate to = FhirDates.localDate(provision.getPeriod().getEndElement());
        return provision.getType() == Consent.ConsentProvisionType.PERMIT
                && (from == null || !on.isBefore(from)) && (to == null || !on.isAfter(to))
                && provision.getActor().stream().anyMatch(a -> a.getReference().hasReference())
                && provision.getPurpose().stream().anyMatch(p -> Codes.ACT_REASON.equals(p.getSystem())
                        && PAYMENT_PURPOSES.contains(p.getCode()));
    }
}
