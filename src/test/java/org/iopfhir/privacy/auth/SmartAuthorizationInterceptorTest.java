package org.iopfhir.privacy.auth;

import static org.assertj.core.api.Assertions.assertThat;

import ca.uhn.fhir.rest.api.RestOperationTypeEnum;
import ca.uhn.fhir.rest.server.interceptor.auth.IAuthRule;
import ca.uhn.fhir.rest.server.servlet.ServletRequestDetails;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.springframework.security.core.context.SecurityContextHolder;
import org.springframework.security.oauth2.jwt.Jwt;
import org.springframework.security.oauth2.server.resource.authentication.JwtAuthenticationToken;

/** The rules are built once per caller: the same caller's next request reuses them, another caller gets its own. */
class SmartAuthorizationInterceptorTest {

    private final SmartAuthorizationInterceptor interceptor = new SmartAuthorizationInterceptor();

    @AfterEach
    void signOut() {
        SecurityContextHolder.clearContext();
    }

    private List<IAuthRule> rulesFor(String patient, RestOperationTypeEnum operation) {
        Jwt token = Jwt.withTokenValue("token-of-" + patient).header("alg", "RS256").claim("client_id", "app")
                .claim("sub", "user-" + patient).claim("scope", "patient/*.rs").claim("patient", patient).build();
        SecurityContextHolder.getContext().setAuthentication(new JwtAuthenticationToken(token));
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
}
