package org.iopfhir.server;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import java.sql.SQLException;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class LogRedactionFilterTest {

    private static final String MARKER = "PHI-MARKER-123";
    private final LoggerContext context = new LoggerContext();
    private final ListAppender<ILoggingEvent> appender = new ListAppender<>();

    @BeforeEach
    void logbackWithTheFilter() {
        LogRedactionFilter filter = new LogRedactionFilter();
        filter.addRedact("ca.uhn.fhir");
        filter.addRedact(" org.hibernate ");
        filter.setContext(context);
        filter.start();
        context.addTurboFilter(filter);
        appender.setContext(context);
        appender.start();
        Logger root = context.getLogger(Logger.ROOT_LOGGER_NAME);
        root.setLevel(Level.WARN);
        root.addAppender(appender);
    }

    @Test
    void aLibraryEventIsReplacedByItsLoggerAndExceptionClasses() {
        context.getLogger("ca.uhn.fhir.jpa.search.SearchCoordinatorSvcImpl").error(
                "Search {} of type {} for {}{} timed out", "1", "SEARCH", "Patient", "?name=" + MARKER,
                new IllegalStateException(MARKER, new SQLException(MARKER, "57014")));

        assertThat(appender.list).singleElement().satisfies(event -> {
            assertThat(event.getLoggerName()).isEqualTo(LogRedactionFilter.REPLACEMENT_LOGGER);
            assertThat(event.getLevel()).isEqualTo(Level.ERROR);
            assertThat(event.getFormattedMessage())
                    .contains("ca.uhn.fhir.jpa.search.SearchCoordinatorSvcImpl", "message withheld",
                            "java.lang.IllegalStateException <- java.sql.SQLException SQLState 57014")
                    .doesNotContain(MARKER);
            assertThat(event.getThrowableProxy()).isNull();
        });
    }

    @Test
    void atDebugTheReplacementCarriesTheStackWithMessagesWithheld() {
        context.getLogger(LogRedactionFilter.REPLACEMENT_LOGGER).setLevel(Level.DEBUG);
        IllegalStateException thrown = new IllegalStateException(MARKER);
        context.getLogger("ca.uhn.fhir.jpa.search.builder.tasks.SearchTask").error("Failed during search", thrown);

        assertThat(appender.list).singleElement().satisfies(event -> {
            assertThat(event.getThrowableProxy()).isNotNull();
            assertThat(event.getThrowableProxy().getMessage()).startsWith("java.lang.IllegalStateException")
                    .doesNotContain(MARKER);
            assertThat(event.getThrowableProxy().getStackTraceElementProxyArray()).hasSameSizeAs(thrown.getStackTrace());
        });
    }

    @Test
    void messagesBuiltByConcatenationAreWithheldToo() {
        context.getLogger("org.hibernate.engine.jdbc.spi.SqlExceptionHelper").warn("ERROR: Key (x)=(" + MARKER + ")");

        assertThat(appender.list).singleElement().satisfies(event -> {
            assertThat(event.getLevel()).isEqualTo(Level.WARN);
            assertThat(event.getFormattedMessage()).doesNotContain(MARKER)
                    .contains("org.hibernate.engine.jdbc.spi.SqlExceptionHelper");
        });
    }

    @Test
    void levelsStillDecide() {
        Logger hapi = context.getLogger("ca.uhn.fhir.rest.server.RestfulServer");
        hapi.info("A FHIR has been lit on this server: {}", MARKER);
        assertThat(appender.list).isEmpty();

        assertThat(hapi.isWarnEnabled()).isTrue();
        assertThat(hapi.isInfoEnabled()).isFalse();
        assertThat(appender.list).as("a level query logs nothing").isEmpty();
    }

    @Test
    void otherLoggersAreUntouched() {
        context.getLogger("ca.uhn.fhirish.Other").warn("kept {}", "as is");
        context.getLogger("org.iopfhir.access").warn("kept too");

        assertThat(appender.list).extracting(ILoggingEvent::getFormattedMessage).containsExactly("kept as is", "kept too");
    }
}
