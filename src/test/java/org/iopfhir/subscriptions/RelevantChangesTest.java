package org.iopfhir.subscriptions;

import static org.assertj.core.api.Assertions.assertThat;
import static org.mockito.ArgumentMatchers.any;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.never;
import static org.mockito.Mockito.times;
import static org.mockito.Mockito.verify;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.interceptor.api.IInterceptorBroadcaster;
import ca.uhn.fhir.jpa.model.config.SubscriptionSettings;
import ca.uhn.fhir.jpa.partition.IRequestPartitionHelperSvc;
import ca.uhn.fhir.rest.api.server.SystemRequestDetails;
import ca.uhn.fhir.subscription.api.IResourceModifiedMessagePersistenceSvc;

import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.hl7.fhir.r4.model.AuditEvent;
import org.hl7.fhir.r4.model.Basic;
import org.hl7.fhir.r4.model.Encounter;
import org.hl7.fhir.r4.model.Observation;
import org.hl7.fhir.r4.model.Provenance;
import org.hl7.fhir.r4.model.Subscription;
import org.hl7.fhir.r5.model.SubscriptionTopic;
import org.junit.jupiter.api.Test;
import org.springframework.test.util.ReflectionTestUtils;

class RelevantChangesTest {

    private final AtomicInteger active = new AtomicInteger();
    private final RelevantChanges filter = new RelevantChanges(active::get, () -> List.of(
            topic("Encounter"), topic("http://hl7.org/fhir/StructureDefinition/Observation")));

    @Test
    void nothingButSubscriptionsAndTopicsWhileNobodySubscribes() {
        assertThat(relevant(new Encounter())).isFalse();
        assertThat(relevant(new Observation())).isFalse();
        assertThat(relevant(new Subscription())).isTrue();
        assertThat(relevant(new Basic())).isTrue();
    }

    @Test
    void onceSomeoneSubscribesTheTypesTopicsAreTriggeredBy() {
        active.set(1);
        assertThat(relevant(new Encounter())).isTrue();
        assertThat(relevant(new Observation())).as("trigger named by its canonical URL").isTrue();
        assertThat(relevant(new AuditEvent())).isFalse();
        assertThat(relevant(new Provenance())).isFalse();
        assertThat(relevant(new Subscription())).isTrue();
    }

    /** What HAPI's matcher does with a change, seen at its last step: the message stored for the pipeline. */
    @Test
    void anIrrelevantChangeNeverBecomesAMessage() {
        IResourceModifiedMessagePersistenceSvc pipeline = mock(IResourceModifiedMessagePersistenceSvc.class);
        ReflectionTestUtils.setField(filter, "myFhirContext", FhirContext.forR4Cached());
        ReflectionTestUtils.setField(filter, "myInterceptorBroadcaster", mock(IInterceptorBroadcaster.class));
        ReflectionTestUtils.setField(filter, "mySubscriptionSettings", new SubscriptionSettings());
        ReflectionTestUtils.setField(filter, "myRequestPartitionHelperSvc", mock(IRequestPartitionHelperSvc.class));
        ReflectionTestUtils.setField(filter, "myResourceModifiedMessagePersistenceSvc", pipeline);
        active.set(1);

        filter.resourceCreated(stored(new AuditEvent()), new SystemRequestDetails());
        filter.resourceCreated(stored(new Provenance()), new SystemRequestDetails());
        verify(pipeline, never()).persist(any());

        filter.resourceCreated(stored(new Encounter()), new SystemRequestDetails());
        verify(pipeline, times(1)).persist(any());
    }

    private static IBaseResource stored(IBaseResource resource) {
        resource.setId(resource.fhirType() + "/x/_history/1");
        return resource;
    }

    private boolean relevant(IBaseResource resource) {
        return filter.relevant(resource.fhirType());
    }

    private static SubscriptionTopic topic(String resource) {
        SubscriptionTopic topic = new SubscriptionTopic();
        topic.addResourceTrigger().setResource(resource);
        return topic;
    }
}
