package dev.mycel.net.dht;

import dev.mycel.net.identity.PeerId;
import java.net.InetAddress;
import java.net.UnknownHostException;

/**
 * Binds a provider record's address to what its announcer can prove before a node stores it:
 * the record must come from the provider itself (its TLS-proven id), name the IP address the
 * provider's call came from, and (checked afterwards by {@link ContactAdmission}) the provider
 * must answer as itself at the record's host and port. A record signed by A that points at B's
 * port is therefore never stored, and a node is never made to dial an address its caller chose
 * unless it is the caller's own. Pure functions, except {@link #resolvesTo}, which asks DNS.
 */
final class ProviderBinding {
    private ProviderBinding() {
    }

    /** How the record's host relates to the caller's address. */
    enum HostMatch { SAME, OTHER, NAME }

    /** Why the record may not come from this caller, or null when it may (its host still to be matched). */
    static String refusal(PeerId provider, PeerId caller) {
        if (!provider.equals(caller)) {
            return "a provider record is taken only from its provider (" + provider.shortString() + "), not from "
                    + caller.shortString();
        }
        return null;
    }

    static HostMatch matchHost(String recordHost, String callerHost) {
        InetAddress record;
        try {
            record = InetAddress.ofLiteral(strip(recordHost));
        } catch (IllegalArgumentException name) {
            return HostMatch.NAME;
        }
        try {
            return record.equals(InetAddress.ofLiteral(strip(callerHost))) ? HostMatch.SAME : HostMatch.OTHER;
        } catch (IllegalArgumentException e) {
            return HostMatch.OTHER;
        }
    }

    /** Whether a host name resolves to the caller's address (for providers that advertise a name). */
    static boolean resolvesTo(String recordHost, String callerHost) {
        try {
            InetAddress caller = InetAddress.ofLiteral(strip(callerHost));
            for (InetAddress a : InetAddress.getAllByName(recordHost)) {
                if (a.equals(caller)) {
                    return true;
                }
            }
        } catch (UnknownHostException | IllegalArgumentException e) {
            return false;
        }
        return false;
    }

    private static String strip(String host) {
        return host.startsWith("[") && host.endsWith("]") ? host.substring(1, host.length() - 1) : host;
    }
}
