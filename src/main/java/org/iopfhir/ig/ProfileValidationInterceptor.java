package org.iopfhir.ig;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.interceptor.api.Hook;
import ca.uhn.fhir.interceptor.api.Interceptor;
import ca.uhn.fhir.interceptor.api.Pointcut;
import ca.uhn.fhir.rest.server.exceptions.UnprocessableEntityException;
import ca.uhn.fhir.validation.FhirValidator;
import ca.uhn.fhir.validation.IValidatorModule;
import ca.uhn.fhir.validation.ResultSeverityEnum;
import ca.uhn.fhir.validation.SingleValidationMessage;
import ca.uhn.fhir.validation.ValidationOptions;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Collectors;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.hl7.fhir.instance.model.api.IPrimitiveType;
import org.hl7.fhir.r4.model.OperationOutcome;

/**
 * Validation on write. A resource that claims an IOP profile in {@code meta.profile} is validated
 * against it, and a resource type listed in {@code iop.ig.required-profiles} must claim its
 * profile. Everything else (e.g. synthetic data tagged with third-party profiles) is stored as
 * before: validation costs tens of milliseconds, so only what needs it pays. Registered on the
 * storage layer, it sees every create, update, patch and transaction entry, from any caller.
 * A failure is a 422 whose OperationOutcome lists every error and warning with its location.
 */
@Interceptor
public class ProfileValidationInterceptor {

    private final FhirContext fhirContext;
    private final FhirValidator validator;
    private final Map<String, String> requiredProfiles;

    public ProfileValidationInterceptor(FhirContext fhirContext, IValidatorModule instanceValidator,
            Map<String, String> requiredProfiles) {
        this.fhirContext = fhirContext;
        this.validator = fhirContext.newValidator().registerValidatorModule(instanceValidator);
        // Keys are compared case-insensitively: environment variables arrive lower-cased.
        this.requiredProfiles = requiredProfiles.entrySet().stream()
                .collect(Collectors.toUnmodifiableMap(e -> e.getKey().toLowerCase(Locale.ROOT), Map.Entry::getValue));
    }

    @Hook(Pointcut.STORAGE_PRESTORAGE_RESOURCE_CREATED)
    public void beforeCreate(IBaseResource resource) {
        check(resource);
    }

    @Hook(Pointcut.STORAGE_PRESTORAGE_RESOURCE_UPDATED)
    public void beforeUpdate(IBaseResource previous, IBaseResource updated) {
        check(updated);
    }

    void check(IBaseResource resource) {
        List<String> claimed = resource.getMeta().getProfile().stream().map(IPrimitiveType::getValue).toList();
        String required = requiredProfiles.get(resource.fhirType().toLowerCase(Locale.ROOT));
        if (required != null && claimed.stream().noneMatch(p -> sameCanonical(p, required))) {
            throw rejection(List.of(issue(OperationOutcome.IssueSeverity.ERROR, OperationOutcome.IssueType.REQUIRED,
                    "This server requires every " + resource.fhirType() + " to conform to " + required
                            + ": declare it in meta.profile", resource.fhirType() + ".meta.profile")));
        }
        List<String> ours = claimed.stream().filter(p -> p.startsWith(ImplementationGuide.PROFILE_BASE)).toList();
        if (ours.isEmpty()) {
            return;
        }
        ValidationOptions options = new ValidationOptions();
        ours.forEach(options::addProfile);
        List<SingleValidationMessage> messages = validator.validateWithResult(resource, options).getMessages();
        if (messages.stream().anyMatch(m -> m.getSeverity().ordinal() >= ResultSeverityEnum.ERROR.ordinal())) {
            throw rejection(messages.stream()
                    .filter(m -> m.getSeverity().ordinal() >= ResultSeverityEnum.WARNING.ordinal())
                    .map(ProfileValidationInterceptor::issue)
                    .toList());
        }
    }

    private UnprocessableEntityException rejection(List<OperationOutcome.OperationOutcomeIssueComponent> issues) {
        OperationOutcome outcome = new OperationOutcome();
        issues.forEach(outcome::addIssue);
        return new UnprocessableEntityException(fhirContext, outcome);
    }

    private static OperationOutcome.OperationOutcomeIssueComponent issue(SingleValidationMessage message) {
        OperationOutcome.IssueSeverity severity = switch (message.getSeverity()) {
            case FATAL -> OperationOutcome.IssueSeverity.FATAL;
            case ERROR -> OperationOutcome.IssueSeverity.ERROR;
            case WARNING -> OperationOutcome.IssueSeverity.WARNING;
            case INFORMATION -> OperationOutcome.IssueSeverity.INFORMATION;
        };
        return issue(severity, OperationOutcome.IssueType.PROCESSING, message.getMessage(), message.getLocationString());
    }

    private static OperationOutcome.OperationOutcomeIssueComponent issue(OperationOutcome.IssueSeverity severity,
            OperationOutcome.IssueType type, String diagnostics, String location) {
        OperationOutcome.OperationOutcomeIssueComponent issue = new OperationOutcome.OperationOutcomeIssueComponent()
                .setSeverity(severity).setCode(type).setDiagnostics(diagnostics);
        if (location != null) {
            issue.addExpression(location);
        }
        return issue;
    }

    /** {@code url} and {@code url|version} name the same profile. */
    private static boolean sameCanonical(String claimed, String required) {
        return claimed.equals(required) || claimed.startsWith(required + "|");
    }
}
