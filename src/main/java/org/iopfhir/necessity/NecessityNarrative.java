package org.iopfhir.necessity;

import java.util.Locale;
import org.iopfhir.attendance.Html;

/** The reviewer's summary of a verdict: outcome, policy, and one row per criterion with its detail. */
public final class NecessityNarrative {

    private NecessityNarrative() {
    }

    public static String div(String title, String policyId, Review review, Verdict verdict) {
        StringBuilder html = new StringBuilder("<div xmlns=\"http://www.w3.org/1999/xhtml\">");
        html.append("<h2>").append(Html.escape(title)).append("</h2>");
        html.append("<p>Outcome: <b>").append(verdict.outcome().code()).append("</b> under policy <code>")
                .append(Html.escape(policyId)).append("</code> (").append(Html.escape(review.policy().title()))
                .append("), as of ").append(review.asOf()).append("; ").append(review.record().ageGroup().code())
                .append(" episode from ").append(review.admission()).append(" to ").append(review.lastDay()).append(".</p>");
        html.append("<table><tr><th>Criterion</th><th>Status</th><th>Finding</th><th>Evidence</th></tr>");
        for (Verdict.Result result : verdict.results()) {
            html.append(String.format(Locale.ROOT, "<tr><td>%s</td><td>%s</td><td>%s</td><td>%d</td></tr>",
                    Html.escape(result.id()), result.finding().status().code(), Html.escape(result.finding().detail()),
                    result.finding().evidence().size()));
        }
        return html.append("</table></div>").toString();
    }
}
