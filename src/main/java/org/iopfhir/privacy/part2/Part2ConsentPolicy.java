package org.iopfhir.privacy.part2;

import java.time.Instant;
import java.util.Calendar;
import java.util.Date;
import java.util.List;
import java.util.Set;
import org.hl7.fhir.r4.model.Coding;
import org.hl7.fhir.r4.model.Consent;
import org.hl7.fhir.r4.model.Consent.ConsentProvisionType;
import org.hl7.fhir.r4.model.Consent.ProvisionComponent;
import org.hl7.fhir.r4.model.DateTimeType;
import org.hl7.fhir.r4.model.Period;

/**
 * Whether a patient's Part 2 consents permit disclosing one labelled record to one payer for one
 * purpose now (pure; evaluated on every request, so revocation and expiry count at once).
 *
 * <p>A consent permits when it is {@code active}, is a Part 2 privacy consent (scope
 * {@code patient-privacy}, policy 42CFRPart2 or the {@code iop-consent-part2} profile), its
 * top-level provision is a permit whose period contains now, names the payer organization as an
 * actor with role IRCP, lists the purpose, and releases one of the record's labels (or names no
 * labels). A nested deny provision matching a label wins. Counseling notes (PSYTHPN) need a permit
 * that names PSYTHPN explicitly - the general release of SUD records does not cover them.
 */
public final class Part2ConsentPolicy {

    static final String PROFILE = "http://iop-fhir.org/fhir/StructureDefinition/iop-consent-part2";
    static final String PARTICIPATION_TYPE = "http://terminology.hl7.org/CodeSystem/v3-ParticipationType";
    static final String RECIPIENT = "IRCP";
    static final String CONSENT_SCOPE = "http://terminology.hl7.org/CodeSystem/consentscope";

    private Part2ConsentPolicy() {
    }

    public static Decision decide(List<Consent> consents, String payer, String purpose, Set<String> labels, Instant now) {
        Decision best = Decision.deny("no Part 2 consent on file");
        for (Consent consent : consents) {
            Decision decision = decide(consent, payer, purpose, labels, now);
            if (decision.permitted()) {
                return decision;
            }
            best = decision;
        }
        return best;
    }

    static Decision decide(Consent consent, String payer, String purpose, Set<String> labels, Instant now) {
        if (!isPart2Consent(consent)) {
            return Decision.deny("no Part 2 consent on file");
        }
        if (consent.getStatus() != Consent.ConsentState.ACTIVE) {
            return Decision.deny("consent is " + (consent.getStatus() == null ? "without status" : consent.getStatus().toCode()));
        }
        ProvisionComponent provision = consent.getProvision();
        if (provision.getType() != ConsentProvisionType.PERMIT) {
            return Decision.deny("consent does not permit disclosure");
        }
        if (!within(provision.getPeriod(), now)) {
            return Decision.deny("consent period does not cover now");
        }
        boolean namesPayer = provision.getActor().stream()
                .anyMatch(a -> a.getRole().getCoding().stream()
                        .anyMatch(c -> PARTICIPATION_TYPE.equals(c.getSystem()) && RECIPIENT.equals(c.getCode()))
                        && payer != null && payer.equals(a.getReference().getReference()));
        if (!namesPayer) {
            return Decision.deny("consent does not name this payer as recipient");
        }
        if (purpose == null || provision.getPurpose().stream().noneMatch(p -> purpose.equals(p.getCode()))) {
            return Decision.deny("consent does not cover purpose " + purpose);
        }
        if (!provision.getSecurityLabel().isEmpty() && !releases(provision.getSecurityLabel(), labels)) {
            return Decision.deny("consent does not release records labelled " + labels);
        }
        boolean denied = provision.getProvision().stream()
                .anyMatch(p -> p.getType() == ConsentProvisionType.DENY && releases(p.getSecurityLabel(), labels));
        if (denied) {
            return Decision.deny("consent excludes records labelled " + labels);
        }
        if (labels.contains(SecurityLabels.PSYCHOTHERAPY_NOTE) && !permitsCounselingNotes(provision)) {
            return Decision.deny("counseling notes need their own consent");
        }
        return Decision.permit("consent " + consent.getIdElement().getIdPart() + " permits " + purpose);
    }

    static boolean isPart2Consent(Consent consent) {
        boolean privacy = consent.getScope().getCoding().stream()
                .anyMatch(c -> CONSENT_SCOPE.equals(c.getSystem()) && "patient-privacy".equals(c.getCode()));
        boolean part2 = consent.getMeta().hasProfile(PROFILE) || consent.getPolicyRule().getCoding().stream()
                .anyMatch(c -> SecurityLabels.ACT_CODE.equals(c.getSystem()) && SecurityLabels.PART2_POLICY.equals(c.getCode()));
        return privacy && part2;
    }

    private static boolean permitsCounselingNotes(ProvisionComponent provision) {
        return namesCounselingNotes(provision.getSecurityLabel()) || provision.getProvision().stream()
                .anyMatch(p -> p.getType() == ConsentProvisionType.PERMIT && namesCounselingNotes(p.getSecurityLabel()));
    }

    private static boolean namesCounselingNotes(List<Coding> released) {
        return released.stream().anyMatch(c -> SecurityLabels.PSYCHOTHERAPY_NOTE.equals(c.getCode()));
    }

    private static boolean releases(List<Coding> released, Set<String> labels) {
        return released.stream().anyMatch(c -> labels.contains(c.getCode()));
    }

    /** An end given as a date (or month, year) covers all of it. */
    static boolean within(Period period, Instant now) {
        Date at = Date.from(now);
        if (period.hasStart() && at.before(period.getStart())) {
            return false;
        }
        if (!period.hasEnd()) {
            return true;
        }
        DateTimeType end = period.getEndElement();
        Calendar endExclusive = end.getValueAsCalendar();
        switch (end.getPrecision()) {
            case YEAR -> endExclusive.add(Calendar.YEAR, 1);
            case MONTH -> endExclusive.add(Calendar.MONTH, 1);
            case DAY -> endExclusive.add(Calendar.DATE, 1);
            default -> endExclusive.add(Calendar.MILLISECOND, 1);
        }
        return at.before(endExclusive.getTime());
    }
}
