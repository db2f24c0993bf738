package org.iopfhir.server;

import java.util.List;

/**
 * What one feature package adds to the FHIR endpoint. Each package declares a bean of this type in its
 * own configuration; {@link FhirEndpointConfig} collects them all (in {@code @Order} order, then
 * declaration order) and registers their parts, so the endpoint depends on no feature and a new
 * feature needs no change here.
 *
 * @param providers           resource and plain providers, e.g. a FHIR operation
 * @param serverInterceptors  interceptors of the REST server, in order: they see REST requests
 * @param storageInterceptors interceptors of the storage layer: they see every write, also transaction
 *                            entries and start-up loading
 */
public record FhirEndpointFeature(List<Object> providers, List<Object> serverInterceptors, List<Object> storageInterceptors) {

    public static FhirEndpointFeature providers(Object... providers) {
        return new FhirEndpointFeature(List.of(providers), List.of(), List.of());
    }
}
