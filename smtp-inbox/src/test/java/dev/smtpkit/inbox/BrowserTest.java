package dev.smtpkit.inbox;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.smtpkit.client.MessageContent;
import dev.smtpkit.client.SmtpClient;
import dev.smtpkit.client.TlsMode;
import dev.smtpkit.core.Envelope;
import dev.smtpkit.core.Mailbox;
import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.Keys;
import org.openqa.selenium.NoAlertPresentException;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * The web inbox in a real browser: Debian's chromium, headless, through Debian's chromedriver
 * (never a driver Selenium would download). Skipped where they are missing, failed in CI, where
 * {@code .ci/run} installs the packages chromium and chromium-driver.
 */
class BrowserTest {

    private static final String CHROMIUM = "/usr/bin/chromium";
    private static final String CHROMEDRIVER = "/usr/bin/chromedriver";
    private static final Duration WAIT = Duration.ofSeconds(20);

    /** A message with an HTML part that tries to run a script and load a remote image, and an attachment. */
    private static final String MESSAGE = String.join("\r\n",
            "From: Shop <shop@example.com>",
            "To: Alice <alice@example.org>",
            "Subject: =?UTF-8?Q?Welcome_=E2=80=94_your_code?=",
            "MIME-Version: 1.0",
            "Content-Type: multipart/mixed; boundary=\"b1\"",
            "",
            "--b1",
            "Content-Type: text/html; charset=utf-8",
            "",
            "<h1 id=\"greeting\">Welcome</h1><p>Your code is <b>4711</b>.</p>",
            "<script>document.body.setAttribute('data-ran', 'yes'); alert('script ran');</script>",
            "<img id=\"remote\" src=\"http://198.51.100.7/track.png\">",
            "--b1",
            "Content-Type: text/plain; name=\"terms.txt\"",
            "Content-Disposition: attachment; filename=\"terms.txt\"",
            "",
            "Be nice.",
            "--b1--",
            "");

    @TempDir
    Path dir;

    @TempDir
    Path browserDir;

    private static void requireBrowser() {
        boolean present = Files.isExecutable(Path.of(CHROMIUM)) && Files.isExecutable(Path.of(CHROMEDRIVER));
        String hint = "apt-get install chromium chromium-driver";
        if (!present && System.getenv("CI") != null) {
            fail(CHROMIUM + " or " + CHROMEDRIVER + " is missing but CI is set; the browser test must run in CI (" + hint + ")");
        }
        assumeTrue(present, CHROMIUM + " or " + CHROMEDRIVER + " is missing; install them to run the browser test (" + hint + ")");
    }

    private WebDriver browser(Path downloads) {
        ChromeOptions options = new ChromeOptions();
        options.setBinary(CHROMIUM);
        options.addArguments("--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                "--disable-component-update", "--disable-sync", "--no-first-run", "--window-size=1280,900",
                "--user-data-dir=" + browserDir.resolve("profile"));
        options.setExperimentalOption("prefs", Map.of(
                "download.default_directory", downloads.toString(),
                "download.prompt_for_download", false));
        // The driver given by path: Selenium Manager, which would download one, is never asked.
        ChromeDriverService service = new ChromeDriverService.Builder()
                .usingDriverExecutable(new File(CHROMEDRIVER))
                .usingAnyFreePort()
                .build();
        return new ChromeDriver(service, options);
    }

    @Test
    void aMessageArrivesOpensDownloadsIsFoundAndDeletedAndARefusedSessionIsShown() throws Exception {
        requireBrowser();
        Path downloads = Files.createDirectories(browserDir.resolve("downloads"));
        try (TestInbox inbox = new TestInbox(dir)) {
            WebDriver driver = browser(downloads);
            try {
                WebDriverWait wait = new WebDriverWait(driver, WAIT);
                driver.get(inbox.web.uri().toString());
                wait.until(ExpectedConditions.textToBe(By.id("live"), "live"));

                // Arrives without a reload.
                assertThat(inbox.send(MESSAGE).code()).isEqualTo(250);
                By welcome = By.xpath("//ul[@id='message-list']/li[.//span[@class='subject' and text()='Welcome — your code']]");
                wait.until(ExpectedConditions.visibilityOfElementLocated(welcome));
                // Read again if the live list was redrawn meanwhile.
                String who = wait.ignoring(org.openqa.selenium.StaleElementReferenceException.class)
                        .until(d -> d.findElement(welcome).findElement(By.className("who")).getText());
                assertThat(who).isEqualTo("Shop <shop@example.com>");

                // Opens, with the HTML in a sandboxed frame where the script does not run.
                click(wait, welcome);
                WebElement frame = wait.until(ExpectedConditions.presenceOfElementLocated(By.cssSelector("#message iframe.html")));
                assertThat(frame.getAttribute("sandbox")).isEmpty();
                assertThat(driver.findElement(By.cssSelector("#message table.fields")).getText())
                        .contains("Welcome — your code", "Alice <alice@example.org>");
                driver.switchTo().frame(frame);
                WebElement greeting = wait.until(ExpectedConditions.presenceOfElementLocated(By.id("greeting")));
                assertThat(greeting.getText()).isEqualTo("Welcome");
                assertThat(driver.findElement(By.tagName("body")).getAttribute("data-ran")).isNull();
                driver.switchTo().defaultContent();
                assertNoAlert(driver);

                // The attachment downloads.
                driver.findElement(By.cssSelector("#message a.download")).click();
                Path file = downloads.resolve("terms.txt");
                wait.until(d -> Files.exists(file) && readOrEmpty(file).equals("Be nice."));

                // Search finds it, and not for a word it lacks.
                WebElement search = driver.findElement(By.id("search"));
                search.sendKeys("subject:welcome has:attachment", Keys.ENTER);
                wait.until(ExpectedConditions.textToBe(By.id("list-info"), "1 of 1 match"));
                search.clear();
                search.sendKeys("nowhere-to-be-found", Keys.ENTER);
                wait.until(ExpectedConditions.textToBe(By.id("list-info"), "0 of 1 match"));
                search.clear();
                search.sendKeys(Keys.ENTER);
                wait.until(ExpectedConditions.textToBe(By.id("list-info"), "1 message"));

                // Delete removes it, from the key board.
                click(wait, By.cssSelector("#message-list li"));
                wait.until(ExpectedConditions.presenceOfElementLocated(By.cssSelector("#message iframe.html")));
                driver.findElement(By.tagName("body")).sendKeys(Keys.DELETE);
                wait.until(ExpectedConditions.numberOfElementsToBe(By.cssSelector("#message-list li"), 0));
                assertThat(inbox.store.size()).isZero();

                // A refused session is listed, with its transcript.
                inbox.faults.set(List.of(FaultRule.parse("rcpt:550 5.1.1 No such user here:nth=1")));
                try (SmtpClient client = SmtpClient.builder().host("127.0.0.1").port(inbox.smtp.port()).tlsMode(TlsMode.NONE).build()) {
                    client.send(Envelope.of(Mailbox.parse("a@example.com"), Mailbox.parse("nobody@example.org")),
                            MessageContent.of(MESSAGE.getBytes(StandardCharsets.UTF_8)));
                } catch (RuntimeException expected) {
                    assertThat(expected).hasMessageContaining("550");
                }
                driver.findElement(By.id("tab-sessions")).click();
                click(wait, By.xpath("//ul[@id='session-list']/li[.//span[contains(@class,'REFUSED')]]"));
                wait.until(ExpectedConditions.textToBePresentInElementLocated(By.cssSelector("#session pre.transcript"),
                        "550 5.1.1 No such user here"));
                assertThat(driver.findElement(By.cssSelector("#session pre.transcript")).getText())
                        .contains("C: RCPT TO:<nobody@example.org>");

                // The faults in force are shown.
                driver.findElement(By.id("tab-faults")).click();
                wait.until(d -> d.findElement(By.id("fault-rules")).getAttribute("value")
                        .equals("rcpt:550 5.1.1 No such user here:nth=1"));
                // With what each stage takes.
                assertThat(driver.findElements(By.cssSelector("#fault-stages tbody tr")))
                        .extracting(WebElement::getText)
                        .contains("auth AUTH, the reply that ends the exchange drop, 4xx or 5xx",
                                "data the DATA or BDAT command drop, 4xx or 5xx");
            } finally {
                driver.quit();
            }
        }
    }

    @Test
    @DisplayName("A flood of mail: with a search on screen the page asks again a few times, not once a message; the list ends up complete")
    void aFloodOfMailDoesNotBecomeAFloodOfRequests() throws Exception {
        requireBrowser();
        try (TestInbox inbox = new TestInbox(dir)) {
            WebDriver driver = browser(Files.createDirectories(browserDir.resolve("downloads")));
            try {
                WebDriverWait wait = new WebDriverWait(driver, WAIT);
                driver.get(inbox.web.uri().toString());
                wait.until(ExpectedConditions.textToBe(By.id("live"), "live"));
                JavascriptExecutor js = (JavascriptExecutor) driver;
                js.executeScript("window.searches = 0; const f = window.fetch; window.fetch = (u, i) => {"
                        + " if (String(u).includes('/api/v1/search')) window.searches++; return f(u, i); };");
                WebElement search = driver.findElement(By.id("search"));
                search.sendKeys("subject:flood", Keys.ENTER);
                wait.until(ExpectedConditions.textToBe(By.id("list-info"), "0 of 0 match"));

                int flood = 200;
                sendMany(inbox, flood, "flood");

                wait.until(ExpectedConditions.textToBe(By.id("list-info"), flood + " of " + flood + " match"));
                long searches = (Long) js.executeScript("return window.searches");
                // One a message before: each stored event sent the search again.
                assertThat(searches).as("search requests for %d messages", flood).isBetween(1L, flood / 4L);

                search.clear();
                search.sendKeys(Keys.ENTER);
                wait.until(ExpectedConditions.textToBe(By.id("list-info"), flood + " messages"));
                sendMany(inbox, 100, "more");
                wait.until(ExpectedConditions.textToBe(By.id("list-info"), (flood + 100) + " messages"));
                // The newest first, and no more than a page of them.
                wait.ignoring(org.openqa.selenium.StaleElementReferenceException.class).until(d ->
                        d.findElements(By.cssSelector("#message-list li")).size() == 200
                        && d.findElement(By.cssSelector("#message-list li .subject")).getText().equals("more 99"));
            } finally {
                driver.quit();
            }
        }
    }

    /** Sends {@code count} small messages on one connection, subjects "{@code subject} 0" and on. */
    private static void sendMany(TestInbox inbox, int count, String subject) {
        try (SmtpClient client = SmtpClient.builder().host("127.0.0.1").port(inbox.smtp.port()).tlsMode(TlsMode.NONE).build()) {
            Envelope envelope = Envelope.of(Mailbox.parse("a@example.com"), Mailbox.parse("b@example.org"));
            for (int i = 0; i < count; i++) {
                String content = "From: a@example.com\r\nSubject: " + subject + " " + i + "\r\n\r\nhello\r\n";
                client.send(envelope, MessageContent.of(content.getBytes(StandardCharsets.US_ASCII)));
            }
        }
    }

    private static void assertNoAlert(WebDriver driver) {
        try {
            String text = driver.switchTo().alert().getText();
            fail("a script in the message ran: alert " + text);
        } catch (NoAlertPresentException expected) {
            // As it must be: the sandbox allows no script and no modal dialog.
        }
    }

    private static String readOrEmpty(Path file) {
        try {
            return Files.readString(file);
        } catch (java.io.IOException e) {
            return "";
        }
    }

    /**
     * Clicks what {@code by} finds once it is visible, finding it again if the live list was
     * redrawn between the finding and the click (a server-sent event can do that at any time).
     */
    private static void click(WebDriverWait wait, By by) {
        wait.ignoring(org.openqa.selenium.StaleElementReferenceException.class).until(d -> {
            WebElement e = d.findElement(by);
            if (!e.isDisplayed()) {
                return false;
            }
            e.click();
            return true;
        });
    }

}
