package org.iopfhir.necessity;

import ca.uhn.fhir.rest.annotation.IdParam;
import ca.uhn.fhir.rest.annotation.Operation;
import ca.uhn.fhir.rest.annotation.OperationParam;
import ca.uhn.fhir.rest.api.server.RequestDetails;
import ca.uhn.fhir.rest.server.exceptions.InvalidRequestException;
import java.time.Clock;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Date;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.hl7.fhir.r4.model.Appointment;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.CarePlan;
import org.hl7.fhir.r4.model.ClaimResponse;
import org.hl7.fhir.r4.model.CodeType;
import org.hl7.fhir.r4.model.Communication;
import org.hl7.fhir.r4.model.Condition;
import org.hl7.fhir.r4.model.Consent;
import org.hl7.fhir.r4.model.Coverage;
import org.hl7.fhir.r4.model.DateType;
import org.hl7.fhir.r4.model.DocumentReference;
import org.hl7.fhir.r4.model.Encounter;
import org.hl7.fhir.r4.model.Goal;
import org.hl7.fhir.r4.model.IdType;
import org.hl7.fhir.r4.model.IntegerType;
import org.hl7.fhir.r4.model.Observation;
import org.hl7.fhir.r4.model.Organization;
import org.hl7.fhir.r4.model.Parameters;
import org.hl7.fhir.r4.model.Practitioner;
import org.hl7.fhir.r4.model.QuestionnaireResponse;
import org.hl7.fhir.r4.model.Reference;
import org.hl7.fhir.r4.model.Resource;
import org.hl7.fhir.r4.model.ServiceRequest;
import org.hl7.fhir.r4.model.StringType;
import org.iopfhir.attendance.AttendanceRecords;
import org.iopfhir.attendance.Html;
import org.iopfhir.attendance.HtmlAnswer;
import org.iopfhir.episode.EpisodeLoader;
import org.iopfhir.episode.EpisodeRecord;
import org.iopfhir.fhir.FhirDates;
import org.iopfhir.necessity.criteria.CertificationCriterion;

/**
 * {@code EpisodeOfCare/[id]/$medical-necessity}: the checklist's verdict with evidence under a
 * payer policy, as Parameters or as a reviewer's page; with {@code output=bundle} the Parameters also
 * carry the documentation package ({@code package}): a collection Bundle of the episode and every
 * resource the verdict relied on; with {@code output=cdex} (and {@code trackingId}, {@code attachTo}) they carry
 * the same items as a Da Vinci CDex {@code $submit-attachment} input ({@code attachments}, {@link CdexAttachments}).
 * Reads through {@link EpisodeLoader} for the caller, so the disclosure rule decides what evidence the
 * package can hold; writes nothing.
 */
public class MedicalNecessityOperation {

    public static final String CANONICAL = EpisodeLoader.BASE + "OperationDefinition/medical-necessity";
    static final Set<Class<? extends Resource>> TYPES = Set.of(Encounter.class, Appointment.class, Communication.class,
            Condition.class, QuestionnaireResponse.class, Observation.class, CarePlan.class, Goal.class,
            DocumentReference.class, Consent.class, ServiceRequest.class, Coverage.class, ClaimResponse.class);
    private static final List<String> OUTPUTS = List.of("parameters", "bundle", "cdex");

    private final EpisodeLoader loader;
    private final ReviewContext context;
    private final MedicalNecessityProperties properties;
    private final Clock clock;

    public MedicalNecessityOperation(EpisodeLoader loader, ReviewContext context, MedicalNecessityProperties properties,
            Clock clock) {
        if (!properties.policies().containsKey(properties.defaultPolicy())) {
            throw new IllegalStateException("iop.medical-necessity.default-policy '" + properties.defaultPolicy()
                    + "' is not among the configured policies " + properties.policies().keySet());
        }
        this.loader = loader;
        this.context = context;
        this.properties = properties;
        this.clock = clock;
    }

    @Operation(name = "$medical-necessity", typeName = "EpisodeOfCare", idempotent = true, canonicalUrl = CANONICAL)
    public IBaseResource medicalNecessity(
            @IdParam IdType id,
            @OperationParam(name = "asOf", max = 1) DateType asOf,
            @OperationParam(name = "policy", max = 1) CodeType policy,
            @OperationParam(name = "output", max = 1) CodeType output,
            @OperationParam(name = "payer", max = 1) StringType payer,
            @OperationParam(name = "trackingId", max = 1) StringType trackingId,
            @OperationParam(name = "attachTo", max = 1) CodeType attachTo,
            RequestDetails request) {
        String policyId = policy == null || policy.isEmpty() ? properties.defaultPolicy() : policy.getValue();
        Policy chosen = properties.policies().get(policyId);
        if (chosen == null) {
            throw new InvalidRequestException("unknown policy '" + policyId + "'; known: " + properties.policies().keySet());
        }
        String shape = output == null || output.isEmpty() ? "parameters" : output.getValue();
        if (!OUTPUTS.contains(shape)) {
            throw new InvalidRequestException("unknown output '" + shape + "'; use parameters, bundle or cdex");
        }
        Optional<CdexAttachments.Submission> submission = CdexAttachments.submission(shape.equals("cdex"), trackingId, attachTo);
        String payerReference = payer(payer);
        EpisodeRecord loaded = loader.load(id, TYPES, request);
        LocalDate reviewDate = asOf != null && asOf.getValue() != null ? FhirDates.localDate(asOf) : defaultAsOf(loaded);
        EpisodeRecord record = loader.withReferenced(loaded, Practitioner.class,
                CertificationCriterion.authors(loaded.all(DocumentReference.class)), request);
        if (reviewDate.isBefore(record.admission())) {
            throw new InvalidRequestException("asOf " + reviewDate + " is before the admission on " + record.admission());
        }
        Review review = new Review(record, chosen, reviewDate, context, payerReference);
        Verdict verdict = Checklist.evaluate(review);
        String title = "Medical necessity, " + record.episodeReference();
        String div = NecessityNarrative.div(title, Html.patient(record.patient(), record.patientReference()), policyId,
                review, verdict);
        HtmlAnswer.offer(request, title);
        Parameters parameters = output(review, policyId, verdict, div);
        if (shape.equals("bundle")) {
            parameters.addParameter().setName("package").setResource(documentation(record, verdict, request.getFhirServerBase()));
        }
        if (submission.isPresent()) {
            parameters.addParameter().setName("attachments").setResource(attachments(submission.get(), review, verdict, request));
        }
        return parameters;
    }

    /** Without {@code asOf}: the episode's last day once it has ended, else today. */
    private LocalDate defaultAsOf(EpisodeRecord record) {
        LocalDate today = LocalDate.now(clock);
        LocalDate discharge = record.discharge();
        return discharge != null && discharge.isBefore(today) ? discharge : today;
    }

    /** The payer parameter as a relative Organization reference, or null when absent. */
    private static String payer(StringType payer) {
        if (payer == null || payer.isEmpty()) {
            return null;
        }
        IdType id = new IdType(payer.getValue());
        if (!"Organization".equals(id.getResourceType()) || id.getIdPart() == null || id.hasBaseUrl()) {
            throw new InvalidRequestException("payer must reference an Organization (Organization/[id]), not '"
                    + payer.getValue() + "'");
        }
        return id.toUnqualifiedVersionless().getValue();
    }

    /**
     * The answer, its three kinds apart: {@code outcome} is the clinical verdict alone;
     * {@code documentation} and {@code quality} summarize the deficiencies and program-quality findings;
     * each {@code criterion} says which kind it is and the public source of the rule; {@code payment}
     * holds the payer's payment facts for the days reviewed.
     */
    static Parameters output(Review review, String policyId, Verdict verdict, String div) {
        Parameters out = new Parameters();
        out.addParameter().setName("outcome").setValue(new CodeType(verdict.outcome().code()));
        out.addParameter().setName("documentation").setValue(new CodeType(verdict.documentation().code()));
        out.addParameter().setName("quality").setValue(new CodeType(verdict.quality().code()));
        out.addParameter().setName("episode").setValue(new Reference(review.record().episodeReference()));
        out.addParameter().setName("policy").setValue(new CodeType(policyId));
        if (review.payer() != null) {
            out.addParameter().setName("payer").setValue(new Reference(review.payer()));
        }
        out.addParameter().setName("asOf").setValue(new DateType(review.asOf().toString()));
        for (Verdict.Result result : verdict.results()) {
            Parameters.ParametersParameterComponent criterion = out.addParameter().setName("criterion");
            criterion.addPart().setName("id").setValue(new StringType(result.id()));
            criterion.addPart().setName("status").setValue(new CodeType(result.finding().status().code()));
            criterion.addPart().setName("detail").setValue(new StringType(result.finding().detail()));
            criterion.addPart().setName("kind").setValue(new CodeType(result.kind().code()));
            if (result.rule() != null && !result.rule().source().isEmpty()) {
                criterion.addPart().setName("source").setValue(new StringType(result.rule().source()));
            }
            if (result.rule() != null && !result.rule().difference().isEmpty()) {
                criterion.addPart().setName("difference").setValue(new StringType(result.rule().difference()));
            }
            result.finding().evidence().forEach(e ->
                    criterion.addPart().setName("evidence").setValue(new Reference(AttendanceRecords.reference(e))));
        }
        out.addParameter(payment(verdict.payment()));
        out.addParameter().setName("narrative").setValue(new StringType(div));
        return out;
    }

    private static Parameters.ParametersParameterComponent payment(PaymentFacts facts) {
        Parameters.ParametersParameterComponent payment = new Parameters.ParametersParameterComponent().setName("payment");
        payment.addPart().setName("model").setValue(new CodeType(facts.model()));
        facts.billTypes().forEach(t -> payment.addPart().setName("billType").setValue(new StringType(t)));
        facts.conditionCodes().forEach(c -> payment.addPart().setName("conditionCode").setValue(new StringType(c)));
        if (facts.revenueCode() != null) {
            payment.addPart().setName("revenueCode").setValue(new StringType(facts.revenueCode()));
        }
        for (PaymentFacts.Line line : facts.lines()) {
            Parameters.ParametersParameterComponent part = payment.addPart().setName("line");
            part.addPart().setName("code").setValue(new StringType(line.code()));
            part.addPart().setName("days").setValue(new IntegerType(line.days()));
        }
        if (!facts.source().isEmpty()) {
            payment.addPart().setName("source").setValue(new StringType(facts.source()));
        }
        return payment;
    }

    /**
     * The documentation package: the episode, then each evidence resource once, with its full URL. The
     * verdict stays in the Parameters around it (a collection Bundle of Parameters would be one resource
     * type nested in the other's place).
     */
    static Bundle documentation(EpisodeRecord record, Verdict verdict, String base) {
        Bundle bundle = new Bundle().setType(Bundle.BundleType.COLLECTION).setTimestamp(new Date());
        List<Map.Entry<String, Resource>> entries = new ArrayList<>(items(record, verdict).entrySet());
        entries.forEach(e -> bundle.addEntry().setFullUrl(base + "/" + e.getKey()).setResource(e.getValue()));
        return bundle;
    }

    /**
     * The same items as the documentation package, as the input of CDex's $submit-attachment; the program's
     * organization and the payer are read with the caller's rights like everything else.
     */
    private Parameters attachments(CdexAttachments.Submission submission, Review review, Verdict verdict,
            RequestDetails request) {
        EpisodeRecord record = review.record();
        List<String> organizations = new ArrayList<>();
        String program = record.episode().getManagingOrganization().getReferenceElement().getIdPart();
        if (program != null) {
            organizations.add(program);
        }
        if (review.payer() != null) {
            organizations.add(new IdType(review.payer()).getIdPart());
        }
        List<Organization> read = loader.withReferenced(record, Organization.class, organizations, request).all(Organization.class);
        Organization payer = read.stream().filter(o -> review.payer() != null
                && ("Organization/" + o.getIdElement().getIdPart()).equals(review.payer())).findFirst().orElse(null);
        List<Organization> programs = read.stream().filter(o -> o.getIdElement().getIdPart().equals(program)).toList();
        return CdexAttachments.parameters(submission, review, items(record, verdict), payer, programs,
                record.all(Practitioner.class));
    }

    /** The episode, then each evidence resource once, by reference. */
    static Map<String, Resource> items(EpisodeRecord record, Verdict verdict) {
        Map<String, Resource> evidence = new LinkedHashMap<>();
        evidence.put(record.episodeReference(), record.episode());
        verdict.results().forEach(r -> r.finding().evidence().forEach(e -> evidence.putIfAbsent(AttendanceRecords.reference(e), e)));
        return evidence;
    }
}
