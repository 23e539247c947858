package dev.mycel.federated.secagg;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.mycel.federated.secagg.SecAggMessage.AdvertiseKeys;
import dev.mycel.federated.secagg.SecAggMessage.EncryptedShare;
import dev.mycel.federated.secagg.SecAggMessage.ForwardedShares;
import dev.mycel.federated.secagg.SecAggMessage.MaskedInput;
import dev.mycel.federated.secagg.SecAggMessage.PublicKeys;
import dev.mycel.federated.secagg.SecAggMessage.RevealedShare;
import dev.mycel.federated.secagg.SecAggMessage.Secret;
import dev.mycel.federated.secagg.SecAggMessage.ShareKeys;
import dev.mycel.federated.secagg.SecAggMessage.UnmaskRequest;
import dev.mycel.federated.secagg.SecAggMessage.UnmaskResponse;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/** Refusals: both shares of one neighbour, tampered or relabelled shares, wrong rounds, steps out of order. */
class SecAggProtocolTest {
    private static final List<String> IDS = NeighbourGraphTest.ids(5);
    private static final SecAggParameters P = SecAggParameters.withDefaults("round-A", IDS, 8, 1.0, new byte[] {1});
    private static final SecureRandom RNG = new SecureRandom();

    /** A round driven by hand, one step at a time. */
    private static final class Round {
        final SecAggCoordinator coordinator = new SecAggCoordinator(P);
        final Map<String, SecAggClient> clients = new TreeMap<>();
        final Map<String, float[]> inputs = SecAggSumTest.inputs(IDS, 8, 1.0, 31);
        Map<String, PublicKeys> keys;
        Map<String, ShareKeys> shares = new TreeMap<>();
        Map<String, ForwardedShares> forwarded;
        Map<String, UnmaskRequest> requests;

        Round() {
            for (String id : IDS) {
                clients.put(id, new SecAggClient(P, id, RNG));
            }
        }

        Round advertise() {
            clients.values().forEach(c -> coordinator.receive(c.advertiseKeys()));
            keys = coordinator.closeAdvertiseKeys();
            return this;
        }

        Round share() {
            keys.forEach((id, k) -> shares.put(id, clients.get(id).shareKeys(k)));
            return this;
        }

        Round relay() {
            shares.values().forEach(coordinator::receive);
            forwarded = coordinator.closeShareKeys();
            return this;
        }

        Round mask() {
            forwarded.forEach((id, f) -> coordinator.receive(clients.get(id).maskedInput(f, inputs.get(id))));
            requests = coordinator.closeMaskedInput();
            return this;
        }
    }

    @Test
    void aHandDrivenRoundGivesTheExactSum() {
        Round r = new Round().advertise().share().relay().mask();
        r.requests.forEach((id, q) -> r.coordinator.receive(r.clients.get(id).unmask(q)));
        SecAggResult res = r.coordinator.finish();
        assertArrayEquals(SecAggSumTest.plainLevelSum(P, r.inputs, IDS), res.quantisedSum());
    }

    @Test
    void aRequestForBothSharesOfOneNeighbourIsRefused() {
        Round r = new Round().advertise().share().relay().mask();
        SecAggClient c0 = r.clients.get("c00");
        UnmaskRequest greedy = new UnmaskRequest("round-A", "c00", List.of("c01", "c02", "c03", "c04"), List.of("c02"));
        SecAggException e = assertThrows(SecAggException.class, () -> c0.unmask(greedy));
        assertEquals("c02", e.clientId().orElseThrow());
        assertTrue(e.getMessage().contains("both the mask-seed share and the mask-key share of 'c02'"), e.getMessage());
        // Having caught the coordinator once, the client answers nothing more this round.
        assertThrows(IllegalStateException.class, () -> c0.unmask(r.requests.get("c00")));
    }

    @Test
    void aSecondUnmaskRequestIsRefused() {
        Round r = new Round().advertise().share().relay().mask();
        SecAggClient c0 = r.clients.get("c00");
        UnmaskResponse first = c0.unmask(new UnmaskRequest("round-A", "c00", List.of("c01", "c02"), List.of()));
        assertEquals(2, first.shares().size());
        assertTrue(first.shares().stream().allMatch(s -> s.secret() == Secret.MASK_SEED));
        // The same neighbours again, now said to have dropped: that would be their mask keys as well.
        UnmaskRequest second = new UnmaskRequest("round-A", "c00", List.of(), List.of("c01", "c02"));
        SecAggException e = assertThrows(SecAggException.class, () -> c0.unmask(second));
        assertTrue(e.getMessage().contains("already answered"), e.getMessage());
    }

    @Test
    void unknownOrRepeatedNeighboursInAnUnmaskRequestAreRefused() {
        Round r = new Round().advertise().share().relay().mask();
        assertThrows(SecAggException.class,
                () -> r.clients.get("c00").unmask(new UnmaskRequest("round-A", "c00", List.of("c00"), List.of())));
        assertThrows(SecAggException.class,
                () -> r.clients.get("c01").unmask(new UnmaskRequest("round-A", "c01", List.of("c02", "c02"), List.of())));
        assertThrows(SecAggException.class,
                () -> r.clients.get("c02").unmask(new UnmaskRequest("round-A", "c02", List.of(), List.of("stranger"))));
    }

    @Test
    void theCoordinatorRefusesAResponseWithSharesNotAskedFor() {
        Round r = new Round().advertise().share().relay().mask();
        UnmaskResponse honest = r.clients.get("c01").unmask(r.requests.get("c01"));
        List<RevealedShare> extra = new ArrayList<>(honest.shares());
        extra.add(new RevealedShare("c02", Secret.MASK_KEY, P.graph().shareIndex("c02", "c01"), new byte[32]));
        SecAggException e = assertThrows(SecAggException.class,
                () -> r.coordinator.receive(new UnmaskResponse("round-A", "c01", extra)));
        assertEquals("c01", e.clientId().orElseThrow());
        r.coordinator.receive(honest);
    }

    private static EncryptedShare shareFor(ShareKeys from, String to) {
        return from.shares().stream().filter(s -> s.recipientId().equals(to)).findFirst().orElseThrow();
    }

    private static ShareKeys replace(ShareKeys m, EncryptedShare old, EncryptedShare now) {
        List<EncryptedShare> l = new ArrayList<>(m.shares());
        l.set(l.indexOf(old), now);
        return new ShareKeys(m.roundId(), m.clientId(), l);
    }

    @Test
    void aTamperedShareFailsAuthenticationAndNamesItsSender() {
        Round r = new Round().advertise().share();
        EncryptedShare good = shareFor(r.shares.get("c02"), "c00");
        byte[] ct = good.ciphertext();
        ct[5] ^= 0x01;
        r.shares.put("c02", replace(r.shares.get("c02"), good, new EncryptedShare("c02", "c00", good.nonce(), ct)));
        r.relay(); // the coordinator cannot tell: it cannot open shares
        SecAggException e = assertThrows(SecAggException.class,
                () -> r.clients.get("c00").maskedInput(r.forwarded.get("c00"), r.inputs.get("c00")));
        assertEquals("c02", e.clientId().orElseThrow());
        assertTrue(e.getMessage().contains("failed AES-GCM authentication"), e.getMessage());
        // Others are unaffected.
        r.clients.get("c01").maskedInput(r.forwarded.get("c01"), r.inputs.get("c01"));
    }

    @Test
    void aShareRelabelledWithAnotherSenderOrRecipientFailsAuthentication() {
        Round r = new Round().advertise().share().relay();
        // The coordinator passes c02's share for c00 off as c03's.
        List<EncryptedShare> forC0 = new ArrayList<>(r.forwarded.get("c00").shares());
        EncryptedShare fromC2 = shareFor(r.shares.get("c02"), "c00");
        EncryptedShare fromC3 = shareFor(r.shares.get("c03"), "c00");
        forC0.set(forC0.indexOf(fromC3), new EncryptedShare("c03", "c00", fromC2.nonce(), fromC2.ciphertext()));
        SecAggException e = assertThrows(SecAggException.class,
                () -> r.clients.get("c00").maskedInput(new ForwardedShares("round-A", "c00", forC0), r.inputs.get("c00")));
        assertEquals("c03", e.clientId().orElseThrow());

        // And c02's share for c00 handed to c01 as if it were for c01.
        List<EncryptedShare> forC1 = new ArrayList<>(r.forwarded.get("c01").shares());
        EncryptedShare c2ToC1 = shareFor(r.shares.get("c02"), "c01");
        forC1.set(forC1.indexOf(c2ToC1), new EncryptedShare("c02", "c01", fromC2.nonce(), fromC2.ciphertext()));
        SecAggException e1 = assertThrows(SecAggException.class,
                () -> r.clients.get("c01").maskedInput(new ForwardedShares("round-A", "c01", forC1), r.inputs.get("c01")));
        assertEquals("c02", e1.clientId().orElseThrow());
    }

    @Test
    void theCoordinatorRefusesMislabelledOrIncompleteShareMessages() {
        Round r = new Round().advertise().share();
        ShareKeys m = r.shares.get("c01");
        EncryptedShare s = m.shares().get(0);
        ShareKeys forged = replace(m, s, new EncryptedShare("c02", s.recipientId(), s.nonce(), s.ciphertext()));
        assertThrows(SecAggException.class, () -> r.coordinator.receive(forged));
        ShareKeys partial = new ShareKeys("round-A", "c01", m.shares().subList(1, m.shares().size()));
        SecAggException e = assertThrows(SecAggException.class, () -> r.coordinator.receive(partial));
        assertTrue(e.getMessage().contains("sent no share for"), e.getMessage());
        r.coordinator.receive(m);
        assertThrows(SecAggException.class, () -> r.coordinator.receive(m), "twice");
    }

    @Test
    void messagesOfAnotherRoundAreRefused() {
        Round r = new Round();
        AdvertiseKeys k0 = r.clients.get("c00").advertiseKeys();
        AdvertiseKeys stale = new AdvertiseKeys("round-B", "c00", k0.shareEncryptionKey(), k0.maskAgreementKey());
        SecAggException e = assertThrows(SecAggException.class, () -> r.coordinator.receive(stale));
        assertTrue(e.getMessage().contains("round-B"), e.getMessage());
        r.coordinator.receive(k0);
        for (String id : IDS.subList(1, IDS.size())) {
            r.coordinator.receive(r.clients.get(id).advertiseKeys());
        }
        r.keys = r.coordinator.closeAdvertiseKeys();

        SecAggClient c1 = r.clients.get("c01");
        PublicKeys good = r.keys.get("c01");
        assertThrows(SecAggException.class, () -> c1.shareKeys(new PublicKeys("round-B", "c01", good.neighbourKeys())));
        // A refused stray message leaves the client where it was.
        r.share();
        r.relay();
        ForwardedShares f1 = r.forwarded.get("c01");
        assertThrows(SecAggException.class,
                () -> c1.maskedInput(new ForwardedShares("round-B", "c01", f1.shares()), r.inputs.get("c01")));
        r.forwarded.forEach((id, f) -> r.coordinator.receive(r.clients.get(id).maskedInput(f, r.inputs.get(id))));
        assertThrows(SecAggException.class, () -> r.coordinator.receive(new MaskedInput("round-B", "c01", new int[8])));
        r.requests = r.coordinator.closeMaskedInput();
        UnmaskRequest q = r.requests.get("c01");
        assertThrows(SecAggException.class, () -> c1.unmask(new UnmaskRequest("round-B", "c01", q.survivors(), q.dropped())));
        UnmaskResponse a = c1.unmask(q);
        assertThrows(SecAggException.class, () -> r.coordinator.receive(new UnmaskResponse("round-B", "c01", a.shares())));
    }

    @Test
    void stepsOutOfOrderAndStrangersAreRefused() {
        Round r = new Round();
        SecAggClient c0 = r.clients.get("c00");
        assertThrows(IllegalStateException.class, () -> c0.shareKeys(new PublicKeys("round-A", "c00", List.of())));
        assertThrows(IllegalArgumentException.class, () -> new SecAggClient(P, "stranger", RNG));
        assertThrows(SecAggException.class, () -> r.coordinator.receive(new AdvertiseKeys("round-A", "stranger", new byte[32], new byte[32])));
        assertThrows(IllegalStateException.class, r.coordinator::closeShareKeys);
        r.advertise();
        assertThrows(IllegalStateException.class, r.coordinator::closeAdvertiseKeys);
    }

    @Test
    void keysFromANonNeighbourAreRefused() {
        List<String> ids = NeighbourGraphTest.ids(10);
        SecAggParameters p = SecAggParameters.withDefaults("round-N", ids, 4, 1.0, new byte[] {2});
        SecAggCoordinator co = new SecAggCoordinator(p);
        Map<String, SecAggClient> cs = new TreeMap<>();
        Map<String, AdvertiseKeys> adv = new TreeMap<>();
        for (String id : ids) {
            cs.put(id, new SecAggClient(p, id, RNG));
            adv.put(id, cs.get(id).advertiseKeys());
            co.receive(adv.get(id));
        }
        Map<String, PublicKeys> keys = co.closeAdvertiseKeys();
        String u = ids.get(0);
        String stranger = ids.stream().filter(v -> !v.equals(u) && !p.graph().adjacent(u, v)).findFirst().orElseThrow();
        List<AdvertiseKeys> withStranger = new ArrayList<>(keys.get(u).neighbourKeys());
        withStranger.add(adv.get(stranger));
        SecAggException e = assertThrows(SecAggException.class,
                () -> cs.get(u).shareKeys(new PublicKeys("round-N", u, withStranger)));
        assertEquals(stranger, e.clientId().orElseThrow());
    }
}
