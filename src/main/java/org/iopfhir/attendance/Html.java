package org.iopfhir.attendance;

/** Escaping for text placed in the XHTML narratives. */
public final class Html {

    private Html() {
    }

    public static String escape(String text) {
        return text == null ? "" : text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
                .replace("\"", "&quot;");
    }

    /** A complete page around a narrative div, for browsers. */
    public static String page(String title, String div) {
        return "<!DOCTYPE html><html xmlns=\"http://www.w3.org/1999/xhtml\"><head><meta charset=\"utf-8\"/><title>"
                + escape(title) + "</title><style>body{font-family:sans-serif;max-width:60em;margin:1em auto}"
                + "table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:2px 6px;text-align:left}"
                + "</style></head><body>" + div + "</body></html>";
    }
}
