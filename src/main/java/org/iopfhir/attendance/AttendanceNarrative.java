package org.iopfhir.attendance;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.Locale;

/**
 * A reviewer's page for an attendance report: a summary, an inline SVG bar chart of hours per
 * window against the threshold line, and the window table. Written as XHTML (one {@code div}) so
 * it can be embedded in FHIR narrative and served to a browser alike.
 */
public final class AttendanceNarrative {

    private static final int WIDTH = 720;
    private static final int HEIGHT = 260;
    /** Room for the y-axis and its tick labels. */
    private static final int LEFT = 56;
    /** Room for the threshold lines' labels, so that "20 h PHP" is not clipped. */
    private static final int RIGHT = 80;
    private static final int TOP = 16;
    /** Room for the window numbers and the x-axis title. */
    private static final int BOTTOM = 44;

    private AttendanceNarrative() {
    }

    /** The page's body; {@code patient} is the identity line of {@link Html#patient}. */
    public static String div(String title, String patient, String ageGroup, AttendanceReport report) {
        StringBuilder html = new StringBuilder("<div xmlns=\"http://www.w3.org/1999/xhtml\">");
        html.append("<h2>").append(Html.escape(title)).append("</h2>").append(patient);
        html.append("<p>").append(Html.escape(summary(ageGroup, report))).append("</p>");
        html.append(chart(report));
        html.append("<table><tr><th>Week</th><th>From</th><th>To</th><th>Hours</th><th>Scheduled</th><th>Status</th></tr>");
        for (Week week : report.weeks()) {
            html.append("<tr><td>").append(week.number()).append("</td><td>").append(week.start())
                    .append("</td><td>").append(week.end()).append("</td><td>").append(plain(week.hours()))
                    .append("</td><td>").append(plain(week.scheduledHours())).append("</td><td>")
                    .append(week.status().code()).append("</td></tr>");
        }
        html.append("</table>");
        if (!report.noShowsWithoutOutreach().isEmpty()) {
            html.append("<p>No-shows without documented outreach:</p><ul>");
            report.noShowsWithoutOutreach().forEach(n -> html.append("<li>").append(n.date()).append(" (")
                    .append(Html.link(n.session())).append(")</li>"));
            html.append("</ul>");
        }
        return html.append("</div>").toString();
    }

    static String summary(String ageGroup, AttendanceReport report) {
        String rate = report.attendanceRate() == null ? "no sessions were due"
                : percent(report.attendanceRate()) + " attendance (" + report.attended() + " of " + report.due()
                        + " sessions due; " + report.cancelled() + " cancelled in advance not counted)";
        return String.format(Locale.ROOT, "%s to %s, %s thresholds: %s h a week (partial hospitalization from %s h). "
                        + "%d windows, %d below the threshold, %d at partial-hospital intensity; %s h attended; %s; "
                        + "%d no-shows, %d without documented outreach within %d days.",
                report.from(), report.to(), ageGroup, plain(report.rules().minimumWeeklyHours()),
                plain(report.rules().partialHospitalHours()), report.weeks().size(),
                report.weeksWith(Week.Status.BELOW).size(), report.weeksWith(Week.Status.PARTIAL_HOSPITAL).size(),
                plain(report.totalHours()), rate, report.noShows().size(), report.noShowsWithoutOutreach().size(),
                report.rules().outreachWithin().toDays());
    }

    private static String chart(AttendanceReport report) {
        BigDecimal top = report.rules().partialHospitalHours();
        for (Week week : report.weeks()) {
            top = top.max(week.hours());
        }
        int step = top.doubleValue() > 20 ? 10 : 5;
        int axisTop = (int) Math.ceil(top.doubleValue() / step) * step;
        double plotHeight = HEIGHT - TOP - BOTTOM;
        double scale = plotHeight / axisTop;
        int n = Math.max(1, report.weeks().size());
        double slot = (WIDTH - LEFT - RIGHT) / (double) n;
        double baseline = HEIGHT - BOTTOM;
        StringBuilder svg = new StringBuilder(String.format(Locale.ROOT,
                "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\" role=\"img\">"
                        + "<title>Hours attended per 7-day window against the %s h threshold</title>",
                WIDTH, HEIGHT, WIDTH, HEIGHT, plain(report.rules().minimumWeeklyHours())));
        for (int tick = 0; tick <= axisTop; tick += step) {
            double y = baseline - tick * scale;
            svg.append(String.format(Locale.ROOT,
                    "<line x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\" stroke=\"#ddd\"/>"
                            + "<text x=\"%d\" y=\"%.1f\" font-size=\"12\" text-anchor=\"end\">%d</text>",
                    LEFT, y, WIDTH - RIGHT, y, LEFT - 6, y + 4, tick));
        }
        svg.append(String.format(Locale.ROOT,
                "<text x=\"14\" y=\"%.1f\" font-size=\"12\" text-anchor=\"middle\" transform=\"rotate(-90 14 %.1f)\">"
                        + "hours per window</text>", TOP + plotHeight / 2, TOP + plotHeight / 2));
        for (int i = 0; i < report.weeks().size(); i++) {
            Week week = report.weeks().get(i);
            double h = week.hours().doubleValue() * scale;
            double x = LEFT + i * slot + slot * 0.15;
            svg.append(String.format(Locale.ROOT,
                    "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"%s\"><title>Week %d: %s h</title></rect>",
                    x, baseline - h, slot * 0.7, h, colour(week.status()), week.number(), plain(week.hours())));
            svg.append(String.format(Locale.ROOT, "<text x=\"%.1f\" y=\"%.1f\" font-size=\"12\" text-anchor=\"middle\">%d</text>",
                    x + slot * 0.35, baseline + 16, week.number()));
        }
        svg.append(String.format(Locale.ROOT,
                "<text x=\"%.1f\" y=\"%d\" font-size=\"12\" text-anchor=\"middle\">7-day window from admission</text>",
                LEFT + (WIDTH - LEFT - RIGHT) / 2.0, HEIGHT - 6));
        line(svg, baseline - report.rules().minimumWeeklyHours().doubleValue() * scale, "#b71c1c",
                plain(report.rules().minimumWeeklyHours()) + " h");
        line(svg, baseline - report.rules().partialHospitalHours().doubleValue() * scale, "#6a1b9a",
                plain(report.rules().partialHospitalHours()) + " h PHP");
        svg.append(String.format(Locale.ROOT, "<line x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\" stroke=\"#333\"/>"
                        + "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%.1f\" stroke=\"#333\"/>",
                LEFT, baseline, WIDTH - RIGHT, baseline, LEFT, TOP, LEFT, baseline));
        return svg.append("</svg>").toString();
    }

    private static void line(StringBuilder svg, double y, String colour, String label) {
        svg.append(String.format(Locale.ROOT,
                "<line x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\" stroke=\"%s\" stroke-dasharray=\"6 4\"/>"
                        + "<text x=\"%d\" y=\"%.1f\" font-size=\"12\" fill=\"%s\">%s</text>",
                LEFT, y, WIDTH - RIGHT, y, colour, WIDTH - RIGHT + 4, y + 4, colour, Html.escape(label)));
    }

    private static String colour(Week.Status status) {
        return switch (status) {
            case MEETS -> "#2e7d32";
            case BELOW -> "#b71c1c";
            case PARTIAL_HOSPITAL -> "#6a1b9a";
            case INCOMPLETE -> "#9e9e9e";
        };
    }

    public static String percent(BigDecimal fraction) {
        return fraction.movePointRight(2).setScale(1, RoundingMode.HALF_UP).toPlainString() + "%";
    }

    public static String plain(BigDecimal value) {
        return value.stripTrailingZeros().toPlainString();
    }
}
