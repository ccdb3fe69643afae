package dev.agentgateway.gateway.demo;

import java.io.PrintWriter;
import java.util.List;

/** Prints the demo's numbered steps in short, indented lines; verbose lines appear only with {@code --verbose}. */
final class DemoOutput {

    private static final String INDENT = "   ";

    private final PrintWriter writer;
    private final boolean verbose;

    DemoOutput(PrintWriter writer, boolean verbose) {
        this.writer = writer;
        this.verbose = verbose;
    }

    boolean isVerbose() {
        return verbose;
    }

    void title(String text) {
        writer.println(text);
        writer.println("=".repeat(text.length()));
        writer.flush();
    }

    void line(String text) {
        writer.println(text);
        writer.flush();
    }

    void blank() {
        writer.println();
        writer.flush();
    }

    void step(int number, String text) {
        writer.println();
        writer.println(number + ". " + text);
        writer.flush();
    }

    void detail(String text) {
        writer.println(INDENT + text);
        writer.flush();
    }

    void table(List<String> rows) {
        rows.forEach(this::detail);
    }

    void verbose(String text) {
        if (verbose) {
            detail(text);
        }
    }

    void ok() {
        detail("OK");
    }
}
