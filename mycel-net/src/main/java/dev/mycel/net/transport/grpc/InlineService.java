package dev.mycel.net.transport.grpc;

import io.grpc.BindableService;
import java.util.Set;

/**
 * A service some of whose methods never block and do little work. {@link NetServer} runs those
 * calls on the connection's own thread instead of handing them to the service executor, which
 * saves two thread switches per call (a good part of a small request's round trip on a busy
 * machine). A method listed here that blocks would stall every call on its connection.
 */
public interface InlineService extends BindableService {
    /** Full names ({@code package.Service/Method}) of the methods that may run inline. */
    Set<String> inlineMethods();
}
