package org.iopfhir.privacy.audit;

import org.iopfhir.privacy.SecurityMode;
import org.iopfhir.privacy.SecurityProperties;
import org.iopfhir.server.Database;
import org.springframework.boot.autoconfigure.condition.ConditionOutcome;
import org.springframework.boot.autoconfigure.condition.SpringBootCondition;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.context.annotation.ConditionContext;
import org.springframework.core.env.Environment;
import org.springframework.core.type.AnnotatedTypeMetadata;

/**
 * Whether this server keeps an audit trail: as {@code iop.security.audit.enabled} says, and when that is
 * unset, exactly when it checks tokens ({@link SecurityProperties.Audit#enabledWhen}). Decided from the
 * settings alone, before any bean exists, by the same rule {@link SecurityMode} applies at start-up.
 */
public class AuditEnabled extends SpringBootCondition {

    @Override
    public ConditionOutcome getMatchOutcome(ConditionContext context, AnnotatedTypeMetadata metadata) {
        return enabled(context.getEnvironment())
                ? ConditionOutcome.match("audit trail on")
                : ConditionOutcome.noMatch("audit trail off: iop.security.audit.enabled=false, or unset with security off");
    }

    static boolean enabled(Environment environment) {
        SecurityProperties properties = Binder.get(environment).bindOrCreate("iop.security", SecurityProperties.class);
        boolean secured;
        try {
            secured = SecurityMode.secured(properties,
                    Database.fromJdbcUrl(environment.getProperty("spring.datasource.url")));
        } catch (IllegalStateException e) {
            // The settings are unusable; start-up stops at the security mode with this message. Nothing is audited.
            secured = false;
        }
        return properties.audit().enabledWhen(secured);
    }
}
