package dev.agentgateway.gateway.demo;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/** Placeholder for the {@code demo} command in builds that do not include the incident scenario. */
@Command(name = "demo", description = "Runs the incident scenario end to end (not available in this build).")
public final class DemoCommand implements Callable<Integer> {

    @Spec
    private CommandSpec spec;

    @Override
    public Integer call() {
        spec.commandLine().getErr().println("demo is not available in this build");
        return 1;
    }
}
