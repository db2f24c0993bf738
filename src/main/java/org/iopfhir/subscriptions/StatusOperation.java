package org.iopfhir.subscriptions;

import ca.uhn.fhir.jpa.api.dao.DaoRegistry;
import ca.uhn.fhir.jpa.subscription.match.registry.ActiveSubscription;
import ca.uhn.fhir.jpa.subscription.match.registry.SubscriptionRegistry;
import ca.uhn.fhir.rest.annotation.IdParam;
import ca.uhn.fhir.rest.annotation.Operation;
import ca.uhn.fhir.rest.api.server.RequestDetails;
import ca.uhn.fhir.subscription.SubscriptionConstants;
import java.util.Date;
import java.util.UUID;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.CanonicalType;
import org.hl7.fhir.r4.model.CodeType;
import org.hl7.fhir.r4.model.CodeableConcept;
import org.hl7.fhir.r4.model.IdType;
import org.hl7.fhir.r4.model.InstantType;
import org.hl7.fhir.r4.model.IntegerType;
import org.hl7.fhir.r4.model.Parameters;
import org.hl7.fhir.r4.model.Reference;
import org.hl7.fhir.r4.model.StringType;
import org.hl7.fhir.r4.model.Subscription;

/**
 * {@code Subscription/[id]/$status} of the R4 Backport IG: a searchset Bundle with the subscription's
 * SubscriptionStatus ({@code backport-subscription-status-r4} Parameters, type {@code query-status}): its status,
 * topic and {@code events-since-subscription-start} (as HAPI numbers the events on this server), and, as
 * {@code error} entries, the last delivery error. This server adds {@code iop-delivered}, {@code iop-failed} and
 * {@code iop-withheld} counts since start-up. The subscription is read with the caller's request: someone else's
 * subscription is not found.
 */
public class StatusOperation {

    static final String NAME = "$status";

    private final DaoRegistry daos;
    private final SubscriptionRegistry registry;
    private final DeliveryLog log;

    StatusOperation(DaoRegistry daos, SubscriptionRegistry registry, DeliveryLog log) {
        this.daos = daos;
        this.registry = registry;
        this.log = log;
    }

    @Operation(name = NAME, idempotent = true, type = Subscription.class, returnParameters = {})
    public Bundle status(@IdParam IdType id, RequestDetails request) {
        Subscription subscription = daos.getResourceDao(Subscription.class).read(id.toUnqualifiedVersionless(), request);
        String idPart = subscription.getIdElement().getIdPart();
        ActiveSubscription active = registry.get(idPart);
        DeliveryLog.Entry deliveries = log.of(idPart);

        Parameters status = new Parameters();
        status.setId(UUID.randomUUID().toString());
        status.getMeta().addProfile(SubscriptionConstants.SUBSCRIPTION_TOPIC_STATUS);
        status.addParameter().setName("subscription").setValue(new Reference("Subscription/" + idPart));
        status.addParameter().setName("topic").setValue(new CanonicalType(subscription.getCriteria()));
        status.addParameter().setName("status").setValue(new CodeType(subscription.getStatus() == null
                ? "requested" : subscription.getStatus().toCode()));
        status.addParameter().setName("type").setValue(new CodeType("query-status"));
        status.addParameter().setName("events-since-subscription-start")
                .setValue(new StringType(Long.toString(active == null ? 0 : active.getDeliveriesCount())));
        if (deliveries.lastError() != null) {
            status.addParameter().setName("error").setValue(new CodeableConcept().setText(deliveries.lastError()));
        }
        status.addParameter().setName("iop-delivered").setValue(new IntegerType(Math.toIntExact(deliveries.delivered())));
        status.addParameter().setName("iop-failed").setValue(new IntegerType(Math.toIntExact(deliveries.failed())));
        status.addParameter().setName("iop-withheld").setValue(new IntegerType(Math.toIntExact(deliveries.withheld())));
        if (deliveries.lastDelivered() != null) {
            status.addParameter().setName("iop-last-delivered").setValue(new InstantType(Date.from(deliveries.lastDelivered())));
        }

        Bundle bundle = new Bundle();
        bundle.setType(Bundle.BundleType.SEARCHSET);
        bundle.setTotal(1);
        bundle.addEntry().setFullUrl("urn:uuid:" + status.getId()).setResource(status)
                .getSearch().setMode(Bundle.SearchEntryMode.MATCH);
        return bundle;
    }
}
