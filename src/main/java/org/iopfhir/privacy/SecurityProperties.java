package org.iopfhir.privacy;

import java.util.List;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * The {@code iop.security.*} settings.
 *
 * @param enabled           {@code false} runs the server open (no authentication, no authorization,
 *                          no consent); unset means "on, unless this is the embedded H2 developer
 *                          default without an issuer"
 * @param issuerUri         the OAuth 2.0 / OpenID issuer whose tokens are accepted ({@code iss});
 *                          its JWK set is discovered from it unless one of the two below is set
 * @param jwkSetUri         the issuer's JWK set, when discovery is not available
 * @param publicKeyLocation a PEM RSA public key (e.g. {@code file:/etc/iop/issuer.pub}) instead of a JWK set
 * @param audience          accepted audiences: a token's {@code aud} must name one of them. Unset, it
 *                          is {@code iop.server.public-base-url} (SMART apps ask for tokens whose
 *                          audience is the FHIR base URL); with neither set, {@code aud} is not checked
 * @param authorizationEndpoint announced in the SMART discovery document
 * @param tokenEndpoint     announced in the SMART discovery document
 * @param part2Labelling    label 42 CFR Part 2 records on write
 * @param audit             the audit trail
 */
@ConfigurationProperties("iop.security")
public record SecurityProperties(
        Boolean enabled,
        @DefaultValue("") String issuerUri,
        @DefaultValue("") String jwkSetUri,
        @DefaultValue("") String publicKeyLocation,
        List<String> audience,
        @DefaultValue("") String authorizationEndpoint,
        @DefaultValue("") String tokenEndpoint,
        @DefaultValue("true") boolean part2Labelling,
        @DefaultValue Audit audit) {

    /**
     * @param enabled       record an AuditEvent for every request; unset means "whenever security is on": a
     *                      server running open checks no caller, so it has none to audit (see
     *                      {@link SecurityMode#OPEN_WARNING}) and keeps no trail unless this says {@code true}
     * @param queueCapacity events waiting to be written; a full queue makes requests wait up to
     *                      {@code offerTimeout}, then the event is dropped (counted and logged)
     * @param batchSize     events written per database transaction
     * @param offerTimeoutMillis how long a request waits for room in a full queue
     * @param lingerMillis  how long the writer waits for more events before it writes a batch that is not full:
     *                      each batch is a database transaction (and a commit), so under load a short wait writes
     *                      many events in one; a search of the trail ends the wait at once
     */
    public record Audit(
            Boolean enabled,
            @DefaultValue("10000") int queueCapacity,
            @DefaultValue("200") int batchSize,
            @DefaultValue("2000") long offerTimeoutMillis,
            @DefaultValue("50") long lingerMillis) {

        /** Whether the trail is kept on a server that does (or does not) check tokens. */
        public boolean enabledWhen(boolean secured) {
            return enabled != null ? enabled : secured;
        }
    }

    public SecurityProperties {
        audience = audience == null ? List.of()
                : audience.stream().filter(a -> a != null && !a.isBlank()).map(String::trim).toList();
    }

    public boolean hasIssuer() {
        return !issuerUri.isBlank();
    }
}
