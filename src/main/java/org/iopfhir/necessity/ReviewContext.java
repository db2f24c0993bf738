package org.iopfhir.necessity;

import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.hl7.fhir.r4.model.CodeSystem;
import org.iopfhir.ig.ImplementationGuide;
import org.iopfhir.levelofcare.PlacementEngine;
import org.iopfhir.privacy.part2.Part2Classifier;

/**
 * What every review shares, read once from the guide: the placement engine, the Part 2 classifier
 * (the one rule for "is this an SUD diagnosis") and the session types whose time counts toward
 * hours (the {@code counts-toward-hours} property of {@code iop-session-type}) and the levels' order of
 * intensity (the {@code intensity-rank} property of {@code asam-level-of-care}).
 */
public record ReviewContext(PlacementEngine placement, Part2Classifier sud, Set<String> hourSessionTypes,
        Map<String, Integer> levelRanks) {

    static final String COUNTS_TOWARD_HOURS = "counts-toward-hours";
    static final String INTENSITY_RANK = "intensity-rank";

    public ReviewContext {
        hourSessionTypes = Set.copyOf(hourSessionTypes);
        levelRanks = Map.copyOf(levelRanks);
    }

    /** Whether level {@code a} is more intensive than {@code b} (the levels' {@code intensity-rank}); false when either is unknown. */
    public boolean moreIntensive(String a, String b) {
        Integer rankA = levelRanks.get(a);
        Integer rankB = levelRanks.get(b);
        return rankA != null && rankB != null && rankA > rankB;
    }

    public static ReviewContext of(ImplementationGuide guide, PlacementEngine placement, Part2Classifier sud) {
        CodeSystem sessionTypes = guide.conformance().stream().map(ImplementationGuide.Entry::resource)
                .filter(CodeSystem.class::isInstance).map(CodeSystem.class::cast)
                .filter(cs -> Codes.SESSION_TYPE.equals(cs.getUrl())).findFirst()
                .orElseThrow(() -> new IllegalStateException("the guide has no code system " + Codes.SESSION_TYPE));
        CodeSystem levels = guide.conformance().stream().map(ImplementationGuide.Entry::resource)
                .filter(CodeSystem.class::isInstance).map(CodeSystem.class::cast)
                .filter(cs -> Codes.LEVEL.equals(cs.getUrl())).findFirst()
                .orElseThrow(() -> new IllegalStateException("the guide has no code system " + Codes.LEVEL));
        return new ReviewContext(placement, sud, hourSessionTypes(sessionTypes), levelRanks(levels));
    }

    static Map<String, Integer> levelRanks(CodeSystem levels) {
        Map<String, Integer> ranks = new HashMap<>();
        levels.getConcept().forEach(c -> c.getProperty().stream().filter(p -> INTENSITY_RANK.equals(p.getCode()))
                .filter(p -> p.getValue() != null && p.getValue().primitiveValue() != null).findFirst()
                .ifPresent(p -> ranks.put(c.getCode(), Integer.valueOf(p.getValue().primitiveValue().trim()))));
        return ranks;
    }

    /** The property is a boolean written as a string ("true"/"false"), as the code system explains. */
    static Set<String> hourSessionTypes(CodeSystem sessionTypes) {
        return sessionTypes.getConcept().stream()
                .filter(c -> c.getProperty().stream().anyMatch(p -> COUNTS_TOWARD_HOURS.equals(p.getCode())
                        && p.getValue() != null && "true".equals(p.getValue().primitiveValue())))
                .map(CodeSystem.ConceptDefinitionComponent::getCode).collect(Collectors.toSet());
    }
}
