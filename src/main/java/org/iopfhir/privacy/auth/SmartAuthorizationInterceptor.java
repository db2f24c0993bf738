package org.iopfhir.privacy.auth;

import ca.uhn.fhir.interceptor.auth.CompartmentSearchParameterModifications;
import ca.uhn.fhir.rest.api.RestOperationTypeEnum;
import ca.uhn.fhir.rest.api.server.RequestDetails;
import ca.uhn.fhir.rest.server.interceptor.auth.AuthorizationInterceptor;
import ca.uhn.fhir.rest.server.interceptor.auth.IAuthRule;
import ca.uhn.fhir.rest.server.interceptor.auth.IAuthRuleBuilderRuleOpClassifier;
import ca.uhn.fhir.rest.server.interceptor.auth.IAuthRuleBuilderRuleOp;
import ca.uhn.fhir.rest.server.interceptor.auth.PolicyEnum;
import ca.uhn.fhir.rest.server.interceptor.auth.RuleBuilder;
import ca.uhn.fhir.rest.server.provider.ProviderConstants;
import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.hl7.fhir.r4.model.AuditEvent;
import org.hl7.fhir.r4.model.EpisodeOfCare;
import org.hl7.fhir.r4.model.IdType;
import org.hl7.fhir.r4.model.Patient;
import org.hl7.fhir.r4.model.QuestionnaireResponse;
import org.hl7.fhir.r4.model.Subscription;
import org.iopfhir.privacy.auth.SmartScope.Permission;

/**
 * SMART scopes to HAPI authorization rules, built from the caller's token; anything
 * no rule allows is refused with 403. Scopes grant, the {@link Role} caps (see
 * {@link CallerContext#granted}), a patient-context token is confined to its patient's compartment,
 * and AuditEvents are readable only by auditors and writable by nobody through the API.
 *
 * <p>HAPI decides on what a request returns, not on how it was asked, so {@code r} and {@code s}
 * each grant its READ rule (read, vread, history, search); {@code u} grants HAPI's write rule
 * (update, which includes create) plus patch; {@code c} create; {@code d} delete.
 */
public class SmartAuthorizationInterceptor extends AuthorizationInterceptor {

    /** Operations that read nothing stored (terminology, validation, placement from inline input). */
    static final List<String> DATA_FREE_OPERATIONS =
            List.of("$expand", "$lookup", "$validate-code", "$translate", "$validate");

    /** Callers whose rules are kept: a client's users, each with a token or two, within the last quarter hour. */
    private static final int CALLERS = 2_000;

    private final Cache<RuleKey, List<IAuthRule>> built =
            Caffeine.newBuilder().maximumSize(CALLERS).expireAfterAccess(Duration.ofMinutes(15)).build();

    public SmartAuthorizationInterceptor() {
        super(PolicyEnum.DENY);
    }

    /**
     * The rules depend on the caller and on whether a page is asked for, nothing else: they are built once per
     * caller and reused by its next requests, also concurrent ones, instead of for every request. Applying HAPI's rules
     * changes nothing in them, except the compartment modifications {@code inCompartment} would give them: see
     * {@link UnmodifiedCompartment}.
     */
    @Override
    public List<IAuthRule> buildRuleList(RequestDetails request) {
        RuleKey key = new RuleKey(CallerContext.of(request), request.getRestOperationType() == RestOperationTypeEnum.GET_PAGE);
        return built.get(key, k -> rules(k.caller(), k.page()));
    }

    private record RuleKey(CallerContext caller, boolean page) {
    }

    /**
     * @param page the next page of a search: its type is not known before it is loaded, so a rule refusing a
     *             type would refuse every page; what a page holds is filtered by consent as the search was
     */
    static List<IAuthRule> rules(CallerContext caller, boolean page) {
        RuleBuilder rules = new RuleBuilder();
        rules.allow("capability statement").metadata();
        rules.deny("AuditEvents are never changed through the API").write().resourcesOfType(AuditEvent.class).withAnyId();
        rules.deny("AuditEvents are never deleted through the API").delete().resourcesOfType(AuditEvent.class).withAnyId();
        if (!page && !(caller.has(Role.AUDITOR) && canRead(caller, "AuditEvent"))) {
            rules.deny("AuditEvents are for auditors").read().resourcesOfType(AuditEvent.class).withAnyId();
        }
        Optional<IdType> compartment = caller.patientId().map(id -> new IdType("Patient", id));
        boolean anyUpdate = false;
        for (SmartScope scope : caller.scopes()) {
            boolean patientScope = scope.context() == SmartScope.Context.PATIENT || caller.has(Role.PATIENT);
            if (patientScope && compartment.isEmpty()) {
                continue; // a patient scope without a patient in context grants nothing
            }
            Optional<IdType> limit = patientScope ? compartment : Optional.empty();
            for (Permission permission : scope.permissions()) {
                if (!caller.granted(scope.resourceType(), permission)) {
                    continue;
                }
                IAuthRuleBuilderRuleOp op = switch (permission) {
                    case READ, SEARCH -> rules.allow(scope + " read").read();
                    case CREATE -> rules.allow(scope + " create").create();
                    case UPDATE -> rules.allow(scope + " update").write();
                    case DELETE -> rules.allow(scope + " delete").delete();
                };
                anyUpdate |= permission == Permission.UPDATE;
                restrict(op, scope.resourceType(), limit);
            }
        }
        if (anyUpdate) {
            rules.allow("patch, checked as an update").patch().allRequests();
        }
        rules.allow("transaction entries under the rules above").transaction().withAnyOperation().andApplyNormalRules();
        operationRules(rules, caller, compartment);
        exportRules(rules, caller, compartment);
        return List.copyOf(rules.build()); // shared by the caller's requests: nobody may change it
    }

    private static void restrict(IAuthRuleBuilderRuleOp op, String type, Optional<IdType> compartment) {
        IAuthRuleBuilderRuleOpClassifier target = SmartScope.ANY_TYPE.equals(type)
                ? op.allResources() : op.resourcesOfType(type);
        if (compartment.isPresent()) {
            target.inModifiedCompartment("Patient", compartment.get(), UnmodifiedCompartment.INSTANCE);
        } else {
            target.withAnyId();
        }
    }

    /**
     * The patient compartment as HAPI defines it, readable from many threads at once. {@code inCompartment} gives each
     * rule HAPI's {@link CompartmentSearchParameterModifications}, which answers "which search parameters does this
     * server add to or remove from the compartment for this type" by inserting an empty set into a plain
     * {@code HashMap} the first time a type is asked about. HAPI builds rules per request; here a caller's rules serve
     * its concurrent requests, and two of them asking about new types at once failed one with a
     * {@code ConcurrentModificationException} (500) - or could corrupt the map. This one has no modifications, as
     * HAPI's default, and reading it changes nothing.
     */
    static final class UnmodifiedCompartment extends CompartmentSearchParameterModifications {

        static final UnmodifiedCompartment INSTANCE = new UnmodifiedCompartment();

        private UnmodifiedCompartment() {
        }

        @Override
        public Set<String> getAdditionalSearchParamNamesForResourceType(String resourceType) {
            return Set.of();
        }

        @Override
        public Set<String> getOmittedSPNamesForResourceType(String resourceType) {
            return Set.of();
        }

        @Override
        public void addSPToIncludeInCompartment(String resourceType, String searchParameter) {
            throw new UnsupportedOperationException("the patient compartment is not modified here");
        }

        @Override
        public void addSPToOmitFromCompartment(String resourceType, String searchParameter) {
            throw new UnsupportedOperationException("the patient compartment is not modified here");
        }
    }

    /**
     * Operations by name, each allowed to whoever may read the resource it runs on. What their outputs hold
     * is decided by the disclosure rule: on what they read (the review operations' episode loader applies it
     * to every search) and again by consent on the answer.
     * {@code $attendance} and {@code $medical-necessity} (issue 5) are named here so they are covered as
     * soon as they exist.
     */
    private static void operationRules(RuleBuilder rules, CallerContext caller, Optional<IdType> compartment) {
        for (String name : DATA_FREE_OPERATIONS) {
            rules.allow(name).operation().named(name).atAnyLevel().andAllowAllResponses();
        }
        if (canRead(caller, "Patient")) {
            var everything = rules.allow("$everything").operation().named("$everything");
            if (compartment.isPresent()) {
                // A patient's own $everything also returns the organizations and practitioners their
                // records reference, outside the compartment rules; consent still filters it.
                everything.onInstance(compartment.get()).andAllowAllResponses();
            } else {
                everything.onInstancesOfType(Patient.class).andRequireExplicitResponseAuthorization();
            }
            rules.allow("$level-of-care on a patient").operation().named("$level-of-care")
                    .onInstancesOfType(Patient.class).andAllowAllResponses();
        }
        if (canRead(caller, "QuestionnaireResponse")) {
            for (String name : List.of("$level-of-care", "$extract")) {
                rules.allow(name + " on an intake").operation().named(name)
                        .onInstancesOfType(QuestionnaireResponse.class).andAllowAllResponses();
            }
            // SDC's type-level form: the intake comes inline; its subject is read with the caller's request.
            rules.allow("$extract from an inline intake").operation().named("$extract")
                    .onType(QuestionnaireResponse.class).andAllowAllResponses();
        }
        if (caller.granted("Observation", Permission.READ) || caller.granted("Observation", Permission.CREATE)) {
            rules.allow("$level-of-care from inline ratings").operation().named("$level-of-care").onServer()
                    .andAllowAllResponses();
        }
        if (caller.has(Role.PRIVACY_OFFICER)) {
            // Security labels are changed through HAPI's meta operations, which keep them out of versions.
            for (String name : List.of("$meta", "$meta-add", "$meta-delete")) {
                rules.allow(name + " for the privacy officer").operation().named(name).atAnyLevel().andAllowAllResponses();
            }
        }
        if (canRead(caller, "Subscription")) {
            // Subscriptions Backport IG: the subscription is read with the caller's request, so only its owner
            // (or the privacy officer) gets an answer.
            rules.allow("$status of a subscription").operation().named("$status")
                    .onInstancesOfType(Subscription.class).andAllowAllResponses();
        }
        if (canRead(caller, "EpisodeOfCare")) {
            for (String name : List.of("$attendance", "$medical-necessity")) {
                rules.allow(name).operation().named(name).onInstancesOfType(EpisodeOfCare.class).andAllowAllResponses();
            }
        }
    }

    /**
     * Bulk Data {@code $export} for whoever may read: a patient-context token exports its own patient only,
     * other callers the system, any patients or a group they can read (the group is checked like any instance
     * operation's target). HAPI checks the export against these rules when it starts, on the resource types it
     * will export: all of them must be readable under the scopes. What each file holds is then decided per
     * resource by the disclosure rule, as for a search. Status polling is open to these callers;
     * {@link BulkExportRequester} answers only the requester.
     */
    private static void exportRules(RuleBuilder rules, CallerContext caller, Optional<IdType> compartment) {
        boolean patientContext = patientContext(caller);
        boolean anyType = caller.granted(SmartScope.ANY_TYPE, Permission.READ) || caller.granted(SmartScope.ANY_TYPE, Permission.SEARCH);
        List<String> types = caller.scopes().stream().map(SmartScope::resourceType).distinct()
                .filter(type -> !SmartScope.ANY_TYPE.equals(type) && canRead(caller, type)).toList();
        if (!anyType && types.isEmpty() || patientContext && compartment.isEmpty()) {
            return;
        }
        var export = rules.allow("bulk export").bulkExport();
        var target = patientContext ? export.patientExportOnPatient(compartment.get().getValue()) : export.any();
        if (!anyType) {
            target.withResourceTypes(types);
        }
        if (patientContext) {
            // Binaries are in no patient's compartment: a patient-context token reads the files of its own
            // exports (and only those, see BulkExportFileAccess).
            rules.allow("bulk export files").read().resourcesOfType("Binary").withAnyId();
            rules.allow("$export of the patient").operation().named(ProviderConstants.OPERATION_EXPORT).onInstance(compartment.get()).andAllowAllResponses();
            rules.allow("$export of patients").operation().named(ProviderConstants.OPERATION_EXPORT).onType(Patient.class).andAllowAllResponses();
        } else {
            rules.allow("$export").operation().named(ProviderConstants.OPERATION_EXPORT).atAnyLevel().andAllowAllResponses();
        }
        rules.allow("$export-poll-status").operation().named(BulkExportRequester.POLL_STATUS).onServer().andAllowAllResponses();
    }

    /** A token acting for one patient: the patient role, or any patient-context scope. */
    static boolean patientContext(CallerContext caller) {
        return caller.has(Role.PATIENT) || caller.scopes().stream().anyMatch(s -> s.context() == SmartScope.Context.PATIENT);
    }

    private static boolean canRead(CallerContext caller, String type) {
        return caller.granted(type, Permission.READ) || caller.granted(type, Permission.SEARCH);
    }
}
