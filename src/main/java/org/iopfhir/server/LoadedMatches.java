package org.iopfhir.server;

import ca.uhn.fhir.jpa.api.dao.IDao;
import ca.uhn.fhir.jpa.model.dao.JpaPid;
import ca.uhn.fhir.model.api.ResourceMetadataKeyEnum;
import ca.uhn.fhir.model.valueset.BundleEntrySearchModeEnum;
import ca.uhn.fhir.rest.api.server.RequestDetails;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.BiConsumer;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.hl7.fhir.instance.model.api.IBaseResource;

/**
 * Search matches a request has already loaded, so that its page does not load them again.
 *
 * <p>With consent on, HAPI loads a search's matches twice: once for the consent check before the result
 * set is fixed (the blocked ones leave it, so that {@code Bundle.total} counts only what the caller may see),
 * and again for the page it returns. The second load - the version rows with their bodies, their tags, a
 * copy of each - was 12% of a search. A match the consent check passed is remembered for its request and
 * taken, once, by that request's page ({@link ReusingSearchBuilder}) if it is still the current version of
 * a resource that is not deleted, with the same tags and security labels (which HAPI changes without a new
 * version: {@code $meta-add}, Part 2 labelling); otherwise the page loads it as before. Only resources a search
 * batch built for a consent check are remembered, never one already handed to a page or to a custom
 * operation (which may change it). The response is checked by consent again on the way out in any case.
 */
public final class LoadedMatches {

    private static final String KEY = LoadedMatches.class.getName();
    private static final String TAGS = KEY + ".tags";
    private static final String HANDED_OUT = KEY + ".handedOut";
    /** At most this many matches are remembered per request (the first pages; later pages are other requests). */
    static final int LIMIT = 1000;

    private LoadedMatches() {
    }

    /**
     * A search match loaded for this request's consent check and passed by it: the request's page may show it
     * without loading it again. Only what a search batch loaded for that check qualifies (it carries the tags it
     * was built with); anything already handed out - to a page, or to a custom operation's search - does not.
     */
    public static void remember(RequestDetails request, IBaseResource resource) {
        JpaPid pid = request == null ? null : IDao.RESOURCE_PID.get(resource);
        if (pid == null || !resource.getIdElement().hasVersionIdPart() || tagsOf(resource) == null
                || resource.getUserData(HANDED_OUT) != null) {
            return;
        }
        Map<Long, IBaseResource> remembered = of(request, true);
        if (remembered.size() < LIMIT || remembered.containsKey(pid.getId())) {
            remembered.put(pid.getId(), resource);
        }
    }

    /** The ids of the tag definitions (tags, security labels, profiles) a search batch built this resource with. */
    static void builtWithTags(IBaseResource resource, Set<Long> tagDefinitions) {
        resource.setUserData(TAGS, Set.copyOf(tagDefinitions));
    }

    @SuppressWarnings("unchecked")
    private static Set<Long> tagsOf(IBaseResource resource) {
        return (Set<Long>) resource.getUserData(TAGS);
    }

    /** A resource given to a page or to an operation: never remembered, since its holder may change it. */
    static void handedOut(Collection<IBaseResource> resources) {
        resources.stream().filter(Objects::nonNull).forEach(r -> r.setUserData(HANDED_OUT, Boolean.TRUE));
    }

    /** What the request remembers, by resource pid; empty when nothing. */
    @SuppressWarnings("unchecked")
    static Map<Long, IBaseResource> of(RequestDetails request, boolean create) {
        if (request == null) {
            return Map.of();
        }
        Map<Object, Object> userData = request.getUserData();
        synchronized (userData) {
            Object remembered = create ? userData.computeIfAbsent(KEY, k -> new ConcurrentHashMap<Long, IBaseResource>())
                    : userData.get(KEY);
            return remembered == null ? Map.of() : (Map<Long, IBaseResource>) remembered;
        }
    }

    /** How many of a page's resources were remembered and still current, and how many remembered ones had changed. */
    record Reuse(int reused, int reloaded) {
    }

    /** What is stored now for a resource that is not deleted: its current version and its tag definitions' ids. */
    record Stored(long version, Set<Long> tags) {
    }

    /**
     * Fills a page as HAPI's {@code loadResourcesByPid} does - each resource at its pid's position, marked as a
     * match or an include, nothing where a resource is gone - taking remembered resources (each once) that are
     * still the current version with the same tags and security labels (HAPI changes those without a new version,
     * {@code $meta-add}), and loading the rest.
     *
     * @param stored what is stored now for each of these resources that is not deleted
     * @param load HAPI's loading of these pids into this (empty) list
     */
    static Reuse fill(Collection<JpaPid> pids, Collection<JpaPid> included, List<IBaseResource> results,
            Map<Long, IBaseResource> remembered, Function<Set<Long>, Map<Long, Stored>> stored,
            BiConsumer<List<JpaPid>, List<IBaseResource>> load) {
        Set<Long> candidates = pids.stream()
                .filter(p -> p.getVersion() == null && remembered.containsKey(p.getId()))
                .map(JpaPid::getId)
                .collect(Collectors.toSet());
        Map<Long, Stored> current = candidates.isEmpty() ? Map.of() : stored.apply(candidates);
        Map<Long, IBaseResource> found = new HashMap<>();
        List<JpaPid> toLoad = new ArrayList<>();
        int reloaded = 0;
        for (JpaPid pid : pids) {
            IBaseResource kept = candidates.contains(pid.getId()) ? remembered.remove(pid.getId()) : null;
            Stored now = current.get(pid.getId());
            if (kept != null && now != null && kept.getIdElement().getVersionIdPartAsLong() == now.version()
                    && now.tags().equals(tagsOf(kept))) {
                found.put(pid.getId(), kept);
            } else {
                reloaded += kept != null ? 1 : 0;
                toLoad.add(pid);
            }
        }
        int reused = found.size();
        if (!toLoad.isEmpty()) {
            List<IBaseResource> loaded = new ArrayList<>();
            load.accept(toLoad, loaded);
            for (int i = 0; i < loaded.size(); i++) {
                if (loaded.get(i) != null) {
                    found.put(toLoad.get(i).getId(), loaded.get(i));
                }
            }
        }
        Set<JpaPid> includes = included instanceof Set<JpaPid> set ? set : new HashSet<>(included);
        int position = 0;
        for (JpaPid pid : pids) {
            IBaseResource resource = found.get(pid.getId());
            if (resource != null) {
                ResourceMetadataKeyEnum.ENTRY_SEARCH_MODE.put(resource,
                        includes.contains(pid) ? BundleEntrySearchModeEnum.INCLUDE : BundleEntrySearchModeEnum.MATCH);
                while (results.size() <= position) {
                    results.add(null);
                }
                results.set(position, resource);
            }
            position++;
        }
        return new Reuse(reused, reloaded);
    }
}
