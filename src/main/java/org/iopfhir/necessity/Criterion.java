package org.iopfhir.necessity;

/** One item of the medical-necessity checklist. */
public interface Criterion {

    /** The stable id clients, payers and policies key on, e.g. {@code plan-of-care}. */
    String id();

    /** Which kind of finding it is: only clinical findings decide the outcome. */
    Kind kind();

    Finding evaluate(Review review);
}
