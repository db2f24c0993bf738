package org.iopfhir.subscriptions;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class EndpointPolicyTest {

    private final EndpointPolicy production = new EndpointPolicy(false);
    private final EndpointPolicy tests = new EndpointPolicy(true);

    @Test
    void httpAndHttpsToOtherHostsAreAccepted() {
        assertThat(production.refusal("https://10.1.2.3/fhir/notify")).isEmpty();
        assertThat(production.refusal("http://192.168.0.10:8080/hook")).isEmpty();
        assertThat(production.refusal("HTTPS://[2001:db8::1]/hook")).isEmpty();
    }

    @Test
    void thisMachineIsRefusedUnlessAllowed() {
        for (String local : new String[] {"http://127.0.0.1/hook", "http://localhost:8080/fhir", "http://[::1]/x",
                "http://127.10.0.1/hook"}) {
            assertThat(production.refusal(local)).as(local).hasValueSatisfying(r -> assertThat(r).contains("loopback"));
            assertThat(tests.refusal(local)).as(local).isEmpty();
        }
    }

    @Test
    void metadataServicesWildcardsAndOtherSchemesAreAlwaysRefused() {
        assertThat(tests.refusal("http://169.254.169.254/latest/meta-data")).hasValueSatisfying(r -> assertThat(r).contains("link-local"));
        assertThat(tests.refusal("http://[fe80::1]/hook")).hasValueSatisfying(r -> assertThat(r).contains("link-local"));
        assertThat(tests.refusal("http://0.0.0.0:8080/hook")).hasValueSatisfying(r -> assertThat(r).contains("wildcard"));
        assertThat(tests.refusal("file:///etc/passwd")).hasValueSatisfying(r -> assertThat(r).contains("http"));
        assertThat(tests.refusal("gopher://example.org/")).hasValueSatisfying(r -> assertThat(r).contains("http"));
        assertThat(tests.refusal("/relative/hook")).hasValueSatisfying(r -> assertThat(r).contains("http"));
        assertThat(tests.refusal("http://user:pw@10.0.0.1/hook")).hasValueSatisfying(r -> assertThat(r).contains("credentials"));
        assertThat(tests.refusal("http://exa mple.org/")).isPresent();
        assertThat(tests.refusal("")).isPresent();
        assertThat(tests.refusal(null)).isPresent();
    }

    @Test
    void aHostThatDoesNotResolveIsRefused() {
        assertThat(production.refusal("https://no-such-host.invalid/hook"))
                .hasValueSatisfying(r -> assertThat(r).contains("not known"));
    }
}
