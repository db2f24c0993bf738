package org.iopfhir.subscriptions;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.jpa.api.dao.DaoRegistry;
import ca.uhn.fhir.rest.api.server.SystemRequestDetails;
import ca.uhn.fhir.rest.server.exceptions.ResourceVersionConflictException;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.hl7.fhir.r4.model.Basic;
import org.hl7.fhir.r4.model.Coding;
import org.iopfhir.ig.ImplementationGuide;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.SmartInitializingSingleton;
import org.springframework.core.io.support.ResourcePatternResolver;
import org.springframework.dao.DataIntegrityViolationException;

/**
 * The server's subscription topics, as the R4 Backport IG represents a SubscriptionTopic in R4: a {@code Basic}
 * resource coded {@code fhir-types#SubscriptionTopic} carrying the R5 elements as cross-version extensions,
 * which is what HAPI's R4 topic registry loads ({@code R4SubscriptionTopicLoader}). They are read from
 * {@code subscription-topics/} in the jar and stored under their ids at start-up (an unchanged topic is
 * written again as a no-op) before the context is refreshed, when HAPI's loader reads them into its registry
 * (and again whenever a {@code Basic} changes). Only the server writes topics
 * ({@link SubscriptionRules}).
 */
final class Topics implements SmartInitializingSingleton {

    static final String BASE = ImplementationGuide.CANONICAL_BASE + "SubscriptionTopic/";
    static final String NO_SHOW = BASE + "no-show";
    static final String DETERMINATION_RECORDED = BASE + "determination-recorded";
    static final String EPISODE_STATUS_CHANGE = BASE + "episode-status-change";
    static final String WEEK_BELOW_THRESHOLD = BASE + "week-below-threshold";
    static final List<String> ALL = List.of(NO_SHOW, DETERMINATION_RECORDED, EPISODE_STATUS_CHANGE, WEEK_BELOW_THRESHOLD);

    static final Coding TOPIC_CODE = new Coding("http://hl7.org/fhir/fhir-types", "SubscriptionTopic", null);
    private static final String FOLDER = "classpath:subscription-topics/*.json";
    private static final Logger LOG = LoggerFactory.getLogger(Topics.class);

    private final FhirContext fhirContext;
    private final DaoRegistry daos;
    private final ResourcePatternResolver files;

    Topics(FhirContext fhirContext, DaoRegistry daos, ResourcePatternResolver files) {
        this.fhirContext = fhirContext;
        this.daos = daos;
        this.files = files;
    }

    /** Whether a resource is a subscription topic (of this server or not). */
    static boolean isTopic(Object resource) {
        return resource instanceof Basic basic && basic.getCode().getCoding().stream()
                .anyMatch(c -> TOPIC_CODE.getSystem().equals(c.getSystem()) && TOPIC_CODE.getCode().equals(c.getCode()));
    }

    List<Basic> read() {
        List<Basic> topics = new ArrayList<>();
        try {
            for (org.springframework.core.io.Resource file : files.getResources(FOLDER)) {
                try (InputStream in = file.getInputStream()) {
                    topics.add(fhirContext.newJsonParser().parseResource(Basic.class,
                            new String(in.readAllBytes(), StandardCharsets.UTF_8)));
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("could not read the subscription topics", e);
        }
        return topics;
    }

    /**
     * Replicas starting together on an empty database may both create a topic under its id: the loser's insert
     * fails, and the topic it meant to store is there; written again it is unchanged.
     */
    private void store(Basic topic) {
        try {
            daos.getResourceDao(Basic.class).update(topic.copy(), new SystemRequestDetails());
        } catch (ResourceVersionConflictException | DataIntegrityViolationException concurrentCreate) {
            daos.getResourceDao(Basic.class).update(topic.copy(), new SystemRequestDetails());
        }
    }

    @Override
    public void afterSingletonsInstantiated() {
        List<Basic> topics = read();
        if (topics.size() != ALL.size()) {
            throw new IllegalStateException("expected " + ALL.size() + " subscription topics, found " + topics.size());
        }
        topics.forEach(this::store);
        LOG.info("Subscription topics stored: {}", topics.size());
    }
}
