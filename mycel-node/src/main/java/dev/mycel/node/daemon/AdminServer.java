package dev.mycel.node.daemon;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.BindException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * A small JSON-over-HTTP server for the node's admin API (the JDK's HttpServer, one virtual
 * thread per request). Every request must carry {@code Authorization: Bearer TOKEN}; the token
 * lives in a file only the node's owner can read, which is what makes the API local to that
 * user even on a shared machine. It listens on loopback unless explicitly allowed otherwise.
 */
public final class AdminServer implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();
    /** The most of a refused request's body read and dropped so that its client gets the answer. */
    static final long DRAIN_LIMIT_BYTES = 64L << 20;

    /** Handles one request: its JSON body (an empty object for GET) in, a JSON object out. */
    @FunctionalInterface
    public interface Route {
        JsonNode handle(JsonNode body) throws Exception;
    }

    /** A request the API refuses, with the HTTP status and the one-line reason sent back. */
    public static final class ApiException extends RuntimeException {
        private static final long serialVersionUID = 1L;
        private final int status;

        public ApiException(int status, String message) {
            super(message);
            this.status = status;
        }

        public int status() {
            return status;
        }
    }

    private final HttpServer server;
    private final ExecutorService executor;
    private final byte[] token;
    private final Map<String, Route> routes;
    private final int maxBodyBytes;
    private final Logger log;

    private AdminServer(HttpServer server, ExecutorService executor, String token, Map<String, Route> routes,
                        int maxBodyBytes, Logger log) {
        this.server = server;
        this.executor = executor;
        this.token = token.getBytes(StandardCharsets.US_ASCII);
        this.routes = new LinkedHashMap<>(routes);
        this.maxBodyBytes = maxBodyBytes;
        this.log = log;
    }

    /**
     * Starts listening.
     *
     * @param routes       keyed by method and path, e.g. {@code "GET /v1/status"}
     * @param allowRemote  false refuses any address that is not loopback
     * @param maxBodyBytes largest request body read
     */
    public static AdminServer start(HostPort listen, boolean allowRemote, String token, Map<String, Route> routes,
                                    int maxBodyBytes, Logger log) throws IOException {
        InetAddress address;
        try {
            address = InetAddress.getByName(listen.host());
        } catch (UnknownHostException e) {
            throw new NodeException("admin.listen: unknown host \"" + listen.host() + "\"");
        }
        if (!address.isLoopbackAddress() && !allowRemote) {
            throw new NodeException("admin.listen " + listen + " is not a loopback address, so other machines could"
                    + " reach the admin API; listen on 127.0.0.1, or set admin.allow_remote = true to allow it");
        }
        HttpServer server;
        try {
            server = HttpServer.create(new InetSocketAddress(address, listen.port()), 64);
        } catch (BindException e) {
            throw new NodeException("the admin API cannot listen on " + listen + ": " + e.getMessage());
        }
        ExecutorService executor = Executors.newThreadPerTaskExecutor(Thread.ofVirtual().name("admin-", 0).factory());
        AdminServer admin = new AdminServer(server, executor, token, routes, maxBodyBytes, log);
        server.setExecutor(executor);
        server.createContext("/", admin::exchange);
        server.start();
        return admin;
    }

    /** The address it listens on, with the port it got. */
    public InetSocketAddress address() {
        return server.getAddress();
    }

    private void exchange(HttpExchange ex) {
        long start = System.nanoTime();
        int status;
        JsonNode reply;
        try {
            reply = dispatch(ex);
            status = 200;
        } catch (ApiException e) {
            status = e.status();
            reply = error(e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            status = 503;
            reply = error("the node is shutting down");
        } catch (Exception | AssertionError e) {
            status = 500;
            reply = error("internal error: " + e);
            log.log(Level.WARNING, "admin API: " + ex.getRequestMethod() + " " + ex.getRequestURI().getPath() + " failed", e);
        }
        try {
            boolean drained = drainBody(ex);
            byte[] bytes = (JSON.writeValueAsString(reply) + "\n").getBytes(StandardCharsets.UTF_8);
            ex.getResponseHeaders().set("Content-Type", "application/json");
            if (!drained) {
                ex.getResponseHeaders().set("Connection", "close");
            }
            if (status == 401) {
                ex.getResponseHeaders().set("WWW-Authenticate", "Bearer");
            }
            ex.sendResponseHeaders(status, bytes.length);
            try (OutputStream out = ex.getResponseBody()) {
                out.write(bytes);
            }
        } catch (IOException e) {
            log.fine(() -> "admin API: the client went away: " + e);
        } finally {
            ex.close();
        }
        int s = status;
        log.fine(() -> "admin API: " + ex.getRequestMethod() + " " + ex.getRequestURI().getPath() + " " + s + " ("
                + (System.nanoTime() - start) / 1_000_000 + " ms)");
    }

    private JsonNode dispatch(HttpExchange ex) throws Exception {
        String auth = ex.getRequestHeaders().getFirst("Authorization");
        byte[] given = auth != null && auth.startsWith("Bearer ")
                ? auth.substring(7).strip().getBytes(StandardCharsets.US_ASCII) : new byte[0];
        // A comparison whose time does not depend on how much of the token matches.
        if (!MessageDigest.isEqual(given, token)) {
            throw new ApiException(401, auth == null ? "the admin API needs the token from admin.token in the node's data folder"
                    : "wrong admin token");
        }
        String method = ex.getRequestMethod();
        String path = ex.getRequestURI().getPath();
        Route route = routes.get(method + " " + path);
        if (route == null) {
            boolean otherMethod = routes.keySet().stream().anyMatch(k -> k.endsWith(" " + path));
            throw otherMethod ? new ApiException(405, method + " is not allowed on " + path)
                    : new ApiException(404, "no such endpoint: " + path);
        }
        return route.handle(body(ex));
    }

    private JsonNode body(HttpExchange ex) throws IOException {
        // Not closed here: drainBody reads what a refused request sent beyond the limit.
        byte[] bytes = ex.getRequestBody().readNBytes(maxBodyBytes + 1);
        if (bytes.length > maxBodyBytes) {
            throw new ApiException(413, "request body larger than " + maxBodyBytes + " bytes");
        }
        if (bytes.length == 0) {
            return JSON.createObjectNode();
        }
        JsonNode body;
        try {
            body = JSON.readTree(bytes);
        } catch (JacksonException e) {
            throw new ApiException(400, "the request body is not JSON: " + e.getOriginalMessage().replace('\n', ' '));
        }
        if (body == null || !body.isObject()) {
            throw new ApiException(400, "the request body must be a JSON object");
        }
        return body;
    }

    /**
     * Reads and drops what is left of the request body (up to {@link #DRAIN_LIMIT_BYTES}) before
     * the answer goes out; false when more was left. A request refused before its body was read
     * (too large, or without the token) would otherwise have the connection closed under the
     * client while it is still sending, which it sees as a reset instead of the answer. Reading
     * on costs only the time to receive the bytes; beyond the limit the connection is closed
     * after the answer, which a client may or may not get to read.
     */
    private static boolean drainBody(HttpExchange ex) {
        String length = ex.getRequestHeaders().getFirst("Content-Length");
        try {
            if (length != null && Long.parseLong(length.strip()) > DRAIN_LIMIT_BYTES) {
                return false;
            }
        } catch (NumberFormatException e) {
            return false;
        }
        try (InputStream in = ex.getRequestBody()) {
            byte[] sink = new byte[64 * 1024];
            long left = DRAIN_LIMIT_BYTES;
            for (int n; left > 0 && (n = in.read(sink, 0, (int) Math.min(sink.length, left))) >= 0; ) {
                left -= n;
            }
            return left > 0;
        } catch (IOException e) {
            return false;
        }
    }

    private static ObjectNode error(String message) {
        return JSON.createObjectNode().put("error", message);
    }

    /** Stops accepting and closes open exchanges at once (a running DHT call ends with the node). */
    @Override
    public void close() {
        server.stop(0);
        executor.shutdownNow();
    }
}
