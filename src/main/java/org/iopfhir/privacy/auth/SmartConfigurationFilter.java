package org.iopfhir.privacy.auth;

import com.fasterxml.jackson.databind.ObjectMapper;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.iopfhir.privacy.SecurityProperties;
import org.springframework.web.filter.OncePerRequestFilter;

/**
 * The SMART App Launch discovery document at {@code /fhir/.well-known/smart-configuration}
 * (public). It is served by a filter because the FHIR servlet owns every path under {@code /fhir}.
 */
public class SmartConfigurationFilter extends OncePerRequestFilter {

    public static final String PATH = "/fhir/.well-known/smart-configuration";
    static final List<String> SCOPES_SUPPORTED = List.of("openid", "fhirUser", "launch", "launch/patient", "offline_access",
            "patient/*.rs", "user/*.rs", "user/*.cruds", "system/*.rs", "system/*.cruds", "user/AuditEvent.rs");
    static final List<String> CAPABILITIES = List.of("launch-ehr", "launch-standalone", "client-public",
            "client-confidential-asymmetric", "context-ehr-patient", "context-standalone-patient", "permission-offline",
            "permission-patient", "permission-user", "permission-v1", "permission-v2");
    /** What SMART asks authorization servers to accept for {@code private_key_jwt} client assertions. */
    static final List<String> CLIENT_ASSERTION_ALGORITHMS = List.of("RS384", "ES384");

    private final byte[] document;

    public SmartConfigurationFilter(SecurityProperties properties, ObjectMapper json) throws IOException {
        Map<String, Object> doc = new LinkedHashMap<>();
        doc.put("issuer", properties.issuerUri());
        putIfSet(doc, "jwks_uri", properties.jwkSetUri());
        putIfSet(doc, "authorization_endpoint", properties.authorizationEndpoint());
        putIfSet(doc, "token_endpoint", properties.tokenEndpoint());
        doc.put("grant_types_supported", List.of("authorization_code", "client_credentials"));
        doc.put("token_endpoint_auth_methods_supported", List.of("private_key_jwt", "client_secret_basic"));
        doc.put("token_endpoint_auth_signing_alg_values_supported", CLIENT_ASSERTION_ALGORITHMS);
        doc.put("scopes_supported", SCOPES_SUPPORTED);
        doc.put("response_types_supported", List.of("code"));
        doc.put("code_challenge_methods_supported", List.of("S256"));
        doc.put("capabilities", CAPABILITIES);
        this.document = json.writeValueAsBytes(doc);
    }

    private static void putIfSet(Map<String, Object> doc, String key, String value) {
        if (!value.isBlank()) {
            doc.put(key, value);
        }
    }

    @Override
    protected boolean shouldNotFilter(HttpServletRequest request) {
        return !PATH.equals(request.getRequestURI());
    }

    @Override
    protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
            throws ServletException, IOException {
        response.setContentType("application/json");
        response.getOutputStream().write(document);
    }
}
