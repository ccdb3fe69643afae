package dev.agentgateway.config.internal;

/** Size limits applied before any YAML parsing. */
public final class ConfigLimits {

    /** Largest configuration file accepted: 1 MiB, far above any real gateway configuration. */
    public static final int MAX_BYTES = 1 << 20;

    private ConfigLimits() {
    }
}
