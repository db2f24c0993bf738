package org.iopfhir.privacy.part2;

import ca.uhn.fhir.rest.api.RestOperationTypeEnum;
import ca.uhn.fhir.rest.api.server.RequestDetails;
import ca.uhn.fhir.rest.server.exceptions.InvalidRequestException;
import ca.uhn.fhir.rest.server.interceptor.consent.ConsentOutcome;
import ca.uhn.fhir.rest.server.interceptor.consent.IConsentContextServices;
import ca.uhn.fhir.rest.server.interceptor.consent.IConsentService;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.Map;
import java.util.Set;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.DomainResource;
import org.hl7.fhir.r4.model.Parameters;
import org.hl7.fhir.r4.model.Resource;
import org.iopfhir.privacy.auth.CallerContext;
import org.iopfhir.server.LoadedMatches;

/**
 * {@link DisclosurePolicy} inside HAPI's ConsentInterceptor: it sees every resource a request
 * loads - search results, {@code _include}/{@code _revinclude}, {@code $everything}, history pages,
 * and the DAO reads custom operations make with the caller's request - and again every resource
 * about to be returned (also inside an operation's output). Searches silently omit what is not
 * permitted; a read of it fails as a read of a missing resource would ({@link DisclosureGuardInterceptor}
 * makes the two answers identical), so a refusal reveals neither the record nor the consent state.
 *
 * <p>Requests that only write (create, update, patch, delete, and transactions or batches without
 * reads) disclose nothing but what the caller sent and are checked by {@link WriteAccessInterceptor}
 * (and their answers by {@link DisclosureGuardInterceptor}); consent filtering stays out. That matters beyond speed: HAPI shows a resource being written to the consent
 * hooks before it is readable by id in the same transaction, and a refusal at that point would
 * leave the stored version without its body. For the same reason a transaction or batch that both
 * reads and writes is refused with 400 while consent is enforced.
 */
public class Part2ConsentService implements IConsentService {

    private static final String SHOWN = Part2ConsentService.class.getName() + ".shown";
    private static final String PARTS_OF_PERMITTED = Part2ConsentService.class.getName() + ".partsOfPermitted";
    private static final String PARTS_OF_REFUSED = Part2ConsentService.class.getName() + ".partsOfRefused";

    private final DisclosurePolicy policy;
    private final PatientRecords records;

    public Part2ConsentService(DisclosurePolicy policy, PatientRecords records) {
        this.policy = policy;
        this.records = records;
    }

    @Override
    public ConsentOutcome startOperation(RequestDetails request, IConsentContextServices services) {
        if (mixesReadsAndWrites(request)) {
            // Filtering the reads could also reach the writes (see above): refuse before anything is stored.
            throw new InvalidRequestException("a transaction or batch may read (GET) or write, not both, while 42 CFR "
                    + "Part 2 consent is enforced: send the reads in a separate batch");
        }
        return writesOnly(request) ? ConsentOutcome.AUTHORIZED : ConsentOutcome.PROCEED;
    }

    static boolean writesOnly(RequestDetails request) {
        RestOperationTypeEnum type = request.getRestOperationType();
        if (type == null) {
            return false;
        }
        return switch (type) {
            case CREATE, UPDATE, PATCH, DELETE -> true;
            case TRANSACTION, BATCH -> request.getResource() instanceof Bundle bundle
                    && bundle.getEntry().stream().noneMatch(Part2ConsentService::reads);
            default -> false;
        };
    }

    private static boolean mixesReadsAndWrites(RequestDetails request) {
        RestOperationTypeEnum type = request.getRestOperationType();
        return (type == RestOperationTypeEnum.TRANSACTION || type == RestOperationTypeEnum.BATCH)
                && request.getResource() instanceof Bundle bundle
                && bundle.getEntry().stream().anyMatch(Part2ConsentService::reads)
                && bundle.getEntry().stream().anyMatch(e -> !reads(e));
    }

    private static boolean reads(Bundle.BundleEntryComponent entry) {
        return entry.getRequest().getMethod() == Bundle.HTTPVerb.GET || entry.getRequest().getMethod() == Bundle.HTTPVerb.HEAD;
    }

    @Override
    public ConsentOutcome canSeeResource(RequestDetails request, IBaseResource resource, IConsentContextServices services) {
        if (!decide(request, resource).permitted()) {
            return ConsentOutcome.REJECT;
        }
        // A match loaded for this check need not be loaded again for the page (if it is still current then).
        LoadedMatches.remember(request, resource);
        return ConsentOutcome.PROCEED;
    }

    /**
     * A permitted resource is shown. HAPI then looks into it for the resources it holds (contained ones, a Bundle's
     * entries, a Parameters' parts) and asks about each, walking every element of the answer to find them; for a
     * search page that walk cost a fifth of the request's memory. So a resource that holds none is answered
     * AUTHORIZED (nothing inside to ask about), and so is a Bundle whose every entry is such a resource already
     * shown in this request; anything else is answered PROCEED and HAPI asks about what it holds, as before.
     */
    @Override
    public ConsentOutcome willSeeResource(RequestDetails request, IBaseResource resource, IConsentContextServices services) {
        if (identities(request, PARTS_OF_REFUSED).contains(resource)) {
            // Part of a record already taken out of the answer: nothing of it is shown. HAPI still walks into what it
            // took out, and would fail taking a contained resource out of it again.
            return ConsentOutcome.AUTHORIZED;
        }
        if (!decide(request, resource).permitted()) {
            return ConsentOutcome.REJECT;
        }
        Set<IBaseResource> shown = shown(request);
        boolean nothingInside = resource instanceof Bundle bundle ? onlyShown(bundle, shown, request) : holdsNoResources(resource, request);
        if (!nothingInside) {
            return ConsentOutcome.PROCEED;
        }
        shown.add(resource);
        return ConsentOutcome.AUTHORIZED;
    }

    /**
     * Each entry is only a resource already shown in this request and still holding no other: nothing in it to ask
     * about. Holding none is checked again, in case something added a contained resource or a reference's target
     * after the resource was shown.
     */
    private boolean onlyShown(Bundle bundle, Set<IBaseResource> shown, RequestDetails request) {
        for (Bundle.BundleEntryComponent entry : bundle.getEntry()) {
            IBaseResource resource = entry.getResource();
            if ((entry.hasResponse() && entry.getResponse().getOutcome() != null)
                    || (resource != null && !(shown.contains(resource) && holdsNoResources(resource, request)))) {
                return false;
            }
        }
        return true;
    }

    /**
     * The resource holds no other resource: not a Bundle or Parameters, nothing contained, and no reference carrying
     * its target (the encoder would write such a target out as contained).
     */
    private boolean holdsNoResources(IBaseResource resource, RequestDetails request) {
        return !(resource instanceof Bundle || resource instanceof Parameters
                || (resource instanceof DomainResource domain && domain.hasContained())
                || records.carriesTargets(resource, request));
    }

    /** The resources answered AUTHORIZED in this request, by identity (the entries of a batch may run in parallel). */
    private static Set<IBaseResource> shown(RequestDetails request) {
        return identities(request, SHOWN);
    }

    @SuppressWarnings("unchecked")
    private static Set<IBaseResource> identities(RequestDetails request, String key) {
        Map<Object, Object> userData = request.getUserData();
        synchronized (userData) {
            return (Set<IBaseResource>) userData.computeIfAbsent(key,
                    k -> Collections.synchronizedSet(Collections.newSetFromMap(new IdentityHashMap<>())));
        }
    }

    /**
     * HAPI asks twice per resource (loaded, then shown): the policy decides once per stored version and request.
     * A contained resource is part of its container and was decided with it ({@link DisclosurePolicy}): HAPI asks
     * about it only inside a container it was told to look into, which went through here first. It is not decided
     * on its own: its id is local to the container (a contained Patient "p" is not the stored Patient/p), and HAPI
     * cannot take a contained resource out of an answer without failing the request.
     */
    private Decision decide(RequestDetails request, IBaseResource resource) {
        Set<IBaseResource> partOfPermitted = identities(request, PARTS_OF_PERMITTED);
        if (partOfPermitted.contains(resource)) {
            return Decision.permit("part of a permitted record");
        }
        Decision decision = policy.decideStored(CallerContext.of(request), resource, request);
        if (resource instanceof DomainResource domain && domain.hasContained()) {
            addContained(domain, decision.permitted() ? partOfPermitted : identities(request, PARTS_OF_REFUSED));
        }
        if (!decision.permitted() && resource instanceof Bundle stored) {
            // A refused stored Bundle: HAPI walks into its entries too, which must not be decided (and remembered) as
            // the stored records whose ids they may carry.
            Set<IBaseResource> refused = identities(request, PARTS_OF_REFUSED);
            stored.getEntry().stream().map(Bundle.BundleEntryComponent::getResource).filter(java.util.Objects::nonNull)
                    .forEach(entry -> {
                        refused.add(entry);
                        if (entry instanceof DomainResource domain) {
                            addContained(domain, refused);
                        }
                    });
        }
        return decision;
    }

    /** What a record contains, and what that contains in turn (FHIR forbids it, a parser may still keep it). */
    private static void addContained(DomainResource record, Set<IBaseResource> parts) {
        for (Resource contained : record.getContained()) {
            if (parts.add(contained) && contained instanceof DomainResource domain && domain.hasContained()) {
                addContained(domain, parts);
            }
        }
    }
}
