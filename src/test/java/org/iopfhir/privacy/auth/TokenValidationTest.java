package org.iopfhir.privacy.auth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.iopfhir.privacy.SecurityProperties;
import org.iopfhir.server.IopServerProperties;
import org.iopfhir.testsupport.TestTokens;
import org.junit.jupiter.api.Test;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.context.properties.source.MapConfigurationPropertySource;
import org.springframework.security.oauth2.jwt.JwtDecoder;
import org.springframework.security.oauth2.jwt.JwtException;

/** The claims a bearer token must carry, checked by the decoder the server builds (no Spring context). */
class TokenValidationTest {

    private static final String BASE_URL = "https://fhir.example.org/fhir";

    @Test
    void aTokenFromTheIssuerForThisServerIsAccepted() {
        assertThatCode(() -> decoder(List.of(TestTokens.AUDIENCE)).decode(TestTokens.token().sign()))
                .doesNotThrowAnyException();
    }

    @Test
    void theSameTokenIsAcceptedOnEveryRequestAndAnExpiredOneNever() {
        JwtDecoder decoder = decoder(List.of(TestTokens.AUDIENCE));
        String token = TestTokens.token().sign();
        for (int request = 0; request < 3; request++) {
            assertThatCode(() -> decoder.decode(token)).doesNotThrowAnyException();
        }
        String expired = TestTokens.token().expired().sign();
        for (int request = 0; request < 2; request++) {
            assertThatThrownBy(() -> decoder.decode(expired)).isInstanceOf(JwtException.class);
        }
    }

    @Test
    void aTokenWithoutExpiryIsRefused() {
        String forever = TestTokens.token().withoutExpiry().sign();
        assertThatThrownBy(() -> decoder(List.of()).decode(forever)).isInstanceOf(JwtException.class);
        assertThatThrownBy(() -> decoder(List.of(TestTokens.AUDIENCE)).decode(forever)).isInstanceOf(JwtException.class);
    }

    @Test
    void expiryIssuerAndNotBeforeAreStillChecked() {
        JwtDecoder decoder = decoder(List.of());
        assertThatThrownBy(() -> decoder.decode(TestTokens.token().expired().sign())).isInstanceOf(JwtException.class);
        assertThatThrownBy(() -> decoder.decode(TestTokens.token().issuer("https://evil.example.org").sign()))
                .isInstanceOf(JwtException.class);
        assertThatThrownBy(() -> decoder.decode(TestTokens.token().notBefore(Instant.now().plus(Duration.ofMinutes(10)))
                .sign())).isInstanceOf(JwtException.class);
        assertThatThrownBy(() -> decoder.decode(TestTokens.token().signedByStranger().sign()))
                .isInstanceOf(JwtException.class);
    }

    @Test
    void withAnAudienceConfiguredTheTokenMustNameIt() {
        JwtDecoder decoder = decoder(List.of(BASE_URL, "https://fhir-internal.example.org/fhir"));

        assertThatThrownBy(() -> decoder.decode(TestTokens.token().audience("https://other.example.org/fhir").sign()))
                .isInstanceOf(JwtException.class);
        assertThatThrownBy(() -> decoder.decode(TestTokens.token().audience().sign())).isInstanceOf(JwtException.class);
        assertThatCode(() -> decoder.decode(TestTokens.token().audience("https://other.example.org", BASE_URL).sign()))
                .doesNotThrowAnyException();
        assertThatCode(() -> decoder.decode(TestTokens.token().audience("https://fhir-internal.example.org/fhir/").sign()))
                .doesNotThrowAnyException();
    }

    @Test
    void withoutAnAudienceConfiguredAnyAudienceIsAccepted() {
        assertThatCode(() -> decoder(List.of()).decode(TestTokens.token().audience("https://other.example.org").sign()))
                .doesNotThrowAnyException();
    }

    @Test
    void theAudienceDefaultsToThePublicBaseUrl() {
        assertThat(WebSecurityConfig.audiences(security(Map.of()), server(BASE_URL))).containsExactly(BASE_URL);
        assertThat(WebSecurityConfig.audiences(security(Map.of("iop.security.audience", "https://a.example.org/fhir")),
                server(BASE_URL))).containsExactly("https://a.example.org/fhir");
        assertThat(WebSecurityConfig.audiences(security(Map.of()), server(""))).isEmpty();
    }

    @Test
    void theAudienceSettingTakesOneValueOrAList() {
        assertThat(security(Map.of("iop.security.audience", BASE_URL)).audience()).containsExactly(BASE_URL);
        assertThat(security(Map.of("iop.security.audience", "https://a.example.org, https://b.example.org")).audience())
                .containsExactly("https://a.example.org", "https://b.example.org");
        assertThat(security(Map.of("iop.security.audience[0]", "https://a.example.org",
                "iop.security.audience[1]", "https://b.example.org")).audience()).hasSize(2);
        assertThat(security(Map.of("iop.security.audience", "")).audience()).isEmpty();
    }

    private static JwtDecoder decoder(List<String> audiences) {
        SecurityProperties properties = security(Map.of("iop.security.issuer-uri", TestTokens.ISSUER,
                "iop.security.public-key-location", TestTokens.publicKeyLocation()));
        return WebSecurityConfig.jwtDecoder(properties, audiences);
    }

    private static SecurityProperties security(Map<String, String> settings) {
        return new Binder(new MapConfigurationPropertySource(settings))
                .bindOrCreate("iop.security", SecurityProperties.class);
    }

    private static IopServerProperties server(String publicBaseUrl) {
        return new Binder(new MapConfigurationPropertySource(Map.of("iop.server.public-base-url", publicBaseUrl)))
                .bindOrCreate("iop.server", IopServerProperties.class);
    }
}
