package dev.agentgateway.gateway;

import dev.agentgateway.config.ListenerConfig;
import java.io.IOException;
import java.util.Locale;

/**
 * A listener of the gateway could not bind its address. The message is one line that names the listener, the
 * address, the cause and the configuration key to change, for example {@code agent listener 127.0.0.1:8080:
 * address already in use (set listeners.agent in the configuration)}.
 */
public final class ListenerBindException extends IOException {

    private static final long serialVersionUID = 1L;

    ListenerBindException(String listenerName, String configKey, ListenerConfig listener, Throwable cause) {
        super(listenerName + " " + address(listener) + ": " + describe(cause) + " (set " + configKey
                + " in the configuration)", cause);
    }

    private static String address(ListenerConfig listener) {
        String host = listener.host().contains(":") ? "[" + listener.host() + "]" : listener.host();
        return host + ":" + listener.port();
    }

    /** Returns the operating system's reason in lower case, reworded for the common ones. */
    private static String describe(Throwable cause) {
        String message = cause.getMessage() == null ? "" : cause.getMessage().toLowerCase(Locale.ROOT);
        if (message.contains("address already in use")) {
            return "address already in use";
        }
        if (message.contains("permission denied")) {
            return "permission denied (ports below 1024 need extra privileges)";
        }
        if (message.contains("cannot assign requested address")) {
            return "the address does not belong to this host";
        }
        return message.isEmpty() ? cause.getClass().getSimpleName() : message;
    }
}
