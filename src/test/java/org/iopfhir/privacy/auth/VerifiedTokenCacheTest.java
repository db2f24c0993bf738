package org.iopfhir.privacy.auth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.springframework.security.oauth2.jwt.BadJwtException;
import org.springframework.security.oauth2.jwt.Jwt;
import org.springframework.security.oauth2.jwt.JwtDecoder;
import org.springframework.security.oauth2.jwt.JwtTimestampValidator;
import org.springframework.security.oauth2.jwt.JwtValidationException;

/** The signature is checked once per token; its claims on every use. */
class VerifiedTokenCacheTest {

    private static final Instant NOW = Instant.parse("2026-12-02T08:00:00Z");

    private final List<String> signatureChecks = new ArrayList<>();
    private Clock clock = Clock.fixed(NOW, ZoneOffset.UTC);

    /** Signs nothing: a token named "forged..." fails its signature check, any other passes, expiring in 5 minutes. */
    private final JwtDecoder issuer = token -> {
        signatureChecks.add(token);
        if (token.startsWith("forged")) {
            throw new BadJwtException("signature does not verify");
        }
        return Jwt.withTokenValue(token).header("alg", "RS256").subject(token)
                .issuedAt(NOW).expiresAt(NOW.plus(Duration.ofMinutes(5))).build();
    };

    private VerifiedTokenCache cache() {
        JwtTimestampValidator timestamps = new JwtTimestampValidator(Duration.ZERO);
        timestamps.setClock(new Clock() {
            @Override
            public java.time.ZoneId getZone() {
                return ZoneOffset.UTC;
            }

            @Override
            public Clock withZone(java.time.ZoneId zone) {
                return this;
            }

            @Override
            public Instant instant() {
                return clock.instant();
            }
        });
        return new VerifiedTokenCache(issuer, timestamps, 100, Clock.fixed(NOW, ZoneOffset.UTC));
    }

    @Test
    void aTokenUsedAgainIsNotVerifiedAgain() {
        VerifiedTokenCache cache = cache();

        assertThat(cache.decode("alice").getSubject()).isEqualTo("alice");
        assertThat(cache.decode("alice").getSubject()).isEqualTo("alice");
        assertThat(cache.decode("bob").getSubject()).isEqualTo("bob");

        assertThat(signatureChecks).containsExactly("alice", "bob");
    }

    @Test
    void aRememberedTokenStopsWorkingWhenItExpires() {
        VerifiedTokenCache cache = cache();
        cache.decode("alice");

        clock = Clock.fixed(NOW.plus(Duration.ofMinutes(6)), ZoneOffset.UTC);

        assertThatThrownBy(() -> cache.decode("alice")).isInstanceOf(JwtValidationException.class);
        assertThat(signatureChecks).containsExactly("alice");
    }

    @Test
    void aRefusedTokenIsCheckedAgainEveryTime() {
        VerifiedTokenCache cache = cache();

        assertThatThrownBy(() -> cache.decode("forged-1")).isInstanceOf(BadJwtException.class);
        assertThatThrownBy(() -> cache.decode("forged-1")).isInstanceOf(BadJwtException.class);

        assertThat(signatureChecks).containsExactly("forged-1", "forged-1");
    }
}
