package dev.agentgateway.gateway;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static org.assertj.core.api.Assertions.assertThat;

import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Module boundaries, checked over the production classes of every module on the test class path: only
 * gateway-core uses Netty, and no module uses another module's {@code internal} packages.
 */
class ArchitectureTest {

    private static final String BASE = "dev.agentgateway";
    private static JavaClasses classes;

    @BeforeAll
    static void importClasses() {
        classes = new ClassFileImporter()
                .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
                .importPackages(BASE);
    }

    @Test
    void importCoversEveryModule() {
        assertThat(classes.contain("dev.agentgateway.config.ConfigLoader")).as("config").isTrue();
        assertThat(classes.contain("dev.agentgateway.policy.Policy")).as("policy").isTrue();
        assertThat(classes.contain("dev.agentgateway.token.TokenServices")).as("token-exchange").isTrue();
        assertThat(classes.contain("dev.agentgateway.audit.FileAuditLog")).as("audit").isTrue();
        assertThat(classes.contain("dev.agentgateway.gateway.GatewayServer")).as("gateway-core").isTrue();
    }

    @Test
    void onlyGatewayCoreDependsOnNetty() {
        noClasses().that().resideInAPackage(BASE + "..")
                .and().resideOutsideOfPackage(BASE + ".gateway..")
                .should().dependOnClassesThat().resideInAPackage("io.netty..")
                .because("Netty is the transport of gateway-core; the other modules are plain libraries")
                .check(classes);
    }

    @Test
    void noModuleDependsOnAnotherModulesInternals() {
        Set<String> modules = modules();
        assertThat(modules).contains("config", "policy", "token", "audit", "gateway");
        for (String module : modules) {
            String[] foreignInternals = modules.stream()
                    .filter(other -> !other.equals(module))
                    .map(other -> BASE + "." + other + ".internal..")
                    .toArray(String[]::new);
            noClasses().that().resideInAPackage(BASE + "." + module + "..")
                    .should().dependOnClassesThat().resideInAnyPackage(foreignInternals)
                    .because("a module's internal package is not part of its API")
                    .check(classes);
        }
    }

    /** Returns the module names: the package segment after {@code dev.agentgateway} of each imported class. */
    private static Set<String> modules() {
        Set<String> modules = new TreeSet<>();
        for (JavaClass javaClass : classes) {
            String rest = javaClass.getPackageName().substring(BASE.length());
            if (rest.startsWith(".")) {
                int end = rest.indexOf('.', 1);
                modules.add(end < 0 ? rest.substring(1) : rest.substring(1, end));
            }
        }
        return modules;
    }
}
