package org.iopfhir.testsupport;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.gen.RSAKeyGenerator;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Date;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Bearer tokens for the tests, signed with an RSA key generated per JVM (no identity provider):
 * the server trusts the key's public half, written to a PEM file, {@link #ISSUER} and {@link #AUDIENCE}.
 */
public final class TestTokens {

    public static final String ISSUER = "https://login.iop-fhir.test";
    /** The FHIR base URL the secured test server accepts tokens for (SMART's {@code aud}). */
    public static final String AUDIENCE = "https://fhir.iop-fhir.test/fhir";
    private static final RSAKey KEY = generate();
    private static final RSAKey STRANGER = generate();
    private static Path publicKeyFile;

    private TestTokens() {
    }

    /** {@code file:} location of the trusted public key, for {@code iop.security.public-key-location}. */
    public static synchronized String publicKeyLocation() {
        if (publicKeyFile == null) {
            try {
                publicKeyFile = Files.createTempFile("iop-test-issuer", ".pem");
                publicKeyFile.toFile().deleteOnExit();
                String pem = "-----BEGIN PUBLIC KEY-----\n"
                        + Base64.getMimeEncoder().encodeToString(KEY.toRSAPublicKey().getEncoded())
                        + "\n-----END PUBLIC KEY-----\n";
                Files.writeString(publicKeyFile, pem);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            } catch (JOSEException e) {
                throw new IllegalStateException(e);
            }
        }
        return "file:" + publicKeyFile;
    }

    public static Token token() {
        return new Token();
    }

    /**
     * A token under construction: valid for thirty minutes from the trusted issuer, for {@link #AUDIENCE}, unless
     * changed. Tests sign tokens in field initializers, before the shared server has started: on a busy machine that
     * start alone can outlast a five-minute token.
     */
    public static final class Token {
        private final Map<String, Object> claims = new LinkedHashMap<>();
        private String issuer = ISSUER;
        private List<String> audience = List.of(AUDIENCE);
        private Instant expires = Instant.now().plus(Duration.ofMinutes(30));
        private Instant notBefore;
        private RSAKey key = KEY;

        private Token() {
            claims.put("client_id", "test-app");
            claims.put("sub", "test-user");
        }

        public Token scope(String scope) {
            claims.put("scope", scope);
            return this;
        }

        public Token role(String role) {
            claims.put("iop_role", role);
            return this;
        }

        public Token purpose(String purpose) {
            claims.put("purpose_of_use", purpose);
            return this;
        }

        public Token organization(String organization) {
            claims.put("organization", organization);
            return this;
        }

        public Token patient(String patientId) {
            claims.put("patient", patientId);
            return this;
        }

        /** The SMART {@code encounter} launch context. */
        public Token encounter(String encounterId) {
            claims.put("encounter", encounterId);
            return this;
        }

        public Token client(String clientId) {
            claims.put("client_id", clientId);
            return this;
        }

        public Token user(String user) {
            claims.put("sub", user);
            return this;
        }

        public Token issuer(String value) {
            this.issuer = value;
            return this;
        }

        /** The audiences ({@code aud}); none leaves the claim out. */
        public Token audience(String... audiences) {
            this.audience = List.of(audiences);
            return this;
        }

        /** No {@code exp}: a token that would never expire. */
        public Token withoutExpiry() {
            this.expires = null;
            return this;
        }

        /** Not valid before the given time ({@code nbf}). */
        public Token notBefore(Instant instant) {
            this.notBefore = instant;
            return this;
        }

        public Token expired() {
            this.expires = Instant.now().minus(Duration.ofMinutes(10));
            return this;
        }

        public Token signedByStranger() {
            this.key = STRANGER;
            return this;
        }

        public String sign() {
            JWTClaimsSet.Builder set = new JWTClaimsSet.Builder().issuer(issuer)
                    .issueTime(Date.from(Instant.now().minus(Duration.ofMinutes(15))));
            if (expires != null) {
                set.expirationTime(Date.from(expires));
            }
            if (notBefore != null) {
                set.notBeforeTime(Date.from(notBefore));
            }
            if (!audience.isEmpty()) {
                set.audience(audience);
            }
            claims.forEach(set::claim);
            SignedJWT jwt = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.RS256).keyID(key.getKeyID()).build(), set.build());
            try {
                jwt.sign(new RSASSASigner(key));
            } catch (JOSEException e) {
                throw new IllegalStateException(e);
            }
            return jwt.serialize();
        }
    }

    private static RSAKey generate() {
        try {
            return new RSAKeyGenerator(2048).keyID("test-" + System.nanoTime()).generate();
        } catch (JOSEException e) {
            throw new IllegalStateException(e);
        }
    }
}
