package org.iopfhir.privacy;

import java.util.ArrayList;
import java.util.EnumSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.function.BiPredicate;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.assertj.core.api.SoftAssertions;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.Resource;
import org.iopfhir.privacy.MatrixData.Kind;
import org.iopfhir.privacy.MatrixData.State;
import org.iopfhir.testsupport.SecuredServerTest;
import org.iopfhir.testsupport.TestTokens;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Roles x scopes x consent states x record kinds x interactions. For each caller and patient, the
 * oracle says which of the patient's records the caller may see; every interaction - read, vread,
 * search, {@code _include}, {@code _revinclude}, {@code $everything}, history - must show exactly
 * those (where it shows that kind at all) and never one the oracle refuses.
 */
class DisclosureMatrixIT extends SecuredServerTest {


    /** A caller: a token, and the oracle of what it may see. */
    record Caller(String name, String token, BiPredicate<State, Kind> mayRead) {
        @Override
        public String toString() {
            return name;
        }
    }

    static final String PAYER_SCOPES = "user/*.rs";

    static Stream<Caller> callers() {
        return Stream.of(
                new Caller("payer for payment", payer("HPAYMT", PAYER_SCOPES), DisclosureMatrixIT::payerMay),
                new Caller("payer for coverage authorization", payer("COVAUTH", PAYER_SCOPES), DisclosureMatrixIT::payerMay),
                new Caller("payer with purpose TREAT", payer("TREAT", PAYER_SCOPES), (s, k) -> s == State.NOT_PART2),
                new Caller("payer with only an Encounter scope", payer("HPAYMT", "user/Encounter.rs"),
                        (s, k) -> k == Kind.SESSION && payerMay(s, k)),
                new Caller("program clinician for treatment", clinician(MatrixData.PROGRAM, "TREAT"),
                        (s, k) -> s != State.OTHER_PROGRAM_ACTIVE),
                new Caller("clinician of another program", clinician(MatrixData.OTHER_PROGRAM, "TREAT"),
                        (s, k) -> s == State.OTHER_PROGRAM_ACTIVE),
                new Caller("clinician of another program breaking the glass", clinician(MatrixData.OTHER_PROGRAM, "BTG"),
                        (s, k) -> true),
                new Caller("clinician without purpose of use", clinician(MatrixData.PROGRAM, null), (s, k) -> false),
                new Caller("patient with active consent (own records)", TestTokens.token().role("patient")
                        .scope("patient/*.rs").patient(State.ACTIVE.patientId).sign(),
                        (s, k) -> s == State.ACTIVE && k != Kind.COUNSELING_NOTE),
                new Caller("backend service without a role", TestTokens.token().scope("system/*.rs").sign(),
                        (s, k) -> s == State.NOT_PART2));
    }

    static Stream<Arguments> matrix() {
        return callers().flatMap(c -> Stream.of(State.values()).map(s -> Arguments.of(c, s)));
    }

    /** Payers see Part 2 records only under a consent naming them, for payment, now; notes only if named. */
    static boolean payerMay(State state, Kind kind) {
        return switch (state) {
            case NOT_PART2, COUNSELING_NOTE_CONSENT -> true;
            case ACTIVE, OTHER_PROGRAM_ACTIVE -> kind != Kind.COUNSELING_NOTE;
            case NONE, REVOKED, EXPIRED, PAYER_MISMATCH -> false;
        };
    }

    static String payer(String purpose, String scopes) {
        return TestTokens.token().role("payer").scope(scopes).purpose(purpose).organization(MatrixData.PAYER)
                .user("reviewer@payer-a").sign();
    }

    static String clinician(String program, String purpose) {
        TestTokens.Token token = TestTokens.token().role("clinician").scope("user/*.cruds").organization(program);
        return (purpose == null ? token : token.purpose(purpose)).sign();
    }

    @BeforeEach
    void matrixPatients() {
        MatrixData.ensureLoaded(client(MatrixData.privacyOfficer()));
    }

    @ParameterizedTest(name = "{0} x patient {1}")
    @MethodSource("matrix")
    void everyInteractionShowsExactlyWhatAReadWould(Caller caller, State state) {
        SoftAssertions soft = new SoftAssertions();
        Set<String> visible = EnumSet.allOf(Kind.class).stream().filter(k -> caller.mayRead().test(state, k))
                .map(k -> k.id(state)).collect(Collectors.toCollection(LinkedHashSet::new));
        Set<String> all = Stream.of(Kind.values()).map(k -> k.id(state)).collect(Collectors.toSet());
        String patient = "Patient/" + state.patientId;

        for (Kind kind : Kind.values()) {
            String id = kind.id(state);
            // A refused read looks exactly like a read of a missing record.
            int expected = visible.contains(id) ? 200 : 404;
            soft.assertThat(get("/fhir/" + id, caller.token()).status()).as("read %s", id).isEqualTo(expected);
            soft.assertThat(get("/fhir/" + id + "/_history/1", caller.token()).status()).as("vread %s", id).isEqualTo(expected);
            String search = kind == Kind.PATIENT ? "Patient?_id=" + state.patientId
                    : kind.type + "?" + (kind == Kind.EPISODE ? "patient" : "subject") + "=" + patient;
            expectExactly(soft, "search " + search, caller, search, visible.stream().filter(v -> v.startsWith(kind.type + "/")).toList(), visible, all);
        }
        String sessionSearch = "Encounter?subject=" + patient + "&_include=Encounter:subject&_include=Encounter:episode-of-care";
        // An _include of a type beyond the caller's scopes is refused as a whole (HAPI's authorization rules).
        boolean includable = visible.contains(Kind.SESSION.id(state)) && visible.contains(Kind.PATIENT.id(state));
        expectExactly(soft, "_include", caller, sessionSearch, includable
                ? visible.stream().filter(v -> v.startsWith("Patient/") || v.startsWith("Encounter/") || v.startsWith("EpisodeOfCare/")).toList()
                : null, visible, all);
        String revinclude = "Patient?_id=" + state.patientId + "&_revinclude=Encounter:subject"
                + "&_revinclude=Observation:subject&_revinclude=DocumentReference:subject&_revinclude=EpisodeOfCare:patient";
        expectExactly(soft, "_revinclude", caller, revinclude, visible.contains(Kind.PATIENT.id(state)) ? List.copyOf(visible) : null, visible, all);
        expectExactly(soft, "$everything", caller, patient + "/$everything?_count=100",
                visible.contains(Kind.PATIENT.id(state)) ? List.copyOf(visible) : null, visible, all);
        expectExactly(soft, "instance history", caller, patient + "/_history",
                visible.contains(Kind.PATIENT.id(state)) ? List.of(patient) : null, visible, all);
        expectExactly(soft, "type history", caller, "DocumentReference/_history?_count=500", null, visible, all);
        soft.assertAll();
    }

    /**
     * A Bundle answer holds exactly {@code expected} of this patient's records and nothing a read
     * would refuse. Where {@code expected} is null (the search's anchor is refused) or empty, a 403 or 404
     * is as good an answer as an empty Bundle.
     */
    private void expectExactly(SoftAssertions soft, String what, Caller caller, String query, List<String> expected,
            Set<String> visible, Set<String> all) {
        Response response = get("/fhir/" + query, caller.token());
        if ((response.status() == 403 || response.status() == 404) && (expected == null || expected.isEmpty())) {
            return;
        }
        soft.assertThat(response.status()).as("%s status", what).isEqualTo(200);
        if (response.status() != 200) {
            return;
        }
        List<String> returned = new ArrayList<>();
        for (Bundle.BundleEntryComponent entry : ((Bundle) response.resource()).getEntry()) {
            Resource r = entry.getResource();
            String id = r == null ? null : r.fhirType() + "/" + r.getIdElement().getIdPart();
            if (all.contains(id)) {
                returned.add(id);
            }
        }
        soft.assertThat(visible).as("%s: nothing a read would refuse", what).containsAll(returned);
        if (expected != null) {
            soft.assertThat(returned).as(what).containsExactlyInAnyOrderElementsOf(expected);
        }
    }
}
