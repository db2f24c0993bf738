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
        // Loading the example episode (173 resources, validated) can take longer than HAPI's 10 s
        // default on a busy 2-core machine.
        CONTEXT.getRestfulClientFactory().setSocketTimeout(120_000);
    }

    private TestFhir() {
    }

    public static IGenericClient client(String baseUrl) {
        return CONTEXT.newRestfulGenericClient(baseUrl);
    }
}
