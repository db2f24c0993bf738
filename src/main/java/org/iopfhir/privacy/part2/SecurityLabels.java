package org.iopfhir.privacy.part2;

import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.hl7.fhir.instance.model.api.IBaseCoding;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.hl7.fhir.r4.model.Coding;
import org.hl7.fhir.r4.model.DomainResource;

/** The 42 CFR Part 2 security labels (HL7 DS4P) this server applies and reads. */
public final class SecurityLabels {

    public static final String ACT_CODE = "http://terminology.hl7.org/CodeSystem/v3-ActCode";
    public static final String CONFIDENTIALITY = "http://terminology.hl7.org/CodeSystem/v3-Confidentiality";

    public static final String SUD = "SUD";
    public static final String RESTRICTED = "R";
    public static final String PART2_POLICY = "42CFRPart2";
    public static final String PSYCHOTHERAPY_NOTE = "PSYTHPN";
    public static final String NO_REDISCLOSURE = "NORDSCLCD";

    /** What every record of an SUD program carries. */
    public static final List<Coding> PART2 = List.of(
            new Coding(ACT_CODE, SUD, "substance use disorder information sensitivity"),
            new Coding(CONFIDENTIALITY, RESTRICTED, "restricted"),
            new Coding(ACT_CODE, PART2_POLICY, "42 CFR Part2"));
    /** Added to SUD counseling notes. */
    public static final Coding COUNSELING_NOTE =
            new Coding(ACT_CODE, PSYCHOTHERAPY_NOTE, "psychotherapy note information sensitivity");

    /** The short redisclosure notice 42 CFR 2.32(a)(2) allows. */
    public static final String REDISCLOSURE_NOTICE =
            "42 CFR part 2 prohibits unauthorized use or disclosure of these records.";

    private SecurityLabels() {
    }

    public static Coding noRedisclosure() {
        return new Coding(ACT_CODE, NO_REDISCLOSURE, "prohibition on redisclosure without patient consent directive");
    }

    /** The v3-ActCode / v3-Confidentiality codes on a resource itself, e.g. {@code SUD}, {@code R}. */
    public static Set<String> codesOf(IBaseResource resource) {
        return codes(resource.getMeta().getSecurity().stream());
    }

    /**
     * The codes of a record as it is disclosed: its own and those on the resources it contains, which are part of it
     * and only ever shown with it (a label on one of them labels it all).
     */
    public static Set<String> recordCodesOf(IBaseResource resource) {
        if (!(resource instanceof DomainResource domain) || !domain.hasContained()) {
            return codesOf(resource);
        }
        return codes(Stream.concat(domain.getMeta().getSecurity().stream(),
                domain.getContained().stream().flatMap(c -> c.getMeta().getSecurity().stream())));
    }

    private static Set<String> codes(Stream<? extends IBaseCoding> labels) {
        return labels
                .filter(c -> ACT_CODE.equals(c.getSystem()) || CONFIDENTIALITY.equals(c.getSystem()))
                .map(IBaseCoding::getCode)
                .collect(Collectors.toSet());
    }

    public static boolean isPart2(IBaseResource resource) {
        return codesOf(resource).contains(PART2_POLICY) || codesOf(resource).contains(SUD);
    }

    /** Adds a label unless the resource already carries it. */
    public static void add(IBaseResource resource, Coding label) {
        if (resource.getMeta().getSecurity(label.getSystem(), label.getCode()) == null) {
            resource.getMeta().addSecurity().setSystem(label.getSystem()).setCode(label.getCode())
                    .setDisplay(label.getDisplay());
        }
    }
}
