package org.iopfhir.privacy.auth;

import ca.uhn.fhir.rest.api.server.RequestDetails;
import ca.uhn.fhir.rest.server.interceptor.auth.AuthorizedList;
import ca.uhn.fhir.rest.server.interceptor.auth.SearchNarrowingInterceptor;

/**
 * A patient-context token searches only its patient's compartment: HAPI adds the compartment to
 * every search, so a search asks for what the authorization rules would allow instead of being
 * refused for what they would not.
 */
public class PatientSearchNarrowing extends SearchNarrowingInterceptor {

    @Override
    protected AuthorizedList buildAuthorizedList(RequestDetails request) {
        CallerContext caller = CallerContext.of(request);
        if (!SmartAuthorizationInterceptor.patientContext(caller) || caller.patientId().isEmpty()) {
            return null;
        }
        return new AuthorizedList().addCompartment("Patient/" + caller.patientId().get());
    }
}
