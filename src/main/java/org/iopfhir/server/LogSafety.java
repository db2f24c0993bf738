package org.iopfhir.server;

import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Set;
import java.util.StringJoiner;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What may be logged about an exception without quoting request data: exception messages (HAPI's,
 * Hibernate's, the database's) can carry search values and resource content, which may be PHI,
 * so only the exception classes, HAPI's message codes ({@code HAPI-1163}), SQLSTATEs and stack
 * frames are kept.
 */
final class LogSafety {

    private static final Pattern HAPI_CODE = Pattern.compile("^(HAPI-\\d{1,5})\\b");
    private static final Pattern SQL_STATE = Pattern.compile("[0-9A-Z]{5}");

    private LogSafety() {
    }

    /** E.g. {@code InternalErrorException HAPI-1262 <- DataException <- PSQLException SQLState 22021}. */
    static String describe(Throwable thrown) {
        StringJoiner chain = new StringJoiner(" <- ");
        for (Throwable t : chain(thrown)) {
            chain.add(describeOne(t));
        }
        return chain.toString();
    }

    /**
     * The exception and its causes with every message replaced by {@link #describe}'s summary of
     * that exception, keeping the stack frames, for a stack trace that tells where but not what.
     */
    static Throwable withoutMessages(Throwable thrown) {
        List<Throwable> chain = chain(thrown);
        Collections.reverse(chain);
        Throwable copy = null;
        for (Throwable t : chain) {
            copy = new Withheld(describeOne(t), copy);
            copy.setStackTrace(t.getStackTrace());
        }
        return copy;
    }

    private static String describeOne(Throwable t) {
        StringBuilder line = new StringBuilder(t.getClass().getName());
        String message = t.getMessage();
        if (message != null) {
            Matcher code = HAPI_CODE.matcher(message);
            if (code.find()) {
                line.append(' ').append(code.group(1));
            }
        }
        if (t instanceof SQLException sql && sql.getSQLState() != null && SQL_STATE.matcher(sql.getSQLState()).matches()) {
            line.append(" SQLState ").append(sql.getSQLState());
        }
        return line.toString();
    }

    private static List<Throwable> chain(Throwable thrown) {
        List<Throwable> chain = new ArrayList<>();
        Set<Throwable> seen = Collections.newSetFromMap(new IdentityHashMap<>());
        for (Throwable t = thrown; t != null && seen.add(t); t = t.getCause()) {
            chain.add(t);
        }
        return chain;
    }

    /** Stands in for an exception whose message is withheld. */
    static final class Withheld extends Throwable {
        Withheld(String summary, Throwable cause) {
            super(summary + " (message withheld)", cause, false, true);
        }
    }
}
