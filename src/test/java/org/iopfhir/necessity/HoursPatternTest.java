package org.iopfhir.necessity;

import static org.assertj.core.api.Assertions.assertThat;

import java.math.BigDecimal;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The hours pattern, table-driven: each row is weeks of sessions written as day-minutes per week
 * ("180+180+180" = three 3-hour days; "x" marks a non-qualifying session), the per-day rule, and
 * what is judged.
 */
class HoursPatternTest {

    private static final LocalDate MONDAY = LocalDate.of(2026, 1, 5);

    @ParameterizedTest(name = "{0} (per-day rule {1}) -> {2}")
    @CsvSource(delimiter = ';', value = {
            // weeks                                         ; per-day ; statuses         ; short pattern ; PHP pattern
            "180+180+180 | 180+180+180 | 180+180+180          ; false   ; IOP,IOP,IOP      ; false         ; false",
            "180+180+180 | 90+90+180   | 180+180+180          ; false   ; IOP,BELOW,IOP    ; false         ; false",
            "90+90+180   | 90+90+180   | 180+180+180          ; false   ; BELOW,BELOW,IOP  ; true          ; false",
            "90+90+180   | 180+180+180 | 90+90+180 | 180+180+180 ; false ; BELOW,IOP,BELOW,IOP ; false     ; false",
            "90+90+180   | 180+180+180 | 90+90+180            ; false   ; BELOW,IOP,BELOW  ; true          ; false",
            "270+270+60  | 270+270+60  | 180+180+180          ; false   ; IOP,IOP,IOP      ; false         ; false",
            "270+270+60  | 270+270+60  | 180+180+180          ; true    ; BELOW,BELOW,IOP  ; true          ; false",
            "180+180+180+x300 | 180+180+180               ; false   ; IOP,IOP          ; false         ; false",
            "x600+180+180 | 180+180+180                   ; false   ; BELOW,IOP        ; false         ; false",
            "300+300+300+300 | 300+300+300+300 | 180+180+180  ; false ; PARTIAL_HOSPITAL,PARTIAL_HOSPITAL,IOP ; false ; true",
            "180+180                                      ; false   ; ''               ; false         ; false"})
    void weeksAreJudgedAsAPattern(String weeks, boolean perDay, String statuses, boolean shortPattern, boolean phpPattern) {
        List<HoursPattern.Session> sessions = new ArrayList<>();
        String[] byWeek = weeks.split("\\|");
        for (int w = 0; w < byWeek.length; w++) {
            String[] days = byWeek[w].trim().split("\\+");
            for (int d = 0; d < days.length; d++) {
                boolean qualifying = !days[d].startsWith("x");
                sessions.add(new HoursPattern.Session(MONDAY.plusDays(7L * w + d), Long.parseLong(days[d].replace("x", "")),
                        qualifying));
            }
        }
        // the last week is complete only when the episode runs through its seventh day
        LocalDate lastDay = byWeek.length == 1 && weeks.trim().equals("180+180") ? MONDAY.plusDays(4)
                : MONDAY.plusDays(7L * byWeek.length - 1);
        HoursPattern pattern = HoursPattern.of(MONDAY, lastDay, sessions, new HoursPattern.Thresholds(BigDecimal.valueOf(9),
                BigDecimal.valueOf(20), perDay ? BigDecimal.valueOf(3) : BigDecimal.ZERO, perDay ? 3 : 0), java.util.Set.of());

        assertThat(pattern.weeks()).extracting(w -> w.status().name())
                .containsExactlyElementsOf(statuses.isEmpty() ? List.of() : List.of(statuses.split(",")));
        assertThat(pattern.pattern(HoursPattern.Status.BELOW)).isEqualTo(shortPattern);
        assertThat(pattern.pattern(HoursPattern.Status.PARTIAL_HOSPITAL)).isEqualTo(phpPattern);
    }
}
