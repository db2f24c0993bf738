package org.iopfhir.privacy.part2;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.util.FhirTerser;
import java.time.Instant;
import java.util.Calendar;
import java.util.Date;
import java.util.List;
import java.util.Set;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.hl7.fhir.r4.model.CodeableConcept;
import org.hl7.fhir.r4.model.Coding;
import org.hl7.fhir.r4.model.Consent;
import org.hl7.fhir.r4.model.Consent.ConsentDataMeaning;
import org.hl7.fhir.r4.model.Consent.ConsentProvisionType;
import org.hl7.fhir.r4.model.Consent.ProvisionComponent;
import org.hl7.fhir.r4.model.DateTimeType;
import org.hl7.fhir.r4.model.Period;
import org.iopfhir.fhir.ElementFinder;

/**
 * Whether a patient's Part 2 consents permit disclosing one record to one recipient organization (a
 * payer, or another treating program) for one purpose now. Pure; evaluated on every request, so
 * revocation and expiry count at once (42 CFR 2.31: a consent names the recipient and the purpose;
 * 2.31(a)(5): revocation takes effect for future disclosures).
 *
 * <p>A consent permits when it is {@code active}, is a Part 2 privacy consent (scope
 * {@code patient-privacy}, policy 42CFRPart2 or the {@code iop-consent-part2} profile), and its
 * top-level provision is a permit that <em>applies</em> to the disclosure. A provision applies when
 * every element it states matches: {@code period} contains now; {@code actor} with role IRCP names
 * the recipient; {@code purpose} lists the purpose; {@code securityLabel} names one of the record's
 * labels; {@code class} names the record's resource type; {@code code} matches one of the record's
 * codes ({@code code}, {@code type}, {@code category}); {@code data} names the record itself
 * ({@code instance}, {@code authoredby}) or a record it references ({@code related}, {@code dependents}).
 * The top-level provision must state an IRCP actor and a purpose. Nested provisions refine it: a
 * nested {@code deny} that applies wins over everything; counseling notes (PSYTHPN) need a permit
 * that names PSYTHPN explicitly (42 CFR 2.31(b): notes need their own consent), either at the top
 * level or in a nested permit that applies.
 */
public final class Part2ConsentPolicy {

    static final String PROFILE = "http://iop-fhir.org/fhir/StructureDefinition/iop-consent-part2";
    static final String PARTICIPATION_TYPE = "http://terminology.hl7.org/CodeSystem/v3-ParticipationType";
    static final String RECIPIENT = "IRCP";
    static final String CONSENT_SCOPE = "http://terminology.hl7.org/CodeSystem/consentscope";
    static final String RESOURCE_TYPES = "http://hl7.org/fhir/resource-types";
    private static final FhirContext FHIR = FhirContext.forR4Cached();
    private static final FhirTerser TERSER = FHIR.newTerser();
    private static final ElementFinder ELEMENTS = new ElementFinder(FHIR);

    private Part2ConsentPolicy() {
    }

    /** One disclosure: this record, with these labels, to this recipient, for this purpose, now. */
    record Disclosure(IBaseResource record, Set<String> labels, String recipient, String purpose, Instant now) {
    }

    public static Decision decide(List<Consent> consents, String recipient, String purpose, IBaseResource record,
            Instant now) {
        Disclosure disclosure = new Disclosure(record, SecurityLabels.recordCodesOf(record), recipient, purpose, now);
        Decision best = Decision.deny("no Part 2 consent on file");
        for (Consent consent : consents) {
            Decision decision = decide(consent, disclosure);
            if (decision.permitted()) {
                return decision;
            }
            best = decision;
        }
        return best;
    }

    static Decision decide(Consent consent, Disclosure disclosure) {
        if (!isPart2Consent(consent) || consent.getStatus() != Consent.ConsentState.ACTIVE) {
            return Decision.deny("no active Part 2 consent");
        }
        ProvisionComponent provision = consent.getProvision();
        boolean statesRecipientAndPurpose = provision.getActor().stream().anyMatch(Part2ConsentPolicy::isRecipient)
                && provision.hasPurpose();
        if (provision.getType() != ConsentProvisionType.PERMIT || !statesRecipientAndPurpose
                || !applies(provision, disclosure)) {
            return Decision.deny("consent does not permit this disclosure");
        }
        if (provision.getProvision().stream().anyMatch(p -> p.getType() == ConsentProvisionType.DENY && applies(p, disclosure))) {
            return Decision.deny("consent excludes this record");
        }
        if (disclosure.labels().contains(SecurityLabels.PSYCHOTHERAPY_NOTE) && !permitsCounselingNotes(provision, disclosure)) {
            return Decision.deny("consent does not cover counseling notes");
        }
        return Decision.permit("consent " + consent.getIdElement().getIdPart() + " permits " + disclosure.purpose());
    }

    /** Every element the provision states matches the disclosure (an element it leaves out matches anything). */
    static boolean applies(ProvisionComponent provision, Disclosure disclosure) {
        if (provision.hasPeriod() && !within(provision.getPeriod(), disclosure.now())) {
            return false;
        }
        List<Consent.provisionActorComponent> recipients = provision.getActor().stream()
                .filter(Part2ConsentPolicy::isRecipient).toList();
        if (!recipients.isEmpty() && (disclosure.recipient() == null || recipients.stream()
                .noneMatch(a -> disclosure.recipient().equals(a.getReference().getReference())))) {
            return false;
        }
        if (provision.hasPurpose() && provision.getPurpose().stream().noneMatch(p -> p.getCode() != null
                && p.getCode().equals(disclosure.purpose()))) {
            return false;
        }
        if (provision.hasSecurityLabel() && provision.getSecurityLabel().stream()
                .noneMatch(c -> disclosure.labels().contains(c.getCode()))) {
            return false;
        }
        if (provision.hasClass_() && provision.getClass_().stream()
                .noneMatch(c -> disclosure.record().fhirType().equals(c.getCode()))) {
            return false;
        }
        if (provision.hasCode() && provision.getCode().stream().noneMatch(c -> codedAs(disclosure.record(), c))) {
            return false;
        }
        return !provision.hasData() || provision.getData().stream().anyMatch(d -> names(d, disclosure.record()));
    }

    private static boolean isRecipient(Consent.provisionActorComponent actor) {
        return actor.getRole().getCoding().stream()
                .anyMatch(c -> PARTICIPATION_TYPE.equals(c.getSystem()) && RECIPIENT.equals(c.getCode()));
    }

    /** The record carries one of the concept's codings in its {@code code}, {@code type} or {@code category}. */
    private static boolean codedAs(IBaseResource record, CodeableConcept concept) {
        for (String path : List.of("code", "type", "category")) {
            if (FHIR.getResourceDefinition(record).getChildByName(path) == null) {
                continue;
            }
            for (CodeableConcept held : TERSER.getValues(record, path, CodeableConcept.class)) {
                for (Coding mine : held.getCoding()) {
                    if (concept.getCoding().stream().anyMatch(c -> c.hasCode() && c.getCode().equals(mine.getCode())
                            && (!c.hasSystem() || c.getSystem().equals(mine.getSystem())))) {
                        return true;
                    }
                }
            }
        }
        return false;
    }

    private static boolean names(Consent.provisionDataComponent data, IBaseResource record) {
        String target = data.getReference().getReferenceElement().toUnqualifiedVersionless().getValue();
        if (target == null) {
            return false;
        }
        String self = record.fhirType() + "/" + record.getIdElement().getIdPart();
        if (target.equals(self)) {
            return true;
        }
        ConsentDataMeaning meaning = data.getMeaning();
        return (meaning == ConsentDataMeaning.RELATED || meaning == ConsentDataMeaning.DEPENDENTS)
                && ELEMENTS.references(record).stream().anyMatch(ref -> target.equals(
                        ref.getReferenceElement().toUnqualifiedVersionless().getValue()));
    }

    public static boolean isPart2Consent(Consent consent) {
        boolean privacy = consent.getScope().getCoding().stream()
                .anyMatch(c -> CONSENT_SCOPE.equals(c.getSystem()) && "patient-privacy".equals(c.getCode()));
        boolean part2 = consent.getMeta().hasProfile(PROFILE) || consent.getPolicyRule().getCoding().stream()
                .anyMatch(c -> SecurityLabels.ACT_CODE.equals(c.getSystem()) && SecurityLabels.PART2_POLICY.equals(c.getCode()));
        return privacy && part2;
    }

    private static boolean permitsCounselingNotes(ProvisionComponent provision, Disclosure disclosure) {
        return namesCounselingNotes(provision.getSecurityLabel()) || provision.getProvision().stream()
                .anyMatch(p -> p.getType() == ConsentProvisionType.PERMIT && namesCounselingNotes(p.getSecurityLabel())
                        && applies(p, disclosure));
    }

    private static boolean namesCounselingNotes(List<Coding> released) {
        return released.stream().anyMatch(c -> SecurityLabels.PSYCHOTHERAPY_NOTE.equals(c.getCode()));
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
