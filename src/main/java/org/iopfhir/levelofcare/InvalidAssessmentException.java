package org.iopfhir.levelofcare;

/** The assessment cannot be placed as given; the message names the problem for the caller. */
public class InvalidAssessmentException extends RuntimeException {

    public InvalidAssessmentException(String message) {
        super(message);
    }
}
