package org.iopfhir.attendance;

import java.time.Instant;
import java.util.Set;

/**
 * A documented contact with the patient that follows up missed sessions.
 *
 * @param reference the record (e.g. {@code Communication/123})
 * @param when      when the contact was made
 * @param about     the scheduled sessions it follows up (their references)
 */
public record Outreach(String reference, Instant when, Set<String> about) {
}
