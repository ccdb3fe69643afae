package dev.agentgateway.gateway.cli;

import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** Groups the audit log commands. */
@Command(name = "audit", mixinStandardHelpOptions = true, description = "Works with audit logs.",
        subcommands = {
            AuditVerifyCommand.class,
            AuditProveCommand.class,
            AuditVerifyProofCommand.class,
            AuditPublicKeyCommand.class,
            AuditTailCommand.class,
            AuditSealCommand.class})
final class AuditCommand implements Runnable {

    @Spec
    private CommandSpec spec;

    @Override
    public void run() {
        throw new ParameterException(spec.commandLine(), "missing command (expected: one of "
                + String.join(", ", spec.subcommands().keySet()) + ")");
    }
}
