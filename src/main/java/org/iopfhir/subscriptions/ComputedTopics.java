package org.iopfhir.subscriptions;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.interceptor.api.Hook;
import ca.uhn.fhir.interceptor.api.Interceptor;
import ca.uhn.fhir.interceptor.api.Pointcut;
import ca.uhn.fhir.jpa.api.dao.DaoRegistry;
import ca.uhn.fhir.jpa.searchparam.matcher.InMemoryMatchResult;
import ca.uhn.fhir.jpa.topic.SubscriptionTopicDispatchRequest;
import ca.uhn.fhir.jpa.topic.SubscriptionTopicDispatcher;
import ca.uhn.fhir.jpa.topic.filter.InMemoryTopicFilterMatcher;
import ca.uhn.fhir.rest.api.RestOperationTypeEnum;
import ca.uhn.fhir.rest.api.server.SystemRequestDetails;
import ca.uhn.fhir.rest.server.exceptions.BaseServerResponseException;
import ca.uhn.fhir.rest.server.messaging.BaseResourceMessage;
import ca.uhn.fhir.jpa.subscription.model.ResourceModifiedMessage;
import java.time.LocalDate;
import java.util.List;
import java.util.Optional;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.hl7.fhir.r4.model.Appointment;
import org.hl7.fhir.r4.model.Encounter;
import org.hl7.fhir.r4.model.IdType;
import org.hl7.fhir.r4.model.Reference;
import org.iopfhir.attendance.AttendanceProperties;
import org.iopfhir.attendance.AttendanceRecords;
import org.iopfhir.attendance.AttendanceReport;
import org.iopfhir.attendance.ScheduledSession;
import org.iopfhir.attendance.Week;
import org.iopfhir.episode.EpisodeLoader;
import org.iopfhir.episode.EpisodeRecord;
import org.iopfhir.fhir.FhirDates;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The topics whose events are decided by this server's own rules rather than by query criteria, so the rule is
 * not written twice: after HAPI has checked a stored change against the query-based topics (hook
 * {@code SUBSCRIPTION_TOPIC_AFTER_PERSISTED_RESOURCE_CHECKED}, after commit, on HAPI's matching channel), the
 * change is put to the attendance rules and a matching event is handed to HAPI's {@link SubscriptionTopicDispatcher},
 * which applies each subscription's filters, numbers the event, builds the notification and delivers it the same
 * way as for the other topics.
 * <ul>
 *   <li>{@link Topics#NO_SHOW}: an Appointment whose outcome ({@link AttendanceRecords#outcome}) is a no-show, and
 *       was not before (created so, or updated into it).</li>
 *   <li>{@link Topics#WEEK_BELOW_THRESHOLD}: an Encounter that became {@code finished}, of an IOP episode, whose
 *       7-day window from admission is - counting the sessions up to this one's day - below the weekly minimum of
 *       {@code $attendance} for the episode's age group ({@link AttendanceRecords#report}).</li>
 * </ul>
 */
@Interceptor
public class ComputedTopics {

    private static final Logger LOG = LoggerFactory.getLogger(ComputedTopics.class);
    private static final int WINDOW_DAYS = 7;

    private final FhirContext fhirContext;
    private final DaoRegistry daos;
    private final SubscriptionTopicDispatcher dispatcher;
    private final InMemoryTopicFilterMatcher filters;
    private final EpisodeLoader episodes;
    private final AttendanceProperties attendance;

    ComputedTopics(FhirContext fhirContext, DaoRegistry daos, SubscriptionTopicDispatcher dispatcher,
            InMemoryTopicFilterMatcher filters, EpisodeLoader episodes, AttendanceProperties attendance) {
        this.fhirContext = fhirContext;
        this.daos = daos;
        this.dispatcher = dispatcher;
        this.filters = filters;
        this.episodes = episodes;
        this.attendance = attendance;
    }

    @Hook(Pointcut.SUBSCRIPTION_TOPIC_AFTER_PERSISTED_RESOURCE_CHECKED)
    public void checked(ResourceModifiedMessage message) {
        BaseResourceMessage.OperationTypeEnum operation = message.getOperationType();
        if (operation != BaseResourceMessage.OperationTypeEnum.CREATE && operation != BaseResourceMessage.OperationTypeEnum.UPDATE) {
            return;
        }
        IBaseResource resource = message.getNewResource(fhirContext);
        RestOperationTypeEnum rest = operation.asRestOperationType();
        if (resource instanceof Appointment appointment && becameNoShow(appointment, operation)) {
            dispatch(Topics.NO_SHOW, appointment, rest);
        } else if (resource instanceof Encounter encounter && becameFinished(encounter, operation) && weekBelow(encounter)) {
            dispatch(Topics.WEEK_BELOW_THRESHOLD, encounter, rest);
        }
    }

    private void dispatch(String topic, IBaseResource focus, RestOperationTypeEnum operation) {
        // With HAPI's in-memory filter matcher, as for the query-based topics: a subscription's filters apply.
        int queued = dispatcher.dispatch(new SubscriptionTopicDispatchRequest(topic, List.of(focus), filters, operation,
                InMemoryMatchResult.successfulMatch(), null, null));
        LOG.debug("Topic {}: {} notifications queued", topic, queued);
    }

    private boolean becameNoShow(Appointment appointment, BaseResourceMessage.OperationTypeEnum operation) {
        if (!noShow(appointment)) {
            return false;
        }
        return operation == BaseResourceMessage.OperationTypeEnum.CREATE
                || previous(appointment, Appointment.class).map(p -> !noShow(p)).orElse(true);
    }

    private static boolean noShow(Appointment appointment) {
        return AttendanceRecords.outcome(appointment.getStatus()) == ScheduledSession.Outcome.NO_SHOW;
    }

    private boolean becameFinished(Encounter encounter, BaseResourceMessage.OperationTypeEnum operation) {
        if (encounter.getStatus() != Encounter.EncounterStatus.FINISHED || !encounter.hasEpisodeOfCare()) {
            return false;
        }
        return operation == BaseResourceMessage.OperationTypeEnum.CREATE
                || previous(encounter, Encounter.class).map(p -> p.getStatus() != Encounter.EncounterStatus.FINISHED).orElse(true);
    }

    private boolean weekBelow(Encounter encounter) {
        if (!encounter.getPeriod().hasStart()) {
            return false;
        }
        LocalDate day = FhirDates.localDate(encounter.getPeriod().getStartElement());
        for (Reference episode : encounter.getEpisodeOfCare()) {
            EpisodeRecord record;
            try {
                record = episodes.load(new IdType(episode.getReference()), AttendanceRecords.TYPES, new SystemRequestDetails());
            } catch (BaseServerResponseException notAnIopEpisode) {
                continue;
            }
            if (record.admission() == null || day.isBefore(record.admission())) {
                continue;
            }
            // As of the end of the window that holds the session: the window is judged whole unless discharge cuts it.
            AttendanceReport report = AttendanceRecords.report(record, attendance.rules(record.ageGroup()), day, day,
                    day.plusDays(WINDOW_DAYS - 1));
            if (report.weeks().stream().anyMatch(w -> w.status() == Week.Status.BELOW)) {
                return true;
            }
        }
        return false;
    }

    private <T extends IBaseResource> Optional<T> previous(T resource, Class<T> type) {
        IdType id = new IdType(resource.getIdElement().getValue());
        if (!id.hasVersionIdPart() || id.getVersionIdPartAsLong() <= 1) {
            return Optional.empty();
        }
        try {
            return Optional.of(daos.getResourceDao(type).read(
                    id.withVersion(Long.toString(id.getVersionIdPartAsLong() - 1)), new SystemRequestDetails()));
        } catch (BaseServerResponseException gone) {
            return Optional.empty();
        }
    }
}
