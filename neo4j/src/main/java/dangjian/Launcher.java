package dangjian;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;

import org.neo4j.configuration.GraphDatabaseSettings;
import org.neo4j.configuration.connectors.BoltConnector;
import org.neo4j.configuration.connectors.BoltConnectorInternalSettings;
import org.neo4j.configuration.connectors.HttpConnector;
import org.neo4j.configuration.connectors.HttpsConnector;
import org.neo4j.configuration.helpers.SocketAddress;
import org.neo4j.dbms.api.DatabaseManagementService;
import org.neo4j.dbms.api.DatabaseManagementServiceBuilder;
import org.neo4j.graphdb.GraphDatabaseService;
import org.neo4j.internal.kernel.api.security.AuthenticationResult;
import org.neo4j.internal.kernel.api.connectioninfo.ClientConnectionInfo;
import org.neo4j.kernel.api.security.AuthManager;
import org.neo4j.kernel.api.security.AuthToken;
import org.neo4j.kernel.api.security.exception.InvalidAuthTokenException;
import org.neo4j.kernel.internal.GraphDatabaseAPI;

/**
 * Neo4j Community 5.26, embedded in this JVM, with Bolt on 127.0.0.1: the local Neo4j that
 * graph/neo4j_local.py starts and stops (issue 11).
 *
 * <pre>
 * java [--add-opens flags] -Xmx1g -cp target/classes:target/lib/* dangjian.Launcher \
 *     --home DIR --port PORT [--plugins DIR] [--page-cache-mb 256] [--no-auth]
 * </pre>
 *
 * <ul>
 *   <li>{@code --home}: Neo4j's home; the store is in DIR/data, Neo4j's own logs in DIR/logs. It
 *       survives restarts. Neo4j locks it: one process per directory.</li>
 *   <li>{@code --port}: the Bolt port, on 127.0.0.1 only. HTTP and HTTPS stay off.</li>
 *   <li>{@code --plugins}: a directory holding the APOC core jar. Neo4j registers procedures only
 *       from its plugin directory, not from the classpath (where APOC's own extension classes must
 *       also be, and are: target/lib).</li>
 *   <li>{@code --page-cache-mb}: the page cache (default 256); by default Neo4j would take half of
 *       the machine's memory. The heap is capped by the caller's -Xmx.</li>
 *   <li>Authentication is on: the password of user {@code neo4j} is set to the environment's
 *       {@code NEO4J_PASSWORD} (at least 8 characters, Neo4j's minimum) on every start, so
 *       changing the variable changes the password. {@code --no-auth} turns authentication off
 *       (tests may).</li>
 * </ul>
 *
 * Prints {@code dangjian-neo4j ready bolt://127.0.0.1:PORT} on stdout once the database
 * {@code neo4j} is available and the password is set, and shuts down cleanly on SIGTERM (a JVM
 * shutdown hook), printing {@code dangjian-neo4j stopped}. Exit status 2: bad arguments or no
 * password; 1: Neo4j failed to start (the cause is on stderr).
 */
public final class Launcher {
    private static final String READY = "dangjian-neo4j ready bolt://127.0.0.1:";
    private static final long AVAILABLE_TIMEOUT_MS = 600_000;
    private static final String ADMIN = "neo4j";

    private Launcher() {}

    public static void main(String[] args) throws InterruptedException {
        Options options;
        try {
            options = Options.parse(args, System.getenv("NEO4J_PASSWORD"));
        } catch (IllegalArgumentException error) {
            System.err.println("dangjian-neo4j: " + error.getMessage());
            System.exit(2);
            return;
        }
        DatabaseManagementService service;
        try {
            service = start(options);
        } catch (RuntimeException error) {
            System.err.println("dangjian-neo4j: Neo4j did not start");
            error.printStackTrace();
            System.exit(1);
            return;
        }
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            // SIGTERM: checkpoint and close the store, so the next start needs no recovery.
            service.shutdown();
            System.out.println("dangjian-neo4j stopped");
            System.out.flush();
            stopped.countDown();
        }, "dangjian-neo4j-shutdown"));
        try {
            GraphDatabaseService database = service.database(GraphDatabaseSettings.DEFAULT_DATABASE_NAME);
            if (!database.isAvailable(AVAILABLE_TIMEOUT_MS)) {
                throw new IllegalStateException("database neo4j not available after " + AVAILABLE_TIMEOUT_MS + " ms");
            }
            if (options.password != null) {
                setPassword(service, options.password);
            }
        } catch (RuntimeException error) {
            System.err.println("dangjian-neo4j: Neo4j started but is not usable");
            error.printStackTrace();
            System.exit(1);  // runs the shutdown hook
            return;
        }
        System.out.println(READY + options.port);
        System.out.flush();
        stopped.await();  // Neo4j's own threads keep the JVM alive; this keeps main readable
    }

    private static DatabaseManagementService start(Options options) {
        DatabaseManagementServiceBuilder builder = new DatabaseManagementServiceBuilder(options.home)
                .setConfig(BoltConnector.enabled, true)
                .setConfig(BoltConnector.listen_address, new SocketAddress("127.0.0.1", options.port))
                .setConfig(BoltConnector.advertised_address, new SocketAddress("127.0.0.1", options.port))
                .setConfig(HttpConnector.enabled, false)
                .setConfig(HttpsConnector.enabled, false)
                .setConfig(GraphDatabaseSettings.pagecache_memory, options.pageCacheMb * 1024L * 1024L)
                // Neo4j preallocates each transaction log file (256 MB, for the system database and
                // for neo4j): 512 MB on disk for an empty store. Grown as written instead.
                .setConfig(GraphDatabaseSettings.preallocate_logical_logs, false)
                // No usage report sent to Neo4j from developers' machines and CI.
                .setConfig(GraphDatabaseSettings.udc_enabled, false)
                // Bolt waits 5 s for idle connections and 5 s more for its threads on shutdown
                // (measured: stop took 10.3 s with nothing connected); 1 s each is enough here.
                .setConfig(BoltConnectorInternalSettings.connection_shutdown_wait_time, Duration.ofSeconds(1))
                .setConfig(BoltConnectorInternalSettings.thread_pool_shutdown_wait_time, Duration.ofSeconds(1))
                // A transaction past its timeout is found by a monitor that looks every 2 s by
                // default: a 1 s read limit ran 1.3-2.6 s. Every 100 ms keeps it near the limit.
                .setConfig(GraphDatabaseSettings.transaction_monitor_check_interval, Duration.ofMillis(100))
                .setConfig(GraphDatabaseSettings.auth_enabled, options.password != null)
                .setConfig(GraphDatabaseSettings.procedure_unrestricted, List.of("apoc.*"));
        if (options.plugins != null) {
            builder.setConfig(GraphDatabaseSettings.plugin_dir, options.plugins);
        }
        return builder.build();
    }

    /**
     * Community Edition keeps users in the system database, and its first start creates user
     * neo4j with password "neo4j", which must be changed before use. Embedded code runs with full
     * rights, so it sets the password with ALTER USER. Neo4j refuses to "change" a password to the
     * one it already has, so the password is first tried through Neo4j's own authentication (the
     * check Bolt makes) and set only when that fails or still requires a change: the decision
     * never rests on an error message. A failed try counts as one failed login of user neo4j.
     */
    private static void setPassword(DatabaseManagementService service, String password) {
        GraphDatabaseService system = service.database(GraphDatabaseSettings.SYSTEM_DATABASE_NAME);
        if (!system.isAvailable(AVAILABLE_TIMEOUT_MS)) {
            throw new IllegalStateException("system database not available");
        }
        if (authenticates(system, password)) {
            return;
        }
        system.executeTransactionally(
                "ALTER USER " + ADMIN + " SET PASSWORD $password CHANGE NOT REQUIRED",
                Map.of("password", password));
        if (!authenticates(system, password)) {
            throw new IllegalStateException("user " + ADMIN + " does not authenticate with NEO4J_PASSWORD after ALTER USER");
        }
    }

    private static boolean authenticates(GraphDatabaseService system, String password) {
        AuthManager auth = ((GraphDatabaseAPI) system).getDependencyResolver().resolveDependency(AuthManager.class);
        // login() clears the credentials in the map it is given: pass a copy.
        Map<String, Object> token = new HashMap<>(AuthToken.newBasicAuthToken(ADMIN, password));
        try {
            return auth.login(token, ClientConnectionInfo.EMBEDDED_CONNECTION).subject().getAuthenticationResult()
                    == AuthenticationResult.SUCCESS;
        } catch (InvalidAuthTokenException error) {
            throw new IllegalStateException(error);
        }
    }

    /** The command line, checked; {@code password} is null when authentication is off. */
    private record Options(Path home, int port, Path plugins, long pageCacheMb, String password) {
        static Options parse(String[] args, String envPassword) {
            Path home = null;
            Path plugins = null;
            int port = 0;
            long pageCacheMb = 256;
            boolean auth = true;
            for (int i = 0; i < args.length; i++) {
                String arg = args[i];
                if (arg.equals("--no-auth")) {
                    auth = false;
                    continue;
                }
                if (i + 1 >= args.length) {
                    throw new IllegalArgumentException("missing value after " + arg);
                }
                String value = args[++i];
                switch (arg) {
                    case "--home" -> home = Path.of(value).toAbsolutePath();
                    case "--plugins" -> plugins = Path.of(value).toAbsolutePath();
                    case "--port" -> port = number(arg, value, 1, 65535);
                    case "--page-cache-mb" -> pageCacheMb = number(arg, value, 8, 1 << 20);
                    default -> throw new IllegalArgumentException("unknown option " + arg);
                }
            }
            if (home == null || port == 0) {
                throw new IllegalArgumentException("usage: --home DIR --port PORT [--plugins DIR] "
                        + "[--page-cache-mb N] [--no-auth]");
            }
            if (plugins != null && !Files.isDirectory(plugins)) {
                throw new IllegalArgumentException("--plugins: not a directory: " + plugins);
            }
            String password = null;
            if (auth) {
                if (envPassword == null || envPassword.length() < 8) {
                    throw new IllegalArgumentException("NEO4J_PASSWORD must hold at least 8 characters "
                            + "(Neo4j's minimum), or pass --no-auth");
                }
                password = envPassword;
            }
            return new Options(home, port, plugins, pageCacheMb, password);
        }

        private static int number(String option, String value, int min, int max) {
            try {
                int n = Integer.parseInt(value);
                if (n >= min && n <= max) {
                    return n;
                }
            } catch (NumberFormatException ignored) {
                // reported below
            }
            throw new IllegalArgumentException(option + " takes a number from " + min + " to " + max + ", got " + value);
        }
    }
}
