package org.iopfhir.privacy.part2;

import ca.uhn.fhir.interceptor.api.Hook;
import ca.uhn.fhir.interceptor.api.Interceptor;
import ca.uhn.fhir.interceptor.api.Pointcut;
import ca.uhn.fhir.rest.api.server.RequestDetails;
import ca.uhn.fhir.rest.api.server.SystemRequestDetails;
import ca.uhn.fhir.rest.server.exceptions.ForbiddenOperationException;
import ca.uhn.fhir.rest.server.exceptions.UnprocessableEntityException;
import java.util.LinkedHashSet;
import java.util.Optional;
import java.util.Set;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.hl7.fhir.r4.model.AuditEvent;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.Consent;
import org.hl7.fhir.r4.model.EpisodeOfCare;
import org.hl7.fhir.r4.model.Patient;
import org.hl7.fhir.r4.model.Reference;
import org.iopfhir.privacy.auth.CallerContext;
import org.iopfhir.privacy.auth.Role;
import org.iopfhir.privacy.auth.SmartScope.Permission;

/**
 * A caller writes only what its scopes and role allow, and only where it can read: on the storage layer (so every entry of a transaction is
 * checked too), after labelling and ownership have been applied, a create, update, patch or delete is
 * refused with 403 unless {@link DisclosurePolicy} lets the caller read
 * <ul>
 *   <li>the stored version being changed or deleted,</li>
 *   <li>the record as it will be stored, and</li>
 *   <li>every stored patient, episode and session it refers to.</li>
 * </ul>
 * So a clinician of another program can neither admit a program's patient to its own program by
 * writing an episode, nor add sessions to the patient's record, nor move the patient by changing
 * {@code managingOrganization}, nor delete the program's records. A clinician records episodes and
 * patients of their own program only. 42 CFR Part 2 consents are created, changed and revoked by the
 * privacy officer alone, and must name their patient. The server's own writes (start-up loading,
 * audit) carry system request details and are not checked.
 */
@Interceptor
public class WriteAccessInterceptor {

    /** After labelling (0) and ownership ({@link RecordOwnerInterceptor#ORDER}). */
    static final int ORDER = 100;
    static final String REFUSED = "Not permitted: this caller may write only records it may read";

    private final DisclosurePolicy policy;
    private final PatientRecords records;

    public WriteAccessInterceptor(DisclosurePolicy policy, PatientRecords records) {
        this.policy = policy;
        this.records = records;
    }

    @Hook(value = Pointcut.STORAGE_PRESTORAGE_RESOURCE_CREATED, order = ORDER)
    public void created(IBaseResource resource, RequestDetails request) {
        check(request, null, resource);
    }

    @Hook(value = Pointcut.STORAGE_PRESTORAGE_RESOURCE_UPDATED, order = ORDER)
    public void updated(IBaseResource previous, IBaseResource updated, RequestDetails request) {
        check(request, previous, updated);
    }

    @Hook(value = Pointcut.STORAGE_PRESTORAGE_RESOURCE_DELETED, order = ORDER)
    public void deleted(IBaseResource resource, RequestDetails request) {
        check(request, resource, null);
    }

    private void check(RequestDetails request, IBaseResource before, IBaseResource after) {
        if (request == null || request instanceof SystemRequestDetails
                || before instanceof AuditEvent || after instanceof AuditEvent) {
            return; // the server's own writes; AuditEvents and Provenances are guarded by ServerWrittenGuard
        }
        CallerContext caller = CallerContext.of(request);
        IBaseResource target = after != null ? after : before;
        // As in the authorization rules: u allows creating too (HAPI's write), c only creating, d deleting.
        boolean allowed = before == null
                ? caller.granted(target.fhirType(), Permission.CREATE) || caller.granted(target.fhirType(), Permission.UPDATE)
                : caller.granted(target.fhirType(), after == null ? Permission.DELETE : Permission.UPDATE);
        if (!allowed) {
            // Also for writes an operation makes on the caller's behalf ($level-of-care persist=true).
            throw new ForbiddenOperationException("Not permitted: the token's scopes and role do not allow this write");
        }
        if (target instanceof Bundle && !caller.has(Role.PRIVACY_OFFICER)) {
            // Its entries would be neither labelled nor owned (see DisclosurePolicy): store them, not the Bundle.
            throw new ForbiddenOperationException("Not permitted: Bundles are not stored as resources here; "
                    + "send their entries as a transaction (POST to the base URL) to store them");
        }
        consentRules(caller, before, after);
        if (before != null && !policy.decideStored(caller, before, request).permitted()) {
            throw refused();
        }
        if (after == null) {
            return;
        }
        if (caller.has(Role.CLINICIAN) && !caller.breakTheGlass()) {
            managingOrganization(after).filter(o -> !caller.organization().map(o::equals).orElse(false))
                    .ifPresent(o -> {
                        throw new ForbiddenOperationException(
                                "Not permitted: clinicians record patients and episodes of their own program");
                    });
        }
        if (!policy.decide(caller, after, request).permitted()) {
            throw refused();
        }
        for (String reference : referencedRecords(after)) {
            Optional<IBaseResource> stored = records.stored(reference, request);
            if (stored.isPresent() && !policy.decideStored(caller, stored.get(), request).permitted()) {
                throw refused();
            }
        }
    }

    private static void consentRules(CallerContext caller, IBaseResource before, IBaseResource after) {
        boolean part2Consent = before instanceof Consent c1 && Part2ConsentPolicy.isPart2Consent(c1)
                || after instanceof Consent c2 && Part2ConsentPolicy.isPart2Consent(c2);
        if (!part2Consent) {
            return;
        }
        if (!caller.has(Role.PRIVACY_OFFICER)) {
            throw new ForbiddenOperationException(
                    "Not permitted: 42 CFR Part 2 consents are recorded, changed and revoked by the privacy officer");
        }
        if (after instanceof Consent consent && !consent.getPatient().getReferenceElement().hasIdPart()) {
            throw new UnprocessableEntityException("A 42 CFR Part 2 consent must name its patient (Consent.patient)");
        }
    }

    private Set<String> referencedRecords(IBaseResource resource) {
        Set<String> referenced = new LinkedHashSet<>(records.patientsOf(resource));
        referenced.addAll(records.linksOf(resource));
        referenced.remove(resource.fhirType() + "/" + resource.getIdElement().getIdPart());
        return referenced;
    }

    private static Optional<String> managingOrganization(IBaseResource resource) {
        Reference managing = resource instanceof Patient p ? p.getManagingOrganization()
                : resource instanceof EpisodeOfCare e ? e.getManagingOrganization() : null;
        return managing == null || managing.getReference() == null ? Optional.empty() : Optional.of(managing.getReference());
    }

    private static ForbiddenOperationException refused() {
        return new ForbiddenOperationException(REFUSED);
    }
}
