package org.iopfhir.levelofcare;

/**
 * One row of a rule table: the least intensive level that safely meets a dimension's needs at a
 * rating (or a screening finding's), with the withdrawal-management level and imminent danger
 * it implies, and why.
 */
public record PlacementRule(Level minimumLevel, Level withdrawalManagement, boolean imminentDanger, String rationale) {
}
