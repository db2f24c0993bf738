package org.iopfhir.necessity.criteria;

import java.util.Optional;
import org.hl7.fhir.r4.model.QuestionnaireResponse;
import org.iopfhir.levelofcare.InvalidAssessmentException;
import org.iopfhir.levelofcare.IntakeReader;
import org.iopfhir.levelofcare.Recommendation;
import org.iopfhir.necessity.Review;

/**
 * The intake placed by the server's own placement engine, as {@code $level-of-care} would place
 * it, or why it cannot be placed: shared by the assessment and imminent-danger criteria.
 */
record IntakePlacement(QuestionnaireResponse intake, Recommendation recommendation, String problem) {

    static Optional<IntakePlacement> of(Review review) {
        return review.intake().map(intake -> {
            try {
                return new IntakePlacement(intake, review.placement().recommend(IntakeReader.read(intake, null,
                        review.record().ageGroup(), () -> null)), null);
            } catch (InvalidAssessmentException e) {
                return new IntakePlacement(intake, null, e.getMessage());
            }
        });
    }
}
