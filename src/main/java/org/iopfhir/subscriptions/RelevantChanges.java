package org.iopfhir.subscriptions;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.interceptor.api.Hook;
import ca.uhn.fhir.interceptor.api.Interceptor;
import ca.uhn.fhir.interceptor.api.Pointcut;
import ca.uhn.fhir.jpa.subscription.model.ResourceModifiedMessage;
import java.util.Collection;
import java.util.function.IntSupplier;
import java.util.function.Supplier;
import org.hl7.fhir.r5.model.SubscriptionTopic;

/**
 * Keeps HAPI's subscription pipeline to the changes a subscription here could be about. HAPI stores every change
 * of every resource for the pipeline - a row written with the change, read back, matched and deleted on the
 * submission interval - which would double the cost of writes no topic concerns: audit events, Provenances, and
 * every write while nobody subscribes. A change goes on when it is a Subscription or a topic ({@code Basic}), or
 * when some subscription is active and a topic is triggered by its resource type.
 */
@Interceptor
public class RelevantChanges {

    private final FhirContext fhirContext;
    private final IntSupplier activeSubscriptions;
    private final Supplier<Collection<SubscriptionTopic>> topics;

    RelevantChanges(FhirContext fhirContext, IntSupplier activeSubscriptions, Supplier<Collection<SubscriptionTopic>> topics) {
        this.fhirContext = fhirContext;
        this.activeSubscriptions = activeSubscriptions;
        this.topics = topics;
    }

    @Hook(Pointcut.SUBSCRIPTION_RESOURCE_MODIFIED)
    public boolean relevant(ResourceModifiedMessage change) {
        String type = change.getResourceType(fhirContext);
        if ("Subscription".equals(type) || "Basic".equals(type)) {
            return true;
        }
        return activeSubscriptions.getAsInt() > 0 && topics.get().stream()
                .flatMap(topic -> topic.getResourceTrigger().stream())
                .map(trigger -> simpleType(trigger.getResource()))
                .anyMatch(triggered -> triggered.equals(type));
    }

    /** A trigger names its resource type plainly ({@code Encounter}) or by its canonical URL. */
    private static String simpleType(String resource) {
        return resource == null ? "" : resource.substring(resource.lastIndexOf('/') + 1);
    }
}
