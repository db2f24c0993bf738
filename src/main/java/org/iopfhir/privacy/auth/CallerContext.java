package org.iopfhir.privacy.auth;

import ca.uhn.fhir.rest.api.server.RequestDetails;
import ca.uhn.fhir.rest.api.server.SystemRequestDetails;
import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import java.net.URLDecoder;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.EnumSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Stream;
import org.iopfhir.privacy.auth.SmartScope.Permission;
import org.springframework.security.core.Authentication;
import org.springframework.security.core.context.SecurityContextHolder;
import org.springframework.security.oauth2.jwt.Jwt;
import org.springframework.security.oauth2.server.resource.authentication.JwtAuthenticationToken;

/**
 * What this server knows about the caller, read once per request from the verified token.
 *
 * <p>Claims: {@code scope} (space-separated) or {@code scp} (list) - SMART scopes;
 * {@code iop_role} (string or list) - {@link Role}; {@code patient} - the patient id of a
 * patient-context launch; {@code encounter} - the encounter id of an encounter-context launch (SMART App
 * Launch 2.0 launch context, checked against the patient by {@link EncounterLaunchContext}); {@code purpose_of_use} - a v3-ActReason code (TREAT, HPAYMT, COVAUTH,
 * HOPERAT, ETREAT/BTG); {@code organization} - the caller's organization as {@code Organization/id}
 * (the program for staff, the health plan for payers); {@code client_id} or {@code azp} - the
 * client; {@code fhirUser} or {@code sub} - the user.
 */
public record CallerContext(
        String clientId,
        String user,
        Set<Role> roles,
        List<SmartScope> scopes,
        Optional<String> patientId,
        Optional<String> encounterId,
        Optional<String> purposeOfUse,
        Optional<String> organization) {

    public static final String BREAK_THE_GLASS_PURPOSE = "BTG";
    public static final String EMERGENCY_TREATMENT_PURPOSE = "ETREAT";
    private static final String USER_DATA_KEY = CallerContext.class.getName();
    /**
     * Callers by the verified token they came with, compared by identity: the token cache hands a client's next
     * request the same decoded token, so its claims are read once rather than on every request.
     */
    private static final Cache<Jwt, CallerContext> BY_TOKEN = Caffeine.newBuilder().weakKeys().maximumSize(10_000).build();

    /** The caller of a server running with security off. */
    public static final CallerContext ANONYMOUS = new CallerContext("anonymous", "anonymous", Set.of(), List.of(),
            Optional.empty(), Optional.empty(), Optional.empty(), Optional.empty());

    public static CallerContext fromToken(Jwt jwt) {
        Set<Role> roles = EnumSet.noneOf(Role.class);
        strings(jwt.getClaim("iop_role")).forEach(v -> Role.fromClaim(v).ifPresent(roles::add));
        List<SmartScope> scopes = Stream.concat(strings(jwt.getClaim("scope")), strings(jwt.getClaim("scp")))
                .map(SmartScope::parse).flatMap(Optional::stream).toList();
        return new CallerContext(
                firstNonBlank(jwt.getClaimAsString("client_id"), jwt.getClaimAsString("azp"), "unknown-client"),
                firstNonBlank(jwt.getClaimAsString("fhirUser"), jwt.getSubject(), "unknown-user"),
                Set.copyOf(roles), scopes,
                Optional.ofNullable(jwt.getClaimAsString("patient")).filter(s -> !s.isBlank()),
                Optional.ofNullable(jwt.getClaimAsString("encounter")).filter(s -> !s.isBlank()),
                strings(jwt.getClaim("purpose_of_use")).findFirst(),
                Optional.ofNullable(jwt.getClaimAsString("organization")).filter(s -> !s.isBlank()));
    }

    /** The caller of this request: from the token Spring Security verified, remembered on the request. */
    public static CallerContext of(RequestDetails request) {
        if (request instanceof SystemRequestDetails) {
            return ANONYMOUS; // the server acting on its own (start-up loading, audit, lookups made for a decision)
        }
        Object cached = request.getUserData().get(USER_DATA_KEY);
        if (cached instanceof CallerContext caller) {
            return caller;
        }
        CallerContext caller = current();
        request.getUserData().put(USER_DATA_KEY, caller);
        return caller;
    }

    /** The caller on this thread (an unverified or absent token is anonymous). */
    public static CallerContext current() {
        Authentication authentication = SecurityContextHolder.getContext().getAuthentication();
        return authentication instanceof JwtAuthenticationToken token ? BY_TOKEN.get(token.getToken(), CallerContext::fromToken)
                : ANONYMOUS;
    }

    /**
     * The caller as one line of text, to carry its rights into work the server does later on its behalf
     * (a bulk export job) and to recognize the same caller again (the export's status and files): client,
     * user, roles, scopes, patient, encounter, purpose of use and organization, URL-encoded. Equal callers give equal
     * text; {@link #decode} gives this caller back.
     */
    public String encode() {
        Map<String, String> fields = new LinkedHashMap<>();
        fields.put("client", clientId);
        fields.put("user", user);
        fields.put("role", roles.stream().sorted().map(Role::claimValue).collect(Collectors.joining(" ")));
        fields.put("scope", scopes.stream().map(SmartScope::text).collect(Collectors.joining(" ")));
        patientId.ifPresent(p -> fields.put("patient", p));
        encounterId.ifPresent(e -> fields.put("encounter", e));
        purposeOfUse.ifPresent(p -> fields.put("purpose", p));
        organization.ifPresent(o -> fields.put("organization", o));
        return fields.entrySet().stream()
                .map(e -> e.getKey() + "=" + URLEncoder.encode(e.getValue(), StandardCharsets.UTF_8))
                .collect(Collectors.joining("&"));
    }

    /** The caller {@link #encode} wrote; empty for text it did not write. */
    public static Optional<CallerContext> decode(String text) {
        if (text == null || text.isBlank()) {
            return Optional.empty();
        }
        Map<String, String> fields = new LinkedHashMap<>();
        for (String pair : text.split("&")) {
            int eq = pair.indexOf('=');
            if (eq < 0) {
                return Optional.empty();
            }
            fields.put(pair.substring(0, eq), URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8));
        }
        if (!fields.containsKey("client") || !fields.containsKey("user")) {
            return Optional.empty();
        }
        Set<Role> roles = EnumSet.noneOf(Role.class);
        strings(fields.get("role")).forEach(v -> Role.fromClaim(v).ifPresent(roles::add));
        List<SmartScope> scopes = strings(fields.get("scope")).map(SmartScope::parse).flatMap(Optional::stream).toList();
        return Optional.of(new CallerContext(fields.get("client"), fields.get("user"), Set.copyOf(roles), scopes,
                Optional.ofNullable(fields.get("patient")), Optional.ofNullable(fields.get("encounter")),
                Optional.ofNullable(fields.get("purpose")),
                Optional.ofNullable(fields.get("organization"))));
    }

    public boolean has(Role role) {
        return roles.contains(role);
    }

    /** Scopes grant, roles cap: with no role the scopes alone decide. */
    public boolean granted(String resourceType, Permission permission) {
        boolean roleAllows = roles.isEmpty() || roles.stream().anyMatch(r -> r.allows(permission));
        return roleAllows && scopes.stream()
                .anyMatch(s -> s.appliesTo(resourceType) && s.permissions().contains(permission));
    }

    public boolean breakTheGlass() {
        return purposeOfUse.filter(p -> p.equals(BREAK_THE_GLASS_PURPOSE) || p.equals(EMERGENCY_TREATMENT_PURPOSE))
                .isPresent();
    }

    private static Stream<String> strings(Object claim) {
        if (claim instanceof Collection<?> values) {
            return values.stream().map(String::valueOf);
        }
        return claim == null ? Stream.empty() : Stream.of(String.valueOf(claim).trim().split("\\s+"))
                .filter(s -> !s.isEmpty());
    }

    private static String firstNonBlank(String... values) {
        return Stream.of(values).filter(v -> v != null && !v.isBlank()).findFirst().orElseThrow();
    }
}
