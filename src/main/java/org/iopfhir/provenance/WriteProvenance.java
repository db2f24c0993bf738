package org.iopfhir.provenance;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Date;
import java.util.List;
import java.util.Set;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.hl7.fhir.instance.model.api.IBaseCoding;
import org.hl7.fhir.instance.model.api.IIdType;
import org.hl7.fhir.r4.model.CodeableConcept;
import org.hl7.fhir.r4.model.Coding;
import org.hl7.fhir.r4.model.Identifier;
import org.hl7.fhir.r4.model.Provenance;
import org.hl7.fhir.r4.model.Reference;
import org.iopfhir.ig.ImplementationGuide;
import org.iopfhir.privacy.auth.CallerContext;

/**
 * The Provenance of one write, shaped like US Core's (6.1): the records written ({@code target}, version
 * specific: one for a REST create or update, all those of a transaction that share owner, labels and
 * activity), when ({@code recorded}), what was done ({@code activity}: v3-DataOperation CREATE or UPDATE),
 * and two agents from the caller's token - the {@code author} (the user: a FHIR reference when the
 * token's {@code fhirUser} names a Practitioner, PractitionerRole, Patient or RelatedPerson stored here,
 * an identifier otherwise) and the {@code transmitter} (the client application, as a Device identified by
 * its client id), both on behalf of the caller's organization (the program). The patients the record
 * is about follow as further targets: that puts the Provenance in the patient's compartment (a
 * Patient-level export, {@code $everything}) and lets 42 CFR Part 2 labelling and consent treat it like
 * the patient's other records. It carries the record's security labels: who wrote a counseling note, and
 * that it exists, is as protected as the note.
 */
final class WriteProvenance {

    static final String PARTICIPANT_TYPE = "http://terminology.hl7.org/CodeSystem/provenance-participant-type";
    static final String US_CORE_PARTICIPANT_TYPE = "http://hl7.org/fhir/us/core/CodeSystem/us-core-provenance-participant-type";
    static final String DATA_OPERATION = "http://terminology.hl7.org/CodeSystem/v3-DataOperation";
    static final String USER_SYSTEM = ImplementationGuide.CANONICAL_BASE + "sid/user";
    static final String CLIENT_SYSTEM = ImplementationGuide.CANONICAL_BASE + "sid/client";
    static final String ORGANIZATION_SYSTEM = ImplementationGuide.CANONICAL_BASE + "sid/organization";
    /** Where a Provenance references other resources: none of them keeps those from being deleted. */
    static final Set<String> REFERENCE_PATHS = Set.of("Provenance.target", "Provenance.target.where(resolve() is Patient)",
            "Provenance.agent.who", "Provenance.agent.onBehalfOf");
    private static final Pattern FHIR_USER = Pattern.compile("(?:.*/)?((?:Practitioner|PractitionerRole|Patient|RelatedPerson)/[A-Za-z0-9\\-.]{1,64})");

    enum Activity {
        CREATE("CREATE", "create"), UPDATE("UPDATE", "revise");

        final String code;
        final String display;

        Activity(String code, String display) {
            this.code = code;
            this.display = display;
        }
    }

    private WriteProvenance() {
    }

    /**
     * @param stored whether a resource ({@code Type/id}) is stored here: the user and organization are
     *               literal references only then (a reference must resolve), logical ones otherwise
     */
    static Provenance of(List<IIdType> written, List<? extends IBaseCoding> labels, Collection<String> patients,
            CallerContext caller, Activity activity, Instant now, Predicate<String> stored) {
        Provenance provenance = new Provenance();
        labels.forEach(label -> provenance.getMeta().addSecurity(new Coding(label.getSystem(), label.getCode(), label.getDisplay())));
        written.forEach(record -> provenance.addTarget(new Reference(record.toUnqualified().getValue())));
        Set<String> writtenRecords = written.stream().map(record -> record.toUnqualifiedVersionless().getValue())
                .collect(Collectors.toSet());
        patients.stream().filter(p -> !writtenRecords.contains(p)).forEach(p -> provenance.addTarget(new Reference(p)));
        provenance.setRecorded(Date.from(now));
        provenance.setActivity(new CodeableConcept(new Coding(DATA_OPERATION, activity.code, activity.display)));
        Reference onBehalfOf = caller.organization().map(org -> stored.test(org) ? new Reference(org)
                : new Reference().setType("Organization").setIdentifier(new Identifier().setSystem(ORGANIZATION_SYSTEM)
                        .setValue(org)).setDisplay(org)).orElse(null);

        Provenance.ProvenanceAgentComponent author = provenance.addAgent();
        author.setType(new CodeableConcept(new Coding(PARTICIPANT_TYPE, "author", "Author")));
        author.setWho(user(caller.user(), stored));
        author.setOnBehalfOf(onBehalfOf);

        Provenance.ProvenanceAgentComponent transmitter = provenance.addAgent();
        transmitter.setType(new CodeableConcept(new Coding(US_CORE_PARTICIPANT_TYPE, "transmitter", "Transmitter")));
        transmitter.setWho(new Reference().setType("Device").setIdentifier(new Identifier().setSystem(CLIENT_SYSTEM)
                .setValue(caller.clientId())).setDisplay(caller.clientId()));
        transmitter.setOnBehalfOf(onBehalfOf == null ? null : onBehalfOf.copy());
        return provenance;
    }

    /** What {@link #of} may reference for the caller when it is stored here: their program and their user resource. */
    static List<String> callerReferences(CallerContext caller) {
        List<String> references = new ArrayList<>();
        caller.organization().ifPresent(references::add);
        Matcher resource = FHIR_USER.matcher(caller.user());
        if (resource.matches()) {
            references.add(resource.group(1));
        }
        return references;
    }

    private static Reference user(String user, Predicate<String> stored) {
        Matcher resource = FHIR_USER.matcher(user);
        if (resource.matches() && stored.test(resource.group(1))) {
            return new Reference(resource.group(1));
        }
        return new Reference().setIdentifier(new Identifier().setSystem(USER_SYSTEM).setValue(user)).setDisplay(user);
    }

    /**
     * Records get a Provenance; the trail's own resources do not, nor do Subscriptions: a subscription is its
     * owner's configuration, hidden from others, and a Provenance about no patient would be readable by anyone
     * allowed to read Provenances - telling them that the subscription exists and who made it.
     */
    static boolean recorded(String type) {
        return !Set.of("Provenance", "AuditEvent", "Subscription").contains(type);
    }
}
