package org.iopfhir.privacy.audit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.mockito.ArgumentMatchers.any;
import static org.mockito.ArgumentMatchers.eq;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.when;

import ca.uhn.fhir.jpa.api.config.JpaStorageSettings;
import ca.uhn.fhir.jpa.entity.Search;
import ca.uhn.fhir.jpa.search.cache.ISearchCacheSvc;
import ca.uhn.fhir.rest.api.RestOperationTypeEnum;
import ca.uhn.fhir.rest.api.server.RequestDetails;
import ca.uhn.fhir.rest.api.server.SimplePreResourceShowDetails;
import ca.uhn.fhir.rest.api.server.SystemRequestDetails;
import ca.uhn.fhir.rest.server.servlet.ServletRequestDetails;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.hl7.fhir.r4.model.AuditEvent;
import org.hl7.fhir.r4.model.Observation;
import org.hl7.fhir.r4.model.Patient;
import org.junit.jupiter.api.Test;

/** AuditEvents are shown in answers about AuditEvents only, whoever asks and whether or not tokens are checked. */
class AuditTrailSeparationTest {

    private final ISearchCacheSvc searches = mock(ISearchCacheSvc.class);
    private final AuditTrailSeparation separation = new AuditTrailSeparation(new JpaStorageSettings(), null, searches);

    private static ServletRequestDetails request(RestOperationTypeEnum type, String resourceName) {
        ServletRequestDetails request = new ServletRequestDetails();
        request.setRestOperationType(type);
        request.setResourceName(resourceName);
        return request;
    }

    private List<IBaseResource> shown(RequestDetails request) {
        SimplePreResourceShowDetails details = new SimplePreResourceShowDetails(
                List.of(new Patient().setId("p"), new AuditEvent().setId("a1"), new Observation().setId("o"),
                        new AuditEvent().setId("a2")));
        separation.beforeShow(details, request);
        List<IBaseResource> shown = new ArrayList<>();
        details.forEach(shown::add);
        return shown.stream().filter(Objects::nonNull).toList();
    }

    @Test
    void everythingAndOtherAnswersLoseTheTrail() {
        assertThat(shown(request(RestOperationTypeEnum.EXTENDED_OPERATION_INSTANCE, "Patient")))
                .extracting(IBaseResource::fhirType).containsExactly("Patient", "Observation");
        assertThat(shown(request(RestOperationTypeEnum.SEARCH_TYPE, "Patient"))).noneMatch(r -> r instanceof AuditEvent);
        assertThat(shown(request(RestOperationTypeEnum.SEARCH_SYSTEM, null))).noneMatch(r -> r instanceof AuditEvent);
    }

    @Test
    void requestsOnAuditEventKeepIt() {
        assertThat(shown(request(RestOperationTypeEnum.SEARCH_TYPE, "AuditEvent"))).hasSize(4);
        assertThat(shown(request(RestOperationTypeEnum.READ, "AuditEvent"))).hasSize(4);
        // The history of everything holds the trail; only auditors are let through to it, and HAPI cannot
        // build a history page with gaps.
        assertThat(shown(request(RestOperationTypeEnum.HISTORY_SYSTEM, null))).hasSize(4);
    }

    @Test
    void pagesFollowTheSearchTheyContinue() {
        Search trail = new Search();
        trail.setResourceType("AuditEvent");
        Search everything = new Search();
        everything.setResourceType("Patient");
        when(searches.fetchByUuid(eq("trail"), any())).thenReturn(Optional.of(trail));
        when(searches.fetchByUuid(eq("everything"), any())).thenReturn(Optional.of(everything));
        when(searches.fetchByUuid(eq("expired"), any())).thenReturn(Optional.empty());

        assertThat(shown(page("trail"))).hasSize(4);
        assertThat(shown(page("everything"))).noneMatch(r -> r instanceof AuditEvent).hasSize(2);
        assertThat(shown(page("expired"))).noneMatch(r -> r instanceof AuditEvent);
    }

    @Test
    void theServersOwnReadsAreNotFiltered() {
        assertThat(shown(new SystemRequestDetails())).hasSize(4);
    }

    private static ServletRequestDetails page(String search) {
        ServletRequestDetails request = request(RestOperationTypeEnum.GET_PAGE, null);
        request.setParameters(Map.of("_getpages", new String[] {search}));
        return request;
    }
}
