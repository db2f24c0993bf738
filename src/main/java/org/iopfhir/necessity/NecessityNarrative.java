package org.iopfhir.necessity;

import java.util.Locale;
import java.util.stream.Collectors;
import org.iopfhir.attendance.AttendanceRecords;
import org.iopfhir.attendance.Html;

/** The reviewer's summary of a verdict: outcome, policy, and one row per criterion with its detail. */
public final class NecessityNarrative {

    private NecessityNarrative() {
    }

    /** The page's body; {@code patient} is the identity line of {@link Html#patient}. */
    public static String div(String title, String patient, String policyId, Review review, Verdict verdict) {
        StringBuilder html = new StringBuilder("<div xmlns=\"http://www.w3.org/1999/xhtml\">");
        html.append("<h2>").append(Html.escape(title)).append("</h2>").append(patient);
        html.append("<p>Outcome: <b>").append(verdict.outcome().code()).append("</b> (clinical criteria only; documentation ")
                .append(verdict.documentation().code()).append(", program quality ").append(verdict.quality().code())
                .append(") under policy <code>")
                .append(Html.escape(policyId)).append("</code> (").append(Html.escape(review.policy().title()))
                .append("), as of ").append(review.asOf()).append("; ").append(review.record().ageGroup().code())
                .append(" episode from ").append(review.admission()).append(" to ").append(review.lastDay()).append(".</p>");
        html.append("<table><tr><th>Criterion</th><th>Kind</th><th>Status</th><th>Finding</th><th>Evidence</th><th>Source</th></tr>");
        for (Verdict.Result result : verdict.results()) {
            String evidence = result.finding().evidence().stream()
                    .map(e -> Html.link(AttendanceRecords.reference(e))).collect(Collectors.joining("<br/>"));
            html.append(String.format(Locale.ROOT, "<tr><td>%s</td><td>%s</td><td>%s</td><td>%s</td><td>%s</td><td>%s</td></tr>",
                    Html.escape(result.id()), result.kind().code(), result.finding().status().code(),
                    Html.escape(result.finding().detail()), evidence.isEmpty() ? "none" : evidence,
                    result.rule() == null ? "" : Html.escape(result.rule().source())));
        }
        html.append("</table><p>Payment (").append(Html.escape(verdict.payment().model())).append("): ");
        html.append(Html.escape(String.join(", ", verdict.payment().lines().stream()
                .map(l -> l.code() + " x " + l.days() + " days").toList())));
        return html.append("</p></div>").toString();
    }
}
