package org.iopfhir.privacy.audit;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.Date;
import java.util.Set;
import org.hl7.fhir.r4.model.AuditEvent;
import org.hl7.fhir.r4.model.AuditEvent.AuditEventAgentComponent;
import org.hl7.fhir.r4.model.AuditEvent.AuditEventOutcome;
import org.hl7.fhir.r4.model.CodeableConcept;
import org.hl7.fhir.r4.model.Coding;
import org.hl7.fhir.r4.model.Identifier;
import org.hl7.fhir.r4.model.Reference;

/**
 * An R4 AuditEvent of one access in the DICOM / FHIR REST shape: type {@code rest}, subtype the
 * RESTful interaction, action C/R/U/D/E, outcome 0 (success), 4 (refused or bad request: 4xx) or 8
 * (server failure: 5xx); the user (requestor) and the client application as agents, with the purpose
 * of use; the patients and resources concerned (a search's query as the entity's {@code query}); this
 * server as the source observer. Patients are recorded as references, so auditors find every access
 * to a patient with {@code AuditEvent?patient=}; other resources by identifier ({@code Type/id}),
 * which costs no reference index rows - a 50-hit search would otherwise add 50 per AuditEvent. Each
 * resource entity says what the request did with it in its {@code lifecycle} ({@link Lifecycle}):
 * created or amended (written), disclosure (sent to the caller), none (only named). A write whose
 * response returns the stored resource is recorded as both a write and a disclosure; with
 * {@code Prefer: return=minimal} it discloses nothing. At most 100 patients and 100 resources are
 * recorded per event.
 */
public class AuditEventFactory {

    static final String EVENT_TYPE = "http://terminology.hl7.org/CodeSystem/audit-event-type";
    static final String INTERACTION = "http://hl7.org/fhir/restful-interaction";
    static final String ACT_REASON = "http://terminology.hl7.org/CodeSystem/v3-ActReason";
    static final String DICOM = "http://dicom.nema.org/resources/ontology/DCM";
    static final String ENTITY_TYPE = "http://terminology.hl7.org/CodeSystem/audit-entity-type";
    static final String OBJECT_ROLE = "http://terminology.hl7.org/CodeSystem/object-role";
    static final String SOURCE_TYPE = "http://terminology.hl7.org/CodeSystem/security-source-type";
    static final String USER_SYSTEM = "urn:iop-fhir:token-user";
    static final String CLIENT_SYSTEM = "urn:iop-fhir:token-client";
    /** Names a resource that may not exist (a refused or failed request, a deletion). */
    static final String RESOURCE_SYSTEM = "urn:iop-fhir:resource";
    private static final int MAX_ENTITIES = 100;
    /**
     * Where AuditEvents reference stored resources (the patients in {@code entity.what}), as HAPI indexes them:
     * once per search parameter on the element ({@code entity}; {@code patient}, which HAPI names by its
     * expression). References there do not keep a resource from being deleted ({@link AuditTrailSeparation}).
     */
    public static final Set<String> REFERENCE_PATHS =
            Set.of("AuditEvent.entity.what", "AuditEvent.entity.what.where(resolve() is Patient)");

    private final String serverName;
    private final Clock clock;

    public AuditEventFactory(String serverName, Clock clock) {
        this.serverName = serverName;
        this.clock = clock;
    }

    public AuditEvent create(Access access) {
        AuditEvent event = new AuditEvent();
        event.setType(new Coding(EVENT_TYPE, "rest", "RESTful Operation"));
        event.addSubtype(new Coding(INTERACTION, access.interaction().code(), null));
        event.setAction(access.interaction().action());
        event.setRecorded(Date.from(clock.instant()));
        event.setOutcome(outcome(access.status()));
        event.setOutcomeDesc("HTTP " + access.status() + (access.operation() == null ? "" : " " + access.operation()));
        access.caller().purposeOfUse()
                .ifPresent(p -> event.addPurposeOfEvent(new CodeableConcept(new Coding(ACT_REASON, p, null))));

        AuditEventAgentComponent user = event.addAgent().setRequestor(true)
                .setType(new CodeableConcept(new Coding(DICOM, "110153", "Source Role ID")))
                .setWho(new Reference().setIdentifier(new Identifier().setSystem(USER_SYSTEM).setValue(access.caller().user())))
                .setAltId(access.caller().clientId());
        access.caller().purposeOfUse()
                .ifPresent(p -> user.addPurposeOfUse(new CodeableConcept(new Coding(ACT_REASON, p, null))));
        access.caller().roles().forEach(r -> user.addRole().setText(r.claimValue()));
        if (access.remoteAddress() != null) {
            user.getNetwork().setAddress(access.remoteAddress()).setType(AuditEvent.AuditEventAgentNetworkType._2);
        }
        event.addAgent().setRequestor(false)
                .setType(new CodeableConcept(new Coding(DICOM, "110150", "Application")))
                .setWho(new Reference().setIdentifier(new Identifier().setSystem(CLIENT_SYSTEM).setValue(access.caller().clientId())));

        event.getSource().setSite(serverName)
                .setObserver(new Reference().setDisplay(serverName))
                .addType(new Coding(SOURCE_TYPE, "4", "Application Server"));

        access.patients().stream().limit(MAX_ENTITIES).forEach(p -> event.addEntity()
                .setWhat(what(p, access.stored()))
                .setType(new Coding(ENTITY_TYPE, "1", "Person"))
                .setRole(new Coding(OBJECT_ROLE, "1", "Patient")));
        access.resources().stream()
                .filter(r -> r.lifecycle() != Lifecycle.NAMED || !access.patients().contains(r.resource()))
                .limit(MAX_ENTITIES)
                .forEach(r -> {
                    AuditEvent.AuditEventEntityComponent entity = event.addEntity().setWhat(what(r.resource(), false))
                            .setType(new Coding(ENTITY_TYPE, "2", "System Object"))
                            .setRole(new Coding(OBJECT_ROLE, "4", "Domain Resource"));
                    r.lifecycle().coding().ifPresent(entity::setLifecycle);
                });
        if (access.query() != null) {
            event.addEntity().setType(new Coding(ENTITY_TYPE, "2", "System Object"))
                    .setRole(new Coding(OBJECT_ROLE, "24", "Query"))
                    .setQuery(access.query().getBytes(StandardCharsets.UTF_8));
        }
        return event;
    }

    private static Reference what(String resource, boolean stored) {
        return stored ? new Reference(resource)
                : new Reference().setIdentifier(new Identifier().setSystem(RESOURCE_SYSTEM).setValue(resource)).setDisplay(resource);
    }

    static AuditEventOutcome outcome(int status) {
        if (status >= 500) {
            return AuditEventOutcome._8;
        }
        return status >= 400 ? AuditEventOutcome._4 : AuditEventOutcome._0;
    }
}
