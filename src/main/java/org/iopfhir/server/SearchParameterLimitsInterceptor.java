package org.iopfhir.server;

import ca.uhn.fhir.interceptor.api.Hook;
import ca.uhn.fhir.interceptor.api.Interceptor;
import ca.uhn.fhir.interceptor.api.Pointcut;
import ca.uhn.fhir.rest.api.Constants;
import ca.uhn.fhir.rest.api.server.RequestDetails;
import ca.uhn.fhir.rest.server.exceptions.InvalidRequestException;
import java.util.Map;

/**
 * Limits on the parameters of a request that HAPI would otherwise pass to the database as they
 * are. Each {@code _sort} key adds a join and an ordering over the whole result set, so a search
 * with many keys can hold a connection for a long time: the number of keys (over all {@code _sort}
 * parameters, comma-separated keys counted one by one) is capped. A NUL character, which
 * PostgreSQL refuses in text (HAPI answered 500), is refused in any parameter. Both are 400s.
 * The check runs before every handler, also for the searches inside a batch or transaction.
 */
@Interceptor
public class SearchParameterLimitsInterceptor {

    private final int maxSortKeys;

    public SearchParameterLimitsInterceptor(int maxSortKeys) {
        if (maxSortKeys < 1) {
            throw new IllegalArgumentException("iop.server.max-sort-keys must be at least 1, not " + maxSortKeys);
        }
        this.maxSortKeys = maxSortKeys;
    }

    @Hook(Pointcut.SERVER_INCOMING_REQUEST_PRE_HANDLED)
    public void checkParameters(RequestDetails request) {
        Map<String, String[]> parameters = request.getParameters();
        if (parameters == null) {
            return;
        }
        int sortKeys = 0;
        for (Map.Entry<String, String[]> parameter : parameters.entrySet()) {
            String name = parameter.getKey();
            if (name.indexOf('\0') >= 0 || containsNul(parameter.getValue())) {
                throw new InvalidRequestException("Search parameters must not contain NUL characters");
            }
            if (name.equals(Constants.PARAM_OFFSET) && isNegative(parameter.getValue())) {
                // The database refuses a negative row offset, which would otherwise surface as a server fault.
                throw new InvalidRequestException("_offset must be zero or a positive number");
            }
            if (isSort(name) && parameter.getValue() != null) {
                for (String value : parameter.getValue()) {
                    sortKeys += countKeys(value);
                }
            }
        }
        if (sortKeys > maxSortKeys) {
            throw new InvalidRequestException("A search may sort by at most " + maxSortKeys + " keys; this one has "
                    + sortKeys);
        }
    }

    /** {@code _sort}, and the DSTU2 forms {@code _sort:asc} and {@code _sort:desc}. */
    private static boolean isSort(String name) {
        return name.equals(Constants.PARAM_SORT) || name.startsWith(Constants.PARAM_SORT + ":");
    }

    private static int countKeys(String value) {
        int keys = 0;
        if (value != null) {
            for (String key : value.split(",")) {
                if (!key.isBlank()) {
                    keys++;
                }
            }
        }
        return keys;
    }

    private static boolean isNegative(String[] values) {
        if (values != null) {
            for (String value : values) {
                if (value != null && value.trim().startsWith("-")) {
                    return true;
                }
            }
        }
        return false;
    }

    private static boolean containsNul(String[] values) {
        if (values != null) {
            for (String value : values) {
                if (value != null && value.indexOf('\0') >= 0) {
                    return true;
                }
            }
        }
        return false;
    }
}
