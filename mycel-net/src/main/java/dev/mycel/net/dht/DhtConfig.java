package dev.mycel.net.dht;

import dev.mycel.net.transport.grpc.NetLimits;
import java.time.Duration;

/**
 * How a DHT node runs. The defaults are Kademlia's (k = 20, α = 3) with intervals suited to a
 * network of home machines; tests shorten the intervals.
 *
 * @param bindHost          address to listen on
 * @param port              port to listen on (0 = any free port)
 * @param advertiseHost     address other peers should dial (null = the bind address)
 * @param k                 bucket size and replication factor
 * @param alpha             parallel requests per lookup
 * @param refreshInterval   a bucket with no lookup for this long is refreshed
 * @param republishInterval own records are stored again this often
 * @param providerTtl       how long a provider record lives unless republished
 * @param net               transport limits
 * @param records           what is stored for others
 * @param contacts          what a peer must prove before it enters the routing table, caps per
 *                          address and subnet, and how long a lookup waits for one peer
 */
public record DhtConfig(String bindHost, int port, String advertiseHost, int k, int alpha,
                        Duration refreshInterval, Duration republishInterval, Duration providerTtl,
                        NetLimits net, RecordLimits records, ContactLimits contacts) {

    /** The configuration with the default contact limits. */
    public DhtConfig(String bindHost, int port, String advertiseHost, int k, int alpha, Duration refreshInterval,
                     Duration republishInterval, Duration providerTtl, NetLimits net, RecordLimits records) {
        this(bindHost, port, advertiseHost, k, alpha, refreshInterval, republishInterval, providerTtl, net, records,
                ContactLimits.defaults());
    }

    public static DhtConfig defaults() {
        return new DhtConfig("127.0.0.1", 0, null, 20, 3, Duration.ofMinutes(15), Duration.ofMinutes(10),
                Duration.ofMinutes(30), NetLimits.defaults(), RecordLimits.defaults(), ContactLimits.defaults());
    }

    public DhtConfig {
        if (k < 1 || k > 64) {
            throw new IllegalArgumentException("k must be within 1..64, got " + k);
        }
        if (alpha < 1 || alpha > k) {
            throw new IllegalArgumentException("alpha must be within 1..k, got " + alpha);
        }
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("port must be within 0..65535, got " + port);
        }
        if (republishInterval.compareTo(providerTtl) >= 0) {
            throw new IllegalArgumentException("providers must be republished before they expire: republish interval "
                    + republishInterval + " is not shorter than their TTL " + providerTtl);
        }
    }

    public String advertisedHost() {
        if (advertiseHost != null && !advertiseHost.isBlank()) {
            return advertiseHost;
        }
        return bindHost.equals("0.0.0.0") || bindHost.equals("::") ? "127.0.0.1" : bindHost;
    }

    public DhtConfig withListen(String host, int newPort) {
        return new DhtConfig(host, newPort, advertiseHost, k, alpha, refreshInterval, republishInterval, providerTtl, net, records, contacts);
    }

    public DhtConfig withAdvertiseHost(String host) {
        return new DhtConfig(bindHost, port, host, k, alpha, refreshInterval, republishInterval, providerTtl, net, records, contacts);
    }

    public DhtConfig withIntervals(Duration refresh, Duration republish, Duration ttl) {
        return new DhtConfig(bindHost, port, advertiseHost, k, alpha, refresh, republish, ttl, net, records, contacts);
    }

    public DhtConfig withNet(NetLimits limits) {
        return new DhtConfig(bindHost, port, advertiseHost, k, alpha, refreshInterval, republishInterval, providerTtl, limits, records, contacts);
    }

    public DhtConfig withK(int newK, int newAlpha) {
        return new DhtConfig(bindHost, port, advertiseHost, newK, newAlpha, refreshInterval, republishInterval, providerTtl, net, records, contacts);
    }

    public DhtConfig withContacts(ContactLimits limits) {
        return new DhtConfig(bindHost, port, advertiseHost, k, alpha, refreshInterval, republishInterval, providerTtl, net, records, limits);
    }
}
