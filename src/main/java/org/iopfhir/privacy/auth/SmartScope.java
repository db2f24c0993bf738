package org.iopfhir.privacy.auth;

import java.util.EnumSet;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One SMART on FHIR resource scope, e.g. {@code patient/Observation.rs} (v2) or
 * {@code user/*.read} (v1, read as its v2 equivalent {@code .rs}; {@code .write} as {@code .cud}).
 * Anything else ({@code openid}, {@code launch}, {@code fhirUser}...) is not a resource scope.
 */
public record SmartScope(Context context, String resourceType, Set<Permission> permissions) {

    public enum Context { PATIENT, USER, SYSTEM }

    /** SMART v2 permissions, in their canonical order c, r, u, d, s. */
    public enum Permission { CREATE, READ, UPDATE, DELETE, SEARCH }

    public static final String ANY_TYPE = "*";
    private static final Pattern SYNTAX = Pattern.compile("(patient|user|system)/([A-Za-z]+|\\*)\\.([a-z*]+)(\\?.*)?");
    private static final String V2_ORDER = "cruds";

    public static Optional<SmartScope> parse(String scope) {
        Matcher m = SYNTAX.matcher(scope);
        if (!m.matches() || m.group(4) != null) {
            // Scopes with search-parameter constraints (?category=...) are not supported: ignoring them is the
            // safe reading, since they would only ever narrow what the scope grants.
            return Optional.empty();
        }
        return permissions(m.group(3)).map(p -> new SmartScope(
                Context.valueOf(m.group(1).toUpperCase(Locale.ROOT)), m.group(2), p));
    }

    private static Optional<Set<Permission>> permissions(String text) {
        switch (text) {
            case "read":
                return Optional.of(EnumSet.of(Permission.READ, Permission.SEARCH));
            case "write":
                return Optional.of(EnumSet.of(Permission.CREATE, Permission.UPDATE, Permission.DELETE));
            case "*":
                return Optional.of(EnumSet.allOf(Permission.class));
            default:
                return v2Permissions(text);
        }
    }

    /** v2 letters must appear at most once and in the order c, r, u, d, s. */
    private static Optional<Set<Permission>> v2Permissions(String text) {
        Set<Permission> result = EnumSet.noneOf(Permission.class);
        int last = -1;
        for (char c : text.toCharArray()) {
            int index = V2_ORDER.indexOf(c);
            if (index <= last) {
                return Optional.empty();
            }
            last = index;
            result.add(Permission.values()[index]);
        }
        return result.isEmpty() ? Optional.empty() : Optional.of(result);
    }

    /** The scope in SMART v2 syntax, e.g. {@code system/*.rs}: parsing it gives this scope back. */
    public String text() {
        StringBuilder letters = new StringBuilder();
        for (Permission permission : Permission.values()) {
            if (permissions.contains(permission)) {
                letters.append(V2_ORDER.charAt(permission.ordinal()));
            }
        }
        return context.name().toLowerCase(Locale.ROOT) + "/" + resourceType + "." + letters;
    }

    public boolean appliesTo(String type) {
        return ANY_TYPE.equals(resourceType) || resourceType.equals(type);
    }
}
