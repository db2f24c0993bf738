package org.iopfhir.privacy.part2;

import ca.uhn.fhir.interceptor.api.Hook;
import ca.uhn.fhir.interceptor.api.Interceptor;
import ca.uhn.fhir.interceptor.api.Pointcut;
import ca.uhn.fhir.rest.api.RestOperationTypeEnum;
import ca.uhn.fhir.rest.api.server.RequestDetails;
import ca.uhn.fhir.rest.api.server.ResponseDetails;
import ca.uhn.fhir.rest.server.exceptions.BaseServerResponseException;
import ca.uhn.fhir.rest.server.exceptions.ForbiddenOperationException;
import ca.uhn.fhir.rest.server.exceptions.InvalidRequestException;
import ca.uhn.fhir.rest.server.exceptions.PreconditionFailedException;
import ca.uhn.fhir.rest.server.exceptions.ResourceNotFoundException;
import ca.uhn.fhir.rest.server.provider.ProviderConstants;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.hl7.fhir.instance.model.api.IIdType;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.IdType;
import org.hl7.fhir.r4.model.OperationOutcome;
import org.hl7.fhir.r4.model.Parameters;
import org.hl7.fhir.r4.model.Reference;
import org.iopfhir.privacy.auth.CallerContext;
import org.iopfhir.privacy.auth.Role;

/**
 * The request-level half of the disclosure rule (the other halves are the consent service, which
 * filters what a request loads and returns, and {@link WriteAccessInterceptor}):
 * <ul>
 *   <li><b>Operations never widen access.</b> An instance operation ({@code Patient/x/$everything},
 *       {@code EpisodeOfCare/x/$medical-necessity}...), an instance history and a PATCH or DELETE run
 *       only on a resource the caller could read directly; otherwise the answer is the one for a
 *       resource that does not exist. Before a PATCH is applied, so a JSON Patch {@code test} cannot
 *       probe a record's content either. The patients a Patient-level {@code $export} names are checked
 *       the same way.</li>
 *   <li><b>One answer for "missing" and "not yours".</b> Reads, instance histories and instance
 *       operations that fail with 403 or 404 all answer 404 with the same generic text; the reason stays
 *       in the audit trail.</li>
 *   <li><b>No existence probes through reverse chains.</b> {@code _has} matches resources by what
 *       refers to them (e.g. the program of a patient with a given identifier) and could reveal a record
 *       without returning it: refused with 400 except for the privacy officer. Conditional patch is
 *       refused likewise: its match could not be checked before the patch is applied.</li>
 *   <li><b>Write answers carry nothing the caller may not read.</b> A conditional create whose
 *       {@code If-None-Exist} matches a record the caller may not read answers 412 without the record
 *       or its location; so does such an entry of a transaction or batch.</li>
 * </ul>
 */
@Interceptor
public class DisclosureGuardInterceptor {

    private static final Set<RestOperationTypeEnum> INSTANCE_CHECKED = EnumSet.of(RestOperationTypeEnum.PATCH,
            RestOperationTypeEnum.DELETE, RestOperationTypeEnum.HISTORY_INSTANCE,
            RestOperationTypeEnum.EXTENDED_OPERATION_INSTANCE);
    private static final Set<RestOperationTypeEnum> UNIFORM_NOT_FOUND = EnumSet.of(RestOperationTypeEnum.READ,
            RestOperationTypeEnum.VREAD, RestOperationTypeEnum.HISTORY_INSTANCE,
            RestOperationTypeEnum.EXTENDED_OPERATION_INSTANCE, RestOperationTypeEnum.PATCH, RestOperationTypeEnum.DELETE);
    private static final Set<RestOperationTypeEnum> WRITES = EnumSet.of(RestOperationTypeEnum.CREATE,
            RestOperationTypeEnum.UPDATE, RestOperationTypeEnum.PATCH);

    private static final Pattern NOT_KNOWN = Pattern.compile("HAPI-\\d+: Resource (\\S+) is not known");

    static final String MATCHED_HIDDEN = "The condition matched a record this caller may not read; nothing was written";

    private final DisclosurePolicy policy;
    private final PatientRecords records;

    public DisclosureGuardInterceptor(DisclosurePolicy policy, PatientRecords records) {
        this.policy = policy;
        this.records = records;
    }

    @Hook(Pointcut.SERVER_INCOMING_REQUEST_PRE_HANDLED)
    public void incoming(RequestDetails request, RestOperationTypeEnum type) {
        CallerContext caller = CallerContext.of(request);
        if (caller.has(Role.PRIVACY_OFFICER)) {
            return;
        }
        if (request.getParameters().keySet().stream().anyMatch(name -> name.startsWith("_has"))) {
            throw new InvalidRequestException("_has (reverse chaining) is not supported while 42 CFR Part 2 protection is on");
        }
        if ("$validate".equals(request.getOperation()) && validatesDeletion(request)) {
            // Its answer names the records that refer to the resource, which the caller may not be able to read.
            throw new InvalidRequestException("$validate with mode=delete is not supported while 42 CFR Part 2 protection is on");
        }
        if (ProviderConstants.OPERATION_EXPORT.equals(request.getOperation())) {
            // The patients a Patient-level export names are its targets, checked like an instance operation's.
            for (String patient : exportedPatients(request)) {
                records.stored(patient, request).filter(r -> !policy.decideStored(caller, r, request).permitted())
                        .ifPresent(r -> {
                            throw notFound(patient);
                        });
            }
        }
        IIdType id = request.getId();
        boolean instance = id != null && id.hasIdPart() && request.getResourceName() != null;
        if (type == RestOperationTypeEnum.PATCH && !instance) {
            throw new InvalidRequestException("Conditional patch is not supported while 42 CFR Part 2 protection is on: "
                    + "patch by id");
        }
        if (instance && INSTANCE_CHECKED.contains(type)) {
            String target = request.getResourceName() + "/" + id.getIdPart();
            records.stored(target, request).filter(r -> !policy.decideStored(caller, r, request).permitted())
                    .ifPresent(r -> {
                        throw notFound(request);
                    });
        }
    }

    /** The {@code patient} parameters of a Patient-level {@code $export} ({@code Patient/id}). */
    private static List<String> exportedPatients(RequestDetails request) {
        if (!(request.getResource() instanceof Parameters parameters)) {
            return List.of();
        }
        return parameters.getParameter().stream().filter(p -> "patient".equals(p.getName()) && p.getValue() != null)
                .map(p -> p.getValue() instanceof Reference ref ? ref.getReference() : p.getValue().primitiveValue())
                .filter(value -> value != null)
                .map(value -> new IdType(value)).filter(id -> id.hasIdPart())
                .map(id -> "Patient/" + id.getIdPart()).toList();
    }

    private static boolean validatesDeletion(RequestDetails request) {
        String[] query = request.getParameters().get("mode");
        boolean inQuery = query != null && Arrays.stream(query).anyMatch("delete"::equalsIgnoreCase);
        return inQuery || request.getResource() instanceof Parameters parameters
                && parameters.getParameter().stream().anyMatch(p -> "mode".equals(p.getName()) && p.getValue() != null
                        && "delete".equalsIgnoreCase(p.getValue().primitiveValue()));
    }

    /**
     * After consent has filtered what storage showed (the page's matches and includes), before HAPI's consent
     * interceptor looks at the whole answer and the redisclosure notice (both order 100) and audit (200).
     */
    @Hook(value = Pointcut.SERVER_OUTGOING_RESPONSE, order = 50)
    public void outgoing(RequestDetails request, ResponseDetails response) {
        IBaseResource resource = response.getResponseResource();
        RestOperationTypeEnum type = request.getRestOperationType();
        if (resource instanceof Bundle searchset && searchset.getType() == Bundle.BundleType.SEARCHSET) {
            // An entry whose resource consent withheld would still name it in its fullUrl.
            searchset.getEntry().removeIf(e -> e.getResource() == null);
            dropUnanchoredIncludes(searchset);
            return;
        }
        if (resource instanceof Bundle answer && request.getResource() instanceof Bundle asked
                && (type == RestOperationTypeEnum.TRANSACTION || type == RestOperationTypeEnum.BATCH)) {
            withholdConditionalMatches(request, asked, answer);
            return;
        }
        if (resource == null || resource instanceof OperationOutcome || !WRITES.contains(type)) {
            return;
        }
        if (!policy.decide(CallerContext.of(request), resource, request).permitted()) {
            throw new PreconditionFailedException(MATCHED_HIDDEN);
        }
    }

    /**
     * HAPI chooses what {@code _include} and {@code _revinclude} add from a page's matches before consent
     * removes the matches a caller may not see, so an organization or practitioner could arrive tied to a
     * hidden record. An included entry stays only if it is linked - by a reference in either direction,
     * also through other kept includes - to a match the caller sees.
     */
    private void dropUnanchoredIncludes(Bundle searchset) {
        List<Bundle.BundleEntryComponent> includes = searchset.getEntry().stream()
                .filter(e -> e.getSearch().getMode() == Bundle.SearchEntryMode.INCLUDE && e.getResource() != null).toList();
        if (includes.isEmpty()) {
            return;
        }
        Set<String> kept = new HashSet<>();
        Map<String, Set<String>> references = new HashMap<>();
        for (Bundle.BundleEntryComponent entry : searchset.getEntry()) {
            if (entry.getResource() != null) {
                String key = key(entry.getResource());
                references.put(key, records.referencesOf(entry.getResource()).stream()
                        .map(ref -> new IdType(ref).toUnqualifiedVersionless().getValue()).collect(Collectors.toSet()));
                if (entry.getSearch().getMode() != Bundle.SearchEntryMode.INCLUDE) {
                    kept.add(key);
                }
            }
        }
        boolean grew = true;
        while (grew) {
            grew = false;
            for (Bundle.BundleEntryComponent include : includes) {
                String key = key(include.getResource());
                if (!kept.contains(key) && (references.get(key).stream().anyMatch(kept::contains)
                        || kept.stream().anyMatch(k -> references.getOrDefault(k, Set.of()).contains(key)))) {
                    kept.add(key);
                    grew = true;
                }
            }
        }
        searchset.getEntry().removeIf(e -> e.getResource() != null && !kept.contains(key(e.getResource())));
    }

    private static String key(IBaseResource resource) {
        return resource.fhirType() + "/" + resource.getIdElement().getIdPart();
    }

    /**
     * A transaction or batch answers each conditional entry with the record it matched (location, and the
     * record itself with {@code Prefer: return=representation}). Entries the caller wrote are readable by
     * construction; a match it may not read is answered 412 without location or record.
     */
    private void withholdConditionalMatches(RequestDetails request, Bundle asked, Bundle answer) {
        CallerContext caller = CallerContext.of(request);
        for (int i = 0; i < asked.getEntry().size() && i < answer.getEntry().size(); i++) {
            Bundle.BundleEntryRequestComponent entryRequest = asked.getEntry().get(i).getRequest();
            boolean conditional = entryRequest.hasIfNoneExist() || entryRequest.getUrl() != null && entryRequest.getUrl().contains("?")
                    && entryRequest.getMethod() != Bundle.HTTPVerb.GET;
            Bundle.BundleEntryComponent entry = answer.getEntry().get(i);
            IIdType location = entry.getResponse().hasLocation() ? new IdType(entry.getResponse().getLocation()) : null;
            if (!conditional || location == null || !location.hasResourceType() || !location.hasIdPart()) {
                continue;
            }
            boolean readable = records.stored(location.getResourceType() + "/" + location.getIdPart(), request)
                    .map(r -> policy.decideStored(caller, r, request).permitted()).orElse(true);
            if (!readable) {
                entry.setResource(null).setFullUrl(null);
                OperationOutcome outcome = new OperationOutcome();
                outcome.addIssue().setSeverity(OperationOutcome.IssueSeverity.ERROR)
                        .setCode(OperationOutcome.IssueType.CONFLICT).setDiagnostics(MATCHED_HIDDEN);
                entry.setResponse(new Bundle.BundleEntryResponseComponent().setStatus("412 Precondition Failed")
                        .setOutcome(outcome));
            }
        }
    }

    /** Before the server's own error mapping (order 0): the first answer given is the one sent. */
    @Hook(value = Pointcut.SERVER_PRE_PROCESS_OUTGOING_EXCEPTION, order = -10)
    public BaseServerResponseException uniform(RequestDetails request, Throwable thrown) {
        RestOperationTypeEnum type = request.getRestOperationType();
        IIdType id = request.getId();
        if (type == null || !UNIFORM_NOT_FOUND.contains(type) || id == null || !id.hasIdPart()
                || request.getResourceName() == null) {
            // Elsewhere (an operation reading a referenced record): HAPI words "missing" and "hidden" alike
            // but numbers them differently; answer without the number.
            Matcher notKnown = thrown instanceof ResourceNotFoundException && thrown.getMessage() != null ? NOT_KNOWN.matcher(thrown.getMessage()) : null;
            return notKnown != null && notKnown.matches() ? notFound(notKnown.group(1)) : null;
        }
        if (thrown instanceof ResourceNotFoundException) {
            return notFound(request);
        }
        if (thrown instanceof ForbiddenOperationException && !WRITES.contains(type)) {
            // A refusal of something the caller may read (an operation beyond its role) stays a 403.
            CallerContext caller = CallerContext.of(request);
            boolean readable = records.stored(request.getResourceName() + "/" + id.getIdPart(), request)
                    .filter(r -> policy.decideStored(caller, r, request).permitted()).isPresent();
            return readable ? null : notFound(request);
        }
        return null;
    }

    private static ResourceNotFoundException notFound(RequestDetails request) {
        return notFound(request.getResourceName() + "/" + request.getId().getIdPart());
    }

    private static ResourceNotFoundException notFound(String target) {
        OperationOutcome outcome = new OperationOutcome();
        String text = "Resource " + target + " is not known";
        outcome.addIssue().setSeverity(OperationOutcome.IssueSeverity.ERROR)
                .setCode(OperationOutcome.IssueType.NOTFOUND).setDiagnostics(text);
        return new ResourceNotFoundException(text, outcome);
    }
}
