package dev.agentgateway.audit.internal.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

class ResumePointTest {

    @TempDir
    Path directory;

    private final Logger logger = (Logger) LoggerFactory.getLogger(ResumePoint.class);
    private final ListAppender<ILoggingEvent> logs = new ListAppender<>();
    private Path stateFile;

    @BeforeEach
    void captureLogs() {
        stateFile = directory.resolve("kafka-export.state");
        logs.start();
        logger.addAppender(logs);
    }

    @AfterEach
    void releaseLogs() {
        logger.detachAppender(logs);
    }

    @Test
    void resumesAfterSavedSequence() throws Exception {
        new ExportState("audit", 40).write(stateFile);

        assertThat(ResumePoint.after(stateFile, "audit", 50)).isEqualTo(40);
        assertThat(warnings()).isEmpty();
    }

    @Test
    void missingStateStartsAtFirstRecord() throws Exception {
        assertThat(ResumePoint.after(stateFile, "audit", 50)).isZero();
        assertThat(warnings()).isEmpty();
    }

    @Test
    void invalidStateStartsAtFirstRecord() throws Exception {
        Files.writeString(stateFile, "{\"acknowledged_sequence\":4");

        assertThat(ResumePoint.after(stateFile, "audit", 50)).isZero();
        assertThat(warnings()).singleElement().asString()
                .contains(stateFile.toString())
                .contains("is invalid")
                .contains("from seq 1");
    }

    @Test
    void otherTopicStartsAtFirstRecord() throws Exception {
        new ExportState("old-topic", 40).write(stateFile);

        assertThat(ResumePoint.after(stateFile, "audit", 50)).isZero();
        assertThat(warnings()).singleElement().asString().contains("old-topic");
    }

    @Test
    void otherTopicIsEscapedInLog() throws Exception {
        new ExportState("x\u001b[2J\u009b", 40).write(stateFile);

        assertThat(ResumePoint.after(stateFile, "audit", 100)).isZero();
        assertThat(warnings()).singleElement().asString()
                .doesNotContain("\u001b")
                .doesNotContain("\u009b")
                .contains("[2J");
    }

    @Test
    void sequencePastLogEndStartsAtFirstRecord() throws Exception {
        new ExportState("audit", 60).write(stateFile);

        assertThat(ResumePoint.after(stateFile, "audit", 50)).isZero();
        assertThat(warnings()).singleElement().asString().contains("seq 60").contains("ends at seq 50");
    }

    @Test
    void unreadableStateFailsWithAdvice() throws IOException {
        Files.createDirectory(stateFile);

        assertThatThrownBy(() -> ResumePoint.after(stateFile, "audit", 50))
                .isInstanceOf(IOException.class)
                .hasMessageContaining(stateFile.toString())
                .hasMessageContaining("delete it to export again from seq 1");
    }

    private List<String> warnings() {
        return logs.list.stream()
                .filter(event -> event.getLevel() == Level.WARN)
                .map(ILoggingEvent::getFormattedMessage)
                .toList();
    }
}
