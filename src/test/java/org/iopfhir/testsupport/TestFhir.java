package org.iopfhir.testsupport;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.rest.client.api.IGenericClient;
import ca.uhn.fhir.rest.client.api.ServerValidationModeEnum;

/** HAPI's generic client as an outside FHIR client would use it. */
public final class TestFhir {

    public static final FhirContext CONTEXT = FhirContext.forR4Cached();

    static {
        // Each test talks to a known server; skip the client's CapabilityStatement probe.
        CONTEXT.getRestfulClientFactory().setServerValidationMode(ServerValidationModeEnum.NEVER);
        // A 158-entry transaction on a busy 2-core machine can take longer than the 10 s default.
        CONTEXT.getRestfulClientFactory().setSocketTimeout(60_000);
    }

    private TestFhir() {
    }

    public static IGenericClient client(String baseUrl) {
        return CONTEXT.newRestfulGenericClient(baseUrl);
    }
}
