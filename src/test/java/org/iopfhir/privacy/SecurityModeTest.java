package org.iopfhir.privacy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.iopfhir.server.Database;
import org.junit.jupiter.api.Test;

class SecurityModeTest {

    private static SecurityProperties properties(Boolean enabled, String issuer) {
        return new SecurityProperties(enabled, issuer, "", "", null, "", "", true, new SecurityProperties.Audit(true, 10, 10, 10, 0));
    }

    @Test
    void postgresWithoutAnIssuerRefusesToStart() {
        assertThatThrownBy(() -> SecurityMode.resolve(properties(null, ""), Database.POSTGRESQL))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("iop.security.issuer-uri");
    }

    @Test
    void explicitlyEnabledWithoutAnIssuerRefusesToStartEvenOnH2() {
        assertThatThrownBy(() -> SecurityMode.resolve(properties(true, ""), Database.H2))
                .isInstanceOf(IllegalStateException.class);
    }

    @Test
    void theEmbeddedDeveloperDefaultRunsOpenAndSaysSo() {
        SecurityMode mode = SecurityMode.resolve(properties(null, ""), Database.H2);

        assertThat(mode.secured()).isFalse();
        assertThat(mode.description()).contains("SECURITY IS OFF");
    }

    @Test
    void securityOffMustBeExplicitOnPostgres() {
        assertThat(SecurityMode.resolve(properties(false, ""), Database.POSTGRESQL).secured()).isFalse();
    }

    @Test
    void anIssuerTurnsSecurityOnEverywhere() {
        assertThat(SecurityMode.resolve(properties(null, "https://login.example.org"), Database.H2).secured()).isTrue();
        assertThat(SecurityMode.resolve(properties(null, "https://login.example.org"), Database.POSTGRESQL).secured()).isTrue();
    }
}
