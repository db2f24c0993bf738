package org.iopfhir.subscriptions;

import ca.uhn.fhir.jpa.subscription.match.registry.SubscriptionRegistry;
import ca.uhn.fhir.jpa.subscription.submit.interceptor.SubscriptionMatcherInterceptor;
import ca.uhn.fhir.jpa.topic.SubscriptionTopicRegistry;
import ca.uhn.fhir.rest.api.server.RequestDetails;
import ca.uhn.fhir.jpa.subscription.model.ResourceModifiedMessage;
import java.util.Collection;
import java.util.function.IntSupplier;
import java.util.function.Supplier;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.hl7.fhir.r5.model.SubscriptionTopic;
import org.iopfhir.server.HapiBeanReplacement;
import org.springframework.beans.factory.support.BeanDefinitionRegistryPostProcessor;

/**
 * Keeps HAPI's subscription pipeline to the changes a subscription here could be about. HAPI stores every change
 * of every resource for the pipeline - a row written with the change, read back, matched and deleted on the
 * submission interval - which would double the cost of writes no topic concerns: audit events, Provenances, and
 * every write while nobody subscribes. A change goes on when it is a Subscription or a topic ({@code Basic}), or
 * when some subscription is active and a topic is triggered by its resource type.
 *
 * <p>It stands in for HAPI's matcher interceptor (bean {@value #BEAN_NAME}) and decides before HAPI builds the
 * change's message: building it encodes the whole resource, a seventh of the audit trail's writing time when
 * every AuditEvent got one only to be dropped.
 */
public class RelevantChanges extends SubscriptionMatcherInterceptor {

    /** The name of HAPI's bean ({@code SubscriptionMatcherInterceptorConfig}) this class stands in for. */
    static final String BEAN_NAME = "subscriptionMatcherInterceptor";

    private final IntSupplier activeSubscriptions;
    private final Supplier<Collection<SubscriptionTopic>> topics;

    /** As HAPI's bean: the registries of active subscriptions and of topics. */
    public RelevantChanges(SubscriptionRegistry subscriptions, SubscriptionTopicRegistry topics) {
        this(subscriptions::size, topics::getAll);
    }

    RelevantChanges(IntSupplier activeSubscriptions, Supplier<Collection<SubscriptionTopic>> topics) {
        this.activeSubscriptions = activeSubscriptions;
        this.topics = topics;
    }

    @Override
    protected void processResourceModifiedEvent(IBaseResource resource, ResourceModifiedMessage.OperationTypeEnum operation,
            RequestDetails request) {
        if (relevant(resource.fhirType())) {
            super.processResourceModifiedEvent(resource, operation, request);
        }
    }

    boolean relevant(String type) {
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

    /** Puts this class in place of HAPI's matcher interceptor, once HAPI's configuration is read. */
    static BeanDefinitionRegistryPostProcessor replacingHapisBean() {
        return HapiBeanReplacement.replacing(BEAN_NAME, RelevantChanges.class,
                "check how this HAPI version submits changes to subscriptions");
    }
}
