package io.mpool.server;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.classes;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.Architectures.layeredArchitecture;

import com.tngtech.archunit.base.DescribedPredicate;
import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.domain.JavaCodeUnit;
import com.tngtech.archunit.core.domain.JavaField;
import com.tngtech.archunit.core.domain.JavaModifier;
import com.tngtech.archunit.core.domain.JavaType;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.lang.ArchCondition;
import com.tngtech.archunit.lang.ConditionEvents;
import com.tngtech.archunit.lang.SimpleConditionEvent;
import io.mpool.server.stats.ServerStats;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * The package map of the server module, checked on its compiled classes: imports only go down
 * this list, so no cycle and no shortcut can creep in between reviews.
 *
 * <pre>
 *   cli ──> demo ──> api (io.mpool.server: the server, its builder, what handlers use)
 *    │                 │
 *    │                 ├──> admin ──> connection ──> transport ──> framing
 *    │                 │                                  (each of them also ──> stats, config)
 *    │                 └──> body ──> stats
 *    └──> config
 * </pre>
 * <ul>
 *   <li>{@code cli} (the command line): the public API, the demo application, config (flag parsing).</li>
 *   <li>{@code demo} (the demo application): the public API only, like any embedder's application.</li>
 *   <li>api (the root package): any internal package; never cli or demo. It holds the API only:
 *   every top-level class there is public.</li>
 *   <li>{@code body} (how {@code RequestBody} keeps whole bodies: limits, budgets, temp files): stats;
 *   used by the API only.</li>
 *   <li>{@code admin} (its listener, endpoint, metrics): connection, transport, stats, config.</li>
 *   <li>{@code connection} (one {@code Connection} per channel, its memory, the registry): transport,
 *   stats, config. It owns what sits on the channel, so it sits above it.</li>
 *   <li>{@code transport} (what sits on a channel: TLS, the framing conduit, timeouts, accept
 *   limits): framing, stats, config; nothing of connections.</li>
 *   <li>{@code framing}: nothing of the server, and no XNIO or Undertow type: a pure scanner.</li>
 *   <li>{@code stats} (the server-wide counters) and {@code config}: nothing of the server.</li>
 * </ul>
 * And no internal type in a public signature of the root package: a public method, constructor or
 * field of a public class there names only the API's own types, the JDK's, Undertow's, XNIO's and
 * the mempool module's.
 */
class PackageRulesTest {
    private static final JavaClasses SERVER = new ClassFileImporter()
            .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
            .importPackages("io.mpool.server");
    private static final String API = "io.mpool.server";
    /** The packages behind the public API. */
    private static final Set<String> INTERNAL = Set.of("io.mpool.server.config", "io.mpool.server.admin", "io.mpool.server.stats", "io.mpool.server.body",
            "io.mpool.server.transport", "io.mpool.server.connection", "io.mpool.server.framing");

    @Test
    void importsOnlyGoDownThePackageMap() {
        layeredArchitecture().consideringOnlyDependenciesInLayers()
                .layer("cli").definedBy("io.mpool.server.cli")
                .layer("demo").definedBy("io.mpool.server.demo")
                .layer("api").definedBy(API)
                .layer("admin").definedBy("io.mpool.server.admin")
                .layer("connection").definedBy("io.mpool.server.connection")
                .layer("transport").definedBy("io.mpool.server.transport")
                .layer("framing").definedBy("io.mpool.server.framing")
                .layer("body").definedBy("io.mpool.server.body")
                .layer("stats").definedBy("io.mpool.server.stats")
                .layer("config").definedBy("io.mpool.server.config")
                .whereLayer("cli").mayNotBeAccessedByAnyLayer()
                .whereLayer("cli").mayOnlyAccessLayers("api", "demo", "config")
                .whereLayer("demo").mayOnlyBeAccessedByLayers("cli")
                .whereLayer("demo").mayOnlyAccessLayers("api")
                .whereLayer("api").mayOnlyBeAccessedByLayers("cli", "demo")
                .whereLayer("admin").mayOnlyBeAccessedByLayers("api")
                .whereLayer("admin").mayOnlyAccessLayers("connection", "transport", "stats", "config")
                .whereLayer("connection").mayOnlyBeAccessedByLayers("api", "admin")
                .whereLayer("connection").mayOnlyAccessLayers("transport", "stats", "config")
                .whereLayer("transport").mayOnlyBeAccessedByLayers("api", "admin", "connection")
                .whereLayer("transport").mayOnlyAccessLayers("framing", "stats", "config")
                .whereLayer("framing").mayOnlyBeAccessedByLayers("api", "transport")
                .whereLayer("framing").mayNotAccessAnyLayer()
                .whereLayer("body").mayOnlyBeAccessedByLayers("api")
                .whereLayer("body").mayOnlyAccessLayers("stats")
                .whereLayer("stats").mayOnlyBeAccessedByLayers("api", "admin", "connection", "transport", "body")
                .whereLayer("stats").mayNotAccessAnyLayer()
                .whereLayer("config").mayOnlyBeAccessedByLayers("cli", "api", "admin", "connection", "transport")
                .whereLayer("config").mayNotAccessAnyLayer()
                .check(SERVER);
    }

    @Test
    void framingKnowsNoConnectionTypes() {
        noClasses().that().resideInAPackage("io.mpool.server.framing")
                .should().dependOnClassesThat().resideInAnyPackage("org.xnio..", "io.undertow..")
                .because("the framing scanner is pure: it sees bytes, the transport feeds it")
                .check(SERVER);
    }

    /** Readers (the admin endpoint, metrics, health) see the counters read-only: they call no {@link ServerStats} method. */
    @Test
    void theAdminPackageReadsTheCountersThroughTheReadOnlyView() {
        noClasses().that().resideInAPackage("io.mpool.server.admin")
                .should().callMethodWhere(DescribedPredicate.describe("a method of ServerStats (which counts)",
                        call -> call.getTargetOwner().isEquivalentTo(ServerStats.class)))
                .because("only a counter's owner counts; readers take ServerMetric")
                .check(SERVER);
    }

    @Test
    void theCommandLineLibraryStaysInTheCommandLine() {
        noClasses().that().resideOutsideOfPackage("io.mpool.server.cli")
                .should().dependOnClassesThat().resideInAPackage("picocli..")
                .because("picocli is an optional dependency: an embedder does not have it")
                .check(SERVER);
    }

    @Test
    void theRootPackageHoldsTheApiOnly() {
        classes().that().resideInAPackage(API).and().areTopLevelClasses()
                .and().doNotHaveSimpleName("package-info")
                .should().bePublic()
                .because("the root package is the public API; helpers live in the internal package they belong to")
                .check(SERVER);
    }

    @Test
    void noInternalTypeInAPublicSignatureOfTheApi() {
        classes().that().resideInAPackage(API).and().arePublic()
                .should(nameOnlyPublicTypes())
                .check(SERVER);
    }

    /** Public members of a public API class: parameter, return, exception and field types, and supertypes. */
    private static ArchCondition<JavaClass> nameOnlyPublicTypes() {
        return new ArchCondition<>("name no internal type in a public signature") {
            @Override
            public void check(JavaClass type, ConditionEvents events) {
                List<String> leaks = new ArrayList<>();
                type.getRawSuperclass().ifPresent(s -> leakCheck(type.getName() + " extends", s, leaks));
                type.getRawInterfaces().forEach(i -> leakCheck(type.getName() + " implements", i, leaks));
                for (JavaCodeUnit unit : type.getCodeUnits()) {
                    if (!unit.getModifiers().contains(JavaModifier.PUBLIC) || unit.getName().startsWith("lambda$")) {
                        continue;
                    }
                    String where = unit.getFullName();
                    leakCheck(where + " returns", unit.getRawReturnType(), leaks);
                    unit.getRawParameterTypes().forEach(p -> leakCheck(where + " takes", p, leaks));
                    unit.getThrowsClause().getTypes().forEach(t -> leakCheck(where + " throws", t, leaks));
                    for (JavaType generic : unit.getParameterTypes()) {
                        generic.getAllInvolvedRawTypes().forEach(p -> leakCheck(where + " takes", p, leaks));
                    }
                }
                for (JavaField field : type.getFields()) {
                    if (field.getModifiers().contains(JavaModifier.PUBLIC)) {
                        leakCheck(field.getFullName() + " is", field.getRawType(), leaks);
                    }
                }
                for (String leak : leaks) {
                    events.add(SimpleConditionEvent.violated(type, leak));
                }
                if (leaks.isEmpty()) {
                    events.add(SimpleConditionEvent.satisfied(type, type.getName() + " names only public types"));
                }
            }
        };
    }

    private static void leakCheck(String where, JavaClass named, List<String> leaks) {
        JavaClass base = named.isArray() ? named.getBaseComponentType() : named;
        if (INTERNAL.contains(base.getPackageName()) || (base.getPackageName().equals(API) && !base.getModifiers().contains(JavaModifier.PUBLIC))) {
            leaks.add(where + " " + base.getName() + " (internal)");
        }
    }
}
