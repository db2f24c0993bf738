package org.iopfhir.attendance;

import java.util.stream.Collectors;
import org.hl7.fhir.r4.model.HumanName;
import org.hl7.fhir.r4.model.Patient;

/** Escaping for text placed in the XHTML narratives, and the page around a narrative for browsers. */
public final class Html {

    private Html() {
    }

    public static String escape(String text) {
        return text == null ? "" : text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
                .replace("\"", "&quot;");
    }

    /**
     * The minimum necessary to tell whose record a review is about: the patient's official (else
     * first) name and birth date, with a link to the Patient the caller was allowed to read. Nothing
     * else of the Patient (address, telecom, identifiers) goes into a review page.
     */
    public static String patient(Patient patient, String reference) {
        if (patient == null) {
            return "<p class=\"patient\">Patient: " + link(reference) + "</p>";
        }
        HumanName name = patient.getName().stream().filter(n -> n.getUse() == HumanName.NameUse.OFFICIAL).findFirst()
                .orElse(patient.getNameFirstRep());
        String shown = (name.hasFamily() ? name.getFamily() : "")
                + (name.hasGiven() ? ", " + name.getGiven().stream().map(g -> g.getValue()).collect(Collectors.joining(" ")) : "");
        return "<p class=\"patient\">Patient: <b>" + escape(shown.isBlank() ? "(no name recorded)" : shown) + "</b>"
                + (patient.hasBirthDate() ? ", born " + escape(patient.getBirthDateElement().getValueAsString()) : "")
                + " (" + link(reference) + ")</p>";
    }

    /** A link to a resource of this server, relative to the FHIR base the page was served from. */
    public static String link(String reference) {
        return "<a href=\"" + escape(relative(reference)) + "\">" + escape(reference) + "</a>";
    }

    /** Pages are served at {@code [base]/[type]/[id]/$op}: resources are two levels up. */
    private static String relative(String reference) {
        return reference.contains("://") ? reference : "../../" + reference;
    }

    /** A complete page around a narrative div, for browsers, with the redisclosure notice first when there is one. */
    public static String page(String title, String div, String redisclosureNotice) {
        String notice = redisclosureNotice == null ? ""
                : "<p class=\"notice\" role=\"note\"><b>Redisclosure notice.</b> " + escape(redisclosureNotice) + "</p>";
        return "<!DOCTYPE html><html xmlns=\"http://www.w3.org/1999/xhtml\" lang=\"en\"><head><meta charset=\"utf-8\"/>"
                + "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"/><title>"
                + escape(title) + "</title><style>body{font-family:sans-serif;max-width:60em;margin:1em auto;padding:0 1em;"
                + "color:#1a1a1a}table{border-collapse:collapse}td,th{border:1px solid #767676;padding:2px 6px;"
                + "text-align:left;vertical-align:top}svg{max-width:100%;height:auto}a{color:#0b57a4}"
                + ".notice{border:2px solid #8a4b00;background:#fff4e5;padding:.5em}</style></head><body>" + notice + div
                + "</body></html>";
    }
}
