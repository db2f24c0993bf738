package org.iopfhir.privacy.auth;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.springframework.security.core.context.SecurityContextHolder;
import org.springframework.security.oauth2.jwt.Jwt;
import org.springframework.security.oauth2.server.resource.authentication.JwtAuthenticationToken;

/** A caller handed to a bulk export job as text comes back with the same rights, and only the same caller matches. */
class CallerContextTest {

    private static final CallerContext PAYER = new CallerContext("payer-app", "reviewer&1=x", Set.of(Role.PAYER),
            List.of(SmartScope.parse("user/*.rs").orElseThrow(), SmartScope.parse("user/Observation.read").orElseThrow()),
            Optional.empty(), Optional.empty(), Optional.of("HPAYMT"), Optional.of("Organization/payer c"));

    @Test
    void aCallerSurvivesTheRoundTripWithItsRights() {
        CallerContext back = CallerContext.decode(PAYER.encode()).orElseThrow();

        assertThat(back).isEqualTo(PAYER);
        assertThat(back.granted("Observation", SmartScope.Permission.SEARCH)).isTrue();
        assertThat(back.granted("Observation", SmartScope.Permission.CREATE)).isFalse();
    }

    @Test
    void aPatientContextSurvivesTheRoundTrip() {
        CallerContext patient = new CallerContext("app", "Patient/p1", Set.of(Role.PATIENT),
                List.of(SmartScope.parse("patient/*.rs").orElseThrow()), Optional.of("p1"), Optional.empty(), Optional.empty(),
                Optional.empty());

        assertThat(CallerContext.decode(patient.encode())).contains(patient);
    }

    @Test
    void anEncounterContextSurvivesTheRoundTripAndMakesAnotherCaller() {
        CallerContext inEncounter = new CallerContext("app", "Practitioner/d1", Set.of(Role.CLINICIAN),
                List.of(SmartScope.parse("patient/*.rs").orElseThrow()), Optional.of("p1"), Optional.of("e 7"), Optional.of("TREAT"),
                Optional.empty());
        CallerContext sameWithout = new CallerContext("app", "Practitioner/d1", Set.of(Role.CLINICIAN), inEncounter.scopes(),
                Optional.of("p1"), Optional.empty(), Optional.of("TREAT"), Optional.empty());

        assertThat(CallerContext.decode(inEncounter.encode())).contains(inEncounter);
        assertThat(inEncounter.encode()).isNotEqualTo(sameWithout.encode());
    }

    @Test
    void anotherPurposeOrOrganizationIsAnotherCaller() {
        CallerContext otherPurpose = new CallerContext(PAYER.clientId(), PAYER.user(), PAYER.roles(), PAYER.scopes(),
                PAYER.patientId(), PAYER.encounterId(), Optional.of("COVAUTH"), PAYER.organization());
        CallerContext otherPayer = new CallerContext(PAYER.clientId(), PAYER.user(), PAYER.roles(), PAYER.scopes(),
                PAYER.patientId(), PAYER.encounterId(), PAYER.purposeOfUse(), Optional.of("Organization/payer-d"));

        assertThat(otherPurpose.encode()).isNotEqualTo(PAYER.encode());
        assertThat(otherPayer.encode()).isNotEqualTo(PAYER.encode());
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "client=a", "user=b", "no pairs at all"})
    void textItDidNotWriteIsNoCaller(String text) {
        assertThat(CallerContext.decode(text)).isEmpty();
    }

    private static Jwt token(String patient) {
        return Jwt.withTokenValue("token-" + patient).header("alg", "RS256").claim("client_id", "app")
                .claim("sub", "user-" + patient).claim("scope", "patient/*.rs").claim("patient", patient).build();
    }

    private static CallerContext signedInWith(Jwt token) {
        SecurityContextHolder.getContext().setAuthentication(new JwtAuthenticationToken(token));
        try {
            return CallerContext.current();
        } finally {
            SecurityContextHolder.clearContext();
        }
    }

    @Test
    void aTokensClaimsAreReadOnceAndEachTokenIsItsOwnCaller() {
        Jwt first = token("p1");
        CallerContext caller = signedInWith(first);

        assertThat(caller.patientId()).contains("p1");
        assertThat(signedInWith(first)).isSameAs(caller);
        assertThat(signedInWith(token("p2")).patientId()).contains("p2");
        // another token with the same claims is read on its own, and is the same caller
        assertThat(signedInWith(token("p1"))).isNotSameAs(caller).isEqualTo(caller);
    }
}
