package org.iopfhir.privacy.auth;

import ca.uhn.fhir.context.FhirContext;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.interfaces.RSAPublicKey;
import java.security.spec.X509EncodedKeySpec;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collection;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import org.iopfhir.console.ConsoleConfig;
import org.iopfhir.privacy.SecurityMode;
import org.iopfhir.privacy.SecurityProperties;
import org.iopfhir.privacy.audit.AuditRecorder;
import org.iopfhir.server.IopServerProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.io.DefaultResourceLoader;
import org.springframework.http.HttpMethod;
import org.springframework.security.config.annotation.web.builders.HttpSecurity;
import org.springframework.security.config.http.SessionCreationPolicy;
import org.springframework.security.config.observation.SecurityObservationSettings;
import org.springframework.security.oauth2.core.DelegatingOAuth2TokenValidator;
import org.springframework.security.oauth2.core.OAuth2TokenValidator;
import org.springframework.security.oauth2.jwt.Jwt;
import org.springframework.security.oauth2.jwt.JwtClaimNames;
import org.springframework.security.oauth2.jwt.JwtClaimValidator;
import org.springframework.security.oauth2.jwt.JwtDecoder;
import org.springframework.security.oauth2.jwt.JwtValidators;
import org.springframework.security.oauth2.jwt.NimbusJwtDecoder;
import org.springframework.security.web.SecurityFilterChain;
import org.springframework.security.web.access.intercept.AuthorizationFilter;

/**
 * Spring Security as an OAuth 2.0 resource server: every request under {@code /fhir} needs a
 * bearer JWT from the configured issuer, except the capability statement and the SMART discovery
 * document. Actuator health and info stay public for probes; the Prometheus endpoint needs a valid
 * token too (metrics are not PHI, but request counts per resource type are operational detail:
 * scrape with a client-credentials token, or move actuator to an internal port with
 * {@code management.server.port} and leave it unexposed). No sessions: each request carries its token.
 * With security off every request is let through and HAPI's own interceptors are not registered.
 */
@Configuration
public class WebSecurityConfig {

    /** Distinct live tokens remembered after their signature check (a few hundred bytes each). */
    private static final long VERIFIED_TOKENS = 10_000;

    /**
     * Spring Security observes nothing: its observations (a timer per filter chain, an event per filter,
     * authentication and authorization timers) wrap each of its filters on every request, even when a property
     * turns the observations themselves off. Requests are timed as {@code http.server.requests}, and refusals are
     * in the audit trail.
     */
    @Bean
    static SecurityObservationSettings securityObservationSettings() {
        return SecurityObservationSettings.noObservations();
    }

    @Bean
    SecurityFilterChain fhirSecurity(HttpSecurity http, SecurityMode mode, SecurityProperties properties,
            IopServerProperties server, FhirContext fhirContext, AuditRecorder audit, ObjectMapper json)
            throws Exception {
        http.csrf(csrf -> csrf.disable())
                .sessionManagement(s -> s.sessionCreationPolicy(SessionCreationPolicy.STATELESS))
                .cors(cors -> cors.disable()) // HAPI's CorsInterceptor answers CORS for /fhir
                .addFilterBefore(new SmartConfigurationFilter(properties, json),
                        AuthorizationFilter.class);
        if (!mode.secured()) {
            return http.authorizeHttpRequests(a -> a.anyRequest().permitAll()).build();
        }
        OperationOutcomeEntryPoint entryPoint = new OperationOutcomeEntryPoint(fhirContext, audit::unauthenticated);
        http.authorizeHttpRequests(a -> a
                        .requestMatchers("/fhir/metadata", SmartConfigurationFilter.PATH).permitAll()
                        .requestMatchers("/actuator/health/**", "/actuator/health", "/actuator/info").permitAll()
                        // The console's static files: it signs in as a SMART app and calls /fhir with its token.
                        .requestMatchers(ConsoleConfig.PUBLIC_PATHS).permitAll()
                        // Error pages render the status of a request that was already authorized (or refused).
                        .requestMatchers("/error").permitAll()
                        // Browsers send CORS pre-flights without credentials.
                        .requestMatchers(HttpMethod.OPTIONS, "/fhir/**").permitAll()
                        .anyRequest().authenticated())
                .oauth2ResourceServer(rs -> rs.jwt(jwt -> jwt.decoder(jwtDecoder(properties,
                                audiences(properties, server))))
                        .authenticationEntryPoint(entryPoint))
                .exceptionHandling(e -> e.authenticationEntryPoint(entryPoint));
        return http.build();
    }

    /**
     * Signatures checked against the issuer's keys (a PEM key, a JWK set, or the issuer's discovery
     * document, fetched on first use so start-up does not depend on the issuer being up), then the
     * claims by {@link #claimValidator}.
     */
    static JwtDecoder jwtDecoder(SecurityProperties properties, List<String> audiences) {
        NimbusJwtDecoder decoder;
        if (!properties.publicKeyLocation().isBlank()) {
            decoder = NimbusJwtDecoder.withPublicKey(readPublicKey(properties.publicKeyLocation())).build();
        } else if (!properties.jwkSetUri().isBlank()) {
            decoder = NimbusJwtDecoder.withJwkSetUri(properties.jwkSetUri()).build();
        } else {
            decoder = NimbusJwtDecoder.withIssuerLocation(properties.issuerUri()).build();
        }
        OAuth2TokenValidator<Jwt> claims = claimValidator(properties.issuerUri(), audiences);
        decoder.setJwtValidator(claims);
        return new VerifiedTokenCache(decoder, claims, VERIFIED_TOKENS, Clock.systemUTC());
    }

    /**
     * The issuer ({@code iss}) must be the configured one; the token must carry an expiry
     * ({@code exp}: a token without one would be valid forever) that has not passed, and must not
     * be used before its {@code nbf}; when audiences are configured, {@code aud} must name one of
     * them (a trailing slash makes no difference), so a token issued for another server is refused.
     */
    static OAuth2TokenValidator<Jwt> claimValidator(String issuer, List<String> audiences) {
        List<OAuth2TokenValidator<Jwt>> validators = new ArrayList<>();
        validators.add(JwtValidators.createDefaultWithIssuer(issuer));
        validators.add(new JwtClaimValidator<Instant>(JwtClaimNames.EXP, exp -> exp != null));
        if (!audiences.isEmpty()) {
            Set<String> accepted = audiences.stream().map(WebSecurityConfig::withoutTrailingSlash)
                    .collect(Collectors.toSet());
            validators.add(new JwtClaimValidator<Object>(JwtClaimNames.AUD, aud -> namesOneOf(aud, accepted)));
        }
        return new DelegatingOAuth2TokenValidator<>(validators);
    }

    /** {@code iop.security.audience}, or else the public base URL, or else none (not checked). */
    static List<String> audiences(SecurityProperties properties, IopServerProperties server) {
        if (!properties.audience().isEmpty()) {
            return properties.audience();
        }
        return server.publicBaseUrl().isBlank() ? List.of() : List.of(server.publicBaseUrl().trim());
    }

    private static boolean namesOneOf(Object aud, Set<String> accepted) {
        Collection<?> named = aud instanceof Collection<?> many ? many : aud == null ? List.of() : List.of(aud);
        return named.stream().anyMatch(a -> a instanceof String s && accepted.contains(withoutTrailingSlash(s)));
    }

    private static String withoutTrailingSlash(String url) {
        String trimmed = url.trim();
        while (trimmed.endsWith("/")) {
            trimmed = trimmed.substring(0, trimmed.length() - 1);
        }
        return trimmed;
    }

    static RSAPublicKey readPublicKey(String location) {
        try (InputStream in = new DefaultResourceLoader().getResource(location).getInputStream()) {
            String pem = new String(in.readAllBytes(), StandardCharsets.US_ASCII)
                    .replaceAll("-----[A-Z ]+-----", "").replaceAll("\\s", "");
            return (RSAPublicKey) KeyFactory.getInstance("RSA")
                    .generatePublic(new X509EncodedKeySpec(Base64.getDecoder().decode(pem)));
        } catch (IOException | GeneralSecurityException | IllegalArgumentException e) {
            throw new IllegalStateException("iop.security.public-key-location: cannot read an RSA public key (PEM) from "
                    + location, e);
        }
    }
}
