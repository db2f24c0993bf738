package org.iopfhir.server;

import static org.assertj.core.api.Assertions.assertThat;

import ca.uhn.fhir.rest.server.exceptions.ForbiddenOperationException;
import ca.uhn.fhir.rest.server.exceptions.InternalErrorException;
import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.joran.JoranConfigurator;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import java.sql.SQLException;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class RedactingAppenderTest {

    private static final String MARKER = "PHI-MARKER-123";
    private final LoggerContext context = new LoggerContext();
    private final ListAppender<ILoggingEvent> console = new ListAppender<>();

    @BeforeEach
    void logbackWritingThroughTheAppender() {
        console.setContext(context);
        console.start();
        RedactingAppender redacting = new RedactingAppender();
        redacting.setContext(context);
        redacting.addRedact("ca.uhn.fhir");
        redacting.addRedact(" org.hibernate ");
        ClientErrorLogFilter clientErrors = new ClientErrorLogFilter();
        clientErrors.start();
        redacting.addFilter(clientErrors);
        redacting.addAppender(console);
        redacting.start();
        Logger root = context.getLogger(Logger.ROOT_LOGGER_NAME);
        root.setLevel(Level.WARN);
        root.addAppender(redacting);
    }

    @Test
    void aLibraryEventIsReplacedByItsLoggerAndExceptionClasses() {
        context.getLogger("ca.uhn.fhir.jpa.search.SearchCoordinatorSvcImpl").error(
                "Search {} of type {} for {}{} timed out", "1", "SEARCH", "Patient", "?name=" + MARKER,
                new IllegalStateException(MARKER, new SQLException(MARKER, "57014")));

        assertThat(console.list).singleElement().satisfies(event -> {
            assertThat(event.getLoggerName()).isEqualTo(RedactingAppender.REPLACEMENT_LOGGER);
            assertThat(event.getLevel()).isEqualTo(Level.ERROR);
            assertThat(event.getFormattedMessage())
                    .contains("ca.uhn.fhir.jpa.search.SearchCoordinatorSvcImpl", "message withheld",
                            "java.lang.IllegalStateException <- java.sql.SQLException SQLState 57014")
                    .doesNotContain(MARKER);
            assertThat(event.getThrowableProxy()).isNull();
            assertThat(event.getArgumentArray()).noneSatisfy(argument -> assertThat(String.valueOf(argument)).contains(MARKER));
        });
    }

    @Test
    void atDebugTheReplacementCarriesTheStackWithMessagesWithheld() {
        context.getLogger(RedactingAppender.REPLACEMENT_LOGGER).setLevel(Level.DEBUG);
        IllegalStateException thrown = new IllegalStateException(MARKER);
        context.getLogger("ca.uhn.fhir.jpa.search.builder.tasks.SearchTask").error("Failed during search", thrown);

        assertThat(console.list).singleElement().satisfies(event -> {
            assertThat(event.getThrowableProxy()).isNotNull();
            assertThat(event.getThrowableProxy().getMessage()).startsWith("java.lang.IllegalStateException")
                    .doesNotContain(MARKER);
            assertThat(event.getThrowableProxy().getStackTraceElementProxyArray()).hasSameSizeAs(thrown.getStackTrace());
        });
    }

    @Test
    void messagesBuiltByConcatenationAreWithheldToo() {
        context.getLogger("org.hibernate.engine.jdbc.spi.SqlExceptionHelper").warn("ERROR: Key (x)=(" + MARKER + ")");

        assertThat(console.list).singleElement().satisfies(event -> {
            assertThat(event.getLevel()).isEqualTo(Level.WARN);
            assertThat(event.getFormattedMessage()).doesNotContain(MARKER)
                    .contains("org.hibernate.engine.jdbc.spi.SqlExceptionHelper");
        });
    }

    @Test
    void levelsStillDecide() {
        Logger hapi = context.getLogger("ca.uhn.fhir.rest.server.RestfulServer");
        hapi.info("A FHIR has been lit on this server: {}", MARKER);
        assertThat(console.list).isEmpty();

        assertThat(hapi.isWarnEnabled()).isTrue();
        assertThat(hapi.isInfoEnabled()).isFalse();
        assertThat(console.list).as("a level query logs nothing").isEmpty();
    }

    @Test
    void theReplacementLoggersLevelDecidesToo() {
        context.getLogger(RedactingAppender.REPLACEMENT_LOGGER).setLevel(Level.ERROR);
        context.getLogger("ca.uhn.fhir.jpa.dao.BaseHapiFhirDao").warn("about {}", MARKER);
        context.getLogger("ca.uhn.fhir.jpa.dao.BaseHapiFhirDao").error("about {}", MARKER);

        assertThat(console.list).singleElement().extracting(ILoggingEvent::getLevel).isEqualTo(Level.ERROR);
    }

    @Test
    void otherLoggersAreUntouched() {
        context.getLogger("ca.uhn.fhirish.Other").warn("kept {}", "as is");
        context.getLogger("org.iopfhir.access").warn("kept too");

        assertThat(console.list).extracting(ILoggingEvent::getFormattedMessage).containsExactly("kept as is", "kept too");
    }

    @Test
    void clientErrorsAreDroppedAndServerErrorsKept() {
        Logger interceptors = context.getLogger("org.iopfhir.Interceptors");
        interceptors.error("refused", new ForbiddenOperationException(MARKER));
        interceptors.error("refused {}", "once more", new ForbiddenOperationException(MARKER));
        interceptors.error("failed", new InternalErrorException("server fault"));

        assertThat(console.list).singleElement().extracting(ILoggingEvent::getFormattedMessage).isEqualTo("failed");
    }

    @Test
    void theServersConfigurationRedactsWithoutTurboFilters() throws Exception {
        LoggerContext configured = new LoggerContext();
        JoranConfigurator configurator = new JoranConfigurator();
        configurator.setContext(configured);
        configurator.doConfigure(getClass().getResource("/logback-spring.xml"));
        ListAppender<ILoggingEvent> captured = new ListAppender<>();
        captured.setContext(configured);
        captured.start();
        RedactingAppender redacting = (RedactingAppender) configured.getLogger(Logger.ROOT_LOGGER_NAME)
                .getAppender("REDACTED_CONSOLE");
        redacting.detachAndStopAllAppenders();
        redacting.addAppender(captured);

        configured.getLogger("org.hibernate.SQL").warn("value {}", MARKER);
        configured.getLogger("ca.uhn.fhir.rest.server.RestfulServer").error("refused", new ForbiddenOperationException(MARKER));

        assertThat(configured.getTurboFilterList()).as("a level query asks no filter of ours").isEmpty();
        assertThat(captured.list).singleElement().satisfies(event -> {
            assertThat(event.getLoggerName()).isEqualTo(RedactingAppender.REPLACEMENT_LOGGER);
            assertThat(event.getFormattedMessage()).doesNotContain(MARKER);
        });
        configured.stop();
    }
}
