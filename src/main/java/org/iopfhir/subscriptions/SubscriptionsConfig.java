package org.iopfhir.subscriptions;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.jpa.api.dao.DaoRegistry;
import ca.uhn.fhir.jpa.model.config.SubscriptionSettings;
import ca.uhn.fhir.jpa.subscription.match.config.SubscriptionProcessorConfig;
import ca.uhn.fhir.jpa.subscription.match.deliver.email.IEmailSender;
import ca.uhn.fhir.jpa.subscription.match.registry.SubscriptionRegistry;
import ca.uhn.fhir.jpa.subscription.submit.config.SubscriptionSubmitterConfig;
import ca.uhn.fhir.jpa.topic.SubscriptionTopicConfig;
import ca.uhn.fhir.jpa.topic.SubscriptionTopicDispatcher;
import ca.uhn.fhir.jpa.topic.SubscriptionTopicRegistry;
import ca.uhn.fhir.jpa.topic.filter.InMemoryTopicFilterMatcher;
import java.time.Clock;
import java.util.List;
import java.util.Optional;
import org.hl7.fhir.dstu2.model.Subscription.SubscriptionChannelType;
import org.iopfhir.attendance.AttendanceProperties;
import org.iopfhir.episode.EpisodeLoader;
import org.iopfhir.privacy.SecurityMode;
import org.iopfhir.privacy.part2.DisclosurePolicy;
import org.iopfhir.server.FhirEndpointFeature;
import org.springframework.beans.factory.support.BeanDefinitionRegistryPostProcessor;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.Import;
import org.springframework.core.io.support.ResourcePatternResolver;

/**
 * Topic-based subscriptions (FHIR Subscriptions R5 Backport IG for R4) on HAPI's own machinery: the submitter
 * (changes become messages after commit), the processor (matching, delivery channels, rest-hook delivery with
 * retries) and the topic support (R4 topics as {@code Basic}, the topic registry, matching, notification bundles).
 * Messages go through the in-memory broker the storage configuration already runs. What this package adds: the
 * server's topics ({@link Topics}), the rules for subscriptions ({@link SubscriptionRules}), the disclosure check
 * on every notification ({@link NotificationDisclosure}), the topics computed by the attendance rules
 * ({@link ComputedTopics}), {@code $status} ({@link StatusOperation}, {@link DeliveryLog}) and the filter that keeps
 * changes no topic concerns out of the pipeline ({@link RelevantChanges}).
 */
@Configuration
@Import({SubscriptionSubmitterConfig.class, SubscriptionProcessorConfig.class, SubscriptionTopicConfig.class})
public class SubscriptionsConfig {

    /**
     * rest-hook only: HAPI refuses other channel types, and {@link SubscriptionRules} says why. A new or changed
     * subscription is matched for at once, other changes at the submission interval.
     */
    @Bean
    SubscriptionSettings subscriptionSettings(SubscriptionsProperties properties) {
        SubscriptionSettings settings = new SubscriptionSettings();
        settings.addSupportedSubscriptionType(SubscriptionChannelType.RESTHOOK);
        settings.setSubscriptionIntervalInMs(properties.submissionInterval().toMillis());
        settings.setSubscriptionChangeQueuedImmediately(true);
        return settings;
    }

    /** Changes no subscription here could be about stay out of HAPI's pipeline ({@link RelevantChanges}). */
    @Bean
    static BeanDefinitionRegistryPostProcessor relevantChangesOnly() {
        return RelevantChanges.replacingHapisBean();
    }

    /** HAPI's delivery listener factory needs one; no e-mail channel is offered, so none is ever sent. */
    @Bean
    IEmailSender emailSender() {
        return details -> {
            throw new UnsupportedOperationException("e-mail subscriptions are not offered by this server");
        };
    }

    @Bean
    Topics subscriptionTopics(FhirContext fhirContext, DaoRegistry daos, ResourcePatternResolver files) {
        return new Topics(fhirContext, daos, files);
    }

    @Bean
    FhirEndpointFeature subscriptionsFeature(FhirContext fhirContext, DaoRegistry daos, SubscriptionsProperties properties,
            SecurityMode mode, DisclosurePolicy disclosure, SubscriptionTopicRegistry topicRegistry,
            SubscriptionRegistry subscriptionRegistry, SubscriptionTopicDispatcher dispatcher, InMemoryTopicFilterMatcher filters, EpisodeLoader episodes,
            AttendanceProperties attendance) {
        EndpointPolicy endpoints = new EndpointPolicy(properties.allowLoopbackEndpoints());
        DeliveryLog log = new DeliveryLog(fhirContext, Clock.systemUTC());
        Optional<DisclosurePolicy> policy = mode.secured() ? Optional.of(disclosure) : Optional.empty();
        return new FhirEndpointFeature(
                List.of(new StatusOperation(daos, subscriptionRegistry, log)),
                List.of(),
                List.of(new SubscriptionRules(topicRegistry, endpoints),
                        new NotificationDisclosure(fhirContext, daos, policy, endpoints, log),
                        log,
                        new ComputedTopics(fhirContext, daos, dispatcher, filters, episodes, attendance)));
    }
}
