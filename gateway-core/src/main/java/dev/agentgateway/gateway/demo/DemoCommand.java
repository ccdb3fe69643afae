package dev.agentgateway.gateway.demo;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Clock;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * The {@code demo} command: runs the incident scenario end to end in one process on 127.0.0.1 and exits 0 only
 * when the gateway behaved as intended at every step.
 */
@Command(
        name = "demo",
        mixinStandardHelpOptions = true,
        description = {
            "Runs the incident scenario end to end in this process, on 127.0.0.1 with ephemeral ports: a sample"
                    + " identity provider, the sample ops tool, the gateway and an agent that drains a node for an"
                    + " ordinary user (denied), for the on-call engineer (allowed), replays a proof (rejected) and"
                    + " then prints and verifies the audit trail.",
            "Exits 0 when every step behaved as expected, 1 otherwise."
        })
public final class DemoCommand implements Callable<Integer> {

    private static final int STEP_COUNT = 4;

    @Spec
    private CommandSpec spec;

    @Option(
            names = "--work-dir",
            paramLabel = "DIR",
            defaultValue = "agent-gateway-data/demo",
            description = "Directory for the demo's configuration, signing key and audit log, created when absent"
                    + " (default: ${DEFAULT-VALUE}). Its audit subdirectory is cleared at the start of each run.")
    private Path workDirectory;

    @Option(
            names = "--verbose",
            description = "Also print full response bodies, the gateway's log messages and, when the demo stops on"
                    + " an error, its stack trace.")
    private boolean verbose;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        try (QuietLogging quiet = verbose ? null : QuietLogging.start();
                DemoScenario scenario = new DemoScenario(out, verbose, workDirectory, Clock.systemUTC())) {
            return run(scenario, out, err);
        }
    }

    private int run(DemoScenario scenario, PrintWriter out, PrintWriter err) {
        int step = 0;
        try {
            scenario.setUp();
            step = 1;
            scenario.denyOrdinaryUser();
            step = 2;
            scenario.allowOnCallEngineer();
            step = 3;
            scenario.rejectReplayedProof();
            step = 4;
            scenario.verifyAuditTrail();
        } catch (DemoScenario.StepFailedException e) {
            return fail(out, "Step " + e.step() + " failed: " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return fail(out, stage(step) + " was interrupted.");
        } catch (Exception e) {
            if (verbose) {
                e.printStackTrace(err);
                err.flush();
            }
            return fail(out, stage(step) + " failed: " + describe(e)
                    + (verbose ? "" : " (run with --verbose for the stack trace)"));
        }
        out.println();
        out.println("All " + STEP_COUNT + " steps behaved as expected.");
        out.flush();
        return 0;
    }

    private static String stage(int step) {
        return step == 0 ? "Set-up" : "Step " + step;
    }

    private static int fail(PrintWriter out, String message) {
        out.println();
        out.println(message);
        out.flush();
        return 1;
    }

    /**
     * Returns the exception's message, and its root cause's message when that differs. The class name appears
     * only for an exception without a message, which would otherwise print as "null".
     */
    private static String describe(Throwable error) {
        Throwable root = error;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        String text = message(error);
        String rootText = message(root);
        return root == error || text.contains(rootText) ? text : text + " (cause: " + rootText + ")";
    }

    private static String message(Throwable error) {
        return error.getMessage() == null ? error.getClass().getSimpleName() : error.getMessage();
    }
}
