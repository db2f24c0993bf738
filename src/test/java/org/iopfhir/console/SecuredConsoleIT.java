package org.iopfhir.console;

import static org.assertj.core.api.Assertions.assertThat;

import org.iopfhir.privacy.part2.SecurityLabels;
import org.iopfhir.testsupport.Browser;
import org.iopfhir.testsupport.SecuredServerTest;
import org.iopfhir.testsupport.TestAuthorizationServer;
import org.iopfhir.testsupport.TestTokens;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The review console with security on, in a real headless Chromium: it signs in as a SMART App Launch
 * standalone client (discovery, authorization code with PKCE, through the test authorization server,
 * which issues tokens the server trusts), and shows a payer only what its consent allows: the payer the
 * example patient's Part 2 consent names reviews the episode under the redisclosure notice; a payer
 * without consent sees nothing of that patient, neither in the list nor when it opens the episode.
 */
class SecuredConsoleIT extends SecuredServerTest {

    private static final String NOTICE_START = "Redisclosure notice.";
    private static Browser browser;

    @BeforeAll
    static void startBrowser() {
        TestAuthorizationServer authorization = TestAuthorizationServer.shared();
        authorization.identity("consented-payer", () -> TestTokens.token().role("payer").scope("user/*.rs")
                .purpose("HPAYMT").organization("Organization/example-payer").user("reviewer-1").sign());
        authorization.identity("other-payer", () -> TestTokens.token().role("payer").scope("user/*.rs")
                .purpose("HPAYMT").organization("Organization/console-other-payer").user("reviewer-2").sign());
        browser = new Browser();
    }

    @AfterAll
    static void stopBrowser() {
        if (browser != null) {
            browser.close();
        }
    }

    /** The console with no SMART session left over from another test. */
    private void openSignedOut() {
        browser.open("http://localhost:" + port + "/console/");
        browser.awaitView();
        browser.driver().executeScript("sessionStorage.clear();");
        browser.open("http://localhost:" + port + "/console/");
    }

    private void signInAs(String identity) {
        openSignedOut();
        browser.find("#sign-in").click();
        browser.find("#as-" + identity).click();
        assertThat(browser.awaitView()).isEqualTo("ready");
        assertThat(browser.text("#session")).contains("Signed in with SMART on FHIR");
    }

    private void signOut() {
        browser.find("#session button").click();
        browser.find("#sign-in");
    }

    @Test
    void theConsentedPayerSignsInWithSmartAndReviewsUnderTheRedisclosureNotice() {
        openSignedOut();
        assertThat(browser.awaitView()).isEqualTo("ready");
        assertThat(browser.text("#view")).contains("needs a SMART on FHIR sign-in");
        assertThat(browser.all("#view table")).isEmpty();
        browser.screenshot("secured-sign-in");

        signInAs("consented-payer");
        browser.loadTimes("secured episodes to review");
        assertThat(browser.text("#view")).contains("Harper, Danielle Marie");
        assertThat(browser.find("#notice").isDisplayed()).isTrue();
        assertThat(browser.text("#notice")).isEqualTo(NOTICE_START + " " + SecurityLabels.REDISCLOSURE_NOTICE);

        browser.find("a[href='#/review/example-episode']").click();
        assertThat(browser.awaitView()).isEqualTo("ready");
        browser.loadTimes("secured episode review");
        assertThat(browser.text("#identity")).contains("Harper, Danielle Marie, born 1991-08-22");
        assertThat(browser.text("#verdict")).contains("Clinical necessity:", "payer Organization/example-payer");
        assertThat(browser.all("#checklist tbody tr")).hasSizeGreaterThan(5);
        assertThat(browser.text("#notice")).startsWith(NOTICE_START);
        browser.screenshot("secured-payer-review");
        browser.emulatePrint(true);
        assertThat(browser.find("#notice").isDisplayed()).as("the notice is part of the printed packet").isTrue();
        browser.emulatePrint(false);
        browser.print("secured-payer-packet");
        signOut();
    }

    @Test
    void aPayerWithoutConsentSeesNoneOfThePatientsPart2Records() {
        signInAs("other-payer");
        browser.loadTimes("secured episodes, payer without consent");
        // Other suites' records on the shared server may be listed (a payer may see what is not Part 2);
        // nothing of the example patient, whose consent names another payer, is.
        assertThat(browser.all("a[href='#/review/example-episode']")).isEmpty();
        assertThat(browser.driver().getPageSource()).doesNotContain("Harper", "1991-08-22", "example-episode");
        browser.screenshot("secured-payer-without-consent");

        browser.open("http://localhost:" + port + "/console/#/review/example-episode");
        assertThat(browser.awaitView()).isEqualTo("error");
        assertThat(browser.text("#error")).containsAnyOf("403", "404");
        assertThat(browser.driver().getPageSource()).doesNotContain("Harper", "1991-08-22", "Danielle");
        browser.screenshot("secured-payer-without-consent-review");
        signOut();
    }
}
