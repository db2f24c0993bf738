package org.iopfhir.privacy.audit;

import java.util.Optional;
import org.hl7.fhir.r4.model.Coding;
import org.hl7.fhir.r4.model.codesystems.DicomAuditLifecycle;

/**
 * What a request did with a resource it concerned, recorded as the AuditEvent entity's {@code lifecycle}
 * (DICOM object lifecycle, {@code http://terminology.hl7.org/CodeSystem/dicom-audit-lifecycle}). A
 * resource a request both wrote and sent back is two entities: written and disclosed.
 */
public enum Lifecycle {
    /** Named by the request (its target) but neither written nor sent: refused, missing, deleted. No lifecycle. */
    NAMED(null),
    /** Written: created. */
    CREATED(DicomAuditLifecycle._1),
    /** Written: updated or patched. */
    AMENDED(DicomAuditLifecycle._3),
    /**
     * Sent to the caller in the response body: read, found, returned by an operation, or the stored record a
     * write returns (the created or changed resource, the match of a conditional create, an unchanged patch).
     */
    DISCLOSED(DicomAuditLifecycle._11);

    private final DicomAuditLifecycle code;

    Lifecycle(DicomAuditLifecycle code) {
        this.code = code;
    }

    public Optional<Coding> coding() {
        return Optional.ofNullable(code).map(c -> new Coding(c.getSystem(), c.toCode(), c.getDisplay()));
    }
}
