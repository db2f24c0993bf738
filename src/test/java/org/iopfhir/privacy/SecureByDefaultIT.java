package org.iopfhir.privacy;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import org.iopfhir.IopFhirServerApplication;
import org.iopfhir.testsupport.TestPostgres;
import org.junit.jupiter.api.Test;
import org.springframework.boot.builder.SpringApplicationBuilder;

/** A production database without a token issuer is a misconfiguration, not an open server. */
class SecureByDefaultIT {

    @Test
    void postgresWithoutAnIssuerRefusesToStart() {
        EmbeddedPostgres postgres = TestPostgres.shared();
        String url = TestPostgres.createDatabase(postgres, "iop_no_issuer");

        // The test configuration turns security off for the older API tests; an empty value restores the default.
        assertThatThrownBy(() -> new SpringApplicationBuilder(IopFhirServerApplication.class).run(
                "--spring.datasource.url=" + url, "--spring.datasource.username=" + TestPostgres.USER,
                "--iop.security.enabled=", "--server.port=0").close())
                .hasStackTraceContaining("No token issuer configured");
    }
}
