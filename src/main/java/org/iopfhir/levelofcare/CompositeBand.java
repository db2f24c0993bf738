package org.iopfhir.levelofcare;

/** A composite-score rule (LOCUS): from {@code minScore} up to the next band, at least this rule's level. */
public record CompositeBand(int minScore, PlacementRule rule) {
}
