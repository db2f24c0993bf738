package org.iopfhir.attendance;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ca.uhn.fhir.rest.server.exceptions.InvalidRequestException;
import ca.uhn.fhir.rest.server.exceptions.ResourceNotFoundException;
import ca.uhn.fhir.rest.server.exceptions.UnprocessableEntityException;
import java.net.http.HttpResponse;
import org.hl7.fhir.r4.model.DateType;
import org.hl7.fhir.r4.model.DecimalType;
import org.hl7.fhir.r4.model.IdType;
import org.hl7.fhir.r4.model.IntegerType;
import org.hl7.fhir.r4.model.Parameters;
import org.hl7.fhir.r4.model.Quantity;
import org.hl7.fhir.r4.model.Reference;
import org.iopfhir.testsupport.ExampleEpisodeServerTest;
import org.iopfhir.testsupport.RawHttp;
import org.junit.jupiter.api.Test;

/** $attendance over HTTP on PostgreSQL, on the example episode. */
class AttendanceIT extends ExampleEpisodeServerTest {

    private static final IdType EPISODE = new IdType("EpisodeOfCare/example-episode");

    @Test
    void everyWeekOfTheExampleReachesNineHoursAndEachNoShowWasFollowedUp() {
        Parameters out = attendance(new Parameters());

        assertThat(out.getParameters("week")).hasSize(12).allSatisfy(week -> {
            assertThat(part(week, "status").primitiveValue()).isEqualTo("meets");
            assertThat(((Quantity) part(week, "hours")).getValue()).isGreaterThanOrEqualTo(new java.math.BigDecimal("9"));
        });
        assertThat(out.getParameterValue("ageGroup").primitiveValue()).isEqualTo("adult");
        assertThat(((IntegerType) out.getParameterValue("weeksBelowThreshold")).getValue()).isZero();
        assertThat(((IntegerType) out.getParameterValue("sessionsDue")).getValue()).isEqualTo(45);
        assertThat(((IntegerType) out.getParameterValue("sessionsAttended")).getValue()).isEqualTo(42);
        assertThat(((IntegerType) out.getParameterValue("sessionsCancelled")).getValue()).isEqualTo(1);
        assertThat(((DecimalType) out.getParameterValue("attendanceRate")).getValue()).isEqualByComparingTo("0.9333");
        assertThat(((IntegerType) out.getParameterValue("noShows")).getValue()).isEqualTo(3);
        assertThat(out.getParameters("noShowWithoutOutreach")).isEmpty();
        assertThat(out.getParameterValue("narrative").primitiveValue()).contains("<svg", "12 windows, 0 below");
    }

    @Test
    void aNoShowWhoseOutreachIsGoneIsReported() {
        client().delete().resourceById(new IdType("Communication/example-outreach-g20")).execute();
        try {
            Parameters out = attendance(new Parameters());
            assertThat(out.getParameters("noShowWithoutOutreach")).extracting(p -> ((Reference) p.getValue()).getReference())
                    .containsExactly("Appointment/example-appt-g20");
        } finally {
            loadExampleEpisode();
        }
    }

    @Test
    void startAndEndReportTheWindowsTheyOverlap() {
        Parameters in = new Parameters().addParameter("start", new DateType("2026-02-01")).addParameter("end",
                new DateType("2026-02-14"));

        Parameters out = attendance(in);

        assertThat(out.getParameters("week")).extracting(w -> part(w, "start").primitiveValue())
                .containsExactly("2026-01-26", "2026-02-02", "2026-02-09");
    }

    @Test
    void aBrowserGetsThePageWithTheChart() {
        HttpResponse<String> page = RawHttp.get(baseUrl() + "/EpisodeOfCare/example-episode/$attendance",
                "text/html,application/xhtml+xml,*/*;q=0.8");

        assertThat(page.statusCode()).isEqualTo(200);
        assertThat(page.headers().firstValue("Content-Type")).get().asString().startsWith("text/html");
        assertThat(page.body()).startsWith("<!DOCTYPE html>").contains("<svg", "Week 1: ").doesNotContain("\"resourceType\"");
    }

    @Test
    void badInputIsRefusedWithAnOperationOutcomeThatNamesTheProblem() {
        assertThatThrownBy(() -> client().operation().onInstance(new IdType("EpisodeOfCare/no-such-episode"))
                .named("$attendance").withNoParameters(Parameters.class).useHttpGet().execute())
                .isInstanceOf(ResourceNotFoundException.class);

        IdType other = otherEpisode();
        assertThatThrownBy(() -> client().operation().onInstance(other)
                .named("$attendance").withNoParameters(Parameters.class).useHttpGet().execute())
                .isInstanceOf(UnprocessableEntityException.class).hasMessageContaining("not an intensive outpatient episode");

        Parameters backwards = new Parameters().addParameter("start", new DateType("2026-03-01"))
                .addParameter("end", new DateType("2026-02-01"));
        assertThatThrownBy(() -> attendance(backwards))
                .isInstanceOf(InvalidRequestException.class).hasMessageContaining("start (2026-03-01) is after end (2026-02-01)");

        HttpResponse<String> unparsable = RawHttp.get(baseUrl() + "/EpisodeOfCare/example-episode/$attendance?start=next-tuesday",
                "application/fhir+json");
        assertThat(unparsable.statusCode()).isEqualTo(400);
        assertThat(unparsable.body()).contains("OperationOutcome").doesNotContain("Exception:", "\tat ");
    }

    private Parameters attendance(Parameters in) {
        return client().operation().onInstance(EPISODE).named("$attendance").withParameters(in).useHttpGet().execute();
    }

    private static org.hl7.fhir.r4.model.Type part(Parameters.ParametersParameterComponent parent, String name) {
        return parent.getPart().stream().filter(p -> name.equals(p.getName())).findFirst().orElseThrow().getValue();
    }
}
