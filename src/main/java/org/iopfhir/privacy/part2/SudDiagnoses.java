package org.iopfhir.privacy.part2;

import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.hl7.fhir.r4.model.ValueSet;
import org.iopfhir.ig.ImplementationGuide;

/**
 * The SUD diagnosis codes of the guide's value set {@value #CANONICAL}, in the form the classifier
 * matches them. The value set is the rule and cites its sources; this class only reads it:
 * <ul>
 *   <li>ICD-10-CM and WHO ICD-10 concepts are categories: a code matches when its normalised form
 *       ({@link #normaliseIcd}: trimmed, upper case, without dots or spaces) begins with a category's.
 *       So {@code F1120}, {@code f11.20} and {@code " F11.2 0 "} are all F11, {@code F17.210} is not in
 *       the set and {@code F1} is too short to be anything.</li>
 *   <li>SNOMED CT concepts match exactly (without whitespace): descendants are not computed.</li>
 *   <li>Code systems are compared exactly, each under its FHIR URI or its HL7 OID.</li>
 * </ul>
 * A value set this class cannot evaluate faithfully (an exclude, an imported value set, a filter other
 * than ICD {@code concept is-a}, an unknown system) is refused at start-up rather than read partly.
 */
final class SudDiagnoses {

    static final String CANONICAL = ImplementationGuide.CANONICAL_BASE + "ValueSet/part2-sud-diagnoses";

    enum Terminology { ICD10CM, ICD10, SNOMED }

    static final String ICD10CM = "http://hl7.org/fhir/sid/icd-10-cm";
    static final String ICD10 = "http://hl7.org/fhir/sid/icd-10";
    static final String SNOMED = "http://snomed.info/sct";

    /** FHIR URIs and the HL7 OIDs registered for the same code systems. */
    static final Map<String, Terminology> SYSTEMS = Map.of(
            ICD10CM, Terminology.ICD10CM, "urn:oid:2.16.840.1.113883.6.90", Terminology.ICD10CM,
            ICD10, Terminology.ICD10, "urn:oid:2.16.840.1.113883.6.3", Terminology.ICD10,
            SNOMED, Terminology.SNOMED, "urn:oid:2.16.840.1.113883.6.96", Terminology.SNOMED);

    /** ICD categories shorter than this are not codes at all (a chapter letter and two digits). */
    private static final int ICD_CATEGORY_LENGTH = 3;

    private final Map<Terminology, List<String>> icdCategories;
    private final Set<String> snomedCodes;

    private SudDiagnoses(Map<Terminology, List<String>> icdCategories, Set<String> snomedCodes) {
        this.icdCategories = icdCategories;
        this.snomedCodes = snomedCodes;
    }

    static SudDiagnoses fromGuide(ImplementationGuide guide) {
        return guide.conformance().stream().map(ImplementationGuide.Entry::resource)
                .filter(ValueSet.class::isInstance).map(ValueSet.class::cast)
                .filter(vs -> CANONICAL.equals(vs.getUrl()))
                .findFirst().map(SudDiagnoses::from)
                .orElseThrow(() -> new IllegalStateException("the implementation guide has no value set " + CANONICAL
                        + ": without it no record could be recognised as a 42 CFR Part 2 SUD record"));
    }

    static SudDiagnoses from(ValueSet valueSet) {
        String name = valueSet.getUrl();
        if (valueSet.getCompose().hasExclude()) {
            throw new IllegalStateException(name + ": excludes are not supported by the Part 2 classifier");
        }
        Map<Terminology, List<String>> categories = new EnumMap<>(Terminology.class);
        Set<String> snomed = new HashSet<>();
        for (ValueSet.ConceptSetComponent include : valueSet.getCompose().getInclude()) {
            Terminology terminology = SYSTEMS.get(include.getSystem());
            if (terminology == null || include.hasValueSet()) {
                throw new IllegalStateException(name + ": the Part 2 classifier reads only ICD-10-CM, ICD-10 and SNOMED CT "
                        + "includes without imported value sets, not " + include.getSystem());
            }
            List<String> codes = new ArrayList<>();
            include.getConcept().forEach(concept -> codes.add(concept.getCode()));
            for (ValueSet.ConceptSetFilterComponent filter : include.getFilter()) {
                if (terminology == Terminology.SNOMED || !"concept".equals(filter.getProperty())
                        || filter.getOp() != ValueSet.FilterOperator.ISA) {
                    throw new IllegalStateException(name + ": the Part 2 classifier can evaluate only ICD 'concept is-a' "
                            + "filters, not " + filter.getProperty() + " " + filter.getOp() + " on " + include.getSystem());
                }
                codes.add(filter.getValue());
            }
            for (String code : codes) {
                if (terminology == Terminology.SNOMED) {
                    snomed.add(stripWhitespace(code));
                } else {
                    String category = normaliseIcd(code);
                    if (category.length() < ICD_CATEGORY_LENGTH) {
                        throw new IllegalStateException(name + ": '" + code + "' is not an ICD category");
                    }
                    categories.computeIfAbsent(terminology, t -> new ArrayList<>()).add(category);
                }
            }
        }
        if (categories.isEmpty() && snomed.isEmpty()) {
            throw new IllegalStateException(name + " lists no codes");
        }
        categories.replaceAll((t, list) -> List.copyOf(list));
        return new SudDiagnoses(Map.copyOf(categories), Set.copyOf(snomed));
    }

    /** Whether a coding with this system and code is an SUD diagnosis; false for anything missing. */
    boolean matches(String system, String code) {
        Terminology terminology = system == null ? null : SYSTEMS.get(system);
        if (terminology == null || code == null) {
            return false;
        }
        if (terminology == Terminology.SNOMED) {
            return snomedCodes.contains(stripWhitespace(code));
        }
        String normalised = normaliseIcd(code);
        return icdCategories.getOrDefault(terminology, List.of()).stream().anyMatch(normalised::startsWith);
    }

    /** An ICD code as written by people and systems, reduced to its characters: {@code " f11.2 0"} is {@code F1120}. */
    static String normaliseIcd(String code) {
        return stripWhitespace(code).replace(".", "").toUpperCase(Locale.ROOT);
    }

    private static String stripWhitespace(String code) {
        if (code == null) {
            return "";
        }
        StringBuilder kept = new StringBuilder(code.length());
        code.codePoints().filter(c -> !Character.isWhitespace(c) && !Character.isSpaceChar(c)).forEach(kept::appendCodePoint);
        return kept.toString();
    }

    Set<String> snomedCodes() {
        return snomedCodes;
    }

    Map<Terminology, List<String>> icdCategories() {
        return icdCategories;
    }
}
