package org.iopfhir.subscriptions;

import static org.assertj.core.api.Assertions.assertThat;

import ca.uhn.fhir.jpa.subscription.model.CanonicalSubscription;
import ca.uhn.fhir.jpa.subscription.model.ResourceDeliveryMessage;
import ca.uhn.fhir.rest.api.EncodingEnum;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Optional;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.IdType;
import org.hl7.fhir.r4.model.Parameters;
import org.hl7.fhir.r4.model.Patient;
import org.hl7.fhir.r4.model.Reference;
import org.hl7.fhir.r4.model.StringType;
import org.iopfhir.privacy.part2.DisclosurePolicy;
import org.iopfhir.testsupport.TestFhir;
import org.junit.jupiter.api.Test;

class NotificationDisclosureTest {

    private final DeliveryLog log = new DeliveryLog(TestFhir.CONTEXT,
            Clock.fixed(Instant.parse("2026-01-05T10:00:00Z"), ZoneOffset.UTC));
    private final EndpointPolicy endpoints = new EndpointPolicy(false);

    private static Bundle notification(String... focus) {
        Parameters status = new Parameters();
        status.addParameter().setName("topic").setValue(new StringType(Topics.NO_SHOW));
        Parameters.ParametersParameterComponent event = status.addParameter().setName("notification-event");
        event.addPart().setName("event-number").setValue(new StringType("1"));
        for (String f : focus) {
            event.addPart().setName("focus").setValue(new Reference(f));
        }
        Bundle bundle = new Bundle().setType(Bundle.BundleType.HISTORY);
        bundle.addEntry().setResource(status);
        return bundle;
    }

    private static CanonicalSubscription subscription(boolean topicBased) {
        CanonicalSubscription subscription = new CanonicalSubscription();
        subscription.setIdElement(new IdType("Subscription", "s1"));
        subscription.setTopicSubscription(topicBased);
        subscription.setEndpointUrl("http://127.0.0.1:9/hook");
        subscription.setChannelExtensions(java.util.Map.of()); // as HAPI's canonicalizer leaves it: no owner recorded
        return subscription;
    }

    private static ResourceDeliveryMessage message(Bundle payload) {
        ResourceDeliveryMessage message = new ResourceDeliveryMessage();
        message.setPayload(TestFhir.CONTEXT, payload, EncodingEnum.JSON);
        return message;
    }

    @Test
    void theFocusIsWhatTheSubscriptionStatusNames() {
        assertThat(NotificationDisclosure.focusOf(notification("Appointment/a1"))).containsExactly("Appointment/a1");
        assertThat(NotificationDisclosure.focusOf(notification())).as("an empty notification names nothing").isEmpty();
        assertThat(NotificationDisclosure.focusOf(new Patient())).isEmpty();
        assertThat(NotificationDisclosure.focusOf(new Bundle())).isEmpty();
    }

    @Test
    void withSecurityOnANotificationWithoutARecordedOwnerIsWithheld() {
        NotificationDisclosure disclosure = new NotificationDisclosure(TestFhir.CONTEXT, null,
                Optional.of(new DisclosurePolicy(null, Clock.systemUTC())), endpoints, log);
        assertThat(disclosure.matched(subscription(true), message(notification("Appointment/a1")))).isFalse();
        assertThat(log.of("s1").withheld()).isEqualTo(1);
    }

    @Test
    void classicSubscriptionsAreNeverServedEvenWithSecurityOff() {
        NotificationDisclosure open = new NotificationDisclosure(TestFhir.CONTEXT, null, Optional.empty(), endpoints, log);
        assertThat(open.matched(subscription(false), message(notification("Appointment/a1")))).isFalse();
        assertThat(open.matched(subscription(true), message(notification("Appointment/a1")))).isTrue();
    }

    @Test
    void theEndpointIsCheckedAgainBeforeEachDelivery() {
        NotificationDisclosure open = new NotificationDisclosure(TestFhir.CONTEXT, null, Optional.empty(), endpoints, log);
        assertThat(open.beforeDelivery(subscription(true))).as("loopback, not allowed here").isFalse();
        assertThat(log.of("s1").failed()).isEqualTo(1);
        assertThat(log.of("s1").lastError()).contains("loopback");
        assertThat(log.of("s1").lastFailed()).isEqualTo(Instant.parse("2026-01-05T10:00:00Z"));
    }
}
