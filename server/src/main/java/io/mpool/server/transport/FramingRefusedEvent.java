package io.mpool.server.transport;

import io.mpool.server.framing.FramingViolation;
import java.net.SocketAddress;
import jdk.jfr.Category;
import jdk.jfr.Description;
import jdk.jfr.Event;
import jdk.jfr.Label;
import jdk.jfr.Name;
import jdk.jfr.StackTrace;

/** JFR event: the framing check refused a request (the connection then closes). */
@Name("mpool.FramingRefused")
@Label("Framing Refused")
@Category({"mpool", "Transport"})
@Description("The strict framing check refused a request; it is answered with the status and closed")
@StackTrace(false)
final class FramingRefusedEvent extends Event {
    @Label("Status")
    int status;

    @Label("Reason")
    @Description("The reason in the answer's body; never request bytes")
    String reason;

    @Label("In Head")
    @Description("True if found in the request head, false if in a chunked body")
    boolean inHead;

    @Label("Remote Address")
    String remote;

    static void emit(FramingViolation violation, SocketAddress remote) {
        FramingRefusedEvent event = new FramingRefusedEvent();
        if (event.shouldCommit()) {
            event.status = violation.status();
            event.reason = violation.reason();
            event.inHead = violation.inHead();
            event.remote = String.valueOf(remote);
            event.commit();
        }
    }
}
