package org.iopfhir.attendance;

import ca.uhn.fhir.rest.api.Constants;
import ca.uhn.fhir.rest.api.server.RequestDetails;
import java.nio.charset.StandardCharsets;
import org.hl7.fhir.r4.model.Binary;

/**
 * Parameters has no narrative of its own, so the operations carry theirs as a {@code narrative}
 * output parameter (an XHTML div) and, when a browser asks for a page ({@code Accept: text/html}
 * without {@code _format}), answer with the page itself: a Binary, which HAPI streams as its raw
 * content with its content type.
 */
public final class HtmlAnswer {

    private static final String HTML = "text/html";

    private HtmlAnswer() {
    }

    public static boolean wanted(RequestDetails request) {
        String accept = request.getHeader(Constants.HEADER_ACCEPT);
        return request.getParameters().get(Constants.PARAM_FORMAT) == null && accept != null && accept.contains(HTML);
    }

    public static Binary page(String title, String div) {
        Binary page = new Binary();
        page.setContentType(HTML + ";charset=utf-8");
        page.setContent(Html.page(title, div).getBytes(StandardCharsets.UTF_8));
        return page;
    }
}
