package dev.agentgateway.gateway.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

class AgentGatewayCommandTest {

    private final StringWriter out = new StringWriter();
    private final StringWriter err = new StringWriter();

    private int run(String... args) {
        CommandLine commandLine = AgentGatewayCommand.commandLine();
        commandLine.setOut(new PrintWriter(out, true));
        commandLine.setErr(new PrintWriter(err, true));
        return commandLine.execute(args);
    }

    @Test
    void demoIsRegistered() {
        assertThat(AgentGatewayCommand.commandLine().getSubcommands()).containsKeys("serve", "audit", "demo");
    }

    @Test
    void missingCommandIsUsageError() {
        assertThat(run()).isEqualTo(2);
        assertThat(err.toString()).contains("missing command");
    }

    @Test
    void auditVerifyMissingDirectoryExits2(@TempDir Path directory) {
        Path missing = directory.resolve("absent");

        assertThat(run("audit", "verify", missing.toString())).isEqualTo(2);
        assertThat(err.toString()).contains("audit log directory " + missing + " cannot be read");
    }

    @Test
    void auditVerifyFileInsteadOfDirectoryExits2(@TempDir Path directory) throws Exception {
        Path file = Files.writeString(directory.resolve("audit.log"), "{}\n");

        assertThat(run("audit", "verify", file.toString())).isEqualTo(2);
    }

    @Test
    void serveMissingConfigExits2(@TempDir Path directory) {
        Path missing = directory.resolve("gateway.yaml");

        assertThat(run("serve", "--config", missing.toString())).isEqualTo(2);
        assertThat(err.toString()).contains("gateway.yaml").doesNotContain("\tat ");
    }
}
