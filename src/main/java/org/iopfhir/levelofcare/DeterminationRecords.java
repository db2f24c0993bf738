package org.iopfhir.levelofcare;

import java.util.ArrayList;
import java.util.List;
import org.hl7.fhir.r4.model.BooleanType;
import org.hl7.fhir.r4.model.CodeType;
import org.hl7.fhir.r4.model.CodeableConcept;
import org.hl7.fhir.r4.model.Coding;
import org.hl7.fhir.r4.model.DateTimeType;
import org.hl7.fhir.r4.model.IntegerType;
import org.hl7.fhir.r4.model.Observation;
import org.hl7.fhir.r4.model.QuestionnaireResponse;
import org.hl7.fhir.r4.model.Reference;

/**
 * The Observations that record an assessment and its placement: one {@code iop-dimension-rating}
 * per rated dimension (what SDC {@code $extract} yields) and the
 * {@code iop-level-of-care-determination}. Each carries an identifier derived from the response
 * version (and, for the determination, the rule set, edition and age group), so recording the
 * same assessment twice finds the first record instead of making a second.
 */
public final class DeterminationRecords {

    public static final String RATING_PROFILE = RuleTables.BASE + "StructureDefinition/iop-dimension-rating";
    public static final String DETERMINATION_PROFILE = RuleTables.BASE + "StructureDefinition/iop-level-of-care-determination";
    public static final String RATING_IDENTIFIER = RuleTables.BASE + "sid/dimension-rating";
    public static final String DETERMINATION_IDENTIFIER = RuleTables.BASE + "sid/level-of-care-determination";
    private static final String EDITION_EXTENSION = RuleTables.BASE + "StructureDefinition/asam-edition";
    private static final String CATEGORY = "http://terminology.hl7.org/CodeSystem/observation-category";

    private DeterminationRecords() {
    }

    public static List<Observation> dimensionRatings(QuestionnaireResponse response, Assessment assessment) {
        List<Observation> ratings = new ArrayList<>();
        assessment.ratings().entrySet().stream().sorted(java.util.Map.Entry.comparingByKey()).forEach(rating -> {
            boolean asam = assessment.instrument() == Instrument.ASAM;
            // The rating profile codes ASAM dimensions; LOCUS ratings are plain Observations until it covers them.
            Observation observation = base(response, assessment.edition(), asam ? RATING_PROFILE : null);
            observation.addIdentifier().setSystem(RATING_IDENTIFIER)
                    .setValue(source(response) + "/dimension/" + rating.getKey() + "/edition/" + assessment.edition());
            observation.addCategory().addCoding(new Coding(CATEGORY, "survey", "Survey"));
            observation.addCategory().addCoding(asam
                    ? new Coding(RuleTables.OBSERVATION_CODES, "asam-dimension-rating", "ASAM dimension rating")
                    : new Coding(RuleTables.OBSERVATION_CODES, "locus-dimension-rating", "LOCUS dimension rating"));
            observation.getCode().addCoding(new Coding(RuleTables.dimensionSystem(assessment.instrument()), rating.getKey(), null));
            observation.setValue(new IntegerType(rating.getValue()));
            ratings.add(observation);
        });
        return ratings;
    }

    /**
     * @param actual         the level actually chosen, or null when none is recorded
     * @param varianceReason why the actual level differs from the recommendation (null when it does not)
     */
    public static Observation determination(QuestionnaireResponse response, Assessment assessment,
            Recommendation recommendation, Level actual, CodeableConcept varianceReason, List<Reference> ratings) {
        Observation observation = base(response, assessment.edition(), DETERMINATION_PROFILE);
        // A different decision on the same assessment is a new determination; the same one is found again.
        observation.addIdentifier().setSystem(DETERMINATION_IDENTIFIER).setValue(source(response) + "/rules/"
                + recommendation.ruleSet().replace('|', ':') + "/edition/" + assessment.edition()
                + "/age/" + assessment.ageGroup().code()
                + (actual == null ? "" : "/actual/" + actual.code())
                + (varianceReason == null ? "" : "/reason/" + reasonKey(varianceReason)));
        observation.addCategory().addCoding(new Coding(CATEGORY, "survey", "Survey"));
        observation.getCode().addCoding(new Coding(RuleTables.OBSERVATION_CODES, "level-of-care-determination", "Level of care determination"));
        observation.setValue(levelConcept(recommendation.level()));
        observation.addComponent().setCode(new CodeableConcept(new Coding(RuleTables.OBSERVATION_CODES, "imminent-danger", "Imminent danger")))
                .setValue(new BooleanType(recommendation.imminentDanger()));
        if (recommendation.withdrawalManagement() != null) {
            observation.addComponent()
                    .setCode(new CodeableConcept(new Coding(RuleTables.OBSERVATION_CODES, "withdrawal-management-level",
                            "Withdrawal management level")))
                    .setValue(levelConcept(recommendation.withdrawalManagement()));
        }
        if (actual != null) {
            observation.addComponent()
                    .setCode(new CodeableConcept(new Coding(RuleTables.OBSERVATION_CODES, "actual-level", "Actual level of care")))
                    .setValue(levelConcept(actual));
        }
        if (varianceReason != null) {
            observation.addComponent()
                    .setCode(new CodeableConcept(new Coding(RuleTables.OBSERVATION_CODES, "variance-reason",
                            "Level-of-care variance reason")))
                    .setValue(varianceReason.copy());
        }
        observation.setHasMember(ratings);
        return observation;
    }

    private static String reasonKey(CodeableConcept reason) {
        return reason.hasCoding() ? String.join("+", reason.getCoding().stream().map(Coding::getCode).sorted().toList())
                : reason.getText();
    }

    public static Coding levelCoding(Level level) {
        return new Coding(level.system(), level.code(), level.display());
    }

    private static CodeableConcept levelConcept(Level level) {
        return new CodeableConcept(levelCoding(level));
    }

    private static Observation base(QuestionnaireResponse response, String edition, String profile) {
        if (!"Patient".equals(response.getSubject().getReferenceElement().getResourceType())) {
            throw new InvalidAssessmentException("the intake has no Patient subject, so its results cannot be recorded");
        }
        Observation observation = new Observation().setStatus(Observation.ObservationStatus.FINAL);
        if (profile != null) {
            observation.getMeta().addProfile(profile);
        }
        if (edition != null) {
            observation.addExtension(EDITION_EXTENSION, new CodeType(edition));
        }
        observation.setSubject(new Reference(response.getSubject().getReference()));
        observation.setEffective(response.hasAuthored() ? new DateTimeType(response.getAuthoredElement().getValueAsString())
                : DateTimeType.now());
        observation.addDerivedFrom(new Reference(response.getIdElement().toUnqualifiedVersionless().getValue()));
        return observation;
    }

    private static String source(QuestionnaireResponse response) {
        return response.getIdElement().toUnqualified().getValue();
    }
}
