package dev.agentgateway.gateway.cli;

import java.util.LinkedHashMap;
import java.util.Map;
import sun.misc.Signal;
import sun.misc.SignalHandler;

/**
 * Turns SIGTERM and SIGINT into an orderly stop. Without handlers the JVM runs its shutdown hooks and exits with
 * 128 plus the signal number (143 for SIGTERM) even after a clean stop. With them, {@code serve} closes the gateway
 * on its main thread and exits 0.
 *
 * <p>NOTE: Java 17 has no public API to handle a signal without starting JVM shutdown, so this class uses
 * {@code sun.misc.Signal} from the {@code jdk.unsupported} module, and javac warns about it on every build.
 */
final class StopSignals {

    private static final String[] SIGNALS = {"TERM", "INT"};

    private final Map<Signal, SignalHandler> previous = new LinkedHashMap<>();

    private StopSignals() {
    }

    /**
     * Runs {@code onStop} on the first SIGTERM or SIGINT. A second signal gets the operating system's default
     * action, which ends the process at once, so it can end a stop that hangs.
     */
    static StopSignals install(Runnable onStop) {
        StopSignals signals = new StopSignals();
        for (String name : SIGNALS) {
            Signal signal = new Signal(name);
            signals.previous.put(signal, Signal.handle(signal, received -> {
                signals.handleAll(SignalHandler.SIG_DFL);
                onStop.run();
            }));
        }
        return signals;
    }

    /** Puts back the handlers that were installed before {@link #install}. */
    void restore() {
        previous.forEach(Signal::handle);
    }

    private void handleAll(SignalHandler handler) {
        previous.keySet().forEach(signal -> Signal.handle(signal, handler));
    }
}
