package org.iopfhir.privacy;

import static org.assertj.core.api.Assertions.assertThat;

import ca.uhn.fhir.jpa.api.dao.DaoRegistry;
import ca.uhn.fhir.jpa.searchparam.SearchParameterMap;
import ca.uhn.fhir.rest.api.server.SystemRequestDetails;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import java.util.UUID;
import org.hl7.fhir.r4.model.AuditEvent;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.CapabilityStatement;
import org.hl7.fhir.r4.model.CapabilityStatement.CapabilityStatementRestResourceComponent;
import org.hl7.fhir.r4.model.Coding;
import org.hl7.fhir.r4.model.OperationOutcome;
import org.hl7.fhir.r4.model.Reference;
import org.iopfhir.privacy.audit.AuditTrail;
import org.iopfhir.privacy.audit.EarlierAuditEvents;
import org.iopfhir.testsupport.SecuredServerTest;
import org.iopfhir.testsupport.TestTokens;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;

/**
 * {@code /fhir/AuditEvent} over the trail's own tables, as an auditor uses it (HAPI's consent interceptor leaves
 * out {@code Bundle.total} with security on; {@code FaultsIT} counts with security off): each search parameter the
 * CapabilityStatement lists narrows the answer, pages follow each other, and what is not offered is refused
 * with 400 rather than ignored; events stored as FHIR resources by an earlier version are moved in.
 */
class AuditEventEndpointIT extends SecuredServerTest {

    private final String auditor = TestTokens.token().role("auditor").scope("user/AuditEvent.rs").sign();

    @Autowired
    DaoRegistry daos;

    @Autowired
    EarlierAuditEvents earlierEvents;

    @Autowired
    AuditTrail auditTrail;

    private String reader(String clientId) {
        return TestTokens.token().role("payer").scope("user/*.rs").purpose("HPAYMT").organization("Organization/example-payer")
                .client(clientId).user("reviewer-1").sign();
    }

    /** Three requests by one client: two reads of the example patient, one refused read of an unknown one. */
    private String clientWithThreeEvents() {
        String clientId = "client-" + UUID.randomUUID();
        assertThat(get("/fhir/Patient/example-patient", reader(clientId)).status()).isEqualTo(200);
        assertThat(get("/fhir/Patient/no-such-patient", reader(clientId)).status()).isEqualTo(404);
        assertThat(get("/fhir/Patient/example-patient", reader(clientId)).status()).isEqualTo(200);
        assertThat(await("AuditEvent?altid=" + clientId, 3)).hasSize(3);
        return clientId;
    }

    private List<AuditEvent> events(String query) {
        Response response = get("/fhir/" + query, auditor);
        assertThat(response.status()).as(response.body()).isEqualTo(200);
        return ((Bundle) response.resource()).getEntry().stream().map(e -> (AuditEvent) e.getResource()).toList();
    }

    private List<AuditEvent> await(String query, int count) {
        Instant deadline = Instant.now().plus(Duration.ofSeconds(20));
        List<AuditEvent> found = events(query);
        while (found.size() < count && Instant.now().isBefore(deadline)) {
            sleep();
            found = events(query);
        }
        return found;
    }

    /** Adds the ids of one page's events; returns its next link (path and query), or null on the last page. */
    private String page(String path, List<String> ids) {
        Response answer = get(path, auditor);
        assertThat(answer.status()).as(answer.body()).isEqualTo(200);
        Bundle bundle = (Bundle) answer.resource();
        bundle.getEntry().forEach(e -> ids.add(e.getResource().getIdElement().getIdPart()));
        Bundle.BundleLinkComponent link = bundle.getLink(Bundle.LINK_NEXT);
        return link == null ? null : URI.create(link.getUrl()).getRawPath() + "?" + URI.create(link.getUrl()).getRawQuery();
    }

    private static void sleep() {
        try {
            Thread.sleep(200);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Test
    void eachSearchParameterNarrowsTheAnswer() {
        String clientId = clientWithThreeEvents();
        String mine = "AuditEvent?altid=" + clientId;

        assertThat(events(mine + "&outcome=4")).singleElement()
                .satisfies(e -> assertThat(e.getOutcomeDesc()).startsWith("HTTP 404"));
        assertThat(events(mine + "&outcome=http://hl7.org/fhir/audit-event-outcome%7C0")).hasSize(2);
        assertThat(events(mine + "&outcome=http://example.org/other%7C0")).isEmpty();
        assertThat(events(mine + "&outcome=0,4")).hasSize(3);
        assertThat(events(mine + "&subtype=read&action=R")).hasSize(3);
        assertThat(events(mine + "&subtype=create")).isEmpty();
        assertThat(events(mine + "&patient=Patient/example-patient")).hasSize(2);
        assertThat(events(mine + "&patient=no-such-patient")).hasSize(1);
        assertThat(events(mine + "&date=ge" + Instant.now().minus(Duration.ofHours(1)))).hasSize(3);
        assertThat(events(mine + "&date=lt2020-01-01")).isEmpty();
        assertThat(events(mine + "&date=ge2020-01-01&date=le2020-12-31")).isEmpty();

        String first = events(mine).get(0).getIdElement().getIdPart();
        assertThat(events(mine + "&_id=" + first)).singleElement()
                .satisfies(e -> assertThat(e.getIdElement().getIdPart()).isEqualTo(first));
        List<Date> newestFirst = events(mine + "&_sort=-date").stream().map(AuditEvent::getRecorded).toList();
        assertThat(newestFirst).isSortedAccordingTo(java.util.Comparator.reverseOrder());
        assertThat(events(mine).stream().map(AuditEvent::getRecorded).toList()).isSortedAccordingTo(Date::compareTo);
    }

    /**
     * A search of the trail finds an event recorded just before it, also when it brings an upper time bound of its
     * own: the writer holds events back for a moment to store many in one transaction.
     */
    @Test
    void aSearchFindsWhatWasRecordedJustBeforeItWithOrWithoutAnUpperBound() {
        for (String bound : List.of("", "&date=le2100-01-01", "&date=ge2020-01-01&date=lt2100-01-01")) {
            String clientId = "client-" + UUID.randomUUID();
            AuditEvent event = new AuditEvent();
            event.getType().setSystem("http://terminology.hl7.org/CodeSystem/audit-event-type").setCode("rest");
            event.setAction(AuditEvent.AuditEventAction.R).setRecorded(new Date())
                    .setOutcome(AuditEvent.AuditEventOutcome._0);
            event.addAgent().setAltId(clientId).setRequestor(true);
            event.getSource().setObserver(new Reference().setDisplay("test"));

            auditTrail.record(event);

            assertThat(events("AuditEvent?altid=" + clientId + bound)).as("searched with '%s'", bound).hasSize(1);
        }
    }

    @Test
    void pagesFollowEachOtherToTheLast() {
        String clientId = clientWithThreeEvents();

        List<String> ids = new ArrayList<>();
        String next = "/fhir/AuditEvent?altid=" + clientId + "&_count=2";
        int pages = 0;
        while (next != null && pages++ < 5) {
            next = page(next, ids);
        }

        assertThat(ids).hasSize(3).doesNotHaveDuplicates();
        assertThat(pages).isLessThanOrEqualTo(3);
    }

    @Test
    void pagesNewestFirstNeitherRepeatNorSkipWhatIsRecordedWhilePaging() {
        clientWithThreeEvents();
        List<String> ids = new ArrayList<>();
        String next = "/fhir/AuditEvent?_sort=-date&_count=2";
        for (int page = 0; page < 3 && next != null; page++) {
            next = page(next, ids);
            assertThat(next).as("the first page's time bound is carried on").contains("date=le");
            // Each page asked for is an event itself, newer than the rest: give the writer time to store it.
            sleep();
            sleep();
        }

        assertThat(ids).hasSize(6).doesNotHaveDuplicates();
    }

    @Test
    void anEventIsReadAsItsOnlyVersion() {
        String clientId = clientWithThreeEvents();
        String id = events("AuditEvent?altid=" + clientId).get(0).getIdElement().getIdPart();

        Response read = get("/fhir/AuditEvent/" + id, auditor);
        assertThat(read.status()).isEqualTo(200);
        assertThat(((AuditEvent) read.resource()).getAgentFirstRep().getAltId()).isEqualTo(clientId);
        assertThat(get("/fhir/AuditEvent/" + id + "/_history/1", auditor).status()).isEqualTo(200);
        assertThat(get("/fhir/AuditEvent/" + id + "/_history/2", auditor).status()).isEqualTo(404);
        assertThat(get("/fhir/AuditEvent/" + UUID.randomUUID(), auditor).status()).isEqualTo(404);
    }

    @Test
    void whatIsNotOfferedIsRefusedNotIgnored() {
        for (String query : List.of("AuditEvent?agent-name=x", "AuditEvent?entity-type=2", "AuditEvent?_sort=outcome",
                "AuditEvent?patient:missing=true", "AuditEvent?patient.name=x", "AuditEvent?date=ne2026-01-01",
                "AuditEvent?outcome:not=0", "AuditEvent?_offset=-1", "AuditEvent/_history", "AuditEvent?_count=-1",
                "AuditEvent?_lastUpdated=ge2026-01-01", "AuditEvent?_tag=x", "AuditEvent?_total=accurate",
                "AuditEvent?_include=AuditEvent:patient", "AuditEvent?patient:identifier=x", "AuditEvent?patient=Patient/",
                "AuditEvent?altid=" + String.join(",", java.util.stream.IntStream.range(0, 101).mapToObj(i -> "c" + i).toList()))) {
            Response refused = get("/fhir/" + query, auditor);
            assertThat(refused.status()).as(query + ": " + refused.body()).isEqualTo(400);
            assertThat(refused.resource()).as(query).isInstanceOf(OperationOutcome.class);
        }
    }

    @Test
    void theCapabilityStatementListsExactlyWhatTheEndpointDoes() {
        CapabilityStatement cs = (CapabilityStatement) get("/fhir/metadata", null).resource();
        CapabilityStatementRestResourceComponent auditEvents = cs.getRestFirstRep().getResource().stream()
                .filter(r -> "AuditEvent".equals(r.getType())).findFirst().orElseThrow();

        assertThat(auditEvents.getInteraction()).extracting(i -> i.getCode().toCode())
                .containsExactlyInAnyOrder("read", "vread", "search-type");
        assertThat(auditEvents.getSearchParam()).extracting(p -> p.getName())
                .containsExactlyInAnyOrder("_id", "patient", "altid", "date", "action", "subtype", "outcome");
        assertThat(auditEvents.getConditionalCreate()).isFalse();
        assertThat(auditEvents.getSearchInclude()).isEmpty();
        assertThat(cs.getRestFirstRep().getResource()).flatExtracting(r -> r.getSearchRevInclude())
                .extracting(r -> r.getValue()).noneMatch(r -> r.startsWith("AuditEvent:"));
    }

    @Test
    void eventsAnEarlierVersionStoredAsResourcesAreMovedWithTheirIds() {
        AuditEvent earlier = new AuditEvent();
        earlier.addSubtype(new Coding("http://hl7.org/fhir/restful-interaction", "read", null));
        earlier.setAction(AuditEvent.AuditEventAction.R).setRecorded(new Date()).setOutcome(AuditEvent.AuditEventOutcome._0);
        String clientId = "client-" + UUID.randomUUID();
        earlier.addAgent().setRequestor(true).setAltId(clientId);
        earlier.addEntity().setWhat(new Reference("Patient/example-patient")).setRole(new Coding(null, "1", null));
        earlier.getSource().setObserver(new Reference().setDisplay("IOP FHIR Server"));
        var dao = daos.getResourceDao(AuditEvent.class);
        SystemRequestDetails system = new SystemRequestDetails();
        String id = dao.create(earlier, system).getId().getIdPart();

        assertThat(earlierEvents.move()).isGreaterThanOrEqualTo(1);

        assertThat(dao.searchForResources(SearchParameterMap.newSynchronous(), system)).isEmpty();
        assertThat(events("AuditEvent?altid=" + clientId + "&patient=Patient/example-patient")).singleElement()
                .satisfies(e -> assertThat(e.getIdElement().getIdPart()).isEqualTo(id));
        assertThat(get("/fhir/AuditEvent/" + id, auditor).status()).isEqualTo(200);
        assertThat(earlierEvents.move()).isZero();
    }
}
