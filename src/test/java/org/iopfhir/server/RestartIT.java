package org.iopfhir.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.tuple;

import ca.uhn.fhir.rest.client.api.IGenericClient;
import ca.uhn.fhir.rest.server.exceptions.ResourceNotFoundException;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.CapabilityStatement;
import org.hl7.fhir.r4.model.Coding;
import org.hl7.fhir.r4.model.EpisodeOfCare;
import org.hl7.fhir.r4.model.IdType;
import org.hl7.fhir.r4.model.Patient;
import org.hl7.fhir.r4.model.StructureDefinition;
import org.iopfhir.IopFhirServerApplication;
import org.iopfhir.testsupport.TestFhir;
import org.iopfhir.testsupport.TestPostgres;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * Data survives stopping and starting the application, on the embedded H2 default and on
 * PostgreSQL; the second start also proves that schema migration and the guide's installation
 * are idempotent.
 */
class RestartIT {

    private static final String TAGS = "http://example.org/fhir/restart";

    @Test
    void embeddedDefaultKeepsDataInItsDataDirectoryAcrossRestarts(@TempDir Path dataDir) {
        // Only the data directory is set: everything else is the zero-configuration default (the empty
        // value undoes the test configuration's explicit "security off").
        String dataDirArg = "--IOP_DATA_DIR=" + dataDir;
        String securityDefault = "--iop.security.enabled=";

        IdType id;
        try (ConfigurableApplicationContext app = start(dataDirArg, securityDefault)) {
            id = createPatient(app, "h2-restart");
            // The developer default runs open, and says so where every client looks.
            assertThat(client(app).capabilities().ofType(CapabilityStatement.class).execute()
                    .getRestFirstRep().getSecurity().getDescription()).contains("SECURITY IS OFF");
        }
        try (ConfigurableApplicationContext app = start(dataDirArg, securityDefault)) {
            assertThat(readFamily(app, id)).isEqualTo("h2-restart");
            assertTagShown(app, id);
            // The guide installs once: unchanged files leave the stored version alone.
            assertThat(client(app).read().resource(StructureDefinition.class).withId("iop-encounter").execute()
                    .getMeta().getVersionId()).isEqualTo("1");
            // A newcomer's embedded server shows the example episode.
            assertThat(client(app).read().resource(EpisodeOfCare.class).withId("example-episode").execute()
                    .getStatus()).isEqualTo(EpisodeOfCare.EpisodeOfCareStatus.FINISHED);
        }
        assertThat(dataDir.resolve("iop-fhir.mv.db")).exists();
    }

    @Test
    void postgresKeepsDataAcrossRestartsAndReadinessFailsWhenTheDatabaseGoes() throws Exception {
        EmbeddedPostgres postgres = TestPostgres.start();
        boolean stopped = false;
        try {
            String url = TestPostgres.createDatabase(postgres, "iop_restart");
            String[] args = {"--spring.datasource.url=" + url, "--spring.datasource.username=" + TestPostgres.USER};

            IdType id;
            try (ConfigurableApplicationContext app = start(args)) {
                id = createPatient(app, "pg-restart");
            }
            try (ConfigurableApplicationContext app = start(args)) {
                assertThat(readFamily(app, id)).isEqualTo("pg-restart");
                assertTagShown(app, id);
                // Production databases get no demo data unless asked for.
                assertThatThrownBy(() -> client(app).read().resource(EpisodeOfCare.class).withId("example-episode")
                        .execute()).isInstanceOf(ResourceNotFoundException.class);
                assertThat(readinessStatus(app)).isEqualTo(200);

                TestPostgres.close(postgres);
                stopped = true;

                Instant deadline = Instant.now().plus(Duration.ofSeconds(60));
                int status = readinessStatus(app);
                while (status == 200 && Instant.now().isBefore(deadline)) {
                    Thread.sleep(500);
                    status = readinessStatus(app);
                }
                assertThat(status).isEqualTo(503);
            }
        } finally {
            if (!stopped) {
                TestPostgres.close(postgres);
            }
        }
    }

    private static ConfigurableApplicationContext start(String... args) {
        String[] all = new String[args.length + 1];
        System.arraycopy(args, 0, all, 0, args.length);
        all[args.length] = "--server.port=0";
        return new SpringApplicationBuilder(IopFhirServerApplication.class).run(all);
    }

    private static IdType createPatient(ConfigurableApplicationContext app, String family) {
        Patient patient = new Patient();
        patient.addName().setFamily(family);
        patient.getMeta().addTag(TAGS, "kept", "Kept");
        return (IdType) client(app).create().resource(patient).execute().getId().toUnqualifiedVersionless();
    }

    /** The tag is read from its rows (with the SQL each database must take) by a read and by a search. */
    private static void assertTagShown(ConfigurableApplicationContext app, IdType id) {
        Patient read = client(app).read().resource(Patient.class).withId(id).execute();
        Bundle found = client(app).search().forResource(Patient.class).where(Patient.RES_ID.exactly().code(id.getIdPart()))
                .returnBundle(Bundle.class).execute();
        for (Patient patient : List.of(read, (Patient) found.getEntryFirstRep().getResource())) {
            assertThat(patient.getMeta().getTag()).extracting(Coding::getSystem, Coding::getCode, Coding::getDisplay)
                    .containsExactly(tuple(TAGS, "kept", "Kept"));
        }
    }

    private static String readFamily(ConfigurableApplicationContext app, IdType id) {
        return client(app).read().resource(Patient.class).withId(id).execute().getNameFirstRep().getFamily();
    }

    private static int readinessStatus(ConfigurableApplicationContext app) throws Exception {
        HttpRequest request = HttpRequest.newBuilder(URI.create(root(app) + "/actuator/health/readiness"))
                .timeout(Duration.ofSeconds(30)).build();
        return HttpClient.newHttpClient().send(request, HttpResponse.BodyHandlers.discarding()).statusCode();
    }

    private static IGenericClient client(ConfigurableApplicationContext app) {
        return TestFhir.client(root(app) + "/fhir");
    }

    private static String root(ConfigurableApplicationContext app) {
        return "http://localhost:" + app.getEnvironment().getProperty("local.server.port");
    }
}
