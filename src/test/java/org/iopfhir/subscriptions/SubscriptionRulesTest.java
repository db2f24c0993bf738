package org.iopfhir.subscriptions;

import static org.assertj.core.api.Assertions.assertThat;

import ca.uhn.fhir.rest.api.server.RequestDetails;
import ca.uhn.fhir.rest.api.server.SystemRequestDetails;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Which requests have the resources they show looked at for other callers' subscriptions. */
class SubscriptionRulesTest {

    @ParameterizedTest(name = "{0} {1} ?{2} -> {3}")
    @CsvSource(nullValues = "-", value = {
            // type, operation, parameter, may show subscriptions
            "Subscription, -, -, true",
            "-, -, -, true",                       // system search, history, transaction, batch
            "Encounter, -, -, false",
            "Encounter, -, subject, false",
            "Basic, -, _include, true",            // Basic:subject may name any resource
            "Encounter, -, _include:iterate, true",
            "Patient, -, _revinclude, true",
            "Patient, $everything, -, true",
            "EpisodeOfCare, $attendance, -, true",
    })
    void looksWhereASubscriptionCanBeAmongTheResources(String type, String operation, String parameter, boolean looks) {
        RequestDetails request = new SystemRequestDetails();
        request.setResourceName(type);
        request.setOperation(operation);
        Map<String, String[]> parameters = new HashMap<>();
        if (parameter != null) {
            parameters.put(parameter, new String[] {"x"});
        }
        request.setParameters(parameters);
        assertThat(SubscriptionRules.mayShowSubscriptions(request)).isEqualTo(looks);
    }
}
