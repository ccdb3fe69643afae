package dev.agentgateway.token;

import dev.agentgateway.policy.Actor;
import dev.agentgateway.policy.Principal;
import java.util.Set;

/** Signs the short-lived Txn-Token the gateway sends to backends in place of the agent's credentials. */
public final class TxnTokenIssuer {

    TxnTokenIssuer() {
    }

    /**
     * Issues a Txn-Token ({@code typ} {@code txntoken+jwt}).
     *
     * @param principal principal of the call; anonymous principals get {@code sub} {@code anonymous}
     * @param actor actor of the call, or {@code null}
     * @param scopes scopes of the call
     * @param transactionId audit record id of the call's decision, sent as {@code txn}
     * @param audience the backend's {@code aud}
     */
    public String issue(Principal principal, Actor actor, Set<String> scopes, String transactionId,
            String audience) {
        throw new UnsupportedOperationException("TODO");
    }
}
