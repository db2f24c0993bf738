package org.iopfhir.subscriptions;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.interceptor.api.Hook;
import ca.uhn.fhir.interceptor.api.Interceptor;
import ca.uhn.fhir.interceptor.api.Pointcut;
import ca.uhn.fhir.jpa.api.dao.DaoRegistry;
import ca.uhn.fhir.jpa.subscription.model.CanonicalSubscription;
import ca.uhn.fhir.jpa.subscription.model.ResourceDeliveryMessage;
import ca.uhn.fhir.rest.api.server.SystemRequestDetails;
import ca.uhn.fhir.rest.server.exceptions.BaseServerResponseException;
import java.util.List;
import java.util.Optional;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.IdType;
import org.hl7.fhir.r4.model.Parameters;
import org.hl7.fhir.r4.model.Reference;
import org.iopfhir.privacy.auth.CallerContext;
import org.iopfhir.privacy.part2.DisclosurePolicy;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A notification names only records its subscription's owner could read. HAPI builds each notification when a
 * topic matches and, before queueing it for delivery, asks the {@code SUBSCRIPTION_RESOURCE_MATCHED} hook: here
 * the focus the notification names is read as stored now and put to {@link DisclosurePolicy}, the one
 * disclosure rule, with the owner's rights recorded on the subscription ({@link SubscriptionRules}). A record the
 * owner may not read is not notified at all (a notification with its id would already tell that it exists and
 * what happened). With security off every caller is the same anonymous one, and nothing is withheld.
 *
 * <p>Before each delivery attempt (retries too) the endpoint is checked again ({@link EndpointPolicy}): a name
 * may resolve differently than when the subscription was written.
 */
@Interceptor
public class NotificationDisclosure {

    private static final Logger LOG = LoggerFactory.getLogger(NotificationDisclosure.class);

    private final FhirContext fhirContext;
    private final DaoRegistry daos;
    private final Optional<DisclosurePolicy> policy;
    private final EndpointPolicy endpoints;
    private final DeliveryLog log;

    /** @param policy the disclosure rule, or empty when security is off */
    NotificationDisclosure(FhirContext fhirContext, DaoRegistry daos, Optional<DisclosurePolicy> policy,
            EndpointPolicy endpoints, DeliveryLog log) {
        this.fhirContext = fhirContext;
        this.daos = daos;
        this.policy = policy;
        this.endpoints = endpoints;
        this.log = log;
    }

    @Hook(Pointcut.SUBSCRIPTION_RESOURCE_MATCHED)
    public boolean matched(CanonicalSubscription subscription, ResourceDeliveryMessage message) {
        String id = subscription.getIdPart();
        if (!subscription.isTopicSubscription()) {
            LOG.warn("Subscription {} is not topic-based: nothing is sent", id);
            return false;
        }
        boolean disclosed = policy.isEmpty() || disclosed(subscription, message);
        if (!disclosed) {
            LOG.info("A notification for subscription {} was withheld: its owner may not read the record", id);
            log.withheld(id);
        }
        return disclosed;
    }

    @Hook(Pointcut.SUBSCRIPTION_BEFORE_REST_HOOK_DELIVERY)
    public boolean beforeDelivery(CanonicalSubscription subscription) {
        Optional<String> refusal = endpoints.refusal(subscription.getEndpointUrl());
        refusal.ifPresent(reason -> {
            LOG.warn("Subscription {} was not delivered: {}", subscription.getIdPart(), reason);
            log.failed(subscription.getIdPart(), reason);
        });
        return refusal.isEmpty();
    }

    private boolean disclosed(CanonicalSubscription subscription, ResourceDeliveryMessage message) {
        Optional<CallerContext> owner = CallerContext.decode(subscription.getChannelExtension(SubscriptionRules.OWNER));
        if (owner.isEmpty()) {
            return false;
        }
        SystemRequestDetails lookups = new SystemRequestDetails();
        for (String focus : focusOf(message.getPayload(fhirContext))) {
            IdType focusId = new IdType(focus);
            IBaseResource stored;
            try {
                stored = daos.getResourceDao(focusId.getResourceType()).read(focusId.toUnqualifiedVersionless(), lookups);
            } catch (BaseServerResponseException gone) {
                return false; // deleted since: nothing to name
            }
            if (!policy.get().decide(owner.get(), stored, lookups).permitted()) {
                return false;
            }
        }
        return true;
    }

    /** The records a notification names: the focus of each event in its SubscriptionStatus. */
    static List<String> focusOf(IBaseResource payload) {
        if (!(payload instanceof Bundle bundle) || bundle.getEntry().isEmpty()
                || !(bundle.getEntryFirstRep().getResource() instanceof Parameters status)) {
            return List.of();
        }
        return status.getParameter().stream().filter(p -> "notification-event".equals(p.getName()))
                .flatMap(p -> p.getPart().stream()).filter(p -> "focus".equals(p.getName()))
                .map(p -> p.getValue() instanceof Reference reference ? reference.getReference() : null)
                .filter(reference -> reference != null && !reference.isBlank()).toList();
    }
}
