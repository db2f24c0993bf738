package org.iopfhir.necessity;

/**
 * One criterion as a policy applies it: the public source it rests on and, where our reading differs
 * from that source or the source is silent, how.
 *
 * @param source     the public document the rule comes from (title, section, URL)
 * @param difference how the rule as implemented differs from the source, or empty
 */
public record Rule(String source, String difference) {

    public Rule {
        source = source == null ? "" : source;
        difference = difference == null ? "" : difference;
    }
}
