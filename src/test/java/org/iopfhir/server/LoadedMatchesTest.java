package org.iopfhir.server;

import static org.assertj.core.api.Assertions.assertThat;

import ca.uhn.fhir.jpa.api.dao.IDao;
import ca.uhn.fhir.jpa.model.dao.JpaPid;
import ca.uhn.fhir.model.api.ResourceMetadataKeyEnum;
import ca.uhn.fhir.model.valueset.BundleEntrySearchModeEnum;
import ca.uhn.fhir.rest.api.server.SystemRequestDetails;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.hl7.fhir.r4.model.IdType;
import org.hl7.fhir.r4.model.Observation;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * A page takes what its consent check loaded only while that is still the stored version with the same tags and
 * labels; it is filled as HAPI fills it; only what a consent check loaded is remembered.
 */
class LoadedMatchesTest {

    /** Stored (current) versions by pid, as the database would answer; a pid missing here is deleted. */
    private final Map<Long, Long> stored = new HashMap<>();
    /** Stored tag definition ids by pid; none when absent. */
    private final Map<Long, Set<Long>> storedTags = new HashMap<>();
    /** What HAPI's loading would return for a pid, when not the stored version built here. */
    private final Map<Long, IBaseResource> loadable = new HashMap<>();
    private final List<List<JpaPid>> loads = new ArrayList<>();
    private final List<Set<Long>> versionQueries = new ArrayList<>();

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
            remembered and still the stored version: taken, not loaded        | 2 | 2       | 11   | false | reused
            updated since the consent check: loaded again                     | 2 | 3       | 11   | false | loaded
            deleted since the consent check: loaded (HAPI drops it)           | 2 | deleted | 11   | false | loaded
            a Part 2 label added since without a new version: loaded again    | 2 | 2       | 11 12 | false | loaded
            a label removed since without a new version: loaded again         | 2 | 2       | -    | false | loaded
            a specific version was asked for (versioned include): loaded      | 2 | 2       | 11   | true  | loaded
            """)
    void aRememberedMatchIsTakenOnlyWhileItIsStoredAsItWasChecked(String why, long rememberedVersion, String storedVersion,
            String storedTagIds, boolean versionedPid, String expected) {
        IBaseResource checked = observation(7, rememberedVersion, Set.of(11L));
        Map<Long, IBaseResource> remembered = new HashMap<>(Map.of(7L, checked));
        if (!storedVersion.equals("deleted")) {
            stored.put(7L, Long.parseLong(storedVersion));
        }
        if (!storedTagIds.equals("-")) {
            storedTags.put(7L, java.util.Arrays.stream(storedTagIds.split(" ")).map(Long::valueOf)
                    .collect(java.util.stream.Collectors.toSet()));
        }
        JpaPid pid = versionedPid ? JpaPid.fromIdAndVersion(7L, rememberedVersion) : JpaPid.fromId(7L);
        List<IBaseResource> page = new ArrayList<>();

        LoadedMatches.Reuse reuse = fill(List.of(pid), Set.of(), page, remembered);

        boolean reused = expected.equals("reused");
        assertThat(reuse.reused()).as(why).isEqualTo(reused ? 1 : 0);
        assertThat(reuse.reloaded()).as(why).isEqualTo(!reused && !versionedPid ? 1 : 0);
        assertThat(loads).as(why).isEqualTo(reused ? List.of() : List.of(List.of(pid)));
        assertThat(versionQueries).as(why + ": a versioned pid is not looked up").hasSize(versionedPid ? 0 : 1);
        if (reused) {
            assertThat(page).as(why).containsExactly(checked);
        } else if (storedVersion.equals("deleted")) {
            assertThat(page).as(why).isEmpty();
        } else {
            assertThat(page).as(why).singleElement().isNotSameAs(checked)
                    .extracting(r -> r.getIdElement().getVersionIdPart()).isEqualTo(storedVersion);
        }
        if (versionedPid) {
            assertThat(remembered).as(why + ": kept for a page that asks for the current version").containsKey(7L);
        } else {
            assertThat(remembered).as(why + ": taken once, or dropped as stale").doesNotContainKey(7L);
        }
    }

    @Test
    void thePageKeepsHapisOrderMarksIncludesAndLeavesGapsWhereAResourceIsGone() {
        Map<Long, IBaseResource> remembered = new HashMap<>();
        remembered.put(1L, observation(1, 1));
        remembered.put(3L, observation(3, 1));
        remembered.put(5L, observation(5, 1));
        stored.putAll(Map.of(1L, 1L, 3L, 1L, 5L, 1L, 2L, 4L, 6L, 1L));
        loadable.put(2L, observation(2, 4));
        loadable.put(6L, observation(6, 1));
        // 4 is gone: HAPI loads nothing for it.
        List<JpaPid> pids = List.of(JpaPid.fromId(1L), JpaPid.fromId(2L), JpaPid.fromId(3L), JpaPid.fromId(4L),
                JpaPid.fromId(5L), JpaPid.fromId(6L));
        List<IBaseResource> page = new ArrayList<>();

        LoadedMatches.Reuse reuse = fill(pids, Set.of(JpaPid.fromId(5L), JpaPid.fromId(6L)), page, remembered);

        assertThat(reuse).isEqualTo(new LoadedMatches.Reuse(3, 0));
        assertThat(loads).containsExactly(List.of(JpaPid.fromId(2L), JpaPid.fromId(4L), JpaPid.fromId(6L)));
        assertThat(page).extracting(r -> r == null ? null : r.getIdElement().getIdPart())
                .containsExactly("1", "2", "3", null, "5", "6");
        assertThat(page).filteredOn(r -> r != null).extracting(ResourceMetadataKeyEnum.ENTRY_SEARCH_MODE::get)
                .containsExactly(BundleEntrySearchModeEnum.MATCH, BundleEntrySearchModeEnum.MATCH,
                        BundleEntrySearchModeEnum.MATCH, BundleEntrySearchModeEnum.INCLUDE, BundleEntrySearchModeEnum.INCLUDE);
        assertThat(versionQueries).containsExactly(Set.of(1L, 3L, 5L));
        assertThat(remembered).isEmpty();
    }

    @Test
    void onlyWhatAConsentCheckLoadedIsRememberedPerRequestAndUpToTheLimit() {
        SystemRequestDetails request = new SystemRequestDetails();
        LoadedMatches.remember(request, new Observation());   // not stored: no pid, no version
        Observation noPid = observation(9, 1);
        IDao.RESOURCE_PID.put(noPid, null);
        LoadedMatches.remember(request, noPid);
        LoadedMatches.remember(null, observation(8, 1));
        Observation readById = new Observation();   // stored, but not built by a search batch: its tags are unknown
        readById.setId(new IdType("Observation", "6", "1"));
        IDao.RESOURCE_PID.put(readById, JpaPid.fromId(6L));
        LoadedMatches.remember(request, readById);
        Observation handedOut = observation(5, 1);
        LoadedMatches.handedOut(java.util.Arrays.asList(handedOut, null));
        LoadedMatches.remember(request, handedOut);   // an operation's search result: the operation may change it
        assertThat(LoadedMatches.of(request, false)).isEmpty();

        for (long i = 0; i < LoadedMatches.LIMIT + 5; i++) {
            LoadedMatches.remember(request, observation(i, 1));
        }
        assertThat(LoadedMatches.of(request, false)).hasSize(LoadedMatches.LIMIT);
        Observation checkedAgain = observation(3, 2);
        LoadedMatches.remember(request, checkedAgain);
        assertThat(LoadedMatches.of(request, false).get(3L)).as("a full request still keeps the latest check of a match")
                .isSameAs(checkedAgain);
        assertThat(LoadedMatches.of(new SystemRequestDetails(), false)).as("another request").isEmpty();
    }

    private LoadedMatches.Reuse fill(List<JpaPid> pids, Set<JpaPid> included, List<IBaseResource> page,
            Map<Long, IBaseResource> remembered) {
        return LoadedMatches.fill(pids, included, page, remembered, ids -> {
            versionQueries.add(Set.copyOf(ids));
            Map<Long, LoadedMatches.Stored> current = new HashMap<>();
            stored.forEach((id, version) -> {
                if (ids.contains(id)) {
                    current.put(id, new LoadedMatches.Stored(version, storedTags.getOrDefault(id, Set.of())));
                }
            });
            return current;
        }, (toLoad, loaded) -> {
            loads.add(List.copyOf(toLoad));
            // As HAPI: each at its position in the list it was given, nothing for a resource that is gone.
            for (int i = 0; i < toLoad.size(); i++) {
                Long id = toLoad.get(i).getId();
                IBaseResource resource = loadable.containsKey(id) ? loadable.get(id)
                        : stored.containsKey(id) ? observation(id, stored.get(id)) : null;
                if (resource != null) {
                    while (loaded.size() <= i) {
                        loaded.add(null);
                    }
                    loaded.set(i, resource);
                }
            }
        });
    }

    private static Observation observation(long pid, long version) {
        return observation(pid, version, Set.of());
    }

    /** A current version as a search batch builds it, with the ids of the tag definitions it carries. */
    private static Observation observation(long pid, long version, Set<Long> tagDefinitions) {
        Observation observation = new Observation();
        LoadedMatches.builtWithTags(observation, tagDefinitions);
        observation.setId(new IdType("Observation", String.valueOf(pid), String.valueOf(version)));
        IDao.RESOURCE_PID.put(observation, JpaPid.fromId(pid));
        return observation;
    }
}
