package org.iopfhir.server;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.interceptor.api.Hook;
import ca.uhn.fhir.interceptor.api.Interceptor;
import ca.uhn.fhir.interceptor.api.Pointcut;
import ca.uhn.fhir.jpa.model.dao.JpaPid;
import ca.uhn.fhir.rest.api.server.storage.TransactionDetails;
import jakarta.persistence.EntityManager;
import jakarta.persistence.FlushModeType;
import jakarta.persistence.Tuple;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import org.hl7.fhir.instance.model.api.IBaseReference;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.hl7.fhir.instance.model.api.IIdType;
import org.iopfhir.fhir.ElementFinder;

/**
 * Finds the stored targets of a written resource's references before HAPI indexes them, with a query whose text never
 * changes. HAPI looks each target up with a criteria query it builds anew for every write (it keeps the answers only
 * when deletes are disabled, and they are enabled here), and Hibernate translates such a query every time: an eighth
 * of a create in a production profile. The targets found are handed to HAPI in the write's {@link TransactionDetails},
 * which HAPI consults before looking a target up. The query is HAPI's (resource type and id; the id with its
 * partition), for targets not deleted: a deleted or missing target is left to HAPI, which then fails the write as it
 * always has. FHIR transactions are left alone: HAPI looks up all of a transaction's targets in one query already.
 * Runs after every other hook before storage, on the references they leave. The query flushes nothing of the write:
 * a target stored earlier in the same database transaction and not flushed yet is not found and is left to HAPI (and
 * nothing in this server deletes a resource and then refers to it in one database transaction outside a FHIR one).
 */
@Interceptor
public final class ReferenceTargets {

    static final int ORDER = 1000;
    static final String QUERY = "SELECT r.myPid, r.myPartitionIdValue FROM ResourceTable r"
            + " WHERE r.myResourceType = :type AND r.myFhirId = :id AND r.myDeleted IS NULL";

    private final Set<String> types;
    private final ElementFinder elements;
    private final EntityManager entityManager;

    /** @param entityManager the shared, transaction-bound one */
    public ReferenceTargets(FhirContext fhirContext, EntityManager entityManager) {
        this.types = Set.copyOf(fhirContext.getResourceTypes());
        this.elements = new ElementFinder(fhirContext);
        this.entityManager = entityManager;
    }

    @Hook(value = Pointcut.STORAGE_PRESTORAGE_RESOURCE_CREATED, order = ORDER)
    public void created(IBaseResource resource, TransactionDetails details) {
        resolve(resource, null, details);
    }

    /** Only targets the previous version did not have: HAPI finds those again from the links it stored. */
    @Hook(value = Pointcut.STORAGE_PRESTORAGE_RESOURCE_UPDATED, order = ORDER)
    public void updated(IBaseResource previous, IBaseResource resource, TransactionDetails details) {
        resolve(resource, previous, details);
    }

    private void resolve(IBaseResource resource, IBaseResource previous, TransactionDetails details) {
        if (details == null || details.isFhirTransaction()) {
            return;
        }
        Set<IIdType> targets = targets(resource, details);
        if (previous != null && !targets.isEmpty()) {
            Set<String> before = new LinkedHashSet<>();
            targets(previous, details).forEach(id -> before.add(id.getValue()));
            targets.removeIf(id -> before.contains(id.getValue()));
        }
        lookUp(targets, details, FlushModeType.COMMIT);
    }

    /**
     * Adds the stored, not deleted resources among {@code targets} ({@code Type/id}, versionless) to {@code details}, with
     * the same query: for a write the server makes itself, which refers only to what exists (a Provenance). Unlike the
     * hook, it lets the database transaction's pending rows be written first, as HAPI's own lookup does, so that a
     * resource stored earlier in it is found.
     */
    public void resolveStored(Collection<? extends IIdType> targets, TransactionDetails details) {
        lookUp(targets, details, FlushModeType.AUTO);
    }

    private void lookUp(Collection<? extends IIdType> targets, TransactionDetails details, FlushModeType flush) {
        for (IIdType target : targets) {
            List<Tuple> found = entityManager.createQuery(QUERY, Tuple.class)
                    .setParameter("type", target.getResourceType())
                    .setParameter("id", target.getIdPart())
                    .setFlushMode(flush)
                    .getResultList();
            if (found.size() == 1) {
                JpaPid pid = found.get(0).get(0, JpaPid.class);
                pid.setPartitionId(found.get(0).get(1, Integer.class));
                details.addResolvedResourceId(target, pid);
            }
        }
    }

    /**
     * The stored resources the resource refers to by {@code Type/id} (of a type this server stores, any version), not
     * yet known to the write. Contained ({@code #x}), conditional, placeholder ({@code urn:uuid:}) and external
     * references are HAPI's to handle.
     */
    Set<IIdType> targets(IBaseResource resource, TransactionDetails details) {
        Set<IIdType> targets = new LinkedHashSet<>();
        for (IBaseReference reference : elements.references(resource)) {
            IIdType id = reference.getReferenceElement();
            if (id.getValue() == null || id.isLocal() || id.isAbsolute() || !id.hasResourceType() || !id.hasIdPart()
                    || id.getValue().contains("?") || !types.contains(id.getResourceType())) {
                continue;
            }
            IIdType target = id.toUnqualifiedVersionless();
            if (details.getResolvedResourceId(target) == null) {
                targets.add(target);
            }
        }
        return targets;
    }
}
