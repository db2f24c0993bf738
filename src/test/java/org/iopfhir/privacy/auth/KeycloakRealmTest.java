package org.iopfhir.privacy.auth;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.StreamSupport;
import org.iopfhir.privacy.auth.SmartScope.Context;
import org.iopfhir.privacy.auth.SmartScope.Permission;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.security.oauth2.core.OAuth2TokenValidatorResult;
import org.springframework.security.oauth2.jwt.Jwt;
import org.yaml.snakeyaml.Yaml;

/**
 * The Keycloak realm of {@code docker/compose.secure.yaml} ({@code docker/keycloak/realm-iop.json})
 * issues tokens this server accepts and reads as intended. No Keycloak runs here, so each test user's
 * token is put together the way Keycloak's protocol mappers would (claims from the client's default
 * client scopes and the requested optional ones, realm roles, managed user attributes), then checked
 * with the server's own claim validation against the issuer and audience the compose file configures,
 * and read with {@link CallerContext#fromToken}.
 */
class KeycloakRealmTest {

    private static final Path DOCKER = Path.of("docker");
    private static final String CLIENT = "iop-app";
    /** Test user, the scope docker/README.md tells them to ask for, and the role they must come out with. */
    private static final Map<String, String[]> USERS = Map.of(
            "clara.clinician", new String[] {"user/*.cruds", "clinician"},
            "paul.payer", new String[] {"user/*.rs", "payer"},
            "sam.patient", new String[] {"patient/*.rs", "patient"},
            "avery.auditor", new String[] {"user/AuditEvent.rs", "auditor"},
            "olivia.privacy", new String[] {"user/*.cruds", "privacy-officer"});

    private static JsonNode realm;
    private static Map<String, String> serverEnv;

    @BeforeAll
    static void read() throws IOException {
        realm = new ObjectMapper().readTree(DOCKER.resolve("keycloak/realm-iop.json").toFile());
        try (Reader reader = Files.newBufferedReader(DOCKER.resolve("compose.secure.yaml"))) {
            Map<String, Object> compose = new Yaml().load(reader);
            @SuppressWarnings("unchecked")
            Map<String, Object> fhir = (Map<String, Object>) ((Map<String, Object>) compose.get("services")).get("fhir");
            serverEnv = new LinkedHashMap<>();
            ((Map<?, ?>) fhir.get("environment")).forEach((k, v) -> serverEnv.put(String.valueOf(k), defaults(String.valueOf(v))));
        }
    }

    @Test
    void everyRoleOfTheServerIsARealmRoleWithATestUser() {
        Set<String> realmRoles = names(realm.path("roles").path("realm"), "name");
        Set<String> userRoles = new TreeSet<>();
        realm.path("users").forEach(u -> u.path("realmRoles").forEach(r -> userRoles.add(r.asText())));
        for (Role role : Role.values()) {
            assertThat(realmRoles).contains(role.claimValue());
            assertThat(userRoles).as("a test user with role %s", role.claimValue()).contains(role.claimValue());
        }
        assertThat(realmRoles).containsAll(userRoles);
        assertThat(names(realm.path("users"), "username")).containsExactlyInAnyOrderElementsOf(USERS.keySet());
    }

    @Test
    void everyScopeTheServerAnnouncesExistsAsAClientScope() {
        Set<String> clientScopes = names(realm.path("clientScopes"), "name");
        for (String scope : SmartConfigurationFilter.SCOPES_SUPPORTED) {
            if (scope.equals("openid") || scope.equals("offline_access")) {
                continue; // built into Keycloak's OpenID Connect endpoints / its offline_access role
            }
            assertThat(clientScopes).as("client scope for %s", scope).contains(scope);
            JsonNode clientScope = byName(realm.path("clientScopes"), "name", scope);
            assertThat(clientScope.path("attributes").path("include.in.token.scope").asText())
                    .as("%s is named in the token's scope claim", scope).isEqualTo("true");
        }
    }

    @Test
    void clientsNameOnlyClientScopesThatExist() {
        Set<String> clientScopes = names(realm.path("clientScopes"), "name");
        realm.path("clients").forEach(c -> {
            c.path("defaultClientScopes").forEach(s -> assertThat(clientScopes).contains(s.asText()));
            c.path("optionalClientScopes").forEach(s -> assertThat(clientScopes).contains(s.asText()));
        });
        realm.path("defaultDefaultClientScopes").forEach(s -> assertThat(clientScopes).contains(s.asText()));
    }

    /** Keycloak 24+ drops user attributes its user profile does not declare (unmanaged ones) unless told otherwise. */
    @Test
    void everyUserAttributeIsDeclaredInTheUserProfile() throws IOException {
        JsonNode provider = realm.path("components").path("org.keycloak.userprofile.UserProfileProvider").path(0);
        JsonNode profile = new ObjectMapper().readTree(provider.path("config").path("kc.user.profile.config").path(0).asText());
        Set<String> declared = names(profile.path("attributes"), "name");
        realm.path("users").forEach(u -> u.path("attributes").fieldNames()
                .forEachRemaining(a -> assertThat(declared).as("declared attribute %s", a).contains(a)));
        for (JsonNode scope : realm.path("clientScopes")) {
            for (JsonNode mapper : scope.path("protocolMappers")) {
                if (mapper.path("protocolMapper").asText().equals("oidc-usermodel-attribute-mapper")) {
                    assertThat(declared).contains(mapper.path("config").path("user.attribute").asText());
                }
            }
        }
    }

    @Test
    void eachTestUsersTokenIsAcceptedAndReadAsItsRole() {
        String issuer = serverEnv.get("IOP_SECURITY_ISSUERURI");
        assertThat(issuer).isEqualTo(defaults(keycloakEnv().get("KC_HOSTNAME")) + "/realms/" + realm.path("realm").asText());
        List<String> audiences = List.of(serverEnv.get("IOP_SECURITY_AUDIENCE").split(","));
        assertThat(audiences).contains(serverEnv.get("IOP_SERVER_PUBLICBASEURL"));

        for (Map.Entry<String, String[]> user : USERS.entrySet()) {
            Jwt token = token(issuer, user.getKey(), user.getValue()[0]);
            OAuth2TokenValidatorResult result = WebSecurityConfig.claimValidator(issuer, audiences).validate(token);
            assertThat(result.hasErrors()).as("%s's token: %s", user.getKey(), result.getErrors()).isFalse();

            CallerContext caller = CallerContext.fromToken(token);
            Role role = Role.fromClaim(user.getValue()[1]).orElseThrow();
            assertThat(caller.roles()).as(user.getKey()).containsExactly(role);
            assertThat(caller.scopes()).as("%s's scopes", user.getKey()).isNotEmpty();
            assertThat(caller.clientId()).isEqualTo(CLIENT);
            switch (role) {
                case CLINICIAN -> {
                    assertThat(caller.purposeOfUse()).contains("TREAT");
                    assertThat(caller.organization()).contains("Organization/example-program");
                    assertThat(caller.granted("EpisodeOfCare", Permission.CREATE)).isTrue();
                }
                case PAYER -> {
                    assertThat(caller.purposeOfUse()).contains("HPAYMT");
                    assertThat(caller.organization()).contains("Organization/example-payer");
                    assertThat(caller.granted("Encounter", Permission.SEARCH)).isTrue();
                    assertThat(caller.granted("Encounter", Permission.CREATE)).isFalse();
                }
                case PATIENT -> {
                    assertThat(caller.patientId()).contains("example-patient");
                    assertThat(caller.scopes()).allMatch(s -> s.context() == Context.PATIENT);
                    assertThat(caller.granted("Observation", Permission.READ)).isTrue();
                }
                case AUDITOR -> assertThat(caller.granted("AuditEvent", Permission.SEARCH)).isTrue();
                case PRIVACY_OFFICER -> assertThat(caller.granted("Consent", Permission.CREATE)).isTrue();
                default -> throw new AssertionError(role);
            }
        }
    }

    /** The access token Keycloak's mappers make for a password grant of {@link #CLIENT} asking for one scope. */
    private static Jwt token(String issuer, String username, String requestedScope) {
        JsonNode client = byName(realm.path("clients"), "clientId", CLIENT);
        JsonNode user = byName(realm.path("users"), "username", username);
        assertThat(strings(client.path("optionalClientScopes"))).as("%s may ask for %s", CLIENT, requestedScope)
                .contains(requestedScope);
        List<String> applied = new ArrayList<>(strings(client.path("defaultClientScopes")));
        applied.add(requestedScope);

        Instant now = Instant.now();
        Jwt.Builder jwt = Jwt.withTokenValue("simulated").header("alg", "RS256").issuer(issuer)
                .issuedAt(now).expiresAt(now.plusSeconds(realm.path("accessTokenLifespan").asLong(300)))
                .claim("azp", CLIENT);
        List<String> audiences = new ArrayList<>();
        List<String> scopeClaim = new ArrayList<>();
        for (String name : applied) {
            JsonNode scope = byName(realm.path("clientScopes"), "name", name);
            if (scope.path("attributes").path("include.in.token.scope").asText().equals("true")) {
                scopeClaim.add(name);
            }
            for (JsonNode mapper : scope.path("protocolMappers")) {
                JsonNode config = mapper.path("config");
                if (!config.path("access.token.claim").asText().equals("true")) {
                    continue;
                }
                switch (mapper.path("protocolMapper").asText()) {
                    case "oidc-sub-mapper" -> jwt.subject("kc-" + username);
                    case "oidc-audience-mapper" -> audiences.add(config.path("included.custom.audience").asText());
                    case "oidc-usermodel-realm-role-mapper" ->
                            jwt.claim(config.path("claim.name").asText(), strings(user.path("realmRoles")));
                    case "oidc-usermodel-attribute-mapper" -> {
                        JsonNode value = user.path("attributes").path(config.path("user.attribute").asText()).path(0);
                        if (!value.isMissingNode()) {
                            jwt.claim(config.path("claim.name").asText(), value.asText());
                        }
                    }
                    default -> throw new AssertionError("Mapper not simulated: " + mapper);
                }
            }
        }
        if (!audiences.isEmpty()) {
            jwt.audience(audiences);
        }
        return jwt.claim("scope", String.join(" ", scopeClaim)).build();
    }

    private static Map<String, String> keycloakEnv() {
        try (Reader reader = Files.newBufferedReader(DOCKER.resolve("compose.secure.yaml"))) {
            Map<String, Object> compose = new Yaml().load(reader);
            @SuppressWarnings("unchecked")
            Map<String, Object> keycloak = (Map<String, Object>) ((Map<String, Object>) compose.get("services")).get("keycloak");
            Map<String, String> env = new LinkedHashMap<>();
            ((Map<?, ?>) keycloak.get("environment")).forEach((k, v) -> env.put(String.valueOf(k), String.valueOf(v)));
            return env;
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }

    /** A compose value with every {@code ${VAR:-default}} at its default, as when nothing is set. */
    private static String defaults(String value) {
        Matcher m = Pattern.compile("\\$\\{[A-Z0-9_]+:-([^}]*)}").matcher(value);
        return m.replaceAll(r -> Matcher.quoteReplacement(r.group(1)));
    }

    private static JsonNode byName(JsonNode array, String field, String name) {
        return StreamSupport.stream(array.spliterator(), false).filter(n -> n.path(field).asText().equals(name))
                .findFirst().orElseThrow(() -> new AssertionError("No " + field + " " + name));
    }

    private static Set<String> names(JsonNode array, String field) {
        Set<String> names = new TreeSet<>();
        array.forEach(n -> names.add(n.path(field).asText()));
        return names;
    }

    private static List<String> strings(JsonNode array) {
        List<String> values = new ArrayList<>();
        array.forEach(n -> values.add(n.asText()));
        return values;
    }
}
