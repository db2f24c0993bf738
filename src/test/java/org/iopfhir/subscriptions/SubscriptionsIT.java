package org.iopfhir.subscriptions;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ca.uhn.fhir.rest.client.api.IGenericClient;
import ca.uhn.fhir.rest.server.exceptions.BaseServerResponseException;
import ca.uhn.fhir.rest.server.exceptions.ForbiddenOperationException;
import ca.uhn.fhir.rest.server.exceptions.ResourceNotFoundException;
import ca.uhn.fhir.rest.server.exceptions.UnprocessableEntityException;
import ca.uhn.fhir.subscription.SubscriptionConstants;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Supplier;
import org.hl7.fhir.r4.model.Appointment;
import org.hl7.fhir.r4.model.Basic;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.CodeType;
import org.hl7.fhir.r4.model.CodeableConcept;
import org.hl7.fhir.r4.model.Coding;
import org.hl7.fhir.r4.model.DateTimeType;
import org.hl7.fhir.r4.model.DateType;
import org.hl7.fhir.r4.model.Encounter;
import org.hl7.fhir.r4.model.EpisodeOfCare;
import org.hl7.fhir.r4.model.IdType;
import org.hl7.fhir.r4.model.Observation;
import org.hl7.fhir.r4.model.OperationOutcome;
import org.hl7.fhir.r4.model.Parameters;
import org.hl7.fhir.r4.model.Patient;
import org.hl7.fhir.r4.model.Reference;
import org.hl7.fhir.r4.model.Resource;
import org.hl7.fhir.r4.model.Subscription;
import org.iopfhir.testsupport.SecuredServerTest;
import org.iopfhir.testsupport.TestTokens;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Topic-based subscriptions over HTTP, as an EHR would use them: HAPI's client creates Backport IG subscriptions,
 * ordinary writes trigger each topic, and a rest-hook receiver started here records what arrives and when.
 * The attacker is a clinician of another program who subscribes to everything.
 */
class SubscriptionsIT extends SecuredServerTest {

    private static final String PROGRAM = "Organization/example-program";
    private static final String OTHER_PROGRAM = "Organization/subscriber-elsewhere";
    private static final Duration WAIT = Duration.ofSeconds(40);

    private static HttpServer receiver;
    private static final List<Received> RECEIVED = new CopyOnWriteArrayList<>();
    /** Hook paths that answer 500 once before succeeding. */
    private static final Set<String> FAIL_ONCE = ConcurrentHashMap.newKeySet();

    record Received(String hook, int answered, String body, long nanos) {
        Bundle bundle() {
            return FHIR.newJsonParser().parseResource(Bundle.class, body);
        }
    }

    @BeforeAll
    static void startReceiver() throws IOException {
        receiver = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        receiver.createContext("/hook/", exchange -> {
            long now = System.nanoTime();
            String hook = exchange.getRequestURI().getPath().substring("/hook/".length());
            String body = new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
            int status = FAIL_ONCE.remove(hook) ? 500 : 200;
            RECEIVED.add(new Received(hook, status, body, now));
            byte[] answer = (status == 200 ? "{\"resourceType\":\"Bundle\",\"type\":\"transaction-response\"}"
                    : "{\"resourceType\":\"OperationOutcome\",\"issue\":[{\"severity\":\"error\",\"code\":\"transient\"}]}")
                    .getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().add("Content-Type", "application/fhir+json");
            exchange.sendResponseHeaders(status, answer.length);
            exchange.getResponseBody().write(answer);
            exchange.close();
        });
        receiver.start();
    }

    @AfterAll
    static void stopReceiver() {
        receiver.stop(0);
    }

    private static String hookUrl(String hook) {
        return "http://127.0.0.1:" + receiver.getAddress().getPort() + "/hook/" + hook;
    }

    private static String clinician(String program, String user) {
        return TestTokens.token().role("clinician").scope("user/*.cruds").purpose("TREAT").organization(program)
                .user(user).sign();
    }

    private IGenericClient programA() {
        return client(clinician(PROGRAM, "clinician-a@example-program"));
    }

    private IGenericClient programB() {
        return client(clinician(OTHER_PROGRAM, "clinician-b@elsewhere"));
    }

    /** The resource type of each topic's focus. */
    private static final Map<String, String> FOCUS = Map.of(Topics.NO_SHOW, "Appointment",
            Topics.DETERMINATION_RECORDED, "Observation", Topics.EPISODE_STATUS_CHANGE, "EpisodeOfCare",
            Topics.WEEK_BELOW_THRESHOLD, "Encounter");

    private static Subscription subscription(String topic, String endpoint, String content) {
        return subscription(topic, FOCUS.getOrDefault(topic, "Observation") + "?", endpoint, content);
    }

    /** @param filter the Backport IG's filter criteria (HAPI requires one; {@code Type?} filters nothing) */
    private static Subscription subscription(String topic, String filter, String endpoint, String content) {
        Subscription subscription = new Subscription();
        subscription.getMeta().addProfile(SubscriptionConstants.SUBSCRIPTION_TOPIC_PROFILE_URL);
        subscription.setStatus(Subscription.SubscriptionStatus.REQUESTED);
        subscription.setReason("IOP care management");
        subscription.setCriteria(topic);
        subscription.getCriteriaElement().addExtension(SubscriptionConstants.SUBSCRIPTION_TOPIC_FILTER_URL,
                new org.hl7.fhir.r4.model.StringType(filter));
        Subscription.SubscriptionChannelComponent channel = subscription.getChannel();
        channel.setType(Subscription.SubscriptionChannelType.RESTHOOK);
        channel.setEndpoint(endpoint);
        channel.setPayload("application/fhir+json");
        if (content != null) {
            channel.getPayloadElement().addExtension(SubscriptionConstants.SUBSCRIPTION_TOPIC_CHANNEL_PAYLOAD_CONTENT,
                    new CodeType(content));
        }
        return subscription;
    }

    /** Creates the subscription and waits until HAPI has activated it and matches for it. */
    private String subscribe(IGenericClient client, String topic, String hook) {
        return subscribe(client, subscription(topic, hookUrl(hook), "id-only"), hook);
    }

    private String subscribe(IGenericClient client, Subscription subscription, String hook) {
        String id = client.create().resource(subscription).execute().getId().getIdPart();
        await("subscription " + hook + " active", () -> "active".equals(status(client, id).getParameter("status")
                .getValue().primitiveValue()));
        return id;
    }

    private static Parameters status(IGenericClient client, String id) {
        Bundle bundle = client.operation().onInstance(new IdType("Subscription", id)).named("$status")
                .withNoParameters(Parameters.class).returnResourceType(Bundle.class).useHttpGet().execute();
        return (Parameters) bundle.getEntryFirstRep().getResource();
    }

    private static void await(String what, Supplier<Boolean> condition) {
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (!condition.get()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out waiting for " + what);
            }
            sleep(100);
        }
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private static List<Received> receivedBy(String hook) {
        return RECEIVED.stream().filter(r -> r.hook().equals(hook)).toList();
    }

    private static Received awaitNotification(String hook, int count) {
        await("notification " + count + " at " + hook, () -> receivedBy(hook).stream().filter(r -> r.answered() == 200).count() >= count);
        return receivedBy(hook).stream().filter(r -> r.answered() == 200).toList().get(count - 1);
    }

    /** An SUD episode of program A with its patient, admitted today. */
    private record Episode(String patient, String episode) {
    }

    private Episode admit(IGenericClient client) {
        Patient patient = new Patient();
        patient.addName().setFamily("Subscriber-Test");
        patient.setManagingOrganization(new Reference(PROGRAM));
        String patientId = "Patient/" + client.create().resource(patient).execute().getId().getIdPart();
        EpisodeOfCare episode = new EpisodeOfCare();
        episode.setStatus(EpisodeOfCare.EpisodeOfCareStatus.ACTIVE);
        episode.setPatient(new Reference(patientId));
        episode.setManagingOrganization(new Reference(PROGRAM));
        episode.addType().addCoding(new Coding("http://iop-fhir.org/fhir/CodeSystem/iop-program-track", "sud", null));
        episode.getPeriod().setStartElement(new DateTimeType(LocalDate.now().toString()));
        String episodeId = "EpisodeOfCare/" + client.create().resource(episode).execute().getId().getIdPart();
        return new Episode(patientId, episodeId);
    }

    private static Appointment noShow(Episode episode) {
        Appointment appointment = new Appointment();
        appointment.setStatus(Appointment.AppointmentStatus.NOSHOW);
        appointment.setStartElement(new org.hl7.fhir.r4.model.InstantType(new java.util.Date()));
        appointment.setMinutesDuration(180);
        appointment.addSupportingInformation(new Reference(episode.episode()));
        appointment.addParticipant().setActor(new Reference(episode.patient()))
                .setStatus(Appointment.ParticipationStatus.ACCEPTED);
        return appointment;
    }

    private static Observation determination(Episode episode) {
        Observation observation = new Observation();
        observation.setStatus(Observation.ObservationStatus.FINAL);
        observation.getCode().addCoding(new Coding("http://iop-fhir.org/fhir/CodeSystem/iop-observation-code",
                "level-of-care-determination", "Level of care determination"));
        observation.setSubject(new Reference(episode.patient()));
        observation.setValue(new CodeableConcept(new Coding("http://iop-fhir.org/fhir/CodeSystem/asam-level-of-care", "2.1", null)));
        return observation;
    }

    private static Encounter session(Episode episode, int minutes) {
        Encounter encounter = new Encounter();
        encounter.setStatus(Encounter.EncounterStatus.FINISHED);
        encounter.setClass_(new Coding("http://terminology.hl7.org/CodeSystem/v3-ActCode", "AMB", null));
        encounter.setSubject(new Reference(episode.patient()));
        encounter.addEpisodeOfCare(new Reference(episode.episode()));
        encounter.getPeriod().setStartElement(new DateTimeType(LocalDate.now().toString()));
        encounter.setLength((org.hl7.fhir.r4.model.Duration) new org.hl7.fhir.r4.model.Duration().setValue(minutes).setUnit("min").setSystem("http://unitsofmeasure.org").setCode("min"));
        return encounter;
    }

    /** The notification's SubscriptionStatus, checked against the Backport IG's shape; returns the focus. */
    private static String checkNotification(Received received, String subscriptionId, String topic) {
        Bundle bundle = received.bundle();
        assertThat(bundle.getType()).isEqualTo(Bundle.BundleType.HISTORY);
        Parameters status = (Parameters) bundle.getEntryFirstRep().getResource();
        assertThat(status.getMeta().getProfile().get(0).getValue()).isEqualTo(SubscriptionConstants.SUBSCRIPTION_TOPIC_STATUS);
        assertThat(((Reference) status.getParameter("subscription").getValue()).getReference()).endsWith("Subscription/" + subscriptionId);
        assertThat(status.getParameter("topic").getValue().primitiveValue()).isEqualTo(topic);
        assertThat(status.getParameter("type").getValue().primitiveValue()).isEqualTo("event-notification");
        Parameters.ParametersParameterComponent event = status.getParameter().stream()
                .filter(p -> p.getName().equals("notification-event")).findFirst().orElseThrow();
        assertThat(Long.parseLong(event.getPart().stream().filter(p -> p.getName().equals("event-number")).findFirst()
                .orElseThrow().getValue().primitiveValue())).isPositive();
        String focus = ((Reference) event.getPart().stream().filter(p -> p.getName().equals("focus")).findFirst()
                .orElseThrow().getValue()).getReference();
        assertThat(bundle.getEntry().subList(1, bundle.getEntry().size()))
                .as("id-only: the records are named, never sent").allSatisfy(e -> assertThat(e.getResource()).isNull());
        return focus;
    }

    private static long millisSince(long writeStarted, Received received) {
        return Duration.ofNanos(received.nanos() - writeStarted).toMillis();
    }

    @Test
    void eachTopicNotifiesItsSubscriberWithTheRecordsIdOnly() {
        IGenericClient a = programA();
        Episode episode = admit(a);
        Map<String, String> subscriptions = new java.util.LinkedHashMap<>();
        for (String topic : Topics.ALL) {
            String hook = "a-" + topic.substring(topic.lastIndexOf('/') + 1);
            // Filters apply to the computed topics too: this patient's no-shows only.
            Subscription subscription = topic.equals(Topics.NO_SHOW)
                    ? subscription(topic, "Appointment?patient=" + episode.patient(), hookUrl(hook), "id-only")
                    : subscription(topic, hookUrl(hook), "id-only");
            subscriptions.put(topic, subscribe(a, subscription, hook));
        }
        a.create().resource(noShow(admit(a))).execute(); // another patient's no-show: filtered out
        List<String> latencies = new ArrayList<>();

        long t0 = System.nanoTime();
        String session = "Encounter/" + a.create().resource(session(episode, 60)).execute().getId().getIdPart();
        Received below = awaitNotification("a-week-below-threshold", 1);
        assertThat(checkNotification(below, subscriptions.get(Topics.WEEK_BELOW_THRESHOLD), Topics.WEEK_BELOW_THRESHOLD))
                .isEqualTo(session);
        latencies.add("week-below-threshold " + millisSince(t0, below) + " ms");

        long t1 = System.nanoTime();
        String missed = "Appointment/" + a.create().resource(noShow(episode)).execute().getId().getIdPart();
        Received noShow = awaitNotification("a-no-show", 1);
        assertThat(checkNotification(noShow, subscriptions.get(Topics.NO_SHOW), Topics.NO_SHOW)).isEqualTo(missed);
        latencies.add("no-show " + millisSince(t1, noShow) + " ms");

        long t2 = System.nanoTime();
        String recorded = "Observation/" + a.create().resource(determination(episode)).execute().getId().getIdPart();
        Received determination = awaitNotification("a-determination-recorded", 1);
        assertThat(checkNotification(determination, subscriptions.get(Topics.DETERMINATION_RECORDED),
                Topics.DETERMINATION_RECORDED)).isEqualTo(recorded);
        latencies.add("determination-recorded " + millisSince(t2, determination) + " ms");

        EpisodeOfCare stored = a.read().resource(EpisodeOfCare.class).withId(new IdType(episode.episode())).execute();
        stored.setStatus(EpisodeOfCare.EpisodeOfCareStatus.FINISHED);
        stored.getPeriod().setEndElement(new DateTimeType(LocalDate.now().toString()));
        long t3 = System.nanoTime();
        a.update().resource(stored).execute();
        Received discharge = awaitNotification("a-episode-status-change", 1);
        assertThat(checkNotification(discharge, subscriptions.get(Topics.EPISODE_STATUS_CHANGE), Topics.EPISODE_STATUS_CHANGE))
                .isEqualTo(episode.episode());
        latencies.add("episode-status-change " + millisSince(t3, discharge) + " ms");
        System.out.println("Notification latency (write sent -> notification received): " + latencies);

        // Writes that are not events notify nothing: an updated session that was finished before, an episode
        // updated without a status change, an Observation that is not a determination.
        Encounter again = a.read().resource(Encounter.class).withId(new IdType(session)).execute();
        again.getLength().setValue(90);
        a.update().resource(again).execute();
        a.update().resource(a.read().resource(EpisodeOfCare.class).withId(new IdType(episode.episode())).execute()
                .setPeriod(stored.getPeriod())).execute();
        Observation other = determination(episode);
        other.getCode().getCodingFirstRep().setCode("imminent-danger");
        a.create().resource(other).execute();
        // A later event on one subscription arrives after them: they were not notified in between.
        a.create().resource(determination(episode)).execute();
        awaitNotification("a-determination-recorded", 2);
        sleep(1000);
        assertThat(receivedBy("a-week-below-threshold")).hasSize(1);
        assertThat(receivedBy("a-episode-status-change")).hasSize(1);
        assertThat(receivedBy("a-no-show")).hasSize(1);

        Parameters status = status(a, subscriptions.get(Topics.DETERMINATION_RECORDED));
        assertThat(status.getParameter("topic").getValue().primitiveValue()).isEqualTo(Topics.DETERMINATION_RECORDED);
        assertThat(status.getParameter("type").getValue().primitiveValue()).isEqualTo("query-status");
        assertThat(status.getParameter("events-since-subscription-start").getValue().primitiveValue()).isEqualTo("2");
        assertThat(((org.hl7.fhir.r4.model.IntegerType) status.getParameter("iop-delivered").getValue()).getValue()).isEqualTo(2);
    }

    @Test
    void aFailedDeliveryIsRetriedAndTheStatusTellsOfIt() {
        IGenericClient a = programA();
        FAIL_ONCE.add("a-retry");
        String id = subscribe(a, Topics.DETERMINATION_RECORDED, "a-retry");
        Episode episode = admit(a);
        long t0 = System.nanoTime();
        String recorded = "Observation/" + a.create().resource(determination(episode)).execute().getId().getIdPart();
        Received delivered = awaitNotification("a-retry", 1);
        List<Received> attempts = receivedBy("a-retry");
        assertThat(attempts).extracting(Received::answered).containsExactly(500, 200);
        assertThat(checkNotification(delivered, id, Topics.DETERMINATION_RECORDED)).isEqualTo(recorded);
        assertThat(attempts.get(1).body()).as("the same notification again").isEqualTo(attempts.get(0).body());
        System.out.println("Notification after one failed attempt and a retry: " + millisSince(t0, delivered) + " ms");

        Parameters status = status(a, id);
        assertThat(((org.hl7.fhir.r4.model.IntegerType) status.getParameter("iop-failed").getValue()).getValue()).isEqualTo(1);
        assertThat(((org.hl7.fhir.r4.model.IntegerType) status.getParameter("iop-delivered").getValue()).getValue()).isEqualTo(1);
        assertThat(((CodeableConcept) status.getParameter("error").getValue()).getText()).contains("500");
    }

    @Test
    void anotherProgramsClinicianSubscribingToEverythingLearnsNothingOfThisProgram() {
        IGenericClient a = programA();
        IGenericClient b = programB();
        List<String> spies = new ArrayList<>();
        for (String topic : Topics.ALL) {
            spies.add(subscribe(b, topic, "b-" + topic.substring(topic.lastIndexOf('/') + 1)));
        }
        String own = subscribe(a, Topics.NO_SHOW, "a-watch");

        Episode episode = admit(a);
        a.create().resource(session(episode, 60)).execute();
        a.create().resource(determination(episode)).execute();
        String missed = "Appointment/" + a.create().resource(noShow(episode)).execute().getId().getIdPart();
        EpisodeOfCare stored = a.read().resource(EpisodeOfCare.class).withId(new IdType(episode.episode())).execute();
        a.update().resource(stored.setStatus(EpisodeOfCare.EpisodeOfCareStatus.ONHOLD)).execute();

        // Program A's own subscriber hears of the last write but one; HAPI matches in order, so by then
        // every earlier event has been decided for program B's subscriptions too.
        assertThat(checkNotification(awaitNotification("a-watch", 1), own, Topics.NO_SHOW)).isEqualTo(missed);
        await("every event decided for the other program", () -> spies.stream()
                .mapToInt(id -> ((org.hl7.fhir.r4.model.IntegerType) status(b, id).getParameter("iop-withheld").getValue()).getValue())
                .sum() >= 4);
        sleep(1000);
        assertThat(RECEIVED).filteredOn(r -> r.hook().startsWith("b-")).as("nothing reaches the other program").isEmpty();

        // Nor can it see, redirect or remove program A's subscription.
        assertThatThrownBy(() -> b.read().resource(Subscription.class).withId(own).execute())
                .isInstanceOf(ResourceNotFoundException.class);
        assertThatThrownBy(() -> status(b, own)).isInstanceOf(ResourceNotFoundException.class);
        Bundle found = b.search().forResource(Subscription.class).returnBundle(Bundle.class).execute();
        assertThat(found.getEntry()).extracting(e -> e.getResource().getIdElement().getIdPart()).doesNotContain(own)
                .containsAll(spies);
        // No Provenance tells it that the subscription exists, or who made it.
        Bundle provenances = b.search().forResource(org.hl7.fhir.r4.model.Provenance.class)
                .where(org.hl7.fhir.r4.model.Provenance.TARGET.hasId("Subscription/" + own)).returnBundle(Bundle.class).execute();
        assertThat(provenances.getEntry()).isEmpty();
        Subscription redirected = subscription(Topics.NO_SHOW, hookUrl("b-stolen"), "id-only");
        redirected.setId(own);
        assertThatThrownBy(() -> b.update().resource(redirected).execute()).isInstanceOf(ForbiddenOperationException.class);
        assertThatThrownBy(() -> b.delete().resourceById(new IdType("Subscription", own)).execute())
                .isInstanceOf(ForbiddenOperationException.class);
        Subscription kept = a.read().resource(Subscription.class).withId(own).execute();
        assertThat(kept.getChannel().getEndpoint()).isEqualTo(hookUrl("a-watch"));
        assertThat(kept.getChannel().getExtensionByUrl(SubscriptionRules.OWNER).getValue().primitiveValue())
                .contains("clinician-a%40example-program");
    }

    @Test
    void onlySubscriptionsThatNameRecordsToReachableEndpointsAreAccepted() {
        IGenericClient a = programA();
        String endpoint = hookUrl("never");
        assertRefused(a, subscription(Topics.NO_SHOW, endpoint, "full-resource"), "full-resource");
        assertRefused(a, subscription(Topics.NO_SHOW, endpoint, null), "id-only");
        assertRefused(a, subscription(Topics.NO_SHOW, endpoint, "empty"), "id-only");
        Subscription classic = subscription("Observation?code=http://loinc.org|1234-5", "Observation?", endpoint, "id-only");
        classic.getMeta().getProfile().clear();
        assertRefused(a, classic, "topic-based");
        assertRefused(a, subscription("http://example.org/SubscriptionTopic/anything", endpoint, "id-only"), "topics");
        assertRefused(a, subscription(Topics.NO_SHOW, "ftp://127.0.0.1/hook", "id-only"), "http");
        assertRefused(a, subscription(Topics.NO_SHOW, "http://169.254.169.254/latest/meta-data", "id-only"), "link-local");
        assertRefused(a, subscription(Topics.NO_SHOW, "http://user:secret@127.0.0.1/hook", "id-only"), "credentials");
        Subscription email = subscription(Topics.NO_SHOW, "mailto:care@example.org", "id-only");
        email.getChannel().setType(Subscription.SubscriptionChannelType.EMAIL);
        assertRefused(a, email, "rest-hook");

        String payer = TestTokens.token().role("payer").scope("user/*.cruds").purpose("HPAYMT")
                .organization("Organization/payer-a").sign();
        assertThatThrownBy(() -> client(payer).create().resource(subscription(Topics.NO_SHOW, endpoint, "id-only")).execute())
                .as("a role that only reads").isInstanceOf(ForbiddenOperationException.class);

        Basic topic = new Basic();
        topic.setCode(new CodeableConcept(new Coding("http://hl7.org/fhir/fhir-types", "SubscriptionTopic", null)));
        assertThatThrownBy(() -> a.create().resource(topic).execute()).isInstanceOf(ForbiddenOperationException.class);
        Basic shipped = a.read().resource(Basic.class).withId("topic-no-show").execute();
        assertThatThrownBy(() -> a.update().resource(shipped).execute()).isInstanceOf(ForbiddenOperationException.class);
        assertThat(RECEIVED).filteredOn(r -> r.hook().equals("never")).isEmpty();
    }

    private static void assertRefused(IGenericClient client, Subscription subscription, String reason) {
        assertThatThrownBy(() -> client.create().resource(subscription).execute())
                .isInstanceOf(UnprocessableEntityException.class)
                .satisfies(e -> assertThat(((OperationOutcome) ((BaseServerResponseException) e).getOperationOutcome())
                        .getIssueFirstRep().getDiagnostics()).contains(reason));
    }
}
