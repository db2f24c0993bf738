package org.iopfhir.necessity.criteria;

import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.hl7.fhir.r4.model.ClaimResponse;
import org.hl7.fhir.r4.model.Encounter;
import org.hl7.fhir.r4.model.Resource;
import org.iopfhir.fhir.FhirDates;
import org.iopfhir.necessity.Criterion;
import org.iopfhir.necessity.Finding;
import org.iopfhir.necessity.Kind;
import org.iopfhir.necessity.PaymentFacts;
import org.iopfhir.necessity.Review;

/**
 * Where the payer authorizes IOP in advance: the days of care fall within an authorized window and
 * do not exceed the authorized units. An authorization is a ClaimResponse of {@code use}
 * {@code preauthorization} (Da Vinci PAS shape) with outcome {@code complete} or {@code partial}:
 * {@code preAuthPeriod} is the window and each {@code addItem} authorizes {@code quantity} units
 * (days) of its {@code productOrService} code, compared with the payment facts' days of that code.
 * A technical requirement, fixable by requesting or extending the authorization.
 */
public class AuthorizationCriterion implements Criterion {

    @Override
    public String id() {
        return "authorization";
    }

    @Override
    public Kind kind() {
        return Kind.DOCUMENTATION;
    }

    @Override
    public Finding evaluate(Review review) {
        List<ClaimResponse> authorizations = review.all(ClaimResponse.class).stream()
                .filter(c -> c.getUse() == ClaimResponse.Use.PREAUTHORIZATION && c.getStatus() == ClaimResponse.ClaimResponseStatus.ACTIVE)
                .filter(c -> c.getOutcome() == ClaimResponse.RemittanceOutcome.COMPLETE
                        || c.getOutcome() == ClaimResponse.RemittanceOutcome.PARTIAL)
                .filter(c -> review.payer() == null || c.getInsurer().getReference() == null
                        || review.payer().equals(c.getInsurer().getReference()))
                .toList();
        List<LocalDate> days = review.attendedEncounters().stream().filter(review::qualifying).map(Encounter::getPeriod)
                .map(p -> FhirDates.localDate(p.getStartElement())).distinct().sorted().toList();
        if (authorizations.isEmpty()) {
            return Finding.notMet("no prior authorization (ClaimResponse, use preauthorization) on file for "
                    + days.size() + " days of care", List.of());
        }
        List<LocalDate> outside = days.stream().filter(d -> authorizations.stream().noneMatch(a -> within(a, d))).toList();
        Map<String, Integer> authorized = authorizations.stream().flatMap(a -> a.getAddItem().stream())
                .filter(i -> i.hasQuantity() && i.getQuantity().hasValue())
                .collect(Collectors.groupingBy(i -> i.getProductOrService().getCodingFirstRep().getCode(),
                        Collectors.summingInt(i -> i.getQuantity().getValue().intValue())));
        List<String> over = new ArrayList<>();
        for (PaymentFacts.Line line : PaymentFacts.of(review).lines()) {
            Integer units = authorized.get(line.code());
            if (units != null && line.days() > units) {
                over.add(line.days() + " " + line.code() + " days for " + units + " authorized");
            }
        }
        List<Resource> evidence = new ArrayList<>(authorizations);
        String refs = authorizations.stream().map(a -> a.getPreAuthRef() + " (" + FhirDates.localDate(a.getPreAuthPeriod()
                .getStartElement()) + " to " + FhirDates.localDate(a.getPreAuthPeriod().getEndElement()) + ")")
                .collect(Collectors.joining(", "));
        if (!outside.isEmpty() || !over.isEmpty()) {
            return Finding.notMet("authorization " + refs + ": " + (outside.isEmpty() ? "" : outside.size()
                    + " days of care outside the authorized window (" + outside.get(0) + (outside.size() > 1 ? " to "
                    + outside.get(outside.size() - 1) : "") + ")" + (over.isEmpty() ? "" : "; ")) + String.join("; ", over),
                    evidence);
        }
        return Finding.met("all " + days.size() + " days of care within authorization " + refs + " and its units", evidence);
    }

    private static boolean within(ClaimResponse authorization, LocalDate day) {
        LocalDate from = FhirDates.localDate(authorization.getPreAuthPeriod().getStartElement());
        LocalDate to = FhirDates.localDate(authorization.getPreAuthPeriod().getEndElement());
        return from != null && !day.isBefore(from) && (to == null || !day.isAfter(to));
    }
}
