package dev.agentgateway.gateway.internal.admin;

import dev.agentgateway.audit.AuditFilter;
import dev.agentgateway.audit.AuditPrinter;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.QueryStringDecoder;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The parsed request of {@code GET /audit/stream}: the record filter and the sequence number to resume after.
 *
 * @param filter records to send
 * @param afterSequence send records with a higher sequence number only; 0 sends the whole log
 */
record AuditStreamQuery(AuditFilter filter, long afterSequence) {

    static final String LAST_EVENT_ID = "Last-Event-ID";
    /** Largest sequence number a record can have, 2^53 - 1, the largest integer JSON numbers carry exactly. */
    private static final long MAX_SEQUENCE = (1L << 53) - 1;
    private static final Set<String> PARAMETERS = Set.of("since", "principal", "tool", "decision", "after");

    /**
     * Parses {@code request}'s query parameters and {@code Last-Event-ID} header.
     *
     * @throws IllegalArgumentException naming the invalid parameter and what is expected
     */
    static AuditStreamQuery parse(HttpRequest request) {
        Map<String, List<String>> parameters = new QueryStringDecoder(request.uri()).parameters();
        for (Map.Entry<String, List<String>> parameter : parameters.entrySet()) {
            if (!PARAMETERS.contains(parameter.getKey())) {
                throw new IllegalArgumentException("unknown query parameter \""
                        + AuditPrinter.escape(parameter.getKey())
                        + "\" (expected: since, principal, tool, decision or after)");
            }
            if (parameter.getValue().size() != 1) {
                throw new IllegalArgumentException("query parameter " + parameter.getKey() + " is given "
                        + parameter.getValue().size() + " times (expected: at most once)");
            }
        }
        String since = single(parameters, "since");
        Instant sinceTime = since == null ? null : AuditFilter.parseTime("since", since);
        AuditFilter filter = new AuditFilter(sinceTime, single(parameters, "principal"), single(parameters, "tool"),
                single(parameters, "decision"));
        return new AuditStreamQuery(filter, afterSequence(request, single(parameters, "after")));
    }

    private static String single(Map<String, List<String>> parameters, String name) {
        List<String> values = parameters.get(name);
        return values == null ? null : values.get(0);
    }

    /** Returns the resume point: the {@code Last-Event-ID} header, else the {@code after} parameter, else 0. */
    private static long afterSequence(HttpRequest request, String afterParameter) {
        List<String> lastEventIds = request.headers().getAll(LAST_EVENT_ID);
        if (lastEventIds.size() > 1) {
            throw new IllegalArgumentException(LAST_EVENT_ID + " is given " + lastEventIds.size()
                    + " times (expected: at most once)");
        }
        if (!lastEventIds.isEmpty()) {
            return sequence(LAST_EVENT_ID, lastEventIds.get(0));
        }
        return afterParameter == null ? 0 : sequence("after", afterParameter);
    }

    private static long sequence(String name, String text) {
        if (text.isEmpty() || text.length() > 16 || !text.chars().allMatch(c -> c >= '0' && c <= '9')
                || Long.parseLong(text) > MAX_SEQUENCE) {
            throw new IllegalArgumentException(name + ": \"" + AuditPrinter.escape(text)
                    + "\" is not a record sequence number (expected: a decimal number from 0 to 2^53-1)");
        }
        return Long.parseLong(text);
    }
}
