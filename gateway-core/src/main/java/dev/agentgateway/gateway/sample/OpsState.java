package dev.agentgateway.gateway.sample;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The sample tool's simulated infrastructure: a few queues, nodes that can be drained and the active region.
 * Thread-safe: node states live in a concurrent map and region changes are serialized.
 */
final class OpsState {

    /** Node state before a drain. */
    static final String ACTIVE = "active";

    /** Node state after a drain. */
    static final String DRAINED = "drained";

    /** Regions the tool can fail over to; the first one is active at start. */
    static final List<String> REGIONS = List.of("us-east-1", "eu-west-1", "ap-southeast-2");

    private static final int NODE_COUNT = 9;

    private final Map<String, Integer> queueDepths;
    private final ConcurrentHashMap<String, String> nodeStates = new ConcurrentHashMap<>();
    private String activeRegion = REGIONS.get(0);

    OpsState() {
        Map<String, Integer> queues = new LinkedHashMap<>();
        queues.put("payments", 42);
        queues.put("notifications", 7);
        queues.put("ledger-sync", 0);
        this.queueDepths = Collections.unmodifiableMap(queues);
        for (int i = 1; i <= NODE_COUNT; i++) {
            nodeStates.put("node-" + i, ACTIVE);
        }
    }

    /** Returns queue names and depths in a fixed order. */
    Map<String, Integer> queueDepths() {
        return queueDepths;
    }

    /** Returns the state of {@code node}, or empty when the node does not exist. */
    Optional<String> nodeState(String node) {
        return Optional.ofNullable(nodeStates.get(node));
    }

    /**
     * Marks {@code node} drained and returns its previous state, or empty when the node does not exist. Draining
     * a drained node changes nothing.
     */
    Optional<String> drain(String node) {
        String[] previous = new String[1];
        nodeStates.computeIfPresent(node, (name, state) -> {
            previous[0] = state;
            return DRAINED;
        });
        return Optional.ofNullable(previous[0]);
    }

    synchronized String activeRegion() {
        return activeRegion;
    }

    /** Makes {@code region} the active region and returns the region that was active before. */
    synchronized String failOver(String region) {
        if (!REGIONS.contains(region)) {
            throw new IllegalArgumentException("region: \"" + region + "\" (expected: one of " + REGIONS + ")");
        }
        String previous = activeRegion;
        activeRegion = region;
        return previous;
    }
}
