package org.iopfhir.levelofcare;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;
import org.hl7.fhir.r4.model.BooleanType;
import org.hl7.fhir.r4.model.CodeType;
import org.hl7.fhir.r4.model.CodeableConcept;
import org.hl7.fhir.r4.model.Coding;
import org.hl7.fhir.r4.model.IntegerType;
import org.hl7.fhir.r4.model.Observation;
import org.hl7.fhir.r4.model.OperationOutcome;
import org.hl7.fhir.r4.model.Parameters;
import org.hl7.fhir.r4.model.Quantity;
import org.hl7.fhir.r4.model.Range;
import org.hl7.fhir.r4.model.StringType;

/**
 * The answer of {@code $level-of-care} as Parameters: the recommendation with its reasons and
 * sources, what has to be in place, the caller's decision and, when recorded, the stored
 * Observations. Warnings (an illustrative table, discordant ratings, unmet requirements, a
 * placement away from the recommendation) travel as an OperationOutcome in {@code issue}.
 */
final class RecommendationParameters {

    private RecommendationParameters() {
    }

    static Parameters of(Recommendation recommendation, Level actual, CodeableConcept varianceReason, Observation determination,
            List<Observation> ratings) {
        Parameters out = new Parameters();
        out.addParameter().setName("level").setValue(DeterminationRecords.levelCoding(recommendation.level()));
        out.addParameter().setName("conditional").setValue(new BooleanType(recommendation.conditional()));
        if (recommendation.withdrawalManagement() != null) {
            out.addParameter().setName("withdrawalManagement")
                    .setValue(DeterminationRecords.levelCoding(recommendation.withdrawalManagement()));
        }
        out.addParameter().setName("imminentDanger").setValue(new BooleanType(recommendation.imminentDanger()));
        out.addParameter().setName("instrument").setValue(new CodeType(recommendation.instrument().code()));
        if (recommendation.edition() != null) {
            out.addParameter().setName("edition").setValue(new CodeType(recommendation.edition()));
        }
        out.addParameter().setName("ageGroup").setValue(new CodeType(recommendation.ageGroup().code()));
        if (recommendation.weeklyHours() != null) {
            Range hours = new Range().setLow(hours(recommendation.weeklyHours().min()));
            if (recommendation.weeklyHours().maxExclusive() != null) {
                hours.setHigh(hours(recommendation.weeklyHours().maxExclusive()));
            }
            out.addParameter().setName("weeklyHours").setValue(hours);
        }
        for (Recommendation.DimensionResult dimension : recommendation.dimensions()) {
            Parameters.ParametersParameterComponent part = out.addParameter().setName("dimension");
            part.addPart().setName("code").setValue(new Coding(RuleTables.dimensionSystem(recommendation.instrument()),
                    dimension.dimension(), null));
            part.addPart().setName("rating").setValue(new IntegerType(dimension.rating()));
            part.addPart().setName("minimumLevel").setValue(DeterminationRecords.levelCoding(dimension.minimumLevel()));
            reasons(part, dimension.rationale(), dimension.source());
        }
        Recommendation.CompositeResult composite = recommendation.composite();
        if (composite != null) {
            Parameters.ParametersParameterComponent part = out.addParameter().setName("composite");
            part.addPart().setName("score").setValue(new IntegerType(composite.score()));
            if (composite.minimumLevel() != null) {
                part.addPart().setName("minimumLevel").setValue(DeterminationRecords.levelCoding(composite.minimumLevel()));
            }
            part.addPart().setName("rationale").setValue(new StringType(composite.rationale()));
        }
        for (Recommendation.RuleResult finding : recommendation.findings()) {
            Parameters.ParametersParameterComponent part = out.addParameter().setName("finding");
            part.addPart().setName("code").setValue(new Coding(RuleTables.OBSERVATION_CODES, finding.trigger(), null));
            rule(part, finding);
        }
        for (Recommendation.RuleResult modifier : recommendation.modifiers()) {
            Parameters.ParametersParameterComponent part = out.addParameter().setName("modifier");
            part.addPart().setName("conditions").setValue(new StringType(modifier.trigger()));
            rule(part, modifier);
        }
        for (Recommendation.Requirement requirement : recommendation.requirements()) {
            Parameters.ParametersParameterComponent part = out.addParameter().setName("requirement");
            part.addPart().setName("code").setValue(new Coding(RuleTables.OBSERVATION_CODES, requirement.code(), null));
            part.addPart().setName("met").setValue(new BooleanType(requirement.met()));
            reasons(part, requirement.rationale(), requirement.source());
        }
        if (actual != null) {
            out.addParameter().setName("actualLevel").setValue(DeterminationRecords.levelCoding(actual));
            if (varianceReason != null) {
                out.addParameter().setName("varianceReason").setValue(varianceReason);
            }
        }
        out.addParameter().setName("ruleSet").setValue(new StringType(recommendation.ruleSet()));
        List<Recommendation.Warning> warnings = new ArrayList<>(recommendation.warnings());
        PlacementEngine.variance(recommendation, actual).ifPresent(warnings::add);
        if (!warnings.isEmpty()) {
            out.addParameter().setName("issue").setResource(outcome(warnings));
        }
        if (determination != null) {
            out.addParameter().setName("determination").setResource(determination);
            ratings.forEach(r -> out.addParameter().setName("dimensionRating").setResource(r));
        }
        return out;
    }

    private static void rule(Parameters.ParametersParameterComponent part, Recommendation.RuleResult rule) {
        if (rule.minimumLevel() != null) {
            part.addPart().setName("minimumLevel").setValue(DeterminationRecords.levelCoding(rule.minimumLevel()));
        }
        reasons(part, rule.rationale(), rule.source());
    }

    private static void reasons(Parameters.ParametersParameterComponent part, String rationale, String source) {
        part.addPart().setName("rationale").setValue(new StringType(rationale));
        if (source != null) {
            part.addPart().setName("source").setValue(new StringType(source));
        }
    }

    private static OperationOutcome outcome(List<Recommendation.Warning> warnings) {
        OperationOutcome outcome = new OperationOutcome();
        for (Recommendation.Warning warning : warnings) {
            outcome.addIssue().setSeverity(OperationOutcome.IssueSeverity.WARNING)
                    .setCode(OperationOutcome.IssueType.BUSINESSRULE)
                    .setDetails(new CodeableConcept().setText(warning.kind()))
                    .setDiagnostics(warning.text());
        }
        return outcome;
    }

    private static Quantity hours(BigDecimal value) {
        return new Quantity().setValue(value).setUnit("h/wk").setSystem("http://unitsofmeasure.org").setCode("h/wk");
    }
}
