package org.iopfhir.attendance;

import static org.assertj.core.api.Assertions.assertThat;

import java.math.BigDecimal;
import java.time.Duration;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Rolling weekly hours, thresholds, attendance rate and outreach, without FHIR. */
class AttendanceCalculatorTest {

    private static final LocalDate MONDAY = LocalDate.of(2026, 1, 5);
    private static final AttendanceRules ADULT = rules("9");
    private static final AttendanceRules ADOLESCENT = rules("6");

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
            three 3-hour groups reach the adult 9 hours                      | 9  | 180,180,180         | 9    | meets
            a missed group leaves an adult week at 6 hours, below            | 9  | 180,180             | 6    | below
            two groups meet the adolescent 6 hours                          | 6  | 180,180             | 6    | meets
            a session ended early at 150 minutes tips the week below        | 9  | 180,180,150         | 8.5  | below
            one 60-minute session short of 9 hours is still below            | 9  | 180,180,60,60       | 8    | below
            daily 4-hour days reach partial-hospital intensity at 20 hours   | 9  | 240,240,240,240,240 | 20   | partial-hospital
            just under 20 hours is still intensive outpatient               | 9  | 240,240,240,240,230 | 19.83 | meets
            """)
    void aCompleteWindowIsJudgedAgainstTheAgeGroupsThreshold(String why, String threshold, String minutes,
            String hours, String status) {
        List<AttendedSession> sessions = new ArrayList<>();
        String[] each = minutes.split(",");
        for (int i = 0; i < each.length; i++) {
            sessions.add(new AttendedSession("Encounter/" + i, MONDAY.plusDays(i), Long.parseLong(each[i])));
        }
        AttendanceReport report = AttendanceCalculator.calculate(MONDAY, MONDAY.plusDays(6), null, null, sessions,
                List.of(), List.of(), rules(threshold));

        assertThat(report.weeks()).as(why).hasSize(1);
        Week week = report.weeks().get(0);
        assertThat(week.hours()).as(why).isEqualByComparingTo(hours);
        assertThat(week.status().code()).as(why).isEqualTo(status);
        assertThat(week.sessions()).hasSize(each.length);
    }

    @Test
    void windowsRollFromAdmissionNotFromCalendarWeeks() {
        LocalDate wednesday = LocalDate.of(2026, 1, 7);
        List<AttendedSession> sessions = List.of(
                attended("a", wednesday, 180), attended("b", wednesday.plusDays(5), 180),   // Monday after: still week 1
                attended("c", wednesday.plusDays(6), 180), attended("d", wednesday.plusDays(7), 180));  // next Wednesday: week 2

        AttendanceReport report = AttendanceCalculator.calculate(wednesday, wednesday.plusDays(13), null, null, sessions,
                List.of(), List.of(), ADULT);

        assertThat(report.weeks()).extracting(Week::start).containsExactly(wednesday, wednesday.plusDays(7));
        assertThat(report.weeks().get(0).hours()).isEqualByComparingTo("9");
        assertThat(report.weeks().get(1).hours()).isEqualByComparingTo("3");
        assertThat(report.weeks().get(1).status()).isEqualTo(Week.Status.BELOW);
    }

    @Test
    void aWindowCutShortByDischargeIsIncompleteRatherThanBelow() {
        List<AttendedSession> sessions = List.of(attended("a", MONDAY, 180), attended("b", MONDAY.plusDays(2), 180),
                attended("c", MONDAY.plusDays(4), 180), attended("d", MONDAY.plusDays(7), 180));

        AttendanceReport report = AttendanceCalculator.calculate(MONDAY, MONDAY.plusDays(8), null, null, sessions,
                List.of(), List.of(), ADULT);

        assertThat(report.weeks()).extracting(Week::status).containsExactly(Week.Status.MEETS, Week.Status.INCOMPLETE);
        assertThat(report.weeksWith(Week.Status.BELOW)).isEmpty();
    }

    @Test
    void startAndEndReportOnlyTheWindowsTheyOverlapStillAlignedToAdmission() {
        AttendanceReport report = AttendanceCalculator.calculate(MONDAY, MONDAY.plusDays(27), MONDAY.plusDays(9),
                MONDAY.plusDays(15), List.of(), List.of(), List.of(), ADULT);

        assertThat(report.weeks()).extracting(Week::number).containsExactly(2, 3);
        assertThat(report.weeks().get(0).start()).isEqualTo(MONDAY.plusDays(7));
    }

    @Test
    void cancellationsInAdvanceAreNeitherAttendedNorMissedAndPendingSessionsAreNotYetDue() {
        List<ScheduledSession> scheduled = List.of(
                scheduled("a", MONDAY, ScheduledSession.Outcome.ATTENDED),
                scheduled("b", MONDAY.plusDays(2), ScheduledSession.Outcome.NO_SHOW),
                scheduled("c", MONDAY.plusDays(4), ScheduledSession.Outcome.CANCELLED),
                scheduled("d", MONDAY.plusDays(5), ScheduledSession.Outcome.ATTENDED),
                scheduled("e", MONDAY.plusDays(6), ScheduledSession.Outcome.PENDING),
                scheduled("f", MONDAY.plusDays(6), ScheduledSession.Outcome.VOID));

        AttendanceReport report = AttendanceCalculator.calculate(MONDAY, MONDAY.plusDays(6), null, null, List.of(),
                scheduled, List.of(), ADULT);

        assertThat(report.due()).isEqualTo(3);
        assertThat(report.attended()).isEqualTo(2);
        assertThat(report.cancelled()).isEqualTo(1);
        assertThat(report.attendanceRate()).isEqualByComparingTo("0.6667");
        // booked, attended and missed sessions were planned; cancelled and void ones not
        assertThat(report.weeks().get(0).scheduledHours()).isEqualByComparingTo("12");
    }

    @Test
    void sessionsAfterTheReviewDateDoNotCountEvenWhenStored() {
        List<AttendedSession> sessions = List.of(attended("a", MONDAY, 180), attended("b", MONDAY.plusDays(2), 180),
                attended("c", MONDAY.plusDays(4), 180));
        List<ScheduledSession> scheduled = List.of(scheduled("c", MONDAY.plusDays(4), ScheduledSession.Outcome.NO_SHOW));

        AttendanceReport report = AttendanceCalculator.calculate(MONDAY, MONDAY.plusDays(2), null, null, sessions,
                scheduled, List.of(), ADULT);

        assertThat(report.weeks().get(0).hours()).isEqualByComparingTo("6");
        assertThat(report.weeks().get(0).status()).isEqualTo(Week.Status.INCOMPLETE);
        assertThat(report.noShows()).isEmpty();
    }

    @Test
    void nothingDueGivesNoRate() {
        AttendanceReport report = AttendanceCalculator.calculate(MONDAY, MONDAY.plusDays(6), null, null, List.of(),
                List.of(scheduled("a", MONDAY, ScheduledSession.Outcome.CANCELLED)), List.of(), ADULT);

        assertThat(report.attendanceRate()).isNull();
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
            a call the next morning about the missed session is outreach     | Appointment/b | 18   | true
            a call within the two days allowed is outreach                  | Appointment/b | 47   | true
            a call three days later is too late to count                    | Appointment/b | 72   | false
            a call about another session does not follow this one up        | Appointment/a | 18   | false
            a note written before the session cannot follow it up           | Appointment/b | -2   | false
            """)
    void aNoShowNeedsOutreachAboutItWithinTheAllowedTime(String why, String about, long hoursAfter, boolean followedUp) {
        ScheduledSession missed = scheduled("b", MONDAY, ScheduledSession.Outcome.NO_SHOW);
        Outreach call = new Outreach("Communication/1", missed.start().plus(Duration.ofHours(hoursAfter)), Set.of(about));

        AttendanceReport report = AttendanceCalculator.calculate(MONDAY, MONDAY.plusDays(6), null, null, List.of(),
                List.of(missed), List.of(call), ADULT);

        assertThat(report.noShows()).hasSize(1);
        assertThat(report.noShows().get(0).followedUp()).as(why).isEqualTo(followedUp);
        assertThat(report.noShowsWithoutOutreach()).as(why).hasSize(followedUp ? 0 : 1);
    }

    @Test
    void theNarrativeChartsEveryWindowAgainstTheThresholdLine() {
        AttendanceReport report = AttendanceCalculator.calculate(MONDAY, MONDAY.plusDays(13), null, null,
                List.of(attended("a", MONDAY, 600), attended("b", MONDAY.plusDays(7), 180)), List.of(), List.of(), ADOLESCENT);

        String div = AttendanceNarrative.div("Attendance <test>", "<p>who</p>", "adolescent", report);

        assertThat(div).startsWith("<div xmlns=\"http://www.w3.org/1999/xhtml\">").contains("<svg", "Attendance &lt;test&gt;")
                .contains("6 h</text>", "20 h PHP</text>", "<p>who</p>");
        assertThat(div).as("the y-axis ticks and its title").contains(">0</text>", ">10</text>", ">20</text>", "hours per window");
        assertThat(div.split("<rect ", -1)).hasSize(3);
        assertThat(div).contains("2 windows, 1 below the threshold");
    }

    private static AttendanceRules rules(String minimum) {
        return new AttendanceRules(new BigDecimal(minimum), BigDecimal.valueOf(20), Duration.ofDays(2));
    }

    private static AttendedSession attended(String id, LocalDate day, long minutes) {
        return new AttendedSession("Encounter/" + id, day, minutes);
    }

    private static ScheduledSession scheduled(String id, LocalDate day, ScheduledSession.Outcome outcome) {
        return new ScheduledSession("Appointment/" + id, day, day.atTime(9, 0).toInstant(ZoneOffset.ofHours(-5)), 180, outcome);
    }
}
