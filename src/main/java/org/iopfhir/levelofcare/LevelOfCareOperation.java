package org.iopfhir.levelofcare;

import ca.uhn.fhir.jpa.api.dao.DaoRegistry;
import ca.uhn.fhir.jpa.api.dao.IFhirResourceDao;
import ca.uhn.fhir.jpa.searchparam.SearchParameterMap;
import ca.uhn.fhir.rest.annotation.IdParam;
import ca.uhn.fhir.rest.annotation.Operation;
import ca.uhn.fhir.rest.annotation.OperationParam;
import ca.uhn.fhir.rest.api.SortOrderEnum;
import ca.uhn.fhir.rest.api.SortSpec;
import ca.uhn.fhir.rest.api.server.RequestDetails;
import ca.uhn.fhir.rest.param.ReferenceParam;
import ca.uhn.fhir.rest.param.TokenParam;
import ca.uhn.fhir.rest.server.exceptions.InvalidRequestException;
import ca.uhn.fhir.rest.server.exceptions.ResourceNotFoundException;
import ca.uhn.fhir.rest.server.exceptions.UnprocessableEntityException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.hl7.fhir.r4.model.BooleanType;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.CodeType;
import org.hl7.fhir.r4.model.CodeableConcept;
import org.hl7.fhir.r4.model.Coding;
import org.hl7.fhir.r4.model.IdType;
import org.hl7.fhir.r4.model.IntegerType;
import org.hl7.fhir.r4.model.Observation;
import org.hl7.fhir.r4.model.Parameters;
import org.hl7.fhir.r4.model.Patient;
import org.hl7.fhir.r4.model.Quantity;
import org.hl7.fhir.r4.model.QuestionnaireResponse;
import org.hl7.fhir.r4.model.Range;
import org.hl7.fhir.r4.model.Reference;
import org.hl7.fhir.r4.model.StringType;

/**
 * {@code $level-of-care}: the level of care an intake assessment supports, with the reasons, at
 * three entry points (inline ratings or response, a stored response, a patient's latest completed
 * intake), and SDC {@code QuestionnaireResponse/$extract} for the dimension-rating Observations.
 * Stored resources are read and written with the caller's request, so the server's access rules
 * and profile validation apply inside the operation as they do to plain REST calls.
 */
public class LevelOfCareOperation {

    public static final String CANONICAL = RuleTables.BASE + "OperationDefinition/level-of-care";
    public static final String EXTRACT_CANONICAL = RuleTables.BASE + "OperationDefinition/extract-dimension-ratings";

    private final DaoRegistry daos;
    private final PlacementEngine engine;
    private final String defaultEdition;

    public LevelOfCareOperation(DaoRegistry daos, PlacementEngine engine, String defaultEdition) {
        this.daos = daos;
        this.engine = engine;
        this.defaultEdition = defaultEdition;
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
        Decision decision = new Decision(actualLevel, varianceReason);
        if (assessment != null) {
            IdType id = new IdType(assessment.getReference());
            if (!"QuestionnaireResponse".equals(id.getResourceType()) || !id.hasIdPart()) {
                throw new InvalidRequestException("assessment must reference a QuestionnaireResponse, e.g. QuestionnaireResponse/123");
            }
            return fromStoredResponse(id, edition, ageGroup, decision, persist, request);
        }
        if (response != null) {
            if (isTrue(persist)) {
                throw new InvalidRequestException("persist needs a stored assessment: store the QuestionnaireResponse first "
                        + "and pass it as assessment");
            }
            Assessment read = place(() -> IntakeReader.read(response, code(edition), ageGroupOf(ageGroup), defaultEdition,
                    () -> subjectOf(response, request)));
            return output(place(() -> engine.recommend(read)), decision);
        }
        if (isTrue(persist)) {
            throw new InvalidRequestException("persist needs a stored assessment; inline ratings are not recorded");
        }
        Instrument instrument = instrumentOf(ratings);
        if (instrument != Instrument.ASAM && edition != null) {
            throw new InvalidRequestException("edition applies to ASAM ratings only; " + instrument.code() + " has none");
        }
        String placedEdition = instrument != Instrument.ASAM ? null : code(edition) != null ? code(edition) : defaultEdition;
        Assessment fromRatings = place(() -> new Assessment(instrument, placedEdition, ratings(ratings),
                ageGroupOrAdult(ageGroup), findingCodes(findings)));
        return output(place(() -> engine.recommend(fromRatings)), decision);
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
        return fromStoredResponse(id, edition, ageGroup, new Decision(actualLevel, varianceReason), persist, request);
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
                .add(QuestionnaireResponse.SP_STATUS, new TokenParam("completed"));
        completed.setSort(new SortSpec(QuestionnaireResponse.SP_AUTHORED, SortOrderEnum.DESC));
        QuestionnaireResponse latest = daos.getResourceDao(QuestionnaireResponse.class).searchForResources(completed, request)
                .stream().map(QuestionnaireResponse.class::cast).filter(IntakeReader::isIntake).findFirst()
                .orElseThrow(() -> new ResourceNotFoundException(id.toUnqualifiedVersionless().getValue()
                        + " has no completed intake assessment (" + IntakeReader.INTAKE + ")"));
        return fromStoredResponse(latest.getIdElement(), edition, ageGroup, new Decision(actualLevel, varianceReason),
                persist, request);
    }

    @Operation(name = "$extract", typeName = "QuestionnaireResponse", idempotent = true, canonicalUrl = EXTRACT_CANONICAL)
    public Bundle extract(@IdParam IdType id, RequestDetails request) {
        QuestionnaireResponse response = readResponse(id, request);
        Assessment assessment = place(() -> IntakeReader.read(response, null, AgeGroup.ADULT, defaultEdition, () -> null));
        Bundle transaction = new Bundle().setType(Bundle.BundleType.TRANSACTION);
        for (Observation rating : place(() -> DeterminationRecords.dimensionRatings(response, assessment))) {
            transaction.addEntry().setResource(rating).getRequest()
                    .setMethod(Bundle.HTTPVerb.POST).setUrl("Observation")
                    .setIfNoneExist("identifier=" + rating.getIdentifierFirstRep().getSystem() + "|"
                            + rating.getIdentifierFirstRep().getValue());
        }
        return transaction;
    }

    private Parameters fromStoredResponse(IdType id, CodeType edition, CodeType ageGroup, Decision decision,
            BooleanType persist, RequestDetails request) {
        QuestionnaireResponse response = readResponse(id, request);
        Assessment assessment = place(() -> IntakeReader.read(response, code(edition), ageGroupOf(ageGroup),
                defaultEdition, () -> subjectOf(response, request)));
        Recommendation recommendation = place(() -> engine.recommend(assessment));
        if (!isTrue(persist)) {
            return output(recommendation, decision);
        }
        Level actual = actualLevel(recommendation, decision);
        List<Observation> ratings = new ArrayList<>();
        for (Observation rating : place(() -> DeterminationRecords.dimensionRatings(response, assessment))) {
            ratings.add(createOnce(rating, request));
        }
        List<Reference> members = ratings.stream()
                .map(o -> new Reference(o.getIdElement().toUnqualifiedVersionless().getValue())).toList();
        Observation determination = createOnce(DeterminationRecords.determination(response, assessment, recommendation,
                actual, decision.varianceReason(), members), request);
        return output(recommendation, actual, decision.varianceReason(), determination, ratings);
    }

    /** The level actually chosen, when the caller records one; a variance from the recommendation needs a reason. */
    private Level actualLevel(Recommendation recommendation, Decision decision) {
        if (decision.actualLevel() == null) {
            if (decision.varianceReason() != null) {
                throw new InvalidRequestException("varianceReason explains an actualLevel; give the actual level too");
            }
            return null;
        }
        if (!recommendation.level().system().equals(decision.actualLevel().getSystem()) || !decision.actualLevel().hasCode()) {
            throw new InvalidRequestException("actualLevel must be a code of " + recommendation.level().system());
        }
        return place(() -> engine.actualLevel(recommendation, decision.actualLevel().getCode(),
                decision.varianceReason() != null && !decision.varianceReason().isEmpty()));
    }

    /** Conditional create on the record's identifier: the second identical request finds the first record. */
    private Observation createOnce(Observation observation, RequestDetails request) {
        IFhirResourceDao<Observation> dao = daos.getResourceDao(Observation.class);
        String identifier = observation.getIdentifierFirstRep().getSystem() + "|" + observation.getIdentifierFirstRep().getValue();
        IdType id = (IdType) dao.create(observation, "Observation?identifier=" + identifier, request).getId();
        return dao.read(id.toUnqualifiedVersionless(), request);
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

    /** The answer without stored records. */
    private Parameters output(Recommendation recommendation, Decision decision) {
        return output(recommendation, actualLevel(recommendation, decision), decision.varianceReason(), null, List.of());
    }

    private static Parameters output(Recommendation recommendation, Level actual, CodeableConcept varianceReason,
            Observation determination, List<Observation> ratings) {
        Parameters out = new Parameters();
        out.addParameter().setName("level").setValue(DeterminationRecords.levelCoding(recommendation.level()));
        if (recommendation.withdrawalManagement() != null) {
            out.addParameter().setName("withdrawalManagement")
                    .setValue(DeterminationRecords.levelCoding(recommendation.withdrawalManagement()));
        }
        out.addParameter().setName("imminentDanger").setValue(new BooleanType(recommendation.imminentDanger()));
        out.addParameter().setName("instrument").setValue(new CodeType(recommendation.instrument().code()));
        if (recommendation.edition() != null) {
            out.addParameter().setName("edition").setValue(new CodeType(recommendation.edition()));
        }
        if (recommendation.weeklyHours() != null) {
            Range hours = new Range().setLow(hoursQuantity(recommendation.weeklyHours().min()));
            if (recommendation.weeklyHours().maxExclusive() != null) {
                hours.setHigh(hoursQuantity(recommendation.weeklyHours().maxExclusive()));
            }
            out.addParameter().setName("weeklyHours").setValue(hours);
        }
        for (Recommendation.DimensionResult dimension : recommendation.dimensions()) {
            Parameters.ParametersParameterComponent part = out.addParameter().setName("dimension");
            part.addPart().setName("code").setValue(new Coding(RuleTables.dimensionSystem(recommendation.instrument()),
                    dimension.dimension(), "Dimension " + dimension.dimension()));
            part.addPart().setName("rating").setValue(new IntegerType(dimension.rating()));
            part.addPart().setName("minimumLevel").setValue(DeterminationRecords.levelCoding(dimension.minimumLevel()));
            part.addPart().setName("rationale").setValue(new StringType(dimension.rationale()));
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
        recommendation.findings().forEach(f -> out.addParameter().setName("finding").setValue(new StringType(f)));
        recommendation.modifiers().forEach(m -> out.addParameter().setName("modifier").setValue(new StringType(m)));
        if (actual != null) {
            out.addParameter().setName("actualLevel").setValue(DeterminationRecords.levelCoding(actual));
            if (varianceReason != null) {
                out.addParameter().setName("varianceReason").setValue(varianceReason);
            }
        }
        out.addParameter().setName("ruleSet").setValue(new StringType(recommendation.ruleSet()));
        if (determination != null) {
            out.addParameter().setName("determination").setResource(determination);
            ratings.forEach(r -> out.addParameter().setName("dimensionRating").setResource(r));
        }
        return out;
    }

    private static Quantity hoursQuantity(java.math.BigDecimal value) {
        return new Quantity().setValue(value).setUnit("h/wk").setSystem("http://unitsofmeasure.org").setCode("h/wk");
    }

    /** Placement findings given with inline ratings, such as imminent danger found at screening. */
    private static Set<String> findingCodes(List<Coding> findings) {
        Set<String> codes = new HashSet<>();
        for (Coding finding : findings == null ? List.<Coding>of() : findings) {
            if (!RuleTables.OBSERVATION_CODES.equals(finding.getSystem()) || !finding.hasCode()
                    || !IntakeReader.FINDINGS.contains(finding.getCode())) {
                throw new InvalidRequestException("finding must be one of " + new java.util.TreeSet<>(IntakeReader.FINDINGS)
                        + " from " + RuleTables.OBSERVATION_CODES);
            }
            codes.add(finding.getCode());
        }
        return codes;
    }

    /** What the caller actually chose, recorded next to the recommendation (both may be absent). */
    private record Decision(Coding actualLevel, CodeableConcept varianceReason) {
    }

    /** The instrument the ratings belong to, told by their dimensions' code system; all must agree. */
    private static Instrument instrumentOf(List<Parameters.ParametersParameterComponent> parts) {
        Set<Instrument> instruments = new HashSet<>();
        for (Parameters.ParametersParameterComponent rating : parts) {
            Parameters.ParametersParameterComponent dimension = part(rating, "dimension");
            Instrument instrument = dimension.getValue() instanceof Coding coding && coding.hasCode()
                    ? RuleTables.instrumentOfDimensionSystem(coding.getSystem()) : null;
            if (instrument == null) {
                throw new InvalidRequestException("each rating's dimension part needs a valueCoding with a code from "
                        + RuleTables.DIMENSION_SYSTEM + " (ASAM) or " + RuleTables.LOCUS_DIMENSION_SYSTEM + " (LOCUS)");
            }
            instruments.add(instrument);
        }
        if (instruments.size() > 1) {
            throw new InvalidRequestException("the ratings mix ASAM and LOCUS dimensions; rate one instrument per request");
        }
        return instruments.iterator().next();
    }

    private static Map<String, Integer> ratings(List<Parameters.ParametersParameterComponent> parts) {
        Map<String, Integer> ratings = new HashMap<>();
        for (Parameters.ParametersParameterComponent rating : parts) {
            Coding dimension = (Coding) part(rating, "dimension").getValue();
            if (!(part(rating, "value").getValue() instanceof IntegerType integer) || !integer.hasValue()) {
                throw new InvalidRequestException("each rating needs a value part with a valueInteger (ASAM 0-4, LOCUS 1-5)");
            }
            if (ratings.put(dimension.getCode(), integer.getValue()) != null) {
                throw new InvalidRequestException("dimension " + dimension.getCode() + " is rated twice");
            }
        }
        return ratings;
    }

    private static Parameters.ParametersParameterComponent part(Parameters.ParametersParameterComponent parent, String name) {
        return parent.getPart().stream().filter(p -> name.equals(p.getName())).findFirst()
                .orElseThrow(() -> new InvalidRequestException("a rating has no '" + name + "' part"));
    }

    private static AgeGroup ageGroupOf(CodeType ageGroup) {
        return ageGroup == null ? null : place(() -> AgeGroup.fromCode(ageGroup.getValue()));
    }

    private static AgeGroup ageGroupOrAdult(CodeType ageGroup) {
        AgeGroup given = ageGroupOf(ageGroup);
        return given != null ? given : AgeGroup.ADULT;
    }

    private static String code(CodeType code) {
        return code == null ? null : code.getValue();
    }

    private static boolean isTrue(BooleanType value) {
        return value != null && value.booleanValue();
    }

    /** The engine's and reader's refusals are the client's input problems: 422 with the reason. */
    private static <T> T place(java.util.function.Supplier<T> step) {
        try {
            return step.get();
        } catch (InvalidAssessmentException e) {
            throw new UnprocessableEntityException(e.getMessage());
        }
    }
}
