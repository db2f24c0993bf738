package org.iopfhir.necessity;

/** One item of the medical-necessity checklist (DOMAIN.md section 4). */
public interface Criterion {

    /** The stable id clients and payers key on, e.g. {@code plan-of-care}. */
    String id();

    Finding evaluate(Review review);
}
