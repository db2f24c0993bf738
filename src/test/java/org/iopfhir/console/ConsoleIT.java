package org.iopfhir.console;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.Map;
import org.iopfhir.testsupport.Browser;
import org.iopfhir.testsupport.ExampleEpisodeServerTest;
import org.iopfhir.testsupport.IgValidator;
import org.iopfhir.testsupport.RawHttp;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.Keys;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.support.ui.Select;
import org.yaml.snakeyaml.LoaderOptions;

/**
 * The review console on the open server, in a real headless Chromium: a payer reviewer and program staff
 * walk the example episode (and the step-up and AMA variants, which need attention), and a browser opening an
 * operation URL gets its page. Screenshots go to target/console-screenshots/, load times to the output.
 */
class ConsoleIT extends ExampleEpisodeServerTest {

    private static Browser browser;

    @BeforeAll
    static void startBrowser() {
        browser = new Browser();
    }

    @AfterAll
    static void stopBrowser() {
        if (browser != null) {
            browser.close();
        }
    }

    /** A YAML reader for the whole OpenAPI document (over 3 MB: more than the parser's default limit). */
    private static ObjectMapper yaml() {
        LoaderOptions options = new LoaderOptions();
        options.setCodePointLimit(64 * 1024 * 1024);
        return new ObjectMapper(YAMLFactory.builder().loaderOptions(options).build());
    }

    private String console() {
        return "http://localhost:" + port + "/console/";
    }

    @Test
    void aPayerReviewerWalksTheExampleEpisodeAndPrintsThePacket() {
        browser.resize(1280, 1000);
        browser.open(console());
        assertThat(browser.awaitView()).isEqualTo("ready");
        browser.loadTimes("episodes to review");
        WebElement row = browser.find("a[href='#/review/example-episode']").findElement(By.xpath("./ancestor::tr"));
        assertThat(row.getText()).contains("Harper, Danielle Marie", "1991-08-22", "2026-01-05 to 2026-03-27", "finished",
                "Intensive outpatient services (2.1)");
        browser.screenshot("payer-episodes");

        browser.find("a[href='#/review/example-episode']").click();
        assertThat(browser.awaitView()).isEqualTo("ready");
        browser.loadTimes("episode review");
        // minimum necessary identity: name and birth date, nothing else of the Patient
        assertThat(browser.text("#identity")).isEqualTo("Patient: Harper, Danielle Marie, born 1991-08-22 (Patient/example-patient)");
        assertThat(browser.driver().getPageSource()).doesNotContain("418 Alder Creek Road", "555-0143", "RB-004217");
        // asOf defaults to the end of the ended episode, policy to the server's default
        assertThat(browser.find("#asOf").getAttribute("value")).isEqualTo("2026-03-27");
        assertThat(browser.find("#policy").getAttribute("value")).isEqualTo("commercial-default");
        assertThat(browser.text("#verdict")).contains("Clinical necessity: met", "as of 2026-03-27");
        // the determination with its per-dimension rationale and the variance
        assertThat(browser.text("#level .recommended")).contains("Intensive outpatient services (2.1)");
        assertThat(browser.text("#level .variance")).contains("Placed at: Intensive outpatient services (2.1)", "Variance: none");
        List<WebElement> dimensions = browser.all("#level tbody tr");
        assertThat(dimensions).hasSize(6);
        assertThat(dimensions).allSatisfy(d -> assertThat(d.findElements(By.tagName("td")).get(3).getText()).isNotBlank());
        // attendance: the chart has a y-axis with a title, one bar per window, the threshold line
        assertThat(browser.text("#attendance")).contains("sessions attended", "no-shows", "weeks below the threshold");
        @SuppressWarnings("unchecked")
        Map<String, Object> chart = (Map<String, Object>) browser.driver().executeScript(
                "const c = Chart.getChart(document.getElementById('attendance-chart'));"
                        + "return {bars: c.data.datasets[0].data.length, line: c.data.datasets[1].label,"
                        + " yTitle: c.options.scales.y.title.text, yTicks: c.scales.y.ticks.length,"
                        + " windows: document.querySelectorAll('#attendance tbody tr').length};");
        assertThat(chart.get("yTitle")).isEqualTo("Hours per 7-day window");
        assertThat(((Number) chart.get("yTicks")).intValue()).isGreaterThan(2);
        assertThat(chart.get("bars")).isEqualTo(chart.get("windows"));
        assertThat(((Number) chart.get("bars")).intValue()).isGreaterThan(10);
        assertThat(chart.get("line")).isEqualTo("Weekly threshold");
        // the checklist: every criterion with a status, evidence one click away
        List<WebElement> criteria = browser.all("#checklist tbody tr");
        assertThat(criteria).hasSizeGreaterThan(5);
        assertThat(browser.text("#checklist")).contains("certification");
        browser.screenshot("payer-review");

        WebElement evidence = browser.find("#checklist .evidence a");
        String reference = evidence.getText();
        evidence.click();
        assertThat(browser.awaitView()).isEqualTo("ready");
        assertThat(browser.text("h2")).isEqualTo(reference);
        assertThat(browser.text("pre.resource")).contains("\"id\": \"" + reference.substring(reference.indexOf('/') + 1) + "\"");
        browser.screenshot("payer-evidence");
        browser.driver().navigate().back();
        assertThat(browser.awaitView()).isEqualTo("ready");

        // the keyboard's skip link moves to the review without leaving it
        String reviewed = (String) browser.driver().executeScript("document.querySelector('a.skip').focus(); return location.hash;");
        browser.driver().switchTo().activeElement().sendKeys(Keys.ENTER);
        assertThat(browser.driver().executeScript("return location.hash;")).isEqualTo(reviewed);
        assertThat(browser.driver().executeScript("return document.activeElement.id;")).isEqualTo("main");
        assertThat(browser.text("#verdict")).contains("Clinical necessity");

        // another review date and policy
        browser.find("#asOf").sendKeys("01202026");
        browser.find("#policy").clear();
        browser.find("#policy").sendKeys("medicare-2024");
        browser.find("#review-controls button[type=submit]").click();
        browser.find("#verdict");
        assertThat(browser.awaitView()).isEqualTo("ready");
        assertThat(browser.text("#verdict")).contains("Policy medicare-2024, reviewed as of 2026-01-20");
        assertThat(browser.text("#attendance")).contains("to 2026-01-20");

        // the printed packet: the review without the console's controls
        browser.emulatePrint(true);
        assertThat(browser.find("#review-controls").isDisplayed()).isFalse();
        assertThat(browser.find("nav").isDisplayed()).isFalse();
        assertThat(browser.find("#checklist").isDisplayed()).isTrue();
        browser.screenshot("payer-packet-print");
        browser.emulatePrint(false);
        assertThat(browser.print("payer-packet")).isNotEmptyFile();

        // a tablet's width: still readable, nothing wider than the screen but the scrollable tables
        browser.resize(800, 1100);
        assertThat(browser.horizontalOverflow()).isLessThanOrEqualTo(0);
        browser.screenshot("payer-review-tablet");
        browser.resize(1280, 1000);
    }

    @Test
    void programStaffSeeWhatNeedsAttentionAndPlaceAnIntake() {
        for (String variant : List.of("stepup", "ama")) {
            client().transaction().withBundle(IgValidator.example("Bundle-variant-" + variant + ".json").copy()).execute();
        }
        browser.open(console() + "#/census");
        assertThat(browser.awaitView()).isEqualTo("ready");
        browser.loadTimes("census");
        new Select(browser.find("#episodes")).selectByValue("all");
        browser.find("form.controls button[type=submit]").click();
        browser.find("[data-episode='stepup-episode']");
        assertThat(browser.awaitView()).isEqualTo("ready");
        // what the operations found: the step-up's two thin weeks, the AMA discharge without aftercare referral
        assertThat(browser.text("[data-episode='stepup-episode']")).contains("2 week(s) below the attendance threshold");
        assertThat(browser.text("[data-episode='ama-episode']")).contains("discharge (not-met)", "aftercare");
        assertThat(browser.text("[data-episode='example-episode']")).isEqualTo("nothing");
        browser.screenshot("staff-census");

        browser.open(console() + "#/placement");
        assertThat(browser.awaitView()).isEqualTo("ready");
        browser.loadTimes("placement calculator");
        new Select(browser.find("#intake")).selectByValue("example-intake");
        browser.find("#pick-intake button").click();
        assertThat(browser.find("#placement-result .recommended").getText()).contains("Intensive outpatient services (2.1)");
        assertThat(browser.all("#placement-result tbody tr")).hasSize(6);

        for (String dimension : List.of("e3-1", "e3-2", "e3-3", "e3-4", "e3-5", "e3-6")) {
            new Select(browser.find("#" + dimension)).selectByValue("0");
        }
        new Select(browser.find("#e3-4")).selectByValue("2");
        browser.find("#inline-ratings button[type=submit]").click();
        browser.find("#placement-result h3");
        String placed = browser.text("#placement-result");
        assertThat(placed).contains("Recommended:", "adult").doesNotContain("Calculating");
        assertThat(browser.all("#placement-result tbody tr")).hasSize(6);
        browser.screenshot("staff-placement");
    }

    @Test
    void aBrowserOpeningAnOperationUrlGetsThePageAndFhirClientsKeepFhir() {
        browser.open(baseUrl() + "/EpisodeOfCare/example-episode/$attendance");
        browser.loadTimes("$attendance page");
        assertThat(browser.driver().getTitle()).isEqualTo("Attendance, EpisodeOfCare/example-episode");
        assertThat(browser.text(".patient")).contains("Harper, Danielle Marie", "born 1991-08-22");
        assertThat(browser.all("svg text").stream().map(WebElement::getText).toList())
                .contains("hours per window", "20 h PHP", "0", "10", "20");
        WebElement php = browser.all("svg text").stream().filter(t -> t.getText().equals("20 h PHP")).findFirst().orElseThrow();
        Number right = (Number) browser.driver().executeScript(
                "const t = arguments[0].getBBox(); const svg = arguments[0].ownerSVGElement.viewBox.baseVal;"
                        + "return svg.width - (t.x + t.width);", php);
        assertThat(right.doubleValue()).as("the PHP label fits inside the chart").isGreaterThanOrEqualTo(0);
        browser.screenshot("operation-attendance-page");

        browser.open(baseUrl() + "/EpisodeOfCare/example-episode/$medical-necessity?_format=html");
        browser.loadTimes("$medical-necessity page");
        assertThat(browser.driver().getTitle()).isEqualTo("Medical necessity, EpisodeOfCare/example-episode");
        assertThat(browser.driver().getPageSource()).contains("as of 2026-03-27");
        WebElement evidence = browser.find("td a[href*='DocumentReference/']");
        String reference = evidence.getText();
        browser.screenshot("operation-necessity-page");
        evidence.click();
        assertThat(browser.driver().getCurrentUrl()).isEqualTo(baseUrl() + "/" + reference);
        assertThat(browser.driver().getPageSource()).contains(reference.substring(reference.indexOf('/') + 1));

        HttpResponse<String> fhir = RawHttp.get(baseUrl() + "/EpisodeOfCare/example-episode/$attendance", "application/fhir+json");
        assertThat(fhir.headers().firstValue("Content-Type")).get().asString().startsWith("application/fhir+json");
        assertThat(fhir.body()).contains("\"resourceType\":\"Parameters\"");
    }

    @Test
    void swaggerUiDescribesOurOperationsWithExamplesThatRun() throws Exception {
        long started = System.nanoTime();
        HttpResponse<String> first = RawHttp.get(baseUrl() + "/api-docs", "*/*");
        long firstMillis = (System.nanoTime() - started) / 1_000_000;
        started = System.nanoTime();
        HttpResponse<String> second = RawHttp.get(baseUrl() + "/api-docs", "*/*");
        System.out.println("[page load] /fhir/api-docs: " + firstMillis + " ms first call, "
                + (System.nanoTime() - started) / 1_000_000 + " ms second call");
        assertThat(second.body()).isEqualTo(first.body());

        JsonNode paths = yaml().readTree(first.body()).path("paths");
        JsonNode attendance = paths.path("/EpisodeOfCare/{id}/$attendance").path("get");
        assertThat(attendance.path("summary").asText()).isEqualTo("Weekly hours and attendance of an IOP episode");
        assertThat(attendance.path("description").asText()).contains("7-day window");
        assertThat(attendance.path("parameters")).filteredOn(p -> p.path("name").asText().equals("start"))
                .singleElement().satisfies(p -> assertThat(p.path("description").asText()).isNotBlank());
        // every example of our operations runs as given
        for (String path : List.of("/EpisodeOfCare/{id}/$attendance", "/EpisodeOfCare/{id}/$medical-necessity",
                "/Patient/{id}/$level-of-care", "/QuestionnaireResponse/{id}/$level-of-care", "/$level-of-care")) {
            JsonNode post = paths.path(path).path("post");
            String url = baseUrl() + path;
            for (JsonNode parameter : post.path("parameters")) {
                url = url.replace("{" + parameter.path("name").asText() + "}", parameter.path("example").asText());
            }
            String body = post.path("requestBody").path("content").path("application/fhir+json").path("example").asText();
            HttpResponse<String> ran = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(url))
                    .header("Content-Type", "application/fhir+json").header("Accept", "application/fhir+json")
                    .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(ran.statusCode()).as("%s with %s: %s", url, body, ran.body()).isEqualTo(200);
        }

        browser.open(baseUrl() + "/swagger-ui/");
        browser.loadTimes("Swagger UI");
        assertThat(browser.text(".banner h1")).startsWith("FHIR R4 server for Intensive Outpatient Programs")
                .doesNotContain("SECURITY IS OFF");
        browser.find("#swagger-ui .info, .swagger-ui .info");
        browser.screenshot("swagger-ui");
    }
}
