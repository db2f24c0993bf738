package org.iopfhir.privacy.audit;

import ca.uhn.fhir.interceptor.api.Hook;
import ca.uhn.fhir.interceptor.api.Interceptor;
import ca.uhn.fhir.interceptor.api.Pointcut;
import ca.uhn.fhir.interceptor.model.RequestPartitionId;
import ca.uhn.fhir.jpa.api.config.JpaStorageSettings;
import ca.uhn.fhir.jpa.api.model.DeleteConflict;
import ca.uhn.fhir.jpa.api.model.DeleteConflictList;
import ca.uhn.fhir.jpa.search.cache.ISearchCacheSvc;
import ca.uhn.fhir.model.primitive.IdDt;
import ca.uhn.fhir.rest.api.Constants;
import ca.uhn.fhir.rest.api.RestOperationTypeEnum;
import ca.uhn.fhir.rest.api.server.IPreResourceShowDetails;
import ca.uhn.fhir.rest.api.server.RequestDetails;
import ca.uhn.fhir.rest.api.server.SystemRequestDetails;
import jakarta.persistence.EntityManager;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import org.hl7.fhir.r4.model.AuditEvent;

/**
 * Keeps the audit trail apart from the records it is about, for every caller, with security on or off.
 *
 * <p><b>The trail never blocks a delete.</b> An AuditEvent references the patients it concerns, so that
 * auditors find every access to a patient with {@code AuditEvent?patient=}; HAPI counts every reference to
 * a resource as a reason to refuse deleting it (409), so a patient could not be deleted once it had been
 * read. References at the paths of {@link JpaStorageSettings#getEnforceReferentialIntegrityOnDeleteDisableForPaths()}
 * (the trail's: {@link AuditEventFactory#REFERENCE_PATHS}) no longer count: the patient is deleted as on a
 * server without audit, and its AuditEvents stay - read by auditors and still found by
 * {@code AuditEvent?patient=}, as HAPI resolves deleted targets in reference searches. HAPI applies that
 * setting to {@code $delete-expunge} only; plain deletes (also in transactions) are handled here. Every
 * other reference still blocks the delete: HAPI looks for one referencing resource before asking its
 * hooks, so when it found an AuditEvent, the others are looked for here.
 *
 * <p>The trail is kept in tables of its own ({@link AuditLog}); HAPI's storage holds AuditEvents only from
 * earlier versions of this server, until {@link EarlierAuditEvents} has moved them (and, after that, as deleted
 * versions in the system history). What follows keeps those apart too.
 *
 * <p><b>The trail is read through its own endpoint only.</b> AuditEvents are in the patient compartment,
 * so {@code Patient/[id]/$everything} and {@code _revinclude} would return them with the record.
 * AuditEvents leave this server only in answer to requests on {@code AuditEvent} (read, vread, search,
 * history, and the pages of those searches); from every other response - {@code $everything},
 * {@code _revinclude}, system-wide search - they are removed before authorization, consent and audit
 * look at it. The system history (only auditors are let through to it) keeps them. Security off has no trail by default ({@link AuditEnabled}); this holds also
 * when one is kept there.
 */
@Interceptor
public class AuditTrailSeparation {

    /** Before authorization, consent and audit see what is shown. */
    static final int BEFORE_OTHER_HOOKS = -1000;
    private static final String AUDIT_EVENT = "AuditEvent";

    private final JpaStorageSettings storageSettings;
    private final EntityManager entityManager;
    private final ISearchCacheSvc searches;

    public AuditTrailSeparation(JpaStorageSettings storageSettings, EntityManager entityManager, ISearchCacheSvc searches) {
        this.storageSettings = storageSettings;
        this.entityManager = entityManager;
        this.searches = searches;
    }

    @Hook(value = Pointcut.STORAGE_PRESTORAGE_DELETE_CONFLICTS, order = BEFORE_OTHER_HOOKS)
    public void deleteConflicts(DeleteConflictList conflicts) {
        Set<String> ignored = storageSettings.getEnforceReferentialIntegrityOnDeleteDisableForPaths();
        List<DeleteConflict> fromTheTrail = new ArrayList<>();
        conflicts.forEach(c -> {
            if (ignored.contains(c.getSourcePath())) {
                fromTheTrail.add(c);
            }
        });
        if (fromTheTrail.isEmpty()) {
            return;
        }
        conflicts.removeIf(fromTheTrail::contains);
        Set<String> targets = new LinkedHashSet<>();
        fromTheTrail.forEach(c -> targets.add(c.getTargetId().toUnqualifiedVersionless().getValue()));
        for (String target : targets) {
            otherReferencesTo(new IdDt(target), ignored).stream()
                    // As HAPI does: a reference from a resource deleted in the same transaction does not count.
                    .filter(c -> !(conflicts.isResourceIdMarkedForDeletion(c.getSourceId())
                            && conflicts.isResourceIdMarkedForDeletion(c.getTargetId())))
                    .forEach(conflicts::add);
        }
    }

    /** The first references to a resource (as HAPI counts them) at paths that are not ignored. */
    private List<DeleteConflict> otherReferencesTo(IdDt target, Set<String> ignored) {
        List<Object[]> rows = entityManager.createQuery(
                        "SELECT l.mySourceResourceType, s.myFhirId, l.mySourcePath FROM ResourceLink l JOIN l.mySourceResource s"
                                + " WHERE l.myTargetResourceType = :type AND l.myTargetResource.myFhirId = :id"
                                + " AND l.myTargetResourceVersion IS NULL AND l.mySourcePath NOT IN :ignored",
                        Object[].class)
                .setParameter("type", target.getResourceType())
                .setParameter("id", target.getIdPart())
                .setParameter("ignored", ignored)
                .setMaxResults(storageSettings.getMaximumDeleteConflictQueryCount())
                .getResultList();
        return rows.stream()
                .map(r -> new DeleteConflict(new IdDt((String) r[0], (String) r[1]), (String) r[2], target))
                .toList();
    }

    @Hook(value = Pointcut.STORAGE_PRESHOW_RESOURCES, order = BEFORE_OTHER_HOOKS)
    public void beforeShow(IPreResourceShowDetails shown, RequestDetails request) {
        if (request == null || request instanceof SystemRequestDetails) {
            return; // the server's own reads disclose nothing
        }
        Boolean asksForTheTrail = null;
        for (int i = 0; i < shown.size(); i++) {
            if (shown.getResource(i) instanceof AuditEvent) {
                if (asksForTheTrail == null) {
                    asksForTheTrail = asksForTheTrail(request);
                }
                if (!asksForTheTrail) {
                    shown.setResource(i, null);
                }
            }
        }
    }

    /** A request on AuditEvent, the next page of a search or history of AuditEvents, or the system history. */
    private boolean asksForTheTrail(RequestDetails request) {
        if (request.getRestOperationType() == RestOperationTypeEnum.HISTORY_SYSTEM) {
            // Everything's history holds the trail by definition; HAPI cannot build a history page with gaps.
            // Only auditors are let through to it, and consent shows them AuditEvents and no patient record.
            return true;
        }
        if (request.getRestOperationType() == RestOperationTypeEnum.GET_PAGE) {
            String[] search = request.getParameters().get(Constants.PARAM_PAGINGACTION);
            return search != null && search.length > 0 && searches.fetchByUuid(search[0], RequestPartitionId.allPartitions())
                    .map(s -> AUDIT_EVENT.equals(s.getResourceType())).orElse(false);
        }
        return AUDIT_EVENT.equals(request.getResourceName());
    }
}
