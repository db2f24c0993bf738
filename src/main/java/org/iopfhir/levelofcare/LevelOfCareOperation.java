package org.iopfhir.levelofcare;

import ca.uhn.fhir.jpa.api.dao.DaoRegistry;
import ca.uhn.fhir.jpa.searchparam.SearchParameterMap;
import ca.uhn.fhir.rest.annotation.IdParam;
import ca.uhn.fhir.rest.annotation.Operation;
import ca.uhn.fhir.rest.annotation.OperationParam;
import ca.uhn.fhir.rest.api.SortOrderEnum;
import ca.uhn.fhir.rest.api.SortSpec;
import ca.uhn.fhir.rest.api.server.RequestDetails;
import ca.uhn.fhir.rest.param.ReferenceParam;
import ca.uhn.fhir.rest.param.TokenOrListParam;
import ca.uhn.fhir.rest.param.TokenParam;
import ca.uhn.fhir.rest.server.exceptions.InvalidRequestException;
import ca.uhn.fhir.rest.server.exceptions.ResourceNotFoundException;
import java.util.List;
import org.hl7.fhir.r4.model.BooleanType;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.CodeType;
import org.hl7.fhir.r4.model.CodeableConcept;
import org.hl7.fhir.r4.model.Coding;
import org.hl7.fhir.r4.model.IdType;
import org.hl7.fhir.r4.model.Observation;
import org.hl7.fhir.r4.model.Parameters;
import org.hl7.fhir.r4.model.Patient;
import org.hl7.fhir.r4.model.QuestionnaireResponse;
import org.hl7.fhir.r4.model.Reference;

/**
 * {@code $level-of-care}: the level of care an intake assessment supports, with the reasons, at
 * three entry points (inline ratings or response, a stored response, a patient's latest completed
 * intake), and SDC {@code QuestionnaireResponse/$extract} for the dimension-rating Observations.
 * Stored resources are read and written with the caller's request, so the server's access rules
 * and profile validation apply inside the operation as they do to plain REST calls. The inputs
 * are read by {@link LevelOfCareRequest} and {@link IntakeReader}, placed by the
 * {@link PlacementEngine}, recorded by {@link DeterminationRecorder} and answered by
 * {@link RecommendationParameters}; refusals become 422 in {@link AssessmentRefusals}.
 */
public class LevelOfCareOperation {

    public static final String CANONICAL = RuleTables.BASE + "OperationDefinition/level-of-care";
    public static final String EXTRACT_CANONICAL = RuleTables.BASE + "OperationDefinition/extract-dimension-ratings";

    private final DaoRegistry daos;
    private final PlacementEngine engine;
    private final DeterminationRecorder recorder;

    public LevelOfCareOperation(DaoRegistry daos, PlacementEngine engine) {
        this.daos = daos;
        this.engine = engine;
        this.recorder = new DeterminationRecorder(daos);
    }

    @Operation(name = "$level-of-care", idempotent = false, canonicalUrl = CANONICAL)
    public Parameters fromInput(
            @OperationParam(name = "assessment", max = 1) Reference assessment,
            @OperationParam(name = "response", max = 1) QuestionnaireResponse response,
            @OperationParam(name = "rating", max = OperationParam.MAX_UNLIMITED) List<Parameters.ParametersParameterComponent> ratings,
            @OperationParam(name = "finding", max = OperationParam.MAX_UNLIMITED) List<Coding> findings,
            @OperationParam(name = "edition", max = 1) CodeType edition,
            @OperationParam(name = "ageGroup", max = 1) CodeType ageGroup,
            @OperationParam(name = "actualLevel", max = 1) Coding actualLevel,
            @OperationParam(name = "varianceReason", max = 1) CodeableConcept varianceReason,
            @OperationParam(name = "persist", max = 1) BooleanType persist,
            RequestDetails request) {
        int inputs = (assessment != null ? 1 : 0) + (response != null ? 1 : 0) + (ratings != null && !ratings.isEmpty() ? 1 : 0);
        if (inputs != 1) {
            throw new InvalidRequestException("give exactly one of: assessment (a reference to a QuestionnaireResponse), "
                    + "response (an inline QuestionnaireResponse), or one rating part per dimension");
        }
        if (findings != null && !findings.isEmpty() && ratings == null) {
            throw new InvalidRequestException("finding goes with inline ratings; an intake response carries its own findings");
        }
        LevelOfCareRequest.Decision decision = new LevelOfCareRequest.Decision(actualLevel, varianceReason);
        if (assessment != null) {
            IdType id = new IdType(assessment.getReference());
            if (!"QuestionnaireResponse".equals(id.getResourceType()) || !id.hasIdPart()) {
                throw new InvalidRequestException("assessment must reference a QuestionnaireResponse, e.g. QuestionnaireResponse/123");
            }
            return fromStoredResponse(id, edition, ageGroup, decision, persist, request);
        }
        if (isTrue(persist)) {
            throw new InvalidRequestException(response != null
                    ? "persist needs a stored assessment: store the QuestionnaireResponse first and pass it as assessment"
                    : "persist needs a stored assessment; inline ratings are not recorded");
        }
        Assessment placed = response != null
                ? IntakeReader.read(response, LevelOfCareRequest.code(edition), LevelOfCareRequest.ageGroupOf(ageGroup),
                        () -> subjectOf(response, request))
                : LevelOfCareRequest.inline(ratings, findings, edition, ageGroup);
        Recommendation recommendation = engine.recommend(placed);
        return RecommendationParameters.of(recommendation, actualLevel(recommendation, decision), varianceReason, null, List.of());
    }

    @Operation(name = "$level-of-care", typeName = "QuestionnaireResponse", idempotent = false, canonicalUrl = CANONICAL)
    public Parameters forResponse(
            @IdParam IdType id,
            @OperationParam(name = "edition", max = 1) CodeType edition,
            @OperationParam(name = "ageGroup", max = 1) CodeType ageGroup,
            @OperationParam(name = "actualLevel", max = 1) Coding actualLevel,
            @OperationParam(name = "varianceReason", max = 1) CodeableConcept varianceReason,
            @OperationParam(name = "persist", max = 1) BooleanType persist,
            RequestDetails request) {
        return fromStoredResponse(id, edition, ageGroup, new LevelOfCareRequest.Decision(actualLevel, varianceReason),
                persist, request);
    }

    @Operation(name = "$level-of-care", typeName = "Patient", idempotent = false, canonicalUrl = CANONICAL)
    public Parameters forPatient(
            @IdParam IdType id,
            @OperationParam(name = "edition", max = 1) CodeType edition,
            @OperationParam(name = "ageGroup", max = 1) CodeType ageGroup,
            @OperationParam(name = "actualLevel", max = 1) Coding actualLevel,
            @OperationParam(name = "varianceReason", max = 1) CodeableConcept varianceReason,
            @OperationParam(name = "persist", max = 1) BooleanType persist,
            RequestDetails request) {
        daos.getResourceDao(Patient.class).read(id.toUnqualifiedVersionless(), request);
        SearchParameterMap completed = SearchParameterMap.newSynchronous()
                .add(QuestionnaireResponse.SP_SUBJECT, new ReferenceParam(id.toUnqualifiedVersionless().getValue()))
                .add(QuestionnaireResponse.SP_STATUS, new TokenOrListParam().add(new TokenParam("completed")).add(new TokenParam("amended")));
        completed.setSort(new SortSpec(QuestionnaireResponse.SP_AUTHORED, SortOrderEnum.DESC));
        QuestionnaireResponse latest = daos.getResourceDao(QuestionnaireResponse.class).searchForResources(completed, request)
                .stream().map(QuestionnaireResponse.class::cast).filter(IntakeReader::isIntake).findFirst()
                .orElseThrow(() -> new ResourceNotFoundException(id.toUnqualifiedVersionless().getValue()
                        + " has no completed or amended intake assessment (" + IntakeReader.INTAKE + ")"));
        return fromStoredResponse(latest.getIdElement(), edition, ageGroup,
                new LevelOfCareRequest.Decision(actualLevel, varianceReason), persist, request);
    }

    /** SDC {@code QuestionnaireResponse/[id]/$extract}: the ratings of a stored intake. */
    @Operation(name = "$extract", typeName = "QuestionnaireResponse", idempotent = true, canonicalUrl = EXTRACT_CANONICAL)
    public Bundle extract(@IdParam IdType id, RequestDetails request) {
        return extracted(readResponse(id, request), request);
    }

    /** SDC {@code QuestionnaireResponse/$extract}: the ratings of an intake given inline (nothing is stored). */
    @Operation(name = "$extract", typeName = "QuestionnaireResponse", idempotent = false, canonicalUrl = EXTRACT_CANONICAL)
    public Bundle extractInline(
            @OperationParam(name = "questionnaire-response", min = 1, max = 1) QuestionnaireResponse response,
            RequestDetails request) {
        if (response == null) {
            throw new InvalidRequestException("give the intake to extract from as questionnaire-response");
        }
        return extracted(response, request);
    }

    private Bundle extracted(QuestionnaireResponse response, RequestDetails request) {
        Assessment assessment = IntakeReader.read(response, null, null, () -> subjectOf(response, request));
        Bundle transaction = new Bundle().setType(Bundle.BundleType.TRANSACTION);
        for (Observation rating : DeterminationRecords.dimensionRatings(response, assessment)) {
            transaction.addEntry().setResource(rating).getRequest()
                    .setMethod(Bundle.HTTPVerb.POST).setUrl("Observation")
                    .setIfNoneExist("identifier=" + rating.getIdentifierFirstRep().getSystem() + "|"
                            + rating.getIdentifierFirstRep().getValue());
        }
        return transaction;
    }

    private Parameters fromStoredResponse(IdType id, CodeType edition, CodeType ageGroup, LevelOfCareRequest.Decision decision,
            BooleanType persist, RequestDetails request) {
        QuestionnaireResponse response = readResponse(id, request);
        Assessment assessment = IntakeReader.read(response, LevelOfCareRequest.code(edition),
                LevelOfCareRequest.ageGroupOf(ageGroup), () -> subjectOf(response, request));
        Recommendation recommendation = engine.recommend(assessment);
        Level actual = actualLevel(recommendation, decision);
        if (!isTrue(persist)) {
            return RecommendationParameters.of(recommendation, actual, decision.varianceReason(), null, List.of());
        }
        DeterminationRecorder.Recorded recorded = recorder.record(response, assessment, recommendation, actual,
                decision.varianceReason(), request);
        return RecommendationParameters.of(recommendation, actual, decision.varianceReason(), recorded.determination(),
                recorded.ratings());
    }

    /** The level actually chosen, when the caller records one; a variance from the recommendation needs a reason. */
    private Level actualLevel(Recommendation recommendation, LevelOfCareRequest.Decision decision) {
        if (decision.actualLevel() == null) {
            if (decision.varianceReason() != null) {
                throw new InvalidRequestException("varianceReason explains an actualLevel; give the actual level too");
            }
            return null;
        }
        if (!recommendation.level().system().equals(decision.actualLevel().getSystem()) || !decision.actualLevel().hasCode()) {
            throw new InvalidRequestException("actualLevel must be a code of " + recommendation.level().system());
        }
        return engine.actualLevel(recommendation, decision.actualLevel().getCode(), decision.reasonGiven());
    }

    private QuestionnaireResponse readResponse(IdType id, RequestDetails request) {
        return daos.getResourceDao(QuestionnaireResponse.class).read(id.toUnqualifiedVersionless(), request);
    }

    private Patient subjectOf(QuestionnaireResponse response, RequestDetails request) {
        IdType subject = new IdType(response.getSubject().getReference());
        if (!"Patient".equals(subject.getResourceType()) || !subject.hasIdPart() || subject.isAbsolute()) {
            return null;
        }
        return daos.getResourceDao(Patient.class).read(subject.toUnqualifiedVersionless(), request);
    }

    private static boolean isTrue(BooleanType value) {
        return value != null && value.booleanValue();
    }
}
