package org.iopfhir.subscriptions;

import ca.uhn.fhir.interceptor.api.Hook;
import ca.uhn.fhir.interceptor.api.Interceptor;
import ca.uhn.fhir.interceptor.api.Pointcut;
import ca.uhn.fhir.jpa.topic.SubscriptionTopicRegistry;
import ca.uhn.fhir.rest.api.server.IPreResourceAccessDetails;
import ca.uhn.fhir.rest.api.server.RequestDetails;
import ca.uhn.fhir.rest.api.server.SystemRequestDetails;
import ca.uhn.fhir.rest.server.exceptions.ForbiddenOperationException;
import ca.uhn.fhir.rest.server.exceptions.UnprocessableEntityException;
import ca.uhn.fhir.subscription.SubscriptionConstants;
import java.util.Optional;
import java.util.Set;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.hl7.fhir.r4.model.Extension;
import org.hl7.fhir.r4.model.OperationOutcome;
import org.hl7.fhir.r4.model.StringType;
import org.hl7.fhir.r4.model.Subscription;
import org.iopfhir.privacy.auth.CallerContext;
import org.iopfhir.privacy.auth.Role;

/**
 * What a subscription may be, and whose it is. On the storage layer, so transactions and every other route
 * meet the same rules:
 * <ul>
 *   <li>Only topic-based subscriptions (R4 Backport IG: {@code meta.profile} {@code backport-subscription},
 *       {@code criteria} the canonical URL of one of this server's topics), over a rest-hook channel.</li>
 *   <li>Notifications name records, never carry them: {@code backport-payload-content} must be {@code id-only}.
 *       A {@code full-resource} notification would hand 42 CFR Part 2 content to an endpoint outside every consent
 *       check; with {@code id-only} the subscriber fetches each record with its own token, and the disclosure rule
 *       decides as for any read. An {@code empty} notification names no record, so whether its owner may know of
 *       the event could not be decided: it is refused too.</li>
 *   <li>The endpoint passes {@link EndpointPolicy}.</li>
 *   <li>The caller who writes a subscription is recorded as its owner (channel extension {@value #OWNER}, the
 *       caller's rights as {@link CallerContext#encode()}); a client cannot set it. Notifications name only
 *       records the owner could read ({@link NotificationDisclosure}). Only the owner (same client and user) or
 *       the privacy officer sees, changes or deletes a subscription: to anyone else a read or search does not
 *       show it, a change or delete is refused (403).</li>
 *   <li>Topics ({@code Basic} coded {@code SubscriptionTopic}) are written by the server alone: a topic's
 *       notification shape could add whole resources to every notification.</li>
 * </ul>
 * Who may create a subscription at all is the scopes' business ({@code Subscription.c} or {@code .u}, with a
 * role that may write: clinician, privacy officer, or a backend without a role), decided by the SMART rules.
 */
@Interceptor
public class SubscriptionRules {

    static final String OWNER = org.iopfhir.ig.ImplementationGuide.PROFILE_BASE + "subscription-owner";
    static final String ID_ONLY = "id-only";
    private static final Set<String> MIME_TYPES = Set.of("application/fhir+json", "application/fhir+xml",
            "application/json", "application/xml");

    private final SubscriptionTopicRegistry topics;
    private final EndpointPolicy endpoints;

    SubscriptionRules(SubscriptionTopicRegistry topics, EndpointPolicy endpoints) {
        this.topics = topics;
        this.endpoints = endpoints;
    }

    @Hook(Pointcut.STORAGE_PRESTORAGE_RESOURCE_CREATED)
    public void beforeCreate(IBaseResource resource, RequestDetails request) {
        if (byServer(request)) {
            return;
        }
        refuseTopicWrite(resource);
        if (resource instanceof Subscription subscription) {
            check(subscription);
            recordOwner(subscription, CallerContext.of(request));
        }
    }

    @Hook(Pointcut.STORAGE_PRESTORAGE_RESOURCE_UPDATED)
    public void beforeUpdate(IBaseResource previous, IBaseResource updated, RequestDetails request) {
        if (byServer(request)) {
            return;
        }
        refuseTopicWrite(previous);
        refuseTopicWrite(updated);
        if (updated instanceof Subscription subscription) {
            CallerContext caller = CallerContext.of(request);
            requireOwnerOrOfficer((Subscription) previous, caller);
            check(subscription);
            // The privacy officer may switch a subscription off; it stays its owner's, with the owner's rights.
            String owner = caller.has(Role.PRIVACY_OFFICER) && !isOwner((Subscription) previous, caller)
                    ? owner((Subscription) previous).orElse("") : caller.encode();
            setOwner(subscription, owner);
        }
    }

    @Hook(Pointcut.STORAGE_PRESTORAGE_RESOURCE_DELETED)
    public void beforeDelete(IBaseResource resource, RequestDetails request) {
        if (byServer(request)) {
            return;
        }
        refuseTopicWrite(resource);
        if (resource instanceof Subscription subscription) {
            requireOwnerOrOfficer(subscription, CallerContext.of(request));
        }
    }

    /**
     * Someone else's subscriptions are not shown: to a read they do not exist, a search leaves them out. Looking
     * means loading every resource a request is about to show (HAPI loads them again for the answer), so requests
     * that cannot come across a Subscription are let through unlooked at.
     */
    @Hook(Pointcut.STORAGE_PREACCESS_RESOURCES)
    public void beforeAccess(IPreResourceAccessDetails details, RequestDetails request) {
        if (byServer(request) || !mayShowSubscriptions(request)) {
            return;
        }
        CallerContext caller = CallerContext.of(request);
        for (int i = 0; i < details.size(); i++) {
            if (details.getResource(i) instanceof Subscription subscription && !visible(subscription, caller)) {
                details.setDontReturnResourceAtIndex(i);
            }
        }
    }

    /**
     * Requests on Subscription, on no type (system search, history, transactions and batches), operations and
     * searches with {@code _include} or {@code _revinclude} (a reference of any type may name a Subscription).
     */
    static boolean mayShowSubscriptions(RequestDetails request) {
        String type = request.getResourceName();
        return type == null || "Subscription".equals(type) || request.getOperation() != null
                || request.getParameters().keySet().stream().anyMatch(p -> p.startsWith("_include") || p.startsWith("_revinclude"));
    }

    private static boolean byServer(RequestDetails request) {
        return request == null || request instanceof SystemRequestDetails;
    }

    private static void refuseTopicWrite(IBaseResource resource) {
        if (Topics.isTopic(resource)) {
            throw new ForbiddenOperationException(
                    "Subscription topics are defined by this server only: they cannot be created, changed or deleted through the API");
        }
    }

    private void check(Subscription subscription) {
        boolean topicBased = subscription.getMeta().getProfile().stream()
                .anyMatch(p -> SubscriptionConstants.SUBSCRIPTION_TOPIC_PROFILE_URL.equals(p.getValue()));
        if (!topicBased) {
            throw refused("Only topic-based subscriptions (FHIR Subscriptions R5 Backport IG) are offered: meta.profile "
                    + SubscriptionConstants.SUBSCRIPTION_TOPIC_PROFILE_URL + " and criteria = one of " + Topics.ALL);
        }
        String topic = subscription.getCriteria();
        if (topic == null || !Topics.ALL.contains(topic) || topics.findSubscriptionTopicByUrl(topic).isEmpty()) {
            throw refused("criteria must be the canonical URL of one of this server's topics: " + Topics.ALL);
        }
        Subscription.SubscriptionChannelComponent channel = subscription.getChannel();
        if (channel.getType() != Subscription.SubscriptionChannelType.RESTHOOK) {
            throw refused("Only the rest-hook channel is offered");
        }
        Extension content = channel.getPayloadElement()
                .getExtensionByUrl(SubscriptionConstants.SUBSCRIPTION_TOPIC_CHANNEL_PAYLOAD_CONTENT);
        String payload = content == null || content.getValue() == null ? null : content.getValue().primitiveValue();
        if (!ID_ONLY.equals(payload)) {
            throw refused("channel.payload needs the extension " + SubscriptionConstants.SUBSCRIPTION_TOPIC_CHANNEL_PAYLOAD_CONTENT
                    + " with id-only: notifications name records, the subscriber reads them with its own token"
                    + " (full-resource would send 42 CFR Part 2 records past the consent check; empty would name no record,"
                    + " so it could not be checked against what the subscriber may read)");
        }
        if (channel.getPayload() == null || !MIME_TYPES.contains(channel.getPayload())) {
            throw refused("channel.payload must be the notification's MIME type: application/fhir+json or application/fhir+xml");
        }
        endpoints.refusal(channel.getEndpoint()).ifPresent(reason -> {
            throw refused(reason);
        });
    }

    private static void recordOwner(Subscription subscription, CallerContext caller) {
        setOwner(subscription, caller.encode());
    }

    private static void setOwner(Subscription subscription, String owner) {
        subscription.getChannel().getExtension().removeIf(e -> OWNER.equals(e.getUrl()));
        subscription.getChannel().addExtension(OWNER, new StringType(owner));
    }

    static Optional<String> owner(Subscription subscription) {
        Extension owner = subscription.getChannel().getExtensionByUrl(OWNER);
        return owner == null || owner.getValue() == null ? Optional.empty() : Optional.ofNullable(owner.getValue().primitiveValue());
    }

    private static boolean isOwner(Subscription subscription, CallerContext caller) {
        return owner(subscription).flatMap(CallerContext::decode)
                .filter(o -> o.clientId().equals(caller.clientId()) && o.user().equals(caller.user())).isPresent();
    }

    private static boolean visible(Subscription subscription, CallerContext caller) {
        return caller.has(Role.PRIVACY_OFFICER) || isOwner(subscription, caller);
    }

    private static void requireOwnerOrOfficer(Subscription subscription, CallerContext caller) {
        if (!visible(subscription, caller)) {
            throw new ForbiddenOperationException("Only the subscription's owner or the privacy officer may change or delete it");
        }
    }

    private static UnprocessableEntityException refused(String text) {
        OperationOutcome outcome = new OperationOutcome();
        outcome.addIssue().setSeverity(OperationOutcome.IssueSeverity.ERROR)
                .setCode(OperationOutcome.IssueType.BUSINESSRULE).setDiagnostics(text);
        return new UnprocessableEntityException(text, outcome);
    }
}
