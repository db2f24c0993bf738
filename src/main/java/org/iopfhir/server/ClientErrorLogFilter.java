package org.iopfhir.server;

import ca.uhn.fhir.rest.server.exceptions.BaseServerResponseException;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.ThrowableProxy;
import ch.qos.logback.core.filter.Filter;
import ch.qos.logback.core.spi.FilterReply;

/**
 * HAPI logs every exception thrown by an interceptor at ERROR with its message, including the
 * 4xx answers that validation and authorization give on purpose. Those messages can quote the
 * client's data (PHI) and they are not server errors, so they are dropped here; 5xx and every
 * other error still reach the log. A filter of the console's appender (logback-spring.xml), so it
 * sees only events that are logged, not every level query.
 */
public class ClientErrorLogFilter extends Filter<ILoggingEvent> {

    @Override
    public FilterReply decide(ILoggingEvent event) {
        if (event.getThrowableProxy() instanceof ThrowableProxy proxy && isClientError(proxy.getThrowable())) {
            return FilterReply.DENY;
        }
        Object[] params = event.getArgumentArray();
        if (params != null) {
            for (Object param : params) {
                if (isClientError(param)) {
                    return FilterReply.DENY;
                }
            }
        }
        return FilterReply.NEUTRAL;
    }

    private static boolean isClientError(Object candidate) {
        return candidate instanceof BaseServerResponseException e && e.getStatusCode() < 500;
    }
}
