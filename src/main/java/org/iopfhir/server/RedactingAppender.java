package org.iopfhir.server;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.LoggingEvent;
import ch.qos.logback.classic.spi.ThrowableProxy;
import ch.qos.logback.core.Appender;
import ch.qos.logback.core.UnsynchronizedAppenderBase;
import ch.qos.logback.core.spi.AppenderAttachable;
import ch.qos.logback.core.spi.AppenderAttachableImpl;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;

/**
 * Withholds the messages of libraries that log request content: HAPI quotes search values and
 * exception messages (which quote resources), Hibernate and the JDBC driver quote the database's
 * errors (which quote values), Tomcat quotes malformed request lines. An event of a logger under
 * one of the configured prefixes ({@code <redact>ca.uhn.fhir</redact>} in logback-spring.xml) reaches
 * the appenders this one holds ({@code <appender-ref>}) as one line on {@value #REPLACEMENT_LOGGER} at the
 * same level, naming the logger and the exception classes, without message or arguments; with
 * {@value #REPLACEMENT_LOGGER} at DEBUG, also the stack trace with its messages withheld. Other events
 * pass unchanged. Levels still decide what is logged; the server's own errors are logged, safely, by
 * {@link ErrorResponseInterceptor}.
 *
 * <p>An appender rather than a turbo filter: logback asks every turbo filter on each level query
 * ({@code isDebugEnabled()}), which the libraries make many times per request, while an appender sees
 * only the events that are logged.
 */
public class RedactingAppender extends UnsynchronizedAppenderBase<ILoggingEvent>
        implements AppenderAttachable<ILoggingEvent> {

    static final String REPLACEMENT_LOGGER = "org.iopfhir.redacted";

    private final List<String> prefixes = new ArrayList<>();
    private final AppenderAttachableImpl<ILoggingEvent> appenders = new AppenderAttachableImpl<>();

    /** A logger name prefix whose messages are withheld; called by logback for each {@code <redact>}. */
    public void addRedact(String prefix) {
        if (prefix != null && !prefix.isBlank()) {
            prefixes.add(prefix.trim());
        }
    }

    @Override
    protected void append(ILoggingEvent event) {
        ILoggingEvent shown = isRedacted(event.getLoggerName()) ? replacement(event) : event;
        if (shown != null) {
            appenders.appendLoopOnAppenders(shown);
        }
    }

    private boolean isRedacted(String name) {
        for (String prefix : prefixes) {
            if (name.startsWith(prefix)
                    && (name.length() == prefix.length() || name.charAt(prefix.length()) == '.')) {
                return true;
            }
        }
        return false;
    }

    /** The logger's name and the exception classes, on the replacement logger; null when its level refuses it. */
    private ILoggingEvent replacement(ILoggingEvent original) {
        Logger replacement = ((LoggerContext) getContext()).getLogger(REPLACEMENT_LOGGER);
        Level level = original.getLevel();
        if (!level.isGreaterOrEqual(replacement.getEffectiveLevel())) {
            return null;
        }
        Throwable thrown = original.getThrowableProxy() instanceof ThrowableProxy proxy ? proxy.getThrowable() : null;
        if (thrown == null) {
            return new LoggingEvent(Logger.FQCN, replacement, level, "{} {}: message withheld", null,
                    new Object[] {level, original.getLoggerName()});
        }
        return new LoggingEvent(Logger.FQCN, replacement, level, "{} {}: message withheld; {}",
                replacement.isDebugEnabled() ? LogSafety.withoutMessages(thrown) : null,
                new Object[] {level, original.getLoggerName(), LogSafety.describe(thrown)});
    }

    @Override
    public void stop() {
        super.stop();
        appenders.detachAndStopAllAppenders();
    }

    @Override
    public void addAppender(Appender<ILoggingEvent> appender) {
        appenders.addAppender(appender);
    }

    @Override
    public Iterator<Appender<ILoggingEvent>> iteratorForAppenders() {
        return appenders.iteratorForAppenders();
    }

    @Override
    public Appender<ILoggingEvent> getAppender(String name) {
        return appenders.getAppender(name);
    }

    @Override
    public boolean isAttached(Appender<ILoggingEvent> appender) {
        return appenders.isAttached(appender);
    }

    @Override
    public void detachAndStopAllAppenders() {
        appenders.detachAndStopAllAppenders();
    }

    @Override
    public boolean detachAppender(Appender<ILoggingEvent> appender) {
        return appenders.detachAppender(appender);
    }

    @Override
    public boolean detachAppender(String name) {
        return appenders.detachAppender(name);
    }
}
