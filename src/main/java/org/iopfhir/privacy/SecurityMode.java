package org.iopfhir.privacy;

import org.iopfhir.server.Database;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Whether this server checks tokens. Secure by default: a production database without an issuer
 * refuses to start unless security is explicitly turned off; only the embedded H2 developer
 * default may run open without being told, and then says so loudly.
 */
public final class SecurityMode {

    private static final Logger LOG = LoggerFactory.getLogger(SecurityMode.class);
    static final String OPEN_WARNING = "SECURITY IS OFF: no authentication, authorization, consent enforcement "
            + "or audit of callers. For development only; never use with real patient data.";

    private final boolean secured;

    private SecurityMode(boolean secured) {
        this.secured = secured;
    }

    public static SecurityMode resolve(SecurityProperties properties, Database database) {
        boolean secured = secured(properties, database);
        if (!secured) {
            LOG.warn(OPEN_WARNING + (Boolean.FALSE.equals(properties.enabled()) ? " (iop.security.enabled=false)"
                    : " (embedded H2 default without iop.security.issuer-uri)"));
        }
        return new SecurityMode(secured);
    }

    /**
     * Whether these settings check tokens, without saying so in the log (see {@link #resolve}).
     *
     * @throws IllegalStateException when security is on (asked for, or by default on PostgreSQL) but no issuer is set
     */
    public static boolean secured(SecurityProperties properties, Database database) {
        if (Boolean.FALSE.equals(properties.enabled())) {
            return false;
        }
        if (properties.hasIssuer()) {
            return true;
        }
        if (Boolean.TRUE.equals(properties.enabled()) || database != Database.H2) {
            throw new IllegalStateException("No token issuer configured: set iop.security.issuer-uri (and, if the issuer "
                    + "publishes no discovery document, iop.security.jwk-set-uri or public-key-location), or set "
                    + "iop.security.enabled=false explicitly to run without security");
        }
        return false;
    }

    public boolean secured() {
        return secured;
    }

    /** What the CapabilityStatement says about security. */
    public String description() {
        return secured
                ? "OAuth 2.0 bearer tokens (JWT) with SMART on FHIR v2 scopes; 42 CFR Part 2 consent enforced; "
                        + "every access audited. See .well-known/smart-configuration."
                : OPEN_WARNING;
    }
}
