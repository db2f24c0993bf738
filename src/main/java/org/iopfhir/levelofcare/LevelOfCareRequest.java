package org.iopfhir.levelofcare;

import ca.uhn.fhir.rest.server.exceptions.InvalidRequestException;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.hl7.fhir.r4.model.CodeType;
import org.hl7.fhir.r4.model.CodeableConcept;
import org.hl7.fhir.r4.model.Coding;
import org.hl7.fhir.r4.model.IntegerType;
import org.hl7.fhir.r4.model.Parameters;

/**
 * Reads the inputs of {@code $level-of-care} that are not a stored or inline intake: inline
 * ratings with their findings, edition and age group, and what the caller actually chose.
 * Malformed input is the caller's 400; ratings that cannot be placed are the engine's 422.
 */
final class LevelOfCareRequest {

    private static final Pattern QUALIFIED = Pattern.compile("e([34])-\\d");

    private LevelOfCareRequest() {
    }

    /** What the caller actually chose, recorded next to the recommendation (both may be absent). */
    record Decision(Coding actualLevel, CodeableConcept varianceReason) {

        boolean reasonGiven() {
            return varianceReason != null && !varianceReason.isEmpty();
        }
    }

    /**
     * Inline ratings as an assessment. ASAM dimension codes name their edition ({@code e3-4});
     * a bare number ({@code 4}) is accepted only with an explicit {@code edition}, since the same
     * number means different things in the two editions. The age group has to be given.
     */
    static Assessment inline(List<Parameters.ParametersParameterComponent> parts, List<Coding> findings, CodeType edition,
            CodeType ageGroup) {
        Instrument instrument = instrumentOf(parts);
        if (ageGroup == null || !ageGroup.hasValue()) {
            throw new InvalidRequestException("ageGroup is required with inline ratings (adult or adolescent): the rule "
                    + "tables and the weekly hours differ between them");
        }
        AgeGroup age = AgeGroup.fromCode(ageGroup.getValue());
        Map<String, Integer> ratings = new HashMap<>();
        Set<String> editions = new TreeSet<>();
        for (Parameters.ParametersParameterComponent rating : parts) {
            String dimension = ((Coding) part(rating, "dimension").getValue()).getCode();
            if (instrument == Instrument.ASAM) {
                Matcher qualified = QUALIFIED.matcher(dimension);
                if (qualified.matches()) {
                    editions.add(qualified.group(1));
                } else if (edition == null) {
                    throw new InvalidRequestException("ASAM dimension '" + dimension + "' does not say its edition: use "
                            + "e3-" + dimension + " or e4-" + dimension + " (the same number means different things in "
                            + "the two editions), or give edition");
                } else {
                    dimension = "e" + edition.getValue() + "-" + dimension;
                }
            }
            if (!(part(rating, "value").getValue() instanceof IntegerType integer) || !integer.hasValue()) {
                throw new InvalidRequestException("each rating needs a value part with a valueInteger (ASAM 0-4, LOCUS 1-5)");
            }
            if (ratings.put(dimension, integer.getValue()) != null) {
                throw new InvalidRequestException("dimension " + dimension + " is rated twice");
            }
        }
        if (instrument != Instrument.ASAM) {
            if (edition != null) {
                throw new InvalidRequestException("edition applies to ASAM ratings only; " + instrument.code() + " has none");
            }
            return new Assessment(instrument, null, ratings, age, findingCodes(findings));
        }
        if (editions.size() > 1 || edition != null && !editions.isEmpty() && !editions.contains(edition.getValue())) {
            throw new InvalidRequestException("the ratings' dimension codes name edition(s) " + editions
                    + (edition == null ? "" : " but edition is " + edition.getValue()) + "; rate one edition per request");
        }
        // Qualified codes name the edition; bare numbers were refused above unless edition is given.
        String placed = !editions.isEmpty() ? editions.iterator().next() : edition.getValue();
        return new Assessment(Instrument.ASAM, placed, ratings, age, findingCodes(findings));
    }

    /** Placement findings given with inline ratings, such as imminent danger found at screening. */
    private static Set<String> findingCodes(List<Coding> findings) {
        Set<String> codes = new HashSet<>();
        for (Coding finding : findings == null ? List.<Coding>of() : findings) {
            if (!RuleTables.OBSERVATION_CODES.equals(finding.getSystem()) || !finding.hasCode()
                    || !IntakeReader.FINDINGS.contains(finding.getCode())) {
                throw new InvalidRequestException("finding must be one of " + new TreeSet<>(IntakeReader.FINDINGS)
                        + " from " + RuleTables.OBSERVATION_CODES);
            }
            codes.add(finding.getCode());
        }
        return codes;
    }

    /** The instrument the ratings belong to, told by their dimensions' code system; all must agree. */
    private static Instrument instrumentOf(List<Parameters.ParametersParameterComponent> parts) {
        Set<Instrument> instruments = new HashSet<>();
        for (Parameters.ParametersParameterComponent rating : parts) {
            Parameters.ParametersParameterComponent dimension = part(rating, "dimension");
            Instrument instrument = dimension.getValue() instanceof Coding coding && coding.hasCode()
                    ? RuleTables.instrumentOfDimensionSystem(coding.getSystem()) : null;
            if (instrument == null) {
                throw new InvalidRequestException("each rating's dimension part needs a valueCoding with a code from "
                        + RuleTables.DIMENSION_SYSTEM + " (ASAM) or " + RuleTables.LOCUS_DIMENSION_SYSTEM + " (LOCUS)");
            }
            instruments.add(instrument);
        }
        if (instruments.size() > 1) {
            throw new InvalidRequestException("the ratings mix ASAM and LOCUS dimensions; rate one instrument per request");
        }
        return instruments.iterator().next();
    }

    private static Parameters.ParametersParameterComponent part(Parameters.ParametersParameterComponent parent, String name) {
        return parent.getPart().stream().filter(p -> name.equals(p.getName())).findFirst()
                .orElseThrow(() -> new InvalidRequestException("a rating has no '" + name + "' part"));
    }

    static AgeGroup ageGroupOf(CodeType ageGroup) {
        return ageGroup == null || !ageGroup.hasValue() ? null : AgeGroup.fromCode(ageGroup.getValue());
    }

    static String code(CodeType code) {
        return code == null ? null : code.getValue();
    }
}
