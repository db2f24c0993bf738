package org.iopfhir.privacy.audit;

import ca.uhn.fhir.interceptor.api.Hook;
import ca.uhn.fhir.interceptor.api.Interceptor;
import ca.uhn.fhir.interceptor.api.Pointcut;
import ca.uhn.fhir.rest.annotation.Count;
import ca.uhn.fhir.rest.annotation.Create;
import ca.uhn.fhir.rest.annotation.Delete;
import ca.uhn.fhir.rest.annotation.IdParam;
import ca.uhn.fhir.rest.annotation.Offset;
import ca.uhn.fhir.rest.annotation.OptionalParam;
import ca.uhn.fhir.rest.annotation.Patch;
import ca.uhn.fhir.rest.annotation.Read;
import ca.uhn.fhir.rest.annotation.ResourceParam;
import ca.uhn.fhir.rest.annotation.Search;
import ca.uhn.fhir.rest.annotation.Sort;
import ca.uhn.fhir.rest.annotation.Update;
import ca.uhn.fhir.rest.api.MethodOutcome;
import ca.uhn.fhir.rest.api.PatchTypeEnum;
import ca.uhn.fhir.rest.api.RestOperationTypeEnum;
import ca.uhn.fhir.rest.api.SortOrderEnum;
import ca.uhn.fhir.rest.api.SortSpec;
import ca.uhn.fhir.rest.api.server.IBundleProvider;
import ca.uhn.fhir.rest.api.server.RequestDetails;
import ca.uhn.fhir.rest.param.DateParam;
import ca.uhn.fhir.rest.param.DateRangeParam;
import ca.uhn.fhir.rest.param.ParamPrefixEnum;
import ca.uhn.fhir.rest.param.ReferenceAndListParam;
import ca.uhn.fhir.rest.param.ReferenceParam;
import ca.uhn.fhir.rest.param.TokenAndListParam;
import ca.uhn.fhir.rest.param.TokenOrListParam;
import ca.uhn.fhir.rest.param.TokenParam;
import ca.uhn.fhir.rest.server.IPagingProvider;
import ca.uhn.fhir.rest.server.IResourceProvider;
import ca.uhn.fhir.rest.server.SimpleBundleProvider;
import ca.uhn.fhir.rest.server.exceptions.BaseServerResponseException;
import ca.uhn.fhir.rest.server.exceptions.ForbiddenOperationException;
import ca.uhn.fhir.rest.server.exceptions.InvalidRequestException;
import ca.uhn.fhir.rest.server.exceptions.ResourceNotFoundException;
import java.time.Instant;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import java.util.function.Supplier;
import org.hl7.fhir.instance.model.api.IBaseConformance;
import org.hl7.fhir.r4.model.AuditEvent;
import org.hl7.fhir.r4.model.CapabilityStatement;
import org.hl7.fhir.r4.model.CapabilityStatement.CapabilityStatementRestResourceComponent;
import org.hl7.fhir.r4.model.CapabilityStatement.ResourceVersionPolicy;
import org.hl7.fhir.r4.model.Enumerations.SearchParamType;
import org.hl7.fhir.r4.model.IdType;

/**
 * {@code /fhir/AuditEvent}: the audit trail in {@link AuditLog}, read and searched as AuditEvents. Events are
 * never changed, so there is one version and no history; nothing is written through the API: create, update,
 * patch and delete are refused with 403, as in transactions ({@link ServerWrittenGuard}), and the
 * CapabilityStatement offers read, vread and search only. Who may read the trail is decided as for any resource:
 * by the authorization and consent interceptors, on the AuditEvents returned.
 *
 * <p>Search parameters (all optional, repeated for AND, comma-separated for OR): {@code _id}, {@code patient},
 * {@code altid} (the client application), {@code date} (when recorded; {@code eq}, {@code lt}, {@code le},
 * {@code gt}, {@code ge}), {@code action}, {@code subtype}, {@code outcome}; {@code _sort} by {@code date} or
 * {@code -date} (oldest first by default); {@code _count} and {@code _offset} page (a search without an upper
 * time bound is bounded at its first page). Anything else is refused with 400, as are modifiers and chains
 * and more than 100 values of one parameter.
 */
@Interceptor
public class AuditEventProvider implements IResourceProvider {

    static final String ACTION_SYSTEM = "http://hl7.org/fhir/audit-event-action";
    static final String OUTCOME_SYSTEM = "http://hl7.org/fhir/audit-event-outcome";
    private static final String RECORDED = "date";
    private static final String WHAT = "AuditEvents";
    private static final Set<String> OFFERED = Set.of("read", "vread", "search-type");
    private static final Set<String> SEARCHED = new java.util.TreeSet<>(
            Set.of("_id", "patient", "altid", RECORDED, "action", "subtype", "outcome"));
    private static final Set<String> ANSWER_SHAPING = new java.util.TreeSet<>(
            Set.of("_sort", "_count", "_offset", "_summary", "_elements", "_format", "_pretty"));
    private static final int MAX_ALTERNATIVES = 100;
    private static final Set<RestOperationTypeEnum> WRITES = EnumSet.of(RestOperationTypeEnum.CREATE,
            RestOperationTypeEnum.UPDATE, RestOperationTypeEnum.PATCH, RestOperationTypeEnum.DELETE);

    /** How long the first page of a search waits for the events recorded before it to be stored. */
    private static final long SETTLE_MILLIS = 2_000;

    private final AuditLog log;
    /** The asynchronous writer, when the server records a trail. */
    private final Supplier<AuditTrail> trail;

    public AuditEventProvider(AuditLog log, Supplier<AuditTrail> trail) {
        this.log = log;
        this.trail = trail;
    }

    @Override
    public Class<AuditEvent> getResourceType() {
        return AuditEvent.class;
    }

    @Read(version = true)
    public AuditEvent read(@IdParam IdType id) {
        if (id.hasVersionIdPart() && !"1".equals(id.getVersionIdPart())) {
            throw new ResourceNotFoundException(id);
        }
        return log.read(id.getIdPart()).orElseThrow(() -> new ResourceNotFoundException(id));
    }

    @Create
    public MethodOutcome create(@ResourceParam AuditEvent event) {
        throw ServerWrittenGuard.refusal(WHAT);
    }

    @Update
    public MethodOutcome update(@IdParam IdType id, @ResourceParam AuditEvent event) {
        throw ServerWrittenGuard.refusal(WHAT);
    }

    @Patch
    public MethodOutcome patch(@IdParam IdType id, PatchTypeEnum type, @ResourceParam String body) {
        throw ServerWrittenGuard.refusal(WHAT);
    }

    @Delete
    public MethodOutcome delete(@IdParam IdType id) {
        throw ServerWrittenGuard.refusal(WHAT);
    }

    /**
     * A write refused on AuditEvent stays a 403, before the disclosure guard answers refusals on records the caller
     * cannot read as if they did not exist: the refusal is the same for every id, so it tells nothing.
     */
    @Hook(value = Pointcut.SERVER_PRE_PROCESS_OUTGOING_EXCEPTION, order = -20)
    public BaseServerResponseException keepRefusal(RequestDetails request, Throwable thrown) {
        return "AuditEvent".equals(request.getResourceName()) && thrown instanceof ForbiddenOperationException refusal
                && WRITES.contains(request.getRestOperationType()) ? refusal : null;
    }

    @Search
    public IBundleProvider search(
            @OptionalParam(name = "_id") TokenAndListParam ids,
            @OptionalParam(name = "patient") ReferenceAndListParam patients,
            @OptionalParam(name = "altid") TokenAndListParam clients,
            @OptionalParam(name = RECORDED) DateRangeParam recorded,
            @OptionalParam(name = "action") TokenAndListParam actions,
            @OptionalParam(name = "subtype") TokenAndListParam subtypes,
            @OptionalParam(name = "outcome") TokenAndListParam outcomes,
            @Sort SortSpec sort,
            @Count Integer count,
            @Offset Integer offset,
            RequestDetails request) {
        refuseUnoffered(request.getParameters().keySet());
        AuditQuery query = new AuditQuery();
        tokens(ids, null, query::ids);
        tokens(clients, null, query::clients);
        tokens(actions, ACTION_SYSTEM, query::actions);
        tokens(subtypes, AuditEventFactory.INTERACTION, query::subtypes);
        tokens(outcomes, OUTCOME_SYSTEM, query::outcomes);
        if (patients != null) {
            patients.getValuesAsQueryTokens().forEach(or -> query.patients(patientsOf(or.getValuesAsQueryTokens())));
        }
        if (recorded != null) {
            bounds(recorded, query);
        }
        if (recorded == null || recorded.getUpperBound() == null) {
            recordedUntilNow(request, query);
        } else {
            // A bound may reach up to now, or past it: what this server recorded before the search goes in first.
            awaitTrail();
        }
        if (sort != null) {
            order(sort, query);
        }
        int first = offset == null ? 0 : offset;
        if (first < 0) {
            throw new InvalidRequestException("_offset must not be negative");
        }
        int size = pageSize(count, request.getServer().getPagingProvider());
        List<AuditEvent> page = size == 0 ? List.of() : log.search(query, first, size);
        SimpleBundleProvider result = new SimpleBundleProvider(page);
        result.setSize(first == 0 && page.size() < size ? page.size() : log.count(query));
        result.setCurrentPageOffset(first);
        result.setCurrentPageSize(size);
        return result;
    }

    /** The names a search takes: its parameters, and those HAPI applies to any answer. */
    private static void refuseUnoffered(Set<String> names) {
        for (String name : names) {
            String base = name.contains(":") ? name.substring(0, name.indexOf(':')) : name;
            boolean offered = base.equals(name) ? SEARCHED.contains(name) || ANSWER_SHAPING.contains(name)
                    : "patient:Patient".equals(name) || "_elements:exclude".equals(name);
            if (!offered) {
                throw new InvalidRequestException("AuditEvent search does not offer " + name + ": it takes "
                        + String.join(", ", SEARCHED) + " and " + String.join(", ", ANSWER_SHAPING));
            }
        }
    }

    /**
     * Pages are found by offset in a trail that grows, the newest events recorded while an auditor pages (the
     * paging itself is audited): a search without an upper time bound gets one at its first page, carried in its
     * next links, so that later pages neither repeat nor skip an event recorded meanwhile. The events recorded up to
     * the bound are first let into the tables (the writer is asynchronous): one stored after the first page would
     * shift the later pages by one.
     */
    private void recordedUntilNow(RequestDetails request, AuditQuery query) {
        Instant now = Instant.now();
        awaitTrail();
        query.recordedTo(now.toEpochMilli());
        Map<String, String[]> parameters = new LinkedHashMap<>(request.getParameters());
        String[] dates = parameters.getOrDefault(RECORDED, new String[0]);
        String[] bounded = Arrays.copyOf(dates, dates.length + 1);
        bounded[dates.length] = "le" + now;
        parameters.put(RECORDED, bounded);
        request.setParameters(parameters);
    }

    /** Lets the events this server recorded so far into the tables: the writer stores them in batches, asynchronously. */
    private void awaitTrail() {
        AuditTrail writer = trail.get();
        if (writer != null) {
            writer.awaitSettled(SETTLE_MILLIS);
        }
    }

    private static Set<String> limited(Set<String> alternatives) {
        if (alternatives.size() > MAX_ALTERNATIVES) {
            throw new InvalidRequestException("At most " + MAX_ALTERNATIVES + " values per AuditEvent search parameter");
        }
        return alternatives;
    }

    private static int pageSize(Integer count, IPagingProvider paging) {
        if (count == null) {
            return paging.getDefaultPageSize();
        }
        if (count < 0) {
            throw new InvalidRequestException("_count must not be negative");
        }
        return Math.min(count, paging.getMaximumPageSize());
    }

    /** Each AND of a token parameter: its codes in the system given (or none given); a code of another system matches nothing. */
    private static void tokens(TokenAndListParam and, String system, Function<Set<String>, AuditQuery> criterion) {
        if (and == null) {
            return;
        }
        for (TokenOrListParam or : and.getValuesAsQueryTokens()) {
            Set<String> codes = new LinkedHashSet<>();
            for (TokenParam token : or.getValuesAsQueryTokens()) {
                if (token.getModifier() != null || token.getMissing() != null) {
                    throw new InvalidRequestException("Modifiers are not supported on AuditEvent search parameters");
                }
                if (token.getSystem() == null || token.getSystem().isEmpty() || token.getSystem().equals(system)) {
                    codes.add(token.getValue());
                }
            }
            criterion.apply(limited(codes));
        }
    }

    private static Set<String> patientsOf(List<ReferenceParam> or) {
        Set<String> patients = new LinkedHashSet<>();
        for (ReferenceParam reference : or) {
            if (reference.hasChain() || reference.getMissing() != null) {
                throw new InvalidRequestException("AuditEvent?patient= takes a patient reference, without chains or modifiers");
            }
            if (reference.getIdPart() == null || reference.getIdPart().isBlank()) {
                throw new InvalidRequestException("AuditEvent?patient= takes a patient reference, e.g. Patient/123");
            }
            if (!reference.hasResourceType() || "Patient".equals(reference.getResourceType())) {
                patients.add("Patient/" + reference.getIdPart());
            }
        }
        return limited(patients);
    }

    private static void bounds(DateRangeParam range, AuditQuery query) {
        for (DateParam bound : new DateParam[] {range.getLowerBound(), range.getUpperBound()}) {
            if (bound != null && bound.getPrefix() != null && !Set.of(ParamPrefixEnum.EQUAL, ParamPrefixEnum.GREATERTHAN,
                    ParamPrefixEnum.GREATERTHAN_OR_EQUALS, ParamPrefixEnum.LESSTHAN,
                    ParamPrefixEnum.LESSTHAN_OR_EQUALS).contains(bound.getPrefix())) {
                throw new InvalidRequestException("AuditEvent?date= takes the prefixes eq, lt, le, gt and ge");
            }
        }
        if (range.getLowerBoundAsInstant() != null) {
            query.recordedFrom(range.getLowerBoundAsInstant().getTime());
        }
        if (range.getUpperBoundAsInstant() != null) {
            query.recordedTo(range.getUpperBoundAsInstant().getTime());
        }
    }

    private static void order(SortSpec sort, AuditQuery query) {
        if (!RECORDED.equals(sort.getParamName()) || sort.getChain() != null) {
            throw new InvalidRequestException("AuditEvents are sorted by date only: _sort=date or _sort=-date");
        }
        if (sort.getOrder() == SortOrderEnum.DESC) {
            query.newestFirst();
        }
    }

    /**
     * The CapabilityStatement says what this endpoint does: HAPI's generator lists every AuditEvent search
     * parameter of its registry and the storage's conditional interactions for every type.
     */
    @Hook(Pointcut.SERVER_CAPABILITY_STATEMENT_GENERATED)
    public void describe(IBaseConformance capabilityStatement) {
        CapabilityStatement cs = (CapabilityStatement) capabilityStatement;
        cs.getRestFirstRep().getResource().stream().filter(r -> "AuditEvent".equals(r.getType())).findFirst()
                .ifPresent(AuditEventProvider::describe);
        // No other type's search reaches the trail.
        cs.getRestFirstRep().getResource().forEach(r -> r.getSearchRevInclude()
                .removeIf(revInclude -> revInclude.getValue().startsWith("AuditEvent:")));
    }

    private static void describe(CapabilityStatementRestResourceComponent resource) {
        resource.getInteraction().removeIf(i -> !OFFERED.contains(i.getCode().toCode()));
        resource.setVersioning(ResourceVersionPolicy.VERSIONED);
        resource.setReadHistory(false).setUpdateCreate(false).setConditionalCreate(false).setConditionalUpdate(false)
                .setConditionalRead(null).setConditionalDelete(null);
        resource.getSearchInclude().clear();
        resource.getSearchRevInclude().clear();
        resource.getSearchParam().clear();
        resource.addSearchParam().setName("_id").setType(SearchParamType.TOKEN).setDocumentation("The event's id");
        resource.addSearchParam().setName("patient").setType(SearchParamType.REFERENCE)
                .setDocumentation("A patient the event is about, also one deleted since or never found");
        resource.addSearchParam().setName("altid").setType(SearchParamType.TOKEN)
                .setDocumentation("The client application (its token's client id)");
        resource.addSearchParam().setName(RECORDED).setType(SearchParamType.DATE)
                .setDocumentation("When the event was recorded (eq, lt, le, gt, ge)");
        resource.addSearchParam().setName("action").setType(SearchParamType.TOKEN)
                .setDocumentation("C, R, U, D or E (" + ACTION_SYSTEM + ")");
        resource.addSearchParam().setName("subtype").setType(SearchParamType.TOKEN)
                .setDocumentation("The RESTful interaction (" + AuditEventFactory.INTERACTION + ")");
        resource.addSearchParam().setName("outcome").setType(SearchParamType.TOKEN)
                .setDocumentation("0 success, 4 refused or bad request, 8 server failure (" + OUTCOME_SYSTEM + ")");
    }
}
