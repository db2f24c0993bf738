package org.iopfhir.server;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.turbo.TurboFilter;
import ch.qos.logback.core.spi.FilterReply;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Marker;

/**
 * Withholds the messages of libraries that log request content: HAPI quotes search values and
 * exception messages (which quote resources), Hibernate and the JDBC driver quote the database's
 * errors (which quote values), Tomcat quotes malformed request lines. Any event of a logger under
 * one of the configured prefixes ({@code <redact>ca.uhn.fhir</redact>} in logback-spring.xml) is
 * replaced by one line on {@value #REPLACEMENT_LOGGER} at the same level naming the logger and the
 * exception classes, without message or arguments; with {@value #REPLACEMENT_LOGGER} at DEBUG, also
 * the stack trace with its messages withheld. Levels still decide what is logged; the server's
 * own errors are logged, safely, by {@link ErrorResponseInterceptor}.
 */
public class LogRedactionFilter extends TurboFilter {

    static final String REPLACEMENT_LOGGER = "org.iopfhir.redacted";

    private final List<String> prefixes = new ArrayList<>();

    /** A logger name prefix whose messages are withheld; called by logback for each {@code <redact>}. */
    public void addRedact(String prefix) {
        if (prefix != null && !prefix.isBlank()) {
            prefixes.add(prefix.trim());
        }
    }

    @Override
    public FilterReply decide(Marker marker, Logger logger, Level level, String format, Object[] params, Throwable t) {
        // Most calls are level queries and events below the logger's level (HAPI and Hibernate ask for DEBUG
        // and TRACE many times per request): nothing will be logged, so nothing to withhold.
        if (level == null || !level.isGreaterOrEqual(logger.getEffectiveLevel()) || !isRedacted(logger.getName())) {
            return FilterReply.NEUTRAL;
        }
        if (format == null && t == null) {
            // A level query (isWarnEnabled()): the event itself, if logged, comes through here again.
            return FilterReply.NEUTRAL;
        }
        replace(logger, level, t != null ? t : trailingThrowable(params));
        return FilterReply.DENY;
    }

    private boolean isRedacted(String name) {
        if (name.equals(REPLACEMENT_LOGGER)) {
            return false;
        }
        for (String prefix : prefixes) {
            if (name.startsWith(prefix)
                    && (name.length() == prefix.length() || name.charAt(prefix.length()) == '.')) {
                return true;
            }
        }
        return false;
    }

    private static void replace(Logger original, Level level, Throwable thrown) {
        Logger replacement = original.getLoggerContext().getLogger(REPLACEMENT_LOGGER);
        String format = thrown == null ? "{} {}: message withheld" : "{} {}: message withheld; {}";
        Object[] args;
        if (thrown == null) {
            args = new Object[] {level, original.getName()};
        } else if (replacement.isDebugEnabled()) {
            args = new Object[] {level, original.getName(), LogSafety.describe(thrown), LogSafety.withoutMessages(thrown)};
        } else {
            args = new Object[] {level, original.getName(), LogSafety.describe(thrown)};
        }
        switch (level.toInt()) {
            case Level.ERROR_INT -> replacement.error(format, args);
            case Level.WARN_INT -> replacement.warn(format, args);
            case Level.INFO_INT -> replacement.info(format, args);
            case Level.DEBUG_INT -> replacement.debug(format, args);
            default -> replacement.trace(format, args);
        }
    }

    /** SLF4J's convention: a throwable as the last argument is the event's exception. */
    private static Throwable trailingThrowable(Object[] params) {
        if (params != null && params.length > 0 && params[params.length - 1] instanceof Throwable thrown) {
            return thrown;
        }
        return null;
    }
}
