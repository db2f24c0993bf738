package org.iopfhir.privacy.audit;

import jakarta.servlet.http.HttpServletRequest;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.iopfhir.privacy.auth.CallerContext;

/** Turns accesses into AuditEvents on the trail; does nothing when audit is off (no trail: see {@link AuditEnabled}). */
public class AuditRecorder {

    private final AuditEventFactory factory;
    private final Optional<AuditTrail> trail;

    public AuditRecorder(AuditEventFactory factory, Optional<AuditTrail> trail) {
        this.factory = factory;
        this.trail = trail;
    }

    /** Whether accesses are kept: the server has an audit trail. */
    public boolean recording() {
        return trail.isPresent();
    }

    public void record(Access access) {
        trail.ifPresent(t -> t.record(factory.create(access)));
    }

    /** A request refused by authentication (401): no caller is known, only where it came from and what it asked. */
    public void unauthenticated(HttpServletRequest request) {
        record(new Access(Interaction.UNKNOWN, CallerContext.ANONYMOUS, 401, List.of(), Set.of(),
                request.getMethod() + " " + request.getRequestURI(), null, request.getRemoteAddr(), false));
    }
}
