package org.iopfhir.privacy.auth;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Expiry;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;
import org.springframework.security.oauth2.core.OAuth2TokenValidator;
import org.springframework.security.oauth2.core.OAuth2TokenValidatorResult;
import org.springframework.security.oauth2.jwt.BadJwtException;
import org.springframework.security.oauth2.jwt.Jwt;
import org.springframework.security.oauth2.jwt.JwtDecoder;
import org.springframework.security.oauth2.jwt.JwtException;
import org.springframework.security.oauth2.jwt.JwtValidationException;

/**
 * A client sends the same bearer token with every request until it expires; checking its RSA signature
 * and parsing it again each time cost about a sixth of a read's CPU. A token whose signature has been
 * verified is remembered (under a SHA-256 of the token, never the token itself) until its expiry; every use
 * still re-checks its claims (expiry, not-before, issuer, audience) against the clock, so a remembered
 * token stops working the moment it expires. Refused tokens are not remembered.
 */
final class VerifiedTokenCache implements JwtDecoder {

    private final JwtDecoder delegate;
    private final OAuth2TokenValidator<Jwt> claims;
    private final Cache<String, Jwt> verified;

    VerifiedTokenCache(JwtDecoder delegate, OAuth2TokenValidator<Jwt> claims, long maximumTokens, Clock clock) {
        this.delegate = delegate;
        this.claims = claims;
        this.verified = Caffeine.newBuilder().maximumSize(maximumTokens)
                .expireAfter(new UntilExpiry(clock)).build();
    }

    @Override
    public Jwt decode(String token) throws JwtException {
        String key = digest(token);
        Jwt known = verified.getIfPresent(key);
        if (known == null) {
            Jwt jwt = delegate.decode(token);
            verified.put(key, jwt);
            return jwt;
        }
        OAuth2TokenValidatorResult result = claims.validate(known);
        if (result.hasErrors()) {
            verified.invalidate(key);
            throw new JwtValidationException("token no longer valid", result.getErrors());
        }
        return known;
    }

    private static String digest(String token) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256")
                    .digest(token.getBytes(StandardCharsets.US_ASCII)));
        } catch (NoSuchAlgorithmException e) {
            throw new BadJwtException("SHA-256 unavailable", e);
        }
    }

    /** An entry lives until its token's {@code exp} (the decoder refuses tokens without one). */
    private record UntilExpiry(Clock clock) implements Expiry<String, Jwt> {

        @Override
        public long expireAfterCreate(String key, Jwt jwt, long currentTime) {
            Instant expiry = jwt.getExpiresAt();
            if (expiry == null) {
                return 0;
            }
            return Math.max(0, Duration.between(clock.instant(), expiry).toNanos());
        }

        @Override
        public long expireAfterUpdate(String key, Jwt jwt, long currentTime, long currentDuration) {
            return currentDuration;
        }

        @Override
        public long expireAfterRead(String key, Jwt jwt, long currentTime, long currentDuration) {
            return currentDuration;
        }
    }
}
