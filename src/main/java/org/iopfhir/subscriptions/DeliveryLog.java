package org.iopfhir.subscriptions;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.interceptor.api.Hook;
import ca.uhn.fhir.interceptor.api.Interceptor;
import ca.uhn.fhir.interceptor.api.Pointcut;
import ca.uhn.fhir.jpa.subscription.model.CanonicalSubscription;
import ca.uhn.fhir.jpa.subscription.model.ResourceDeliveryMessage;
import java.time.Clock;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * How each subscription's deliveries went on this server since it started: attempts that reached the endpoint,
 * failed attempts (HAPI retries a failed rest-hook delivery with back-off for a minute, then gives up on that
 * notification), notifications withheld by the disclosure rule, and the last error. Kept in memory: a restart
 * or another replica starts from nothing ({@code $status} says which counts these are).
 */
@Interceptor
public class DeliveryLog {

    /** One subscription's deliveries. */
    record Entry(long delivered, long failed, long withheld, Instant lastDelivered, Instant lastFailed, String lastError) {
        static final Entry NONE = new Entry(0, 0, 0, null, null, null);
    }

    private final Map<String, Entry> entries = new ConcurrentHashMap<>();
    private final FhirContext fhirContext;
    private final Clock clock;

    DeliveryLog(FhirContext fhirContext, Clock clock) {
        this.fhirContext = fhirContext;
        this.clock = clock;
    }

    Entry of(String subscriptionId) {
        return entries.getOrDefault(subscriptionId, Entry.NONE);
    }

    void withheld(String subscriptionId) {
        entries.merge(subscriptionId, new Entry(0, 0, 1, null, null, null), DeliveryLog::add);
    }

    void failed(String subscriptionId, String error) {
        entries.merge(subscriptionId, new Entry(0, 1, 0, null, clock.instant(), error), DeliveryLog::add);
    }

    @Hook(Pointcut.SUBSCRIPTION_AFTER_REST_HOOK_DELIVERY)
    public void delivered(CanonicalSubscription subscription) {
        entries.merge(subscription.getIdPart(), new Entry(1, 0, 0, clock.instant(), null, null), DeliveryLog::add);
    }

    /** HAPI goes on to retry: this hook only counts. */
    @Hook(Pointcut.SUBSCRIPTION_AFTER_DELIVERY_FAILED)
    public boolean deliveryFailed(ResourceDeliveryMessage message, Exception error) {
        String id = message.getSubscriptionId(fhirContext);
        if (id != null) {
            // The exception's own text may quote the notification; its type and HTTP status say what went wrong.
            failed(new org.hl7.fhir.r4.model.IdType(id).getIdPart(), describe(error));
        }
        return true;
    }

    private static String describe(Exception error) {
        Throwable cause = error;
        while (cause.getCause() != null && cause.getCause() != cause) {
            cause = cause.getCause();
        }
        String status = cause instanceof ca.uhn.fhir.rest.server.exceptions.BaseServerResponseException response
                ? " (HTTP " + response.getStatusCode() + ")" : "";
        return cause.getClass().getSimpleName() + status;
    }

    private static Entry add(Entry a, Entry b) {
        return new Entry(a.delivered + b.delivered, a.failed + b.failed, a.withheld + b.withheld,
                latest(a.lastDelivered, b.lastDelivered), latest(a.lastFailed, b.lastFailed),
                Optional.ofNullable(b.lastError).orElse(a.lastError));
    }

    private static Instant latest(Instant a, Instant b) {
        return a == null ? b : b == null ? a : a.isAfter(b) ? a : b;
    }
}
