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
import java.util.Base64;
import org.iopfhir.privacy.SecurityMode;
import org.iopfhir.privacy.SecurityProperties;
import org.iopfhir.privacy.audit.AuditRecorder;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.io.DefaultResourceLoader;
import org.springframework.http.HttpMethod;
import org.springframework.security.config.annotation.web.builders.HttpSecurity;
import org.springframework.security.config.http.SessionCreationPolicy;
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

    @Bean
    SecurityFilterChain fhirSecurity(HttpSecurity http, SecurityMode mode, SecurityProperties properties,
            FhirContext fhirContext, AuditRecorder audit, ObjectMapper json) throws Exception {
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
                        // Error pages render the status of a request that was already authorized (or refused).
                        .requestMatchers("/error").permitAll()
                        // Browsers send CORS pre-flights without credentials.
                        .requestMatchers(HttpMethod.OPTIONS, "/fhir/**").permitAll()
                        .anyRequest().authenticated())
                .oauth2ResourceServer(rs -> rs.jwt(jwt -> jwt.decoder(jwtDecoder(properties)))
                        .authenticationEntryPoint(entryPoint))
                .exceptionHandling(e -> e.authenticationEntryPoint(entryPoint));
        return http.build();
    }

    /**
     * Signatures checked against the issuer's keys (a PEM key, a JWK set, or the issuer's discovery
     * document, fetched on first use so start-up does not depend on the issuer being up); the
     * issuer, expiry and not-before claims are validated.
     */
    static JwtDecoder jwtDecoder(SecurityProperties properties) {
        NimbusJwtDecoder decoder;
        if (!properties.publicKeyLocation().isBlank()) {
            decoder = NimbusJwtDecoder.withPublicKey(readPublicKey(properties.publicKeyLocation())).build();
        } else if (!properties.jwkSetUri().isBlank()) {
            decoder = NimbusJwtDecoder.withJwkSetUri(properties.jwkSetUri()).build();
        } else {
            decoder = NimbusJwtDecoder.withIssuerLocation(properties.issuerUri()).build();
        }
        decoder.setJwtValidator(JwtValidators.createDefaultWithIssuer(properties.issuerUri()));
        return decoder;
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
