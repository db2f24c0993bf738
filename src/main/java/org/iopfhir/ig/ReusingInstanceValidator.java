package org.iopfhir.ig;

import ca.uhn.fhir.rest.api.EncodingEnum;
import ca.uhn.fhir.validation.IValidationContext;
import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.lang.reflect.Field;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedDeque;
import org.hl7.fhir.common.hapi.validation.validator.FhirInstanceValidator;
import org.hl7.fhir.common.hapi.validation.validator.WorkerContextValidationSupportAdapter;
import org.hl7.fhir.exceptions.FHIRException;
import org.hl7.fhir.exceptions.FHIRFormatError;
import org.hl7.fhir.r5.conformance.profile.ProfileUtilities;
import org.hl7.fhir.r5.context.IWorkerContext;
import org.hl7.fhir.r5.elementmodel.JsonParser;
import org.hl7.fhir.r5.elementmodel.Manager;
import org.hl7.fhir.r5.elementmodel.ParserBase;
import org.hl7.fhir.r5.elementmodel.ValidatedFragment;
import org.hl7.fhir.r5.fhirpath.FHIRPathEngine;
import org.hl7.fhir.r5.model.StructureDefinition;
import org.hl7.fhir.r5.utils.validation.ValidatorSession;
import org.hl7.fhir.r5.utils.validation.constants.IdStatus;
import org.hl7.fhir.r5.utils.xver.XVerExtensionManagerOld;
import org.hl7.fhir.utilities.i18n.I18nConstants;
import org.hl7.fhir.utilities.validation.ValidationMessage;
import org.hl7.fhir.validation.BaseValidator;
import org.hl7.fhir.validation.ValidatorSettings;
import org.hl7.fhir.validation.codesystem.CodingsObserver;
import org.hl7.fhir.validation.instance.InstanceValidator;

/**
 * HAPI's instance validator, configured like the one HAPI's JPA server builds, but reusing core
 * validators between calls. HAPI builds a new core {@link InstanceValidator} for every validation,
 * and building one re-reads and parses the validator's 1.5 MB OID registry ({@code oidregistry.csv}):
 * tens of milliseconds per resource, more than most validations take. A core validator is not
 * thread-safe, so each validation borrows one from a small pool of idle ones (at most
 * {@link #IDLE}, built when none is idle) and gives it back. It clears some of its per-validation state
 * when a validation starts and keeps the rest (the parsed elements of the resources it validated, the retired
 * definitions it reported on); all of it is cleared here as soon as a validation ends ({@link #forgetValidated}),
 * so an idle core validator holds nothing of any record (one that cannot be cleared is dropped). What it derives
 * from profiles (their child maps, the definitions its parser found) it keeps, so a core validator is dropped after
 * {@value #USES} validations or {@link #MAX_AGE} in use, whichever comes first: a profile changed at run time
 * reaches validation within a minute, and the registry is read at most once per {@value #USES} validations.
 *
 * <p>JSON input (what validation on write and {@code $validate} with JSON send) takes this path; XML
 * takes HAPI's. The messages are those HAPI's wrapper gives: profiles from the options and from
 * {@code meta.profile}, an unknown profile reported when no profile could be loaded, and the same two
 * terminology messages left out.
 */
final class ReusingInstanceValidator extends FhirInstanceValidator {

    static final int USES = 1000;
    static final Duration MAX_AGE = Duration.ofMinutes(1);
    /**
     * Enough for the validations a busy server runs at once (under 8 concurrent writers on 2 cores, a pool of 2
     * still built a validator for most validations); each idle one holds about 5 MB, mostly the OID registry.
     */
    static final int IDLE = 4 * Runtime.getRuntime().availableProcessors();

    /*
     * Fields of the core validator (org.hl7.fhir.validation 6.7.9) that hold what one validation found: its coding
     * observer's list of the codings it saw (each with its node, and so the whole parsed resource), the texts and
     * codings it collected for an AI check this server does not run, its map from narrative elements to their ids,
     * its cache of fetched resources (the validated one among them), its tracker of resources and messages, and the
     * retired, deprecated or withdrawn definitions it reported on, which it reports once per core validator (HAPI's
     * validator, built per call, reports them every time). Looked up when this class loads: a version that renamed
     * one fails here, in every validation test, rather than leaking or going quiet.
     */
    private static final Field CODING_OBSERVER = field(InstanceValidator.class, "codingObserver");
    private static final Field OBSERVED_CODINGS = field(CodingsObserver.class, "list");
    private static final List<Field> PER_VALIDATION = List.of(
            field(InstanceValidator.class, "textsToCheck"),
            field(InstanceValidator.class, "textsToCheckKeys"),
            field(InstanceValidator.class, "xhtmlElementMap"),
            field(InstanceValidator.class, "fetchCache"),
            field(InstanceValidator.class, "resourceTracker"),
            field(BaseValidator.class, "trackedMessages"),
            field(BaseValidator.class, "messagesToRemove"),
            field(BaseValidator.class, "statusWarnings"));

    private final Deque<Reused> idle = new ConcurrentLinkedDeque<>();

    private final long maxAgeNanos;

    private ReusingInstanceValidator(FhirInstanceValidator like, Duration maxAge) {
        super(like.getValidationSupport());
        this.maxAgeNanos = maxAge.toNanos();
        if (like.getWorkerContext() != null) {
            // Shared with HAPI's validator: one cache of fetched and snapshotted profiles.
            setWrappedWorkerContext(like.getValidationSupport(), like.getWorkerContext());
        }
        setValidatorResourceFetcher(like.getValidatorResourceFetcher());
        setValidatorPolicyAdvisor(like.getValidatorPolicyAdvisor());
        if (like.getBestPracticeWarningLevel() != null) {
            setBestPracticeWarningLevel(like.getBestPracticeWarningLevel());
        }
        setAnyExtensionsAllowed(like.isAnyExtensionsAllowed());
        setErrorForUnknownProfiles(like.isErrorForUnknownProfiles());
        setNoTerminologyChecks(like.isNoTerminologyChecks());
        setNoExtensibleWarnings(like.isNoExtensibleWarnings());
        setNoBindingMsgSuppressed(like.isNoBindingMsgSuppressed());
        setCustomExtensionDomains(like.getExtensionDomains());
        setAssumeValidRestReferences(like.isAssumeValidRestReferences());
        setAllowExamples(like.isAllowExamples());
        if (like.getHostApplicationServices() != null) {
            setHostApplicationServices(like.getHostApplicationServices());
        }
    }

    /** A validator with the settings, validation support and worker context of {@code like}. */
    static ReusingInstanceValidator like(FhirInstanceValidator like) {
        return like(like, MAX_AGE);
    }

    /** As {@link #like(FhirInstanceValidator)}, dropping core validators after {@code maxAge} in use. */
    static ReusingInstanceValidator like(FhirInstanceValidator like, Duration maxAge) {
        return new ReusingInstanceValidator(like, maxAge);
    }

    @Override
    protected List<ValidationMessage> validate(IValidationContext<?> context) {
        if (context.getResourceAsStringEncoding() != EncodingEnum.JSON) {
            return super.validate(context);
        }
        WorkerContextValidationSupportAdapter worker = provideWorkerContext();
        String input = context.getResourceAsString();
        List<StructureDefinition> profiles = new ArrayList<>();
        List<ValidationMessage> unknownProfiles = new ArrayList<>();
        context.getOptions().getProfiles().forEach(url -> addProfile(worker, url, profiles, unknownProfiles));
        declaredProfiles(input).forEach(url -> addProfile(worker, url, profiles, unknownProfiles));

        List<ValidationMessage> messages = new ArrayList<>();
        Reused borrowed = borrow(worker);
        try {
            borrowed.validate(context.getOptions().getAppContext(), messages, input, profiles);
        } finally {
            giveBack(borrowed);
        }
        if (profiles.isEmpty()) {
            messages.addAll(unknownProfiles);
        }
        List<ValidationMessage> kept = messages.stream().filter(m -> !ignored(m)).toList();
        kept.stream().filter(m -> I18nConstants.VALIDATION_VAL_PROFILE_UNKNOWN.equals(m.getMessageId())
                        || I18nConstants.VALIDATION_VAL_PROFILE_UNKNOWN_NOT_POLICY.equals(m.getMessageId()))
                .forEach(m -> m.setLevel(isErrorForUnknownProfiles() ? ValidationMessage.IssueSeverity.ERROR
                        : ValidationMessage.IssueSeverity.WARNING));
        return kept;
    }

    /** An idle core validator on this worker context, or a new one. */
    private Reused borrow(IWorkerContext worker) {
        for (Reused candidate = idle.pollFirst(); candidate != null; candidate = idle.pollFirst()) {
            if (candidate.worker == worker) {
                return candidate;
            }
        }
        return new Reused(worker, build(worker));
    }

    private void giveBack(Reused used) {
        used.uses++;
        if (used.uses < USES && System.nanoTime() - used.built < maxAgeNanos && idle.size() < IDLE
                && forgotValidated(used.validator)) {
            idle.offerFirst(used);
        }
    }

    /** Whether what the core validator kept of its validation could be cleared; if not, it is not reused. */
    private static boolean forgotValidated(InstanceValidator validator) {
        try {
            forgetValidated(validator);
            return true;
        } catch (RuntimeException e) {
            return false;
        }
    }

    /** Clears what the core validator keeps of the validation it ran (see {@link #PER_VALIDATION}). */
    private static void forgetValidated(InstanceValidator validator) {
        validator.validatedContent = null;
        kept(validator).forEach(held -> {
            if (held instanceof Collection<?> collection) {
                collection.clear();
            } else if (held instanceof Map<?, ?> map) {
                map.clear();
            }
        });
    }

    /** The collections of {@link #PER_VALIDATION} and the coding observer's list, of one core validator. */
    private static List<Object> kept(InstanceValidator validator) {
        try {
            List<Object> held = new ArrayList<>();
            held.add(OBSERVED_CODINGS.get(CODING_OBSERVER.get(validator)));
            for (Field field : PER_VALIDATION) {
                held.add(field.get(validator));
            }
            return held;
        } catch (IllegalAccessException e) {
            throw new IllegalStateException(e);
        }
    }

    /** How many idle core validators there are. */
    int idleValidators() {
        return idle.size();
    }

    /** What the idle core validators hold of past validations: entries of those collections, validated content. */
    int heldWhileIdle() {
        int held = 0;
        for (Reused reused : idle) {
            held += reused.validator.validatedContent == null ? 0 : 1;
            for (Object kept : kept(reused.validator)) {
                held += kept instanceof Collection<?> collection ? collection.size()
                        : kept instanceof Map<?, ?> map ? map.size() : 0;
            }
        }
        return held;
    }

    private static Field field(Class<?> type, String name) {
        try {
            Field field = type.getDeclaredField(name);
            field.setAccessible(true);
            return field;
        } catch (NoSuchFieldException e) {
            throw new IllegalStateException("this version of the FHIR core validator keeps " + name
                    + " elsewhere: check what ReusingInstanceValidator clears after each validation", e);
        }
    }

    private InstanceValidator build(IWorkerContext worker) {
        InstanceValidator v = new InstanceValidator(worker, getHostApplicationServices() != null
                ? getHostApplicationServices() : new FhirInstanceValidator.NullEvaluationContext(),
                new XVerExtensionManagerOld(worker), new ValidatorSession(), new ValidatorSettings());
        v.setAssumeValidRestReferences(isAssumeValidRestReferences());
        v.setBestPracticeWarningLevel(getBestPracticeWarningLevel());
        v.setAnyExtensionsAllowed(isAnyExtensionsAllowed());
        v.setResourceIdRule(IdStatus.OPTIONAL);
        v.setNoTerminologyChecks(isNoTerminologyChecks());
        v.setErrorForUnknownProfiles(isErrorForUnknownProfiles());
        // Fixed in HAPI's wrapper too: unknown code systems are errors (HAPI's support chain then softens them).
        v.setUnknownCodeSystemsCauseErrors(true);
        v.getExtensionDomains().addAll(getExtensionDomains());
        v.setFetcher(getValidatorResourceFetcher());
        v.setPolicyAdvisor(getValidatorPolicyAdvisor());
        v.setNoExtensibleWarnings(isNoExtensibleWarnings());
        v.setNoBindingMsgSuppressed(isNoBindingMsgSuppressed());
        v.setAllowExamples(isAllowExamples());
        v.setAllowXsiLocation(true);
        return v;
    }

    private static List<String> declaredProfiles(String json) {
        List<String> urls = new ArrayList<>();
        JsonElement root = com.google.gson.JsonParser.parseString(json);
        if (root.isJsonObject() && root.getAsJsonObject().get("meta") instanceof JsonObject meta
                && meta.get("profile") instanceof JsonArray declared) {
            declared.forEach(url -> urls.add(url.getAsString()));
        }
        return urls;
    }

    private static void addProfile(IWorkerContext worker, String url, List<StructureDefinition> profiles,
            List<ValidationMessage> unknown) {
        try {
            StructureDefinition profile = worker.fetchResource(StructureDefinition.class, url);
            if (profile != null) {
                profiles.add(profile);
                return;
            }
        } catch (FHIRException e) {
            return; // as HAPI's wrapper: a profile that fails to load is skipped, the validation reports it
        }
        ValidationMessage m = new ValidationMessage();
        m.setMessageId(I18nConstants.VALIDATION_VAL_PROFILE_UNKNOWN);
        m.setLevel(ValidationMessage.IssueSeverity.ERROR);
        m.setMessage("Invalid profile. Failed to retrieve profile with url=" + url);
        unknown.add(m);
    }

    /** The two messages HAPI's wrapper leaves out: a binding without a source, and the MIME type value set. */
    private static boolean ignored(ValidationMessage m) {
        return I18nConstants.TERMINOLOGY_TX_BINDING_NOSOURCE.equals(m.getMessageId())
                || (I18nConstants.TERMINOLOGY_TX_VALUESET_NOTFOUND.equals(m.getMessageId())
                        && m.getMessage() != null && m.getMessage().contains("http://hl7.org/fhir/ValueSet/mimetypes"));
    }

    /**
     * A core validator with the profile utilities its parsers share. The core validator builds a new parser for
     * every stream it validates, and a new parser builds a FHIRPath engine, which indexes every type the worker
     * context knows: a sixth of a validation on write in the benchmark's profile (a tenth of the time per
     * validation of an Encounter, measured alone). Here the parser is built on profile utilities made once per
     * core validator, and the stream is parsed and validated as the core validator does it.
     */
    private static final class Reused {
        final IWorkerContext worker;
        final InstanceValidator validator;
        final ProfileUtilities profileUtilities;
        /** The definitions its parsers found for a resource type, by type name. */
        final Map<String, StructureDefinition> definitions = new HashMap<>();
        final long built = System.nanoTime();
        int uses;

        Reused(IWorkerContext worker, InstanceValidator validator) {
            this.worker = worker;
            this.validator = validator;
            this.profileUtilities = new ProfileUtilities(worker, null, null, new FHIRPathEngine(worker));
        }

        void validate(Object appContext, List<ValidationMessage> messages, String json,
                List<StructureDefinition> profiles) {
            if (profiles.stream().anyMatch(p -> p.getKind() == StructureDefinition.StructureDefinitionKind.LOGICAL)) {
                validator.validate(appContext, messages, stream(json), Manager.FhirFormat.JSON, profiles);
                return;
            }
            JsonParser parser = new DefinitionReusingParser(worker, profileUtilities, definitions);
            parser.setupValidation(ParserBase.ValidationPolicy.EVERYTHING);
            List<ValidatedFragment> fragments;
            try {
                fragments = parser.parse(stream(json));
            } catch (IOException e) {
                throw new FHIRException(e);
            }
            if (fragments == null) {
                return;
            }
            if (parser.getImpliedProfile() != null) {
                // Only logical models imply a profile; the core validator's own path reports on it.
                validator.validate(appContext, messages, stream(json), Manager.FhirFormat.JSON, profiles);
                return;
            }
            for (ValidatedFragment fragment : fragments) {
                if (fragment.getElement() != null) {
                    validator.validate(appContext, fragment.getErrors(), fragments.size() > 1 ? fragment.path() : null,
                            fragment.getElement(), profiles);
                }
                messages.addAll(fragment.getErrors());
            }
        }

        private static InputStream stream(String json) {
            return new ByteArrayInputStream(json.getBytes(StandardCharsets.UTF_8));
        }
    }

    /**
     * The core validator's JSON parser, except that the definition of a resource's type (the root's, a contained
     * resource's) is looked up once per core validator: the parser finds it by going through every structure
     * definition the worker context holds, up to three times, building a URL for each - an eighth of a validation on
     * write in the benchmark's profile. What it did not find is looked up again (and reported) every time.
     */
    private static final class DefinitionReusingParser extends JsonParser {

        private final Map<String, StructureDefinition> definitions;

        DefinitionReusingParser(IWorkerContext worker, ProfileUtilities utilities,
                Map<String, StructureDefinition> definitions) {
            super(worker, utilities);
            this.definitions = definitions;
        }

        @Override
        protected StructureDefinition getDefinition(List<ValidationMessage> errors, int line, int col, String name)
                throws FHIRFormatError {
            StructureDefinition known = name == null ? null : definitions.get(name);
            if (known != null) {
                return known;
            }
            StructureDefinition found = super.getDefinition(errors, line, col, name);
            if (found != null) {
                definitions.put(name, found);
            }
            return found;
        }
    }
}
