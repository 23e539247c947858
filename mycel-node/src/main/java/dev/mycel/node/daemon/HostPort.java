package dev.mycel.node.daemon;

/** A listen address: a host name or IP literal and a port (0 = any free port). */
public record HostPort(String host, int port) {
    public HostPort {
        if (host == null || host.isBlank() || host.length() > 255) {
            throw new IllegalArgumentException("a listen address needs a host");
        }
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("port " + port + " is outside 0..65535");
        }
    }

    /** {@code HOST:PORT}, with IPv6 literals in brackets ({@code [::1]:7600}). */
    public static HostPort parse(String text) {
        String s = text.strip();
        int colon = s.lastIndexOf(':');
        if (colon <= 0 || colon == s.length() - 1) {
            throw new IllegalArgumentException("\"" + text + "\" is not HOST:PORT");
        }
        String host = s.substring(0, colon);
        if (host.startsWith("[") && host.endsWith("]")) {
            host = host.substring(1, host.length() - 1);
        } else if (host.indexOf(':') >= 0) {
            throw new IllegalArgumentException("\"" + text + "\": put an IPv6 address in brackets, as [::1]:7600");
        }
        int port;
        try {
            port = Integer.parseInt(s.substring(colon + 1));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("\"" + text + "\" has no port number after the colon");
        }
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("\"" + text + "\": port " + port + " is outside 0..65535");
        }
        return new HostPort(host, port);
    }

    /** True for the wildcard addresses that listen on every interface. */
    public boolean isWildcard() {
        return host.equals("0.0.0.0") || host.equals("::");
    }

    @Override
    public String toString() {
        return (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + port;
    }
}
