package org.iopfhir.privacy.audit;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * What an auditor searches the trail for, as SQL over {@link AuditLog}'s tables. Each criterion is a list of
 * alternatives (OR); criteria repeated are all required (AND); an empty list of alternatives matches nothing.
 * Times are epoch milliseconds, both bounds inclusive.
 */
final class AuditQuery {

    private final List<String> conditions = new ArrayList<>();
    private final List<Object> arguments = new ArrayList<>();
    private boolean newestFirst;

    AuditQuery ids(Set<String> alternatives) {
        return anyOf("E.ID", alternatives);
    }

    AuditQuery clients(Set<String> alternatives) {
        return anyOf("E.CLIENT_ID", keys(alternatives));
    }

    AuditQuery actions(Set<String> alternatives) {
        return anyOf("E.ACTION", alternatives);
    }

    AuditQuery subtypes(Set<String> alternatives) {
        return anyOf("E.SUBTYPE", alternatives);
    }

    AuditQuery outcomes(Set<String> alternatives) {
        return anyOf("E.OUTCOME", alternatives);
    }

    /** Events about one of these patients ({@code Patient/id}). */
    AuditQuery patients(Set<String> alternatives) {
        if (alternatives.isEmpty()) {
            return nothing();
        }
        conditions.add("EXISTS (SELECT 1 FROM " + AuditLog.PATIENTS + " P WHERE P.EVENT_ID = E.ID AND P.PATIENT IN ("
                + placeholders(alternatives.size()) + "))");
        arguments.addAll(keys(alternatives));
        return this;
    }

    AuditQuery recordedFrom(long inclusiveMillis) {
        conditions.add("E.RECORDED >= ?");
        arguments.add(inclusiveMillis);
        return this;
    }

    AuditQuery recordedTo(long inclusiveMillis) {
        conditions.add("E.RECORDED <= ?");
        arguments.add(inclusiveMillis);
        return this;
    }

    AuditQuery newestFirst() {
        newestFirst = true;
        return this;
    }

    private AuditQuery anyOf(String column, Set<String> alternatives) {
        if (alternatives.isEmpty()) {
            return nothing();
        }
        conditions.add(column + " IN (" + placeholders(alternatives.size()) + ")");
        arguments.addAll(alternatives);
        return this;
    }

    private AuditQuery nothing() {
        conditions.add("1 = 0");
        return this;
    }

    private static Set<String> keys(Set<String> values) {
        Set<String> keys = new java.util.LinkedHashSet<>();
        values.forEach(v -> keys.add(AuditLog.key(v)));
        return keys;
    }

    private static String placeholders(int count) {
        return String.join(", ", java.util.Collections.nCopies(count, "?"));
    }

    String where() {
        return conditions.isEmpty() ? "" : " WHERE " + String.join(" AND ", conditions);
    }

    /** Oldest first by default, as events were recorded; the id breaks ties so that pages never overlap. */
    String orderBy() {
        String direction = newestFirst ? " DESC" : "";
        return " ORDER BY E.RECORDED" + direction + ", E.ID" + direction;
    }

    Object[] arguments() {
        return arguments.toArray();
    }
}
