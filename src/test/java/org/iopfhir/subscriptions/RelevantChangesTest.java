package org.iopfhir.subscriptions;

import static org.assertj.core.api.Assertions.assertThat;

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

    private boolean relevant(IBaseResource resource) {
        return filter.relevant(resource.fhirType());
    }

    private static SubscriptionTopic topic(String resource) {
        SubscriptionTopic topic = new SubscriptionTopic();
        topic.addResourceTrigger().setResource(resource);
        return topic;
    }
}
