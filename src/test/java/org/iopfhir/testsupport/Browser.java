package org.iopfhir.testsupport;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import org.openqa.selenium.By;
import org.openqa.selenium.Dimension;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.print.PrintOptions;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * A real headless Chromium (Debian's {@code chromium} and {@code chromium-driver}, which {@code .ci/run}
 * installs), one per test class: screenshots and printed pages go to {@code target/console-screenshots/},
 * page load times (the browser's Navigation Timing, and the console's own time to render a view) to the
 * test output.
 */
public final class Browser implements AutoCloseable {

    public static final Path SCREENSHOTS = Path.of("target", "console-screenshots");
    private static final Duration WAIT = Duration.ofSeconds(60);

    private final ChromeDriver driver;

    public Browser() {
        ChromeOptions options = new ChromeOptions();
        options.setBinary(executable("chromium", "/usr/bin/chromium"));
        options.addArguments("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu",
                "--window-size=1280,1000", "--lang=en-US");
        ChromeDriverService service = new ChromeDriverService.Builder()
                .usingDriverExecutable(Path.of(executable("chromedriver", "/usr/bin/chromedriver")).toFile()).build();
        this.driver = new ChromeDriver(service, options);
        driver.manage().timeouts().scriptTimeout(WAIT);
    }

    private static String executable(String name, String fallback) {
        return List.of(System.getenv().getOrDefault("PATH", "").split(":")).stream().map(d -> Path.of(d, name))
                .filter(Files::isExecutable).map(Path::toString).findFirst().orElse(fallback);
    }

    public ChromeDriver driver() {
        return driver;
    }

    public void open(String url) {
        driver.get(url);
    }

    /**
     * Waits until the console has rendered the view of the current location (or shown why it could not). A
     * click on a link changes the location at once but renders later, so the state alone would still be the
     * previous view's: the view names the route it shows.
     */
    public String awaitView() {
        return new WebDriverWait(driver, WAIT).until(d -> (String) ((JavascriptExecutor) d).executeScript(
                "const m = document.getElementById('main');"
                        + "return m && m.dataset.route === location.hash"
                        + " && (m.dataset.state === 'ready' || m.dataset.state === 'error') ? m.dataset.state : null;"));
    }

    public WebElement find(String css) {
        return new WebDriverWait(driver, WAIT).until(ExpectedConditions.presenceOfElementLocated(By.cssSelector(css)));
    }

    public List<WebElement> all(String css) {
        return driver.findElements(By.cssSelector(css));
    }

    public String text(String css) {
        return find(css).getText();
    }

    /** Navigation Timing of the current document, plus the console's render time of its last view. */
    public String loadTimes(String page) {
        Object navigation = driver.executeScript("const n = performance.getEntriesByType('navigation')[0];"
                + "return n ? Math.round(n.domContentLoadedEventEnd) + ' ms DOMContentLoaded, '"
                + " + Math.round(n.loadEventEnd) + ' ms load' : 'no navigation entry';");
        Object render = driver.executeScript("const t = window.consoleTimings || []; const last = t[t.length - 1];"
                + "return last ? last.ms + ' ms to render view ' + last.view : '';");
        String line = "[page load] " + page + ": " + navigation + (render == null || render.toString().isEmpty() ? ""
                : ", " + render);
        System.out.println(line);
        return line;
    }

    public Path screenshot(String name) {
        return write(name + ".png", driver.getScreenshotAs(OutputType.BYTES));
    }

    /** The page as Chromium prints it (the print stylesheet applies), as a PDF. */
    public Path print(String name) {
        return write(name + ".pdf", Base64.getDecoder().decode(driver.print(new PrintOptions()).getContent()));
    }

    /** Renders with the print stylesheet on screen, for assertions and a screenshot of the packet. */
    public void emulatePrint(boolean print) {
        driver.executeCdpCommand("Emulation.setEmulatedMedia", Map.of("media", print ? "print" : ""));
    }

    public void resize(int width, int height) {
        driver.manage().window().setSize(new Dimension(width, height));
    }

    /**
     * How far the page is wider than the window (0 or less: not at all), once the page has had up to five seconds to
     * lay itself out at the window's width: a headless browser can apply a resize after the call that asked for it
     * returns (once, in CI, the page measured its old layout's width in the new window).
     */
    public int horizontalOverflow() {
        long until = System.nanoTime() + Duration.ofSeconds(5).toNanos();
        int overflow;
        do {
            overflow = ((Number) ((JavascriptExecutor) driver).executeScript(
                    "return document.documentElement.scrollWidth - document.documentElement.clientWidth;")).intValue();
        } while (overflow > 0 && System.nanoTime() < until && pause());
        return overflow;
    }

    private static boolean pause() {
        try {
            Thread.sleep(100);
            return true;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    private static Path write(String file, byte[] bytes) {
        try {
            Files.createDirectories(SCREENSHOTS);
            Path path = SCREENSHOTS.resolve(file);
            Files.write(path, bytes);
            return path;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void close() {
        driver.quit();
    }
}
