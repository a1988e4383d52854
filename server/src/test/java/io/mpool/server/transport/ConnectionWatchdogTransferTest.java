package io.mpool.server.transport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

import io.mpool.server.config.RequestLimits;
import io.mpool.server.stats.ServerStats;
import io.undertow.Undertow;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.xnio.ChannelPipe;
import org.xnio.IoUtils;
import org.xnio.OptionMap;
import org.xnio.StreamConnection;
import org.xnio.Xnio;
import org.xnio.XnioWorker;
import org.xnio.conduits.AbstractStreamSinkConduit;
import org.xnio.conduits.StreamSinkConduit;

/**
 * The watchdog sits under every response: a file's {@code transferFrom} must reach the socket's
 * conduit as that same call (there it becomes {@code sendfile}), not as reads into buffers and
 * writes of them, which would copy every byte of every static file through the JVM.
 */
class ConnectionWatchdogTransferTest {
    @TempDir
    Path dir;

    @Test
    void aFileTransferReachesTheNextConduitAsOneTransferWithNoWrite() throws IOException {
        XnioWorker worker = Xnio.getInstance(Undertow.class.getClassLoader()).createWorker(OptionMap.EMPTY);
        ChannelPipe<StreamConnection, StreamConnection> pipe = worker.createFullDuplexPipeConnection();
        try {
            StreamConnection connection = pipe.getLeftSide();
            RecordingSink socket = new RecordingSink(connection.getSinkChannel().getConduit());
            connection.getSinkChannel().setConduit(socket);
            ConnectionWatchdog watchdog = new ConnectionWatchdog(new BareConnection(connection));
            watchdog.install();
            Path file = dir.resolve("file.bin");
            Files.write(file, new byte[100_000]);
            try (FileChannel channel = FileChannel.open(file)) {
                long sent = connection.getSinkChannel().transferFrom(channel, 16_384, 83_616);
                assertEquals(83_616, sent);
                assertEquals(1, socket.transfers, "one transferFrom reached the socket's conduit");
                assertSame(channel, socket.lastSource, "the file's own channel, not a wrapper");
                assertEquals(16_384, socket.lastPosition);
                assertEquals(83_616, socket.lastCount);
                assertEquals(0, socket.writes, "no byte of the file was written as a buffer");
            }
        } finally {
            IoUtils.safeClose(pipe.getLeftSide(), pipe.getRightSide());
            worker.shutdownNow();
        }
    }

    /** A plain connection with the default limits, as the watchdog reads it. */
    private static final class BareConnection extends RequestTracker {
        private final StreamConnection channel;
        private final ServerStats stats = new ServerStats();

        BareConnection(StreamConnection channel) {
            this.channel = channel;
        }

        @Override
        protected ServerStats stats() {
            return stats;
        }

        @Override
        protected StreamConnection channel() {
            return channel;
        }

        @Override
        protected RequestLimits limits() {
            return RequestLimits.DEFAULTS;
        }

        @Override
        protected TlsHandshake handshake() {
            return null;
        }

        @Override
        protected RequestFramingConduit framing() {
            return null;
        }

        @Override
        protected void firstHeadArrived() {
        }
    }

    /** Stands for the socket's conduit: records what reaches it, sends nothing. */
    private static final class RecordingSink extends AbstractStreamSinkConduit<StreamSinkConduit> {
        int transfers;
        int writes;
        FileChannel lastSource;
        long lastPosition;
        long lastCount;

        RecordingSink(StreamSinkConduit next) {
            super(next);
        }

        @Override
        public long transferFrom(FileChannel src, long position, long count) {
            transfers++;
            lastSource = src;
            lastPosition = position;
            lastCount = count;
            return count;
        }

        @Override
        public int write(ByteBuffer src) {
            writes++;
            int n = src.remaining();
            src.position(src.limit());
            return n;
        }

        @Override
        public long write(ByteBuffer[] srcs, int offs, int len) {
            writes++;
            long n = 0;
            for (int i = offs; i < offs + len; i++) {
                n += srcs[i].remaining();
                srcs[i].position(srcs[i].limit());
            }
            return n;
        }
    }
}
