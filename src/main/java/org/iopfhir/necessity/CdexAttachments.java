package org.iopfhir.necessity;

import ca.uhn.fhir.rest.server.exceptions.InvalidRequestException;
import ca.uhn.fhir.rest.server.exceptions.UnprocessableEntityException;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.hl7.fhir.r4.model.CarePlan;
import org.hl7.fhir.r4.model.CodeType;
import org.hl7.fhir.r4.model.CodeableConcept;
import org.hl7.fhir.r4.model.Coding;
import org.hl7.fhir.r4.model.Coverage;
import org.hl7.fhir.r4.model.DateTimeType;
import org.hl7.fhir.r4.model.DocumentReference;
import org.hl7.fhir.r4.model.Identifier;
import org.hl7.fhir.r4.model.Observation;
import org.hl7.fhir.r4.model.Organization;
import org.hl7.fhir.r4.model.Parameters;
import org.hl7.fhir.r4.model.Practitioner;
import org.hl7.fhir.r4.model.Resource;
import org.hl7.fhir.r4.model.ServiceRequest;
import org.hl7.fhir.r4.model.StringType;

/**
 * The documentation package as the input of Da Vinci CDex's {@code $submit-attachment}
 * (http://hl7.org/fhir/us/davinci-cdex/OperationDefinition/submit-attachment, CDex 2.1.0): the published
 * parameter names TrackingId, AttachTo (claim | preauthorization), PayerId, OrganizationId / ProviderId
 * (at least one), MemberId, ServiceDate (required for a claim) and one Attachment per item, each with a
 * LOINC attachment Code and the resource as Content. The program sends it to the payer as it is.
 */
final class CdexAttachments {

    static final String NPI = "http://hl7.org/fhir/sid/us-npi";
    static final List<String> ATTACH_TO = List.of("claim", "preauthorization");
    private static final String MEMBER_NUMBER_TYPE = "http://terminology.hl7.org/CodeSystem/v2-0203";

    /*
     * Attachment codes: LOINC terms of CDex's "LOINC Attachment Codes" value set (valid-hl7-attachment-requests,
     * http://hl7.org/fhir/us/davinci-cdex/ValueSet/cdex-loinc-attachment-codes, curated by the HL7 Payer/Provider
     * Information Exchange work group; https://loinc.org/attachments/). A record whose own LOINC type is in the set
     * keeps it (progress note, discharge summary).
     */
    static final Map<String, String> OWN_TYPES = Map.of("11506-3", "Progress note", "18842-5", "Discharge summary",
            "18776-5", "Plan of care note", "57133-1", "Referral note", "11488-4", "Consult note",
            "34117-2", "History and physical note");
    static final Coding PLAN_OF_CARE = loinc("18776-5", "Plan of care note");
    static final Coding LABORATORY_REPORT = loinc("11502-2", "Laboratory report");
    static final Coding REFERRAL = loinc("57133-1", "Referral note");
    static final Coding SUBSTANCE_USE_SERVICE = loinc("18823-5", "Alcohol and/or substance abuse service attachment");
    static final Coding MEDICAL_RECORDS = loinc("11503-0", "Medical records");

    /** What the caller supplies: the tracking control number and what the attachments are for. */
    record Submission(Identifier trackingId, String attachTo) {
    }

    private CdexAttachments() {
    }

    /**
     * The caller's trackingId ({@code system|value}) and attachTo, required with output=cdex and refused
     * without it (400 either way).
     */
    static Optional<Submission> submission(boolean wanted, StringType trackingId, CodeType attachTo) {
        boolean hasTracking = trackingId != null && !trackingId.isEmpty();
        boolean hasAttachTo = attachTo != null && !attachTo.isEmpty();
        if (!wanted) {
            if (hasTracking || hasAttachTo) {
                throw new InvalidRequestException("trackingId and attachTo belong to output=cdex only");
            }
            return Optional.empty();
        }
        if (!hasTracking || !hasAttachTo) {
            throw new InvalidRequestException("output=cdex needs trackingId (system|value, the claim's or prior "
                    + "authorization's tracking control number) and attachTo (claim or preauthorization)");
        }
        if (!ATTACH_TO.contains(attachTo.getValue())) {
            throw new InvalidRequestException("attachTo must be claim or preauthorization, not '" + attachTo.getValue() + "'");
        }
        String token = trackingId.getValue();
        int bar = token.indexOf('|');
        if (bar <= 0 || bar == token.length() - 1 || token.indexOf('|', bar + 1) >= 0 || token.isBlank()) {
            throw new InvalidRequestException("trackingId must be system|value (e.g. http://payer.example/tcn|A-123), not '"
                    + token + "'");
        }
        return Optional.of(new Submission(new Identifier().setSystem(token.substring(0, bar)).setValue(token.substring(bar + 1)),
                attachTo.getValue()));
    }

    /**
     * The $submit-attachment input for the items (the episode and the evidence, as the caller may read
     * them). The program is identified by its organization's NPI, else by a certifying physician's; the
     * member by the subscriber id of the payer's Coverage. Missing either: 422.
     */
    static Parameters parameters(Submission submission, Review review, Map<String, Resource> items, Organization payer,
            List<Organization> programs, List<Practitioner> physicians) {
        Parameters out = new Parameters();
        out.addParameter().setName("TrackingId").setValue(submission.trackingId().copy());
        out.addParameter().setName("AttachTo").setValue(new CodeType(submission.attachTo()));
        if (payer != null && payer.hasIdentifier()) {
            out.addParameter().setName("PayerId").setValue(payer.getIdentifierFirstRep().copy());
        }
        Optional<Identifier> organization = programs.stream().flatMap(o -> o.getIdentifier().stream())
                .filter(i -> NPI.equals(i.getSystem()) && i.hasValue()).findFirst();
        Optional<Identifier> provider = physicians.stream().flatMap(p -> p.getIdentifier().stream())
                .filter(i -> NPI.equals(i.getSystem()) && i.hasValue()).findFirst();
        if (organization.isEmpty() && provider.isEmpty()) {
            throw new UnprocessableEntityException("no NPI to send: neither the episode's managing organization nor a "
                    + "certifying physician that the caller may read has an identifier " + NPI);
        }
        organization.ifPresent(i -> out.addParameter().setName("OrganizationId").setValue(i.copy()));
        provider.ifPresent(i -> out.addParameter().setName("ProviderId").setValue(i.copy()));
        out.addParameter().setName("MemberId").setValue(member(review));
        out.addParameter().setName("ServiceDate").setValue(new DateTimeType(review.record().admission().toString()));
        for (Resource item : items.values()) {
            Parameters.ParametersParameterComponent attachment = out.addParameter().setName("Attachment");
            attachment.addPart().setName("Code").setValue(new CodeableConcept(code(item, review.substanceUse())));
            attachment.addPart().setName("Content").setResource(item);
        }
        return out;
    }

    /** The member id: the subscriber id on the payer's Coverage (the first readable one without a payer). */
    private static Identifier member(Review review) {
        List<Coverage> coverages = review.record().all(Coverage.class).stream()
                .filter(c -> c.hasSubscriberId() && (review.payer() == null
                        || c.getPayor().stream().anyMatch(p -> review.payer().equals(p.getReference()))))
                .toList();
        if (coverages.isEmpty()) {
            throw new UnprocessableEntityException("no member id: no Coverage " + (review.payer() == null ? "" : "of "
                    + review.payer() + " ") + "with a subscriberId that the caller may read");
        }
        Identifier member = new Identifier().setValue(coverages.get(0).getSubscriberId());
        member.getType().addCoding(new Coding(MEMBER_NUMBER_TYPE, "MB", "Member Number"));
        return member;
    }

    /** The LOINC attachment code of one item. */
    static Coding code(Resource item, boolean substanceUse) {
        if (item instanceof DocumentReference document) {
            Optional<Coding> own = document.getType().getCoding().stream()
                    .filter(c -> Codes.LOINC.equals(c.getSystem()) && OWN_TYPES.containsKey(c.getCode())).findFirst();
            if (own.isPresent()) {
                return loinc(own.get().getCode(), OWN_TYPES.get(own.get().getCode()));
            }
        }
        if (item instanceof CarePlan) {
            return PLAN_OF_CARE.copy();
        }
        if (item instanceof ServiceRequest) {
            return REFERRAL.copy();
        }
        if (item instanceof Observation observation && observation.getCategory().stream()
                .anyMatch(c -> c.getCoding().stream().anyMatch(k -> "laboratory".equals(k.getCode())))) {
            return LABORATORY_REPORT.copy();
        }
        return (substanceUse ? SUBSTANCE_USE_SERVICE : MEDICAL_RECORDS).copy();
    }

    private static Coding loinc(String code, String display) {
        return new Coding(Codes.LOINC, code, display);
    }
}
