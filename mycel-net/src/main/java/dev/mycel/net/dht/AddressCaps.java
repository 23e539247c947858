package dev.mycel.net.dht;

import java.net.InetAddress;
import java.util.Collection;

/**
 * Caps on how many routing-table contacts may share an IP address or a subnet (/24 for IPv4,
 * /64 for IPv6). Identities are free but addresses are not, so the caps bound what one machine
 * or one small network can place in a table however many identities it makes. Pure functions.
 */
final class AddressCaps {
    private AddressCaps() {
    }

    /** How a host groups: its address and its subnet, or the name itself for a host that is not an IP literal. */
    record Group(String address, String subnet, boolean loopback) {
    }

    static Group groupOf(String host) {
        InetAddress ip;
        try {
            // A literal only: never a DNS look-up on the path of an inbound call.
            ip = InetAddress.ofLiteral(host.startsWith("[") && host.endsWith("]") ? host.substring(1, host.length() - 1) : host);
        } catch (IllegalArgumentException notLiteral) {
            boolean loopback = host.equalsIgnoreCase("localhost");
            return new Group(host.toLowerCase(java.util.Locale.ROOT), host.toLowerCase(java.util.Locale.ROOT), loopback);
        }
        byte[] b = ip.getAddress();
        int prefixBytes = b.length == 4 ? 3 : 8;
        StringBuilder subnet = new StringBuilder(b.length == 4 ? "v4:" : "v6:");
        for (int i = 0; i < prefixBytes; i++) {
            subnet.append(Integer.toHexString(b[i] & 0xff)).append('.');
        }
        return new Group(ip.getHostAddress(), subnet.toString(), ip.isLoopbackAddress());
    }

    /**
     * Whether the candidate may join contacts already in the table without going over either cap.
     * The candidate's own peer is not counted (a peer moving to a new port replaces itself).
     */
    static boolean allows(Collection<Contact> inTable, Contact candidate, ContactLimits limits) {
        Group g = groupOf(candidate.host());
        if (g.loopback() && !limits.capLoopback()) {
            return true;
        }
        int sameAddress = 0;
        int sameSubnet = 0;
        for (Contact c : inTable) {
            if (c.peer().equals(candidate.peer())) {
                continue;
            }
            Group other = groupOf(c.host());
            if (other.subnet().equals(g.subnet())) {
                sameSubnet++;
                if (other.address().equals(g.address())) {
                    sameAddress++;
                }
            }
        }
        return sameAddress < limits.maxPerAddress() && sameSubnet < limits.maxPerSubnet();
    }
}
