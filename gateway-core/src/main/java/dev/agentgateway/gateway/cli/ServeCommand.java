package dev.agentgateway.gateway.cli;

import dev.agentgateway.config.ConfigException;
import dev.agentgateway.config.ConfigLoader;
import dev.agentgateway.config.GatewayConfig;
import dev.agentgateway.gateway.GatewayServer;
import dev.agentgateway.gateway.ListenerBindException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** Runs the gateway until the process receives SIGTERM or SIGINT, then shuts it down cleanly. */
@Command(name = "serve", mixinStandardHelpOptions = true,
        description = "Runs the gateway until SIGTERM or SIGINT.",
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {
            "0:the gateway stopped cleanly after SIGTERM or SIGINT",
            "1:the gateway could not start, for example because the audit log or signing key cannot be opened",
            "2:the configuration is invalid or missing",
            "4:a listener could not bind its address"})
final class ServeCommand implements Callable<Integer> {

    /** Class path resource holding the configuration used when no file is given. */
    static final String DEFAULT_CONFIG_RESOURCE = "/dev/agentgateway/gateway/default-config.yaml";
    static final int EXIT_START_FAILED = 1;
    static final int EXIT_LISTENER = 4;

    @Spec
    private CommandSpec spec;

    @Option(names = "--config", paramLabel = "FILE",
            description = "YAML configuration file. Without it the embedded default configuration is used, with "
                    + "relative paths resolved against the current directory.")
    private Path configFile;

    @Override
    public Integer call() throws Exception {
        GatewayConfig config = configFile != null ? ConfigLoader.load(configFile) : loadDefault();
        // Installed before the start, so a signal that arrives while the gateway starts stops it right after.
        CountDownLatch stopRequested = new CountDownLatch(1);
        StopSignals signals = StopSignals.install(stopRequested::countDown);
        GatewayServer server;
        try {
            server = GatewayServer.start(config);
        } catch (ListenerBindException e) {
            signals.restore();
            spec.commandLine().getErr().println(e.getMessage());
            return EXIT_LISTENER;
        } catch (IOException e) {
            signals.restore();
            spec.commandLine().getErr().println("starting the gateway failed: " + e.getMessage());
            return EXIT_START_FAILED;
        } catch (Exception | Error e) {
            signals.restore();
            throw e;
        }
        return runUntilStopped(server, stopRequested);
    }

    /** Waits for a stop signal, then closes {@code server} on this thread and returns exit code 0. */
    private static int runUntilStopped(GatewayServer server, CountDownLatch stopRequested)
            throws InterruptedException {
        // Any other way the JVM shuts down (SIGHUP, System.exit) still closes the server, and close is idempotent.
        Thread hook = new Thread(server::close, "gateway-shutdown");
        Runtime.getRuntime().addShutdownHook(hook);
        stopRequested.await();
        server.close();
        try {
            Runtime.getRuntime().removeShutdownHook(hook);
        } catch (IllegalStateException e) {
            // The JVM is already shutting down for another reason, and the hook will find the server closed.
        }
        return 0;
    }

    /** Loads the embedded default configuration, failing clearly when this build does not contain it. */
    static GatewayConfig loadDefault() throws ConfigException {
        try (InputStream yaml = ServeCommand.class.getResourceAsStream(DEFAULT_CONFIG_RESOURCE)) {
            if (yaml == null) {
                throw new ConfigException("embedded default configuration " + DEFAULT_CONFIG_RESOURCE
                        + " is missing from this build (expected: serve --config FILE)");
            }
            return ConfigLoader.load("default-config.yaml", yaml, Path.of("").toAbsolutePath());
        } catch (IOException e) {
            throw new ConfigException("reading the embedded default configuration failed: " + e.getMessage(), e);
        }
    }
}
