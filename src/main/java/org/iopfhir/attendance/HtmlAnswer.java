package org.iopfhir.attendance;

import ca.uhn.fhir.interceptor.api.Hook;
import ca.uhn.fhir.interceptor.api.Interceptor;
import ca.uhn.fhir.interceptor.api.Pointcut;
import ca.uhn.fhir.rest.api.Constants;
import ca.uhn.fhir.rest.api.server.RequestDetails;
import ca.uhn.fhir.rest.api.server.ResponseDetails;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import org.hl7.fhir.instance.model.api.IPrimitiveType;
import org.hl7.fhir.r4.model.Extension;
import org.hl7.fhir.r4.model.Parameters;
import org.iopfhir.privacy.part2.RedisclosureNoticeInterceptor;

/**
 * Content negotiation for the review operations' pages. Parameters has no narrative of its own, so
 * {@code $attendance} and {@code $medical-necessity} carry theirs as a {@code narrative} output
 * parameter (an XHTML div) and name the page ({@link #offer}). When the caller asks for HTML, with
 * {@code _format=html} or the way browsers do (an {@code Accept} whose first choice is
 * {@code text/html} or {@code application/xhtml+xml}, even though it also lists {@code application/xml}),
 * this interceptor sends the page instead of the Parameters; FHIR clients asking for FHIR JSON or
 * XML get the Parameters as before.
 * <p>
 * It runs on the outgoing response after consent filtering, the redisclosure notice and the audit
 * record (orders 0 to 200), so the page is built from exactly what would have been sent, carries the
 * notice the server attached, and is audited like the Parameters; and before HAPI's response
 * highlighter, which would otherwise show {@code _format=html} as highlighted XML.
 */
@Interceptor
public final class HtmlAnswer {

    private static final String HTML = "text/html";
    private static final String XHTML = "application/xhtml+xml";
    private static final String TITLE = HtmlAnswer.class.getName() + ".title";

    /** Names the page of this request's answer; only answers so named are ever sent as pages. */
    public static void offer(RequestDetails request, String title) {
        request.getUserData().put(TITLE, title);
    }

    /** Whether the caller asked for a page rather than FHIR. */
    public static boolean wanted(RequestDetails request) {
        String[] format = request.getParameters().get(Constants.PARAM_FORMAT);
        if (format != null && format.length > 0) {
            String asked = format[0].trim().toLowerCase(Locale.ROOT);
            return asked.equals("html") || asked.equals(HTML);
        }
        return firstChoiceIsHtml(request.getHeader(Constants.HEADER_ACCEPT));
    }

    /** The media type with the highest quality (the first of equals) is HTML or XHTML. */
    static boolean firstChoiceIsHtml(String accept) {
        if (accept == null || accept.isBlank()) {
            return false;
        }
        String best = null;
        double bestQuality = 0;
        for (String range : accept.split(",")) {
            String[] parts = range.split(";");
            double quality = 1;
            for (int i = 1; i < parts.length; i++) {
                String parameter = parts[i].trim();
                if (parameter.startsWith("q=")) {
                    try {
                        quality = Double.parseDouble(parameter.substring(2).trim());
                    } catch (NumberFormatException e) {
                        quality = 0;
                    }
                }
            }
            if (quality > bestQuality) {
                bestQuality = quality;
                best = parts[0].trim().toLowerCase(Locale.ROOT);
            }
        }
        return HTML.equals(best) || XHTML.equals(best);
    }

    @Hook(value = Pointcut.SERVER_OUTGOING_RESPONSE, order = 300)
    public boolean outgoing(RequestDetails request, ResponseDetails response, HttpServletResponse servletResponse) {
        if (!(request.getUserData().get(TITLE) instanceof String title)
                || !(response.getResponseResource() instanceof Parameters parameters) || !wanted(request)) {
            return true;
        }
        Parameters.ParametersParameterComponent narrative = parameters.getParameter("narrative");
        if (narrative == null || !(narrative.getValue() instanceof IPrimitiveType<?> div)) {
            return true;
        }
        Extension notice = parameters.getMeta().getExtensionByUrl(RedisclosureNoticeInterceptor.EXTENSION);
        String noticeText = notice != null && notice.getValue() instanceof IPrimitiveType<?> text
                ? text.getValueAsString() : null;
        byte[] page = Html.page(title, div.getValueAsString(), noticeText).getBytes(StandardCharsets.UTF_8);
        servletResponse.setStatus(response.getResponseCode());
        servletResponse.setContentType(HTML + ";charset=utf-8");
        servletResponse.setContentLength(page.length);
        try {
            servletResponse.getOutputStream().write(page);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return false;
    }
}
