package dev.mycel.inference.client;

/** One leg of a route: blocks {@code [first, end)} on one server. */
public record Hop(ServerEntry server, int first, int end) {
    @Override
    public String toString() {
        return server.peer().shortString() + "[" + first + ".." + (end - 1) + "]";
    }
}
