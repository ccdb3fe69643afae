package dev.agentgateway.gateway.cli;

import picocli.CommandLine.IVersionProvider;

/**
 * Prints the version for {@code --version}: the {@code Implementation-Version} of the jar manifest, which the
 * build writes into {@code agent-gateway.jar}, or "development build" when the classes run without that jar.
 */
final class VersionProvider implements IVersionProvider {

    static final String DEVELOPMENT_BUILD = "development build";

    @Override
    public String[] getVersion() {
        return new String[] {describe(AgentGatewayCommand.class.getPackage().getImplementationVersion())};
    }

    /** Returns the version line for {@code implementationVersion}, which is {@code null} outside the jar. */
    static String describe(String implementationVersion) {
        String version = implementationVersion == null || implementationVersion.isBlank()
                ? DEVELOPMENT_BUILD
                : implementationVersion;
        return "agent-gateway " + version;
    }
}
