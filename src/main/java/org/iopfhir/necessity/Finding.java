package org.iopfhir.necessity;

import java.util.List;
import org.hl7.fhir.r4.model.Resource;

/**
 * What one criterion found.
 *
 * @param status   met, not met, insufficient data or not applicable
 * @param detail   what was found, in plain words a reviewer can check
 * @param evidence the resources relied on
 */
public record Finding(Status status, String detail, List<? extends Resource> evidence) {

    public Finding {
        evidence = List.copyOf(evidence);
    }

    public static Finding met(String detail, List<? extends Resource> evidence) {
        return new Finding(Status.MET, detail, evidence);
    }

    public static Finding notMet(String detail, List<? extends Resource> evidence) {
        return new Finding(Status.NOT_MET, detail, evidence);
    }

    public static Finding insufficient(String detail, List<? extends Resource> evidence) {
        return new Finding(Status.INSUFFICIENT_DATA, detail, evidence);
    }

    public static Finding notApplicable(String detail) {
        return new Finding(Status.NOT_APPLICABLE, detail, List.of());
    }

    /** Met when the condition holds, not met otherwise, with the detail of each case. */
    public static Finding metIf(boolean condition, String metDetail, String notMetDetail, List<? extends Resource> evidence) {
        return condition ? met(metDetail, evidence) : notMet(notMetDetail, evidence);
    }
}
