package org.iopfhir.privacy.audit;

import java.util.List;
import java.util.Set;
import org.iopfhir.privacy.auth.CallerContext;

/**
 * One access to record: what was asked ({@code interaction}, a code of
 * {@code http://hl7.org/fhir/restful-interaction}), by whom, about which patients and resources,
 * and how it ended (HTTP status).
 *
 * @param resources the resources concerned ({@code Type/id}) and what the request did with each
 * @param stored whether the resources named exist in this server (a successful request other than a
 *               delete): then patients are recorded as references; otherwise as identifiers, as there is
 *               nothing to reference (an auditor finds both with {@code AuditEvent?patient=})
 */
public record Access(
        Interaction interaction,
        CallerContext caller,
        int status,
        List<Touched> resources,
        Set<String> patients,
        String query,
        String operation,
        String remoteAddress,
        boolean stored) {

    /** A resource ({@code Type/id}) and what the request did with it. */
    public record Touched(String resource, Lifecycle lifecycle) {
    }
}
