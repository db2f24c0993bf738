package org.iopfhir.privacy.auth;

import ca.uhn.fhir.interceptor.api.Hook;
import ca.uhn.fhir.interceptor.api.Interceptor;
import ca.uhn.fhir.interceptor.api.Pointcut;
import ca.uhn.fhir.jpa.api.dao.IFhirResourceDao;
import ca.uhn.fhir.rest.api.server.RequestDetails;
import ca.uhn.fhir.rest.api.server.SystemRequestDetails;
import ca.uhn.fhir.rest.server.exceptions.ForbiddenOperationException;
import ca.uhn.fhir.rest.server.exceptions.ResourceGoneException;
import ca.uhn.fhir.rest.server.exceptions.ResourceNotFoundException;
import java.util.Optional;
import org.hl7.fhir.instance.model.api.IIdType;
import org.hl7.fhir.r4.model.Encounter;
import org.hl7.fhir.r4.model.IdType;

/**
 * The {@code encounter} launch context of SMART App Launch 2.0: a token may say the app was launched in
 * the context of Encounter/[id] (next to {@code patient}). The specification makes it context for the app,
 * not a scope, so it widens and narrows nothing; this server holds it to be true: the encounter must exist
 * and be an encounter of the token's patient, else every request with the token is refused (403, with one
 * answer for a missing encounter and another patient's), so an app can never act "in" another patient's encounter. The context is then on {@link CallerContext#encounterId}
 * (and travels with a bulk export's requester).
 */
@Interceptor
public class EncounterLaunchContext {

    private final IFhirResourceDao<Encounter> encounters;

    public EncounterLaunchContext(IFhirResourceDao<Encounter> encounters) {
        this.encounters = encounters;
    }

    /** Before the authorization rules (order 0), so a refused context is named as such, not as a missing record. */
    @Hook(value = Pointcut.SERVER_INCOMING_REQUEST_PRE_HANDLED, order = -1)
    public void check(RequestDetails request) {
        CallerContext caller = CallerContext.of(request);
        if (caller.encounterId().isEmpty()) {
            return;
        }
        problem(caller, read(caller.encounterId().get())).ifPresent(p -> {
            throw new ForbiddenOperationException(p);
        });
    }

    /** Why the token's encounter context cannot be honoured, if it cannot. */
    static Optional<String> problem(CallerContext caller, Optional<Encounter> encounter) {
        String id = "Encounter/" + caller.encounterId().orElseThrow();
        if (caller.patientId().isEmpty()) {
            return Optional.of("the token's encounter launch context " + id + " comes without the patient it belongs to");
        }
        String patient = "Patient/" + caller.patientId().get();
        // A missing encounter gets the same answer as another patient's: the refusal tells nothing about which exist.
        IIdType subject = encounter.map(e -> e.getSubject().getReferenceElement()).orElse(null);
        if (subject == null || subject.hasBaseUrl() || !patient.equals(subject.toUnqualifiedVersionless().getValue())) {
            return Optional.of("the token's encounter launch context " + id + " is not an encounter of its patient " + patient);
        }
        return Optional.empty();
    }

    /** A lookup made for the decision, by the server itself. */
    private Optional<Encounter> read(String id) {
        try {
            return Optional.of(encounters.read(new IdType("Encounter", id), new SystemRequestDetails()));
        } catch (ResourceNotFoundException | ResourceGoneException absent) {
            return Optional.empty();
        }
    }
}
