package org.iopfhir.privacy.audit;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.springframework.mock.env.MockEnvironment;

/** The audit trail follows the security mode unless told otherwise: an open server has no callers to audit. */
class AuditEnabledTest {

    private static final String H2 = "jdbc:h2:mem:audit";
    private static final String POSTGRES = "jdbc:postgresql://db/iop";

    private static MockEnvironment settings(String url) {
        return new MockEnvironment().withProperty("spring.datasource.url", url);
    }

    @Test
    void theOpenDeveloperDefaultKeepsNoTrail() {
        assertThat(AuditEnabled.enabled(settings(H2))).isFalse();
    }

    @Test
    void securityTurnedOffExplicitlyKeepsNoTrail() {
        assertThat(AuditEnabled.enabled(settings(POSTGRES).withProperty("iop.security.enabled", "false"))).isFalse();
    }

    @Test
    void aSecuredServerKeepsTheTrail() {
        assertThat(AuditEnabled.enabled(settings(POSTGRES).withProperty("iop.security.issuer-uri", "https://login.example.org")))
                .isTrue();
        assertThat(AuditEnabled.enabled(settings(H2).withProperty("iop.security.issuer-uri", "https://login.example.org")))
                .isTrue();
    }

    @Test
    void anExplicitSettingWinsEitherWay() {
        assertThat(AuditEnabled.enabled(settings(H2).withProperty("iop.security.audit.enabled", "true"))).isTrue();
        assertThat(AuditEnabled.enabled(settings(POSTGRES).withProperty("iop.security.issuer-uri", "https://login.example.org")
                .withProperty("iop.security.audit.enabled", "false"))).isFalse();
    }

    @Test
    void unusableSecuritySettingsDecideNothingHere() {
        // PostgreSQL without an issuer refuses to start (SecurityMode); the condition itself does not fail.
        assertThat(AuditEnabled.enabled(settings(POSTGRES))).isFalse();
    }
}
