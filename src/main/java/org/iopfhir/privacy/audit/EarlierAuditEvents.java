package org.iopfhir.privacy.audit;

import ca.uhn.fhir.jpa.api.dao.IFhirResourceDao;
import ca.uhn.fhir.jpa.api.model.DeleteConflictList;
import ca.uhn.fhir.jpa.dao.tx.IHapiTransactionService;
import ca.uhn.fhir.jpa.searchparam.SearchParameterMap;
import ca.uhn.fhir.rest.api.server.SystemRequestDetails;
import ca.uhn.fhir.rest.api.server.storage.TransactionDetails;
import java.util.List;
import org.hl7.fhir.r4.model.AuditEvent;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.context.event.ApplicationReadyEvent;
import org.springframework.context.event.EventListener;

/**
 * Moves the AuditEvents that earlier versions of this server stored as HAPI resources into {@link AuditLog},
 * batch by batch: each batch is stored in the log under its ids, then deleted from HAPI's storage, so a move
 * interrupted (a stop, a failure) goes on where it was at the next start, and an event is never lost between
 * the two. Until the move is done, searches of the trail miss the events not yet moved.
 */
public class EarlierAuditEvents {

    private static final Logger LOG = LoggerFactory.getLogger(EarlierAuditEvents.class);
    private static final int BATCH = 500;

    private final IFhirResourceDao<AuditEvent> dao;
    private final IHapiTransactionService transactions;
    private final AuditLog log;

    public EarlierAuditEvents(IFhirResourceDao<AuditEvent> dao, IHapiTransactionService transactions, AuditLog log) {
        this.dao = dao;
        this.transactions = transactions;
        this.log = log;
    }

    /** Once the server is up, in the background: a long trail from an earlier version must not hold up the start. */
    @EventListener(ApplicationReadyEvent.class)
    public void moveInBackground() {
        Thread mover = new Thread(() -> {
            try {
                move();
            } catch (RuntimeException e) {
                LOG.error("Moving AuditEvents from HAPI's storage stopped; it goes on at the next start", e);
            }
        }, "audit-move");
        mover.setDaemon(true);
        mover.start();
    }

    /** @return how many events were moved */
    public int move() {
        SystemRequestDetails request = new SystemRequestDetails();
        int moved = 0;
        while (true) {
            SearchParameterMap map = SearchParameterMap.newSynchronous();
            map.setCount(BATCH);
            List<AuditEvent> batch = dao.searchForResources(map, request);
            if (batch.isEmpty()) {
                break;
            }
            log.store(batch);
            transactions.withRequest(request).execute(() -> {
                TransactionDetails details = new TransactionDetails();
                DeleteConflictList conflicts = new DeleteConflictList();
                batch.forEach(e -> dao.delete(e.getIdElement().toUnqualifiedVersionless(), conflicts, request, details));
            });
            moved += batch.size();
            LOG.info("Moved {} AuditEvents from HAPI's storage to the audit trail's tables", moved);
        }
        return moved;
    }
}
