package org.iopfhir.attendance;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class HtmlAnswerTest {

    @ParameterizedTest(name = "{0} -> page: {1}")
    @CsvSource(delimiter = '|', value = {
            // what Chromium and Firefox send when a link or the address bar opens the URL
            "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,*/*;q=0.8|true",
            "text/html|true",
            "application/xhtml+xml|true",
            // FHIR clients, curl, and XML preferred over HTML
            "application/fhir+json|false",
            "application/fhir+xml;q=1.0, application/fhir+json;q=0.9|false",
            "*/*|false",
            "application/xml,text/html;q=0.9|false",
            "application/fhir+json;q=0.5,text/html;q=0.8|true",
            "text/html;q=0|false"})
    void aPageIsSentOnlyWhenHtmlIsTheFirstChoice(String accept, boolean page) {
        assertThat(HtmlAnswer.firstChoiceIsHtml(accept)).isEqualTo(page);
    }
}
