package org.iopfhir.server;

import ca.uhn.fhir.rest.server.exceptions.BaseServerResponseException;
import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.turbo.TurboFilter;
import ch.qos.logback.core.spi.FilterReply;
import org.slf4j.Marker;

/**
 * HAPI logs every exception thrown by an interceptor at ERROR with its message, including the
 * 4xx answers that validation and authorization give on purpose. Those messages can quote the
 * client's data (PHI) and they are not server errors, so they are dropped here; 5xx and every
 * other error still reach the log.
 */
public class ClientErrorLogFilter extends TurboFilter {

    @Override
    public FilterReply decide(Marker marker, Logger logger, Level level, String format, Object[] params, Throwable t) {
        if (isClientError(t)) {
            return FilterReply.DENY;
        }
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
