package org.iopfhir.privacy.auth;

import java.util.Arrays;
import java.util.EnumSet;
import java.util.Optional;
import java.util.Set;
import org.iopfhir.privacy.auth.SmartScope.Permission;

/**
 * Who the caller is to the program, from the token's {@code iop_role} claim. A role caps what the
 * scopes grant: a payer token with {@code user/*.cruds} still only reads.
 */
public enum Role {
    /** Program staff: treatment (TREAT) of the program's own patients; break-the-glass with ETREAT/BTG. */
    CLINICIAN("clinician", EnumSet.allOf(Permission.class)),
    /** A health plan reviewing payment or coverage: reads only, each Part 2 record only under the patient's consent. */
    PAYER("payer", EnumSet.of(Permission.READ, Permission.SEARCH)),
    /** The patient (or their app), limited to their own compartment by the {@code patient} claim. */
    PATIENT("patient", EnumSet.of(Permission.READ, Permission.SEARCH)),
    /** Reads the audit trail; nothing else is granted by this role. */
    AUDITOR("auditor", EnumSet.of(Permission.READ, Permission.SEARCH)),
    /** May change or remove 42 CFR Part 2 security labels (otherwise kept on every update). */
    PRIVACY_OFFICER("privacy-officer", EnumSet.allOf(Permission.class));

    private final String claimValue;
    private final Set<Permission> allowed;

    Role(String claimValue, Set<Permission> allowed) {
        this.claimValue = claimValue;
        this.allowed = allowed;
    }

    public static Optional<Role> fromClaim(String value) {
        return Arrays.stream(values()).filter(r -> r.claimValue.equalsIgnoreCase(value)).findFirst();
    }

    public String claimValue() {
        return claimValue;
    }

    public boolean allows(Permission permission) {
        return allowed.contains(permission);
    }
}
