package org.iopfhir.privacy.auth;

import static org.assertj.core.api.Assertions.assertThat;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.interceptor.api.Pointcut;
import ca.uhn.fhir.rest.api.RestOperationTypeEnum;
import ca.uhn.fhir.rest.server.RestfulServer;
import ca.uhn.fhir.rest.server.exceptions.ForbiddenOperationException;
import ca.uhn.fhir.rest.server.interceptor.auth.IAuthRule;
import ca.uhn.fhir.rest.server.servlet.ServletRequestDetails;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.springframework.security.core.context.SecurityContextHolder;
import org.springframework.security.oauth2.jwt.Jwt;
import org.springframework.security.oauth2.server.resource.authentication.JwtAuthenticationToken;

/**
 * The rules are built once per caller: the same caller's next request reuses them, also while another is running,
 * and another caller gets its own.
 */
class SmartAuthorizationInterceptorTest {

    private final SmartAuthorizationInterceptor interceptor = new SmartAuthorizationInterceptor();

    @AfterEach
    void signOut() {
        SecurityContextHolder.clearContext();
    }

    private static void signIn(String patient) {
        Jwt token = Jwt.withTokenValue("token-of-" + patient).header("alg", "RS256").claim("client_id", "app")
                .claim("sub", "user-" + patient).claim("scope", "patient/*.rs").claim("patient", patient).build();
        SecurityContextHolder.getContext().setAuthentication(new JwtAuthenticationToken(token));
    }

    private List<IAuthRule> rulesFor(String patient, RestOperationTypeEnum operation) {
        signIn(patient);
        ServletRequestDetails request = new ServletRequestDetails();
        request.setRestOperationType(operation);
        return interceptor.buildRuleList(request);
    }

    private static String described(List<IAuthRule> rules) {
        return rules.stream().map(String::valueOf).reduce("", String::concat);
    }

    @Test
    void theSameCallersNextRequestReusesItsRules() {
        List<IAuthRule> first = rulesFor("p1", RestOperationTypeEnum.READ);
        assertThat(rulesFor("p1", RestOperationTypeEnum.SEARCH_TYPE)).isSameAs(first);
    }

    @Test
    void anotherCallerGetsRulesForItsOwnCompartment() {
        List<IAuthRule> first = rulesFor("p1", RestOperationTypeEnum.READ);
        List<IAuthRule> second = rulesFor("p2", RestOperationTypeEnum.READ);
        assertThat(second).isNotSameAs(first);
        assertThat(described(first)).contains("Patient/p1").doesNotContain("Patient/p2");
        assertThat(described(second)).contains("Patient/p2").doesNotContain("Patient/p1");
    }

    @Test
    void aPageOfASearchHasItsOwnRules() {
        List<IAuthRule> read = rulesFor("p1", RestOperationTypeEnum.READ);
        List<IAuthRule> page = rulesFor("p1", RestOperationTypeEnum.GET_PAGE);
        assertThat(page).isNotSameAs(read);
        assertThat(page).hasSizeLessThan(read.size()); // no AuditEvent read refusal on pages
    }

    /**
     * A caller's requests share its rules, also when they run at once. Each round starts with fresh rules and has
     * several threads search every resource type at the same moment, as a patient app's parallel requests do: HAPI's
     * compartment rules, as {@code inCompartment} builds them, fail such searches now and then with a
     * ConcurrentModificationException (a 500 in the adversarial suite).
     */
    @Test
    void oneCallersRulesServeItsConcurrentSearchesOfEveryType() throws Exception {
        FhirContext fhir = FhirContext.forR4Cached();
        RestfulServer server = new RestfulServer(fhir);
        List<String> types = new ArrayList<>(fhir.getResourceTypes());
        int threads = 8;
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        List<Throwable> failures = new CopyOnWriteArrayList<>();
        try {
            for (int round = 0; round < 60 && failures.isEmpty(); round++) {
                SmartAuthorizationInterceptor shared = new SmartAuthorizationInterceptor();
                CyclicBarrier start = new CyclicBarrier(threads);
                List<Future<?>> running = new ArrayList<>();
                for (int t = 0; t < threads; t++) {
                    List<String> order = new ArrayList<>(types);
                    Collections.shuffle(order, new Random(round * 31L + t));
                    running.add(pool.submit(() -> {
                        signIn("p1");
                        try {
                            start.await();
                            for (String type : order) {
                                ServletRequestDetails search = new ServletRequestDetails();
                                search.setServer(server);
                                search.setRestOperationType(RestOperationTypeEnum.SEARCH_TYPE);
                                search.setResourceName(type);
                                search.setParameters(Map.of("patient", new String[] {"Patient/p1"}));
                                try {
                                    shared.incomingRequestPreHandled(search, Pointcut.SERVER_INCOMING_REQUEST_PRE_HANDLED);
                                } catch (ForbiddenOperationException refused) {
                                    // a type outside the patient compartment: refused, as it should be
                                }
                            }
                        } catch (Throwable e) {
                            failures.add(e);
                        } finally {
                            SecurityContextHolder.clearContext();
                        }
                        return null;
                    }));
                }
                for (Future<?> each : running) {
                    each.get(1, TimeUnit.MINUTES);
                }
            }
        } finally {
            pool.shutdownNow();
        }
        assertThat(failures).isEmpty();
    }
}
