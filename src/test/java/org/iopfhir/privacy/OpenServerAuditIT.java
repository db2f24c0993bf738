package org.iopfhir.privacy;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.UUID;
import org.hl7.fhir.r4.model.AuditEvent;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.Patient;
import org.iopfhir.testsupport.PostgresServerTest;
import org.junit.jupiter.api.Test;

/**
 * A server running open (security off, audit unset) audits no callers, as its banner says: it keeps no
 * trail, and its patients are created, read and deleted as on HAPI's stock server (the audit side of the
 * security tests is {@link AuditIT}).
 */
class OpenServerAuditIT extends PostgresServerTest {

    private static final HttpClient HTTP = HttpClient.newHttpClient();

    private HttpResponse<String> get(String path) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create("http://localhost:" + port + path)).GET().build(),
                HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void keepsNoTrail() throws Exception {
        assertThat(get("/fhir/metadata").statusCode()).isEqualTo(200);

        // No writer, no queue: the trail's metrics exist only when it does.
        HttpResponse<String> metrics = get("/actuator/prometheus");
        assertThat(metrics.statusCode()).isEqualTo(200);
        assertThat(metrics.body()).contains("jvm_").doesNotContain("iop_audit");
    }

    @Test
    void aPatientIsCreatedReadAndDeletedAsOnTheStockServer() {
        String id = "open-" + UUID.randomUUID();
        client().update().resource(new Patient().setActive(true).setId("Patient/" + id)).execute();
        assertThat(client().read().resource(Patient.class).withId(id).execute().getActive()).isTrue();

        Bundle everything = client().operation().onInstance("Patient/" + id).named("$everything")
                .withNoParameters(org.hl7.fhir.r4.model.Parameters.class).returnResourceType(Bundle.class).execute();
        assertThat(everything.getEntry()).isNotEmpty().noneMatch(e -> e.getResource() instanceof AuditEvent);
        client().delete().resourceById("Patient", id).execute();

        assertThat(client().search().forResource(Patient.class).where(Patient.RES_ID.exactly().code(id))
                .returnBundle(Bundle.class).execute().getEntry()).isEmpty();
    }
}
