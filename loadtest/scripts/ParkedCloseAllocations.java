import io.mpool.server.MpoolServer;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.lang.reflect.Field;
import java.lang.reflect.Method;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import jdk.jfr.Recording;

/**
 * What closing N parked keep-alive connections costs the server's IO thread: bytes allocated per
 * closed connection (the IO thread's own count, com.sun.management.ThreadMXBean), and how many of
 * Undertow's HTTP/1.1 connections were built for those closes. Counts, not times: they do not move
 * with the machine's load.
 *
 * <pre>
 *   mvn -B -q -pl server -am package -DskipTests
 *   java -Xmx1g -cp server/target/mpool-server.jar loadtest/scripts/ParkedCloseAllocations.java [N [PORT [JFR]]]
 * </pre>
 *
 * From the checkout's root, it starts a server on 127.0.0.1:PORT (default 24080; one IO thread, idle timeout an hour) and
 * runs the clients in a second JVM (this file, argument {@code client}: each process has its own
 * descriptor limit). The clients open N connections (default 10,000), one GET /hello on each, and
 * keep them; once the once-a-second sweep has parked every one (their framing scanners dropped,
 * Undertow's side let go) and a second more has passed, the figures are read, the clients close
 * every connection (a FIN each) with the sweep stopped (it runs on the IO thread, and how many
 * sweeps fall into the window would depend on time), and once every connection's pool is destroyed they are read again.
 * With JFR, a file name, the close window is also recorded with every JFR allocation sample and
 * its stack ({@code jdk.ObjectAllocationSample}, throttle off), and with {@code -XX:-UseTLAB} every
 * allocation with its stack ({@code jdk.ObjectAllocationOutsideTLAB}): what the bytes are.
 * Reads server internals by reflection (the registry, the HTTP/1.1 set-up's count): a measuring
 * tool, not an API.
 */
public class ParkedCloseAllocations {
    /** This file, run again for the clients (the command runs from the checkout's root). */
    private static final String SOURCE = "loadtest/scripts/ParkedCloseAllocations.java";
    private static final byte[] HELLO = "GET /hello HTTP/1.1\r\nHost: t\r\n\r\n".getBytes(StandardCharsets.US_ASCII);

    public static void main(String[] args) throws Exception {
        if (args.length > 0 && args[0].equals("client")) {
            client(Integer.parseInt(args[1]), Integer.parseInt(args[2]));
            return;
        }
        int count = args.length > 0 ? Integer.parseInt(args[0]) : 10_000;
        int port = args.length > 1 ? Integer.parseInt(args[1]) : 24080;
        MpoolServer server = MpoolServer.builder().addHttpListener(port, "127.0.0.1")
                .setHandler(exchange -> exchange.getResponseSender().send("hello\n"))
                .setIoThreads(1).setConnectionLimits(count + 100, 0)
                .setTimeouts(Duration.ofSeconds(30), Duration.ofSeconds(60), Duration.ofSeconds(10), Duration.ofHours(1))
                .build().start();
        try {
            measure(server, count, port, args.length > 2 ? args[2] : null);
        } finally {
            server.close();
        }
    }

    private static void measure(MpoolServer server, int count, int port, String jfr) throws Exception {
        String java = ProcessHandle.current().info().command().orElse("java");
        Process clients = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"), SOURCE,
                "client", String.valueOf(port), String.valueOf(count)).redirectError(ProcessBuilder.Redirect.INHERIT).start();
        BufferedReader said = new BufferedReader(new InputStreamReader(clients.getInputStream(), StandardCharsets.US_ASCII));
        PrintStream tell = new PrintStream(clients.getOutputStream(), true, StandardCharsets.US_ASCII);
        expect(said, "served");
        Object registry = invoke(server, "registry");
        while (!allParked(registry, count)) {
            Thread.sleep(200);
        }
        Thread.sleep(1_000); // the IO thread's park task ends just after the scanner goes
        invoke(server, "stopSweeping"); // the sweep runs on the IO thread: its walks are not the closes' cost
        Object http = field(server, "http");
        long builtBefore = (long) invoke(http, "opened");
        long[] io = ioThreads();
        Recording recording = jfr == null ? null : allocationRecording();
        long bytesBefore = allocated(io);
        tell.println("close");
        expect(said, "closed");
        while (server.totals().poolsDestroyed() != server.totals().poolsCreated() || (int) invoke(registry, "size") != 0) {
            Thread.sleep(50);
        }
        long bytes = allocated(io) - bytesBefore;
        if (recording != null) {
            recording.stop();
            recording.dump(Path.of(jfr));
        }
        long built = (long) invoke(http, "opened") - builtBefore;
        System.out.printf("%d parked connections closed by their clients (FIN): %d Undertow HTTP/1.1 connections built"
                + " for the closes; IO thread allocated %d bytes, %.0f bytes per closed connection%n",
                count, built, bytes, (double) bytes / count);
        clients.waitFor();
    }

    private static boolean allParked(Object registry, int count) throws Exception {
        List<?> connections = (List<?>) invoke(registry, "connections");
        if (connections.size() != count) {
            return false;
        }
        for (Object connection : connections) {
            if ((boolean) invoke(connection, "holdsFramingScanner")) {
                return false;
            }
        }
        return true;
    }

    /** Every allocation sample JFR takes, with its stack, for the close window alone. */
    private static Recording allocationRecording() {
        Recording recording = new Recording();
        recording.enable("jdk.ObjectAllocationSample").withStackTrace().with("throttle", "off");
        recording.enable("jdk.ObjectAllocationOutsideTLAB").withStackTrace(); // with -XX:-UseTLAB: every allocation
        recording.disable("mpool.PoolDestroyed"); // off, as in a server no one records: its fields cost nothing then
        recording.start();
        return recording;
    }

    private static long[] ioThreads() {
        return Thread.getAllStackTraces().keySet().stream().filter(t -> t.getName().contains("I/O"))
                .mapToLong(Thread::getId).toArray();
    }

    private static long allocated(long[] threads) {
        com.sun.management.ThreadMXBean mx = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        long sum = 0;
        for (long bytes : mx.getThreadAllocatedBytes(threads)) {
            sum += bytes;
        }
        return sum;
    }

    private static Object invoke(Object target, String name) throws Exception {
        for (Class<?> type = target.getClass(); type != null; type = type.getSuperclass()) {
            for (Method method : type.getDeclaredMethods()) {
                if (method.getName().equals(name) && method.getParameterCount() == 0) {
                    method.setAccessible(true);
                    return method.invoke(target);
                }
            }
        }
        throw new NoSuchMethodException(target.getClass() + "." + name);
    }

    private static Object field(Object target, String name) throws Exception {
        Field field = target.getClass().getDeclaredField(name);
        field.setAccessible(true);
        return field.get(target);
    }

    private static void expect(BufferedReader said, String line) throws Exception {
        String got = said.readLine();
        if (!line.equals(got)) {
            throw new IllegalStateException("clients said " + got + ", expected " + line);
        }
    }

    /** The clients: N connections, one GET /hello each, kept until told to close them. */
    private static void client(int port, int count) throws Exception {
        List<SocketChannel> open = new ArrayList<>(count);
        ByteBuffer answer = ByteBuffer.allocate(4096);
        for (int i = 0; i < count; i++) {
            SocketChannel channel = SocketChannel.open(new InetSocketAddress("127.0.0.1", port));
            open.add(channel);
            channel.write(ByteBuffer.wrap(HELLO));
            answer.clear();
            while (!new String(answer.array(), 0, answer.position(), StandardCharsets.US_ASCII).endsWith("\r\n\r\nhello\n")) {
                if (channel.read(answer) < 0) {
                    throw new IllegalStateException("connection " + i + " closed by the server");
                }
            }
        }
        System.out.println("served");
        new BufferedReader(new InputStreamReader(System.in, StandardCharsets.US_ASCII)).readLine();
        for (SocketChannel channel : open) {
            channel.close();
        }
        System.out.println("closed");
    }
}
