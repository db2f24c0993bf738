package org.iopfhir.levelofcare;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.hl7.fhir.r4.model.ConceptMap;
import org.iopfhir.ig.ImplementationGuide;
import org.iopfhir.testsupport.IgValidator;
import org.junit.jupiter.api.Test;
import org.springframework.core.io.ByteArrayResource;
import org.springframework.core.io.Resource;

/** A licensed table replaces the built-in one of its instrument and edition by configuration alone. */
class LevelOfCareConfigTest {

    private static final Map<String, Integer> LOCUS_MODERATE_RISK =
            Map.of("1", 3, "2", 1, "3", 1, "4a", 1, "4b", 1, "5", 1, "6", 1);

    @Test
    void builtInTablesCoverBothAsamEditionsAndLocus() {
        PlacementEngine engine = engine();

        assertThat(engine.recommend(asam("3")).ruleSet()).isEqualTo("asam-placement-3rd-edition|0.2.0");
        assertThat(engine.recommend(new Assessment("4", Map.of("e4-1", 1, "e4-2", 1, "e4-3", 1, "e4-4", 1, "e4-5", 1), AgeGroup.ADULT,
                Set.of())).ruleSet()).isEqualTo("asam-placement-4th-edition|0.2.0");
        assertThat(engine.recommend(locus()).ruleSet()).isEqualTo("locus-placement-illustrative|0.2.0");
    }

    @Test
    void aConfiguredLocusGridReplacesTheIllustrativeTableAndLeavesAsamAlone() {
        ConceptMap licensed = builtIn("locus-placement-illustrative");
        licensed.setId("locus-licensed");
        licensed.setVersion("2.0");
        ruleTarget(licensed, "1", "3").setCode("4");

        PlacementEngine engine = engine(licensed);

        Recommendation recommendation = engine.recommend(locus());
        assertThat(recommendation.ruleSet()).isEqualTo("locus-licensed|2.0");
        assertThat(recommendation.level().code()).isEqualTo("4");
        assertThat(engine.recommend(asam("3")).ruleSet()).isEqualTo("asam-placement-3rd-edition|0.2.0");
    }

    @Test
    void aConfiguredTableThatGoesBackwardsStopsStartUp() {
        ConceptMap broken = builtIn("asam-placement-3rd-edition");
        ruleTarget(broken, "e3-5", "4").setCode("0.5");

        assertThatThrownBy(() -> engine(broken)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("dimension e3-5 rating 4 needs a less intensive level than rating 3");
    }

    private static PlacementEngine engine(ConceptMap... replacements) {
        List<Resource> files = java.util.Arrays.stream(replacements)
                .map(map -> (Resource) new ByteArrayResource(IgValidator.FHIR.newJsonParser().encodeResourceToString(map)
                        .getBytes(StandardCharsets.UTF_8), map.getIdElement().getIdPart()))
                .toList();
        return new LevelOfCareConfig().placementEngine(IgValidator.guide(), IgValidator.FHIR,
                new LevelOfCareProperties(files));
    }

    private static ConceptMap builtIn(String id) {
        return IgValidator.guide().conformance().stream().map(ImplementationGuide.Entry::resource)
                .filter(ConceptMap.class::isInstance).map(ConceptMap.class::cast)
                .filter(map -> map.getIdElement().getIdPart().equals(id)).findFirst().orElseThrow().copy();
    }

    private static ConceptMap.TargetElementComponent ruleTarget(ConceptMap map, String dimension, String rating) {
        return map.getGroup().stream().flatMap(g -> g.getElement().stream())
                .filter(e -> e.getCode().equals(rating))
                .map(ConceptMap.SourceElementComponent::getTargetFirstRep)
                .filter(t -> t.getDependsOn().stream().anyMatch(d -> d.getValue().equals(dimension)))
                .findFirst().orElseThrow();
    }

    private static Assessment asam(String edition) {
        return new Assessment(edition, Map.of("e3-1", 1, "e3-2", 1, "e3-3", 1, "e3-4", 1, "e3-5", 1, "e3-6", 1), AgeGroup.ADULT, Set.of());
    }

    private static Assessment locus() {
        return new Assessment(Instrument.LOCUS, null, LOCUS_MODERATE_RISK, AgeGroup.ADULT, Set.of());
    }
}
