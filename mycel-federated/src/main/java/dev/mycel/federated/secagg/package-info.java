/**
 * Secure aggregation (SecAgg+): the coordinator of a federated round learns the sum of the
 * clients' updates and nothing else about any one of them, and the sum survives clients dropping
 * out part-way. After Bonawitz et al. 2017, "Practical Secure Aggregation for Privacy-Preserving
 * Machine Learning" (SecAgg), with the sparse neighbour graph of Bell et al. 2020, "Secure
 * Single-Server Aggregation with (Poly)Logarithmic Overhead" (SecAgg+).
 *
 * <h2>Design</h2>
 * Each party is an object that consumes and produces plain records ({@link
 * dev.mycel.federated.secagg.SecAggMessage}), so a network layer can carry the same messages:
 * one {@link dev.mycel.federated.secagg.SecAggClient} per client, one {@link
 * dev.mycel.federated.secagg.SecAggCoordinator}. The coordinator only relays and checks messages
 * and, at the end, rebuilds from revealed shares just what it needs to take the masks off the
 * sum. {@link dev.mycel.federated.secagg.SecAggSession} runs a round in memory, with chosen
 * clients dropping at chosen steps, for tests and simulations.
 *
 * <h2>Protocol</h2>
 * <ol>
 *   <li><b>Setup</b> ({@link dev.mycel.federated.secagg.SecAggParameters}): n participants (ids,
 *       sorted), threshold t, a round id, the vector length, the {@link
 *       dev.mycel.federated.secagg.Quantizer} and the {@link
 *       dev.mycel.federated.secagg.NeighbourGraph}: k-regular and symmetric, built from a public
 *       round seed (a Harary graph on a seeded ordering), with {@code k = min(n - 1, 2 ceil(log2
 *       n))} by default, so small rounds get the complete graph (plain SecAgg).
 *   <li><b>Advertise keys</b>: each client makes two X25519 key pairs, c (to encrypt shares) and
 *       s (to derive masks), and sends the public halves.
 *   <li><b>Share keys</b>: each client draws a 32-byte mask seed b from its {@code SecureRandom},
 *       splits b and its s private key into t-of-k Shamir shares, one of each per neighbour (the
 *       x-coordinate is the neighbour's position in its sorted neighbour list, plus one), and
 *       seals each neighbour's pair with AES-256-GCM under {@code HKDF(X25519(c_u, c_v))}; the
 *       coordinator forwards them.
 *   <li><b>Masked input</b>: each client sends, modulo 2<sup>32</sup>,
 *       {@code y_u = x_u + PRG(HKDF(b_u)) + sum over neighbours v that shared of (u < v ? +1 : -1)
 *       PRG(s_uv)}, with {@code s_uv = HKDF(X25519(s_u, s_v))} and x the quantised input.
 *       Pairwise masks cancel in the sum over both ends of every pair.
 *   <li><b>Unmasking</b>: the coordinator tells each client that sent y which of its neighbours
 *       did (reveal your share of their b) and which dropped after sharing (reveal your share of
 *       their s key). A client refuses a neighbour in both lists, and answers once. With t shares
 *       the coordinator rebuilds each survivor's b and each dropped client's s key (checked
 *       against the public key it advertised), subtracts the self masks and the dropped clients'
 *       pairwise masks, and has the exact sum of the survivors' quantised inputs modulo
 *       2<sup>32</sup>, which the quantiser's headroom makes the true integer sum.
 * </ol>
 * Drop-outs: a client silent before its shares are forwarded is simply not in the round (the
 * coordinator also leaves out, until none is left, any client with fewer than t neighbours
 * still in); one silent after that is excluded from the sum and its pairwise masks are removed
 * through its neighbours' shares. Every survivor, and every dropped client masked into a
 * survivor's input, needs t of its neighbours to have sent their masked inputs and answered the
 * unmask request; otherwise the round ends with a {@link
 * dev.mycel.federated.secagg.SecAggException} that says who fell short, never a wrong sum.
 *
 * <h2>Cryptography</h2>
 * All from the JDK 25 and BouncyCastle, nothing home-made: X25519 ({@code KeyPairGenerator},
 * {@code KeyAgreement}); HKDF-SHA256 ({@code javax.crypto.KDF}) with an info string that names
 * the purpose, the round id and the pair (or owner), so no key serves two purposes, pairs or
 * rounds; AES-256-GCM with random 96-bit nonces and the round, sender and recipient as
 * associated data (a share altered, or relabelled to another pair or round, fails and is
 * reported with its sender's id); the masks' PRG is the ChaCha20 keystream ({@code
 * Cipher "ChaCha20"}) keyed with the full 256-bit derived key; Shamir sharing is BouncyCastle's
 * {@code ShamirSecretSplitter} over GF(2<sup>8</sup>), byte by byte.
 *
 * <p><b>Why the masks use the full key.</b> A mask is only as strong as the seed of its PRG. A
 * mask expanded from a 32-bit seed (as Flower's implementation does) is one of only
 * 2<sup>32</sup> vectors: whoever holds the masked vector can try every seed in hours on one
 * machine and recognise the right one (what is left looks like a model update, not noise), so
 * wherever one such mask is all that still hides an input, for instance a survivor with a single
 * honest neighbour once its self mask is removed, the input is exposed. Keyed with the full 256
 * bits that HKDF derives, each mask is computationally indistinguishable from uniform, and so is
 * every masked input the coordinator sees. A fresh key per round, pair and purpose also means no
 * mask repeats, which is what makes a fixed ChaCha20 nonce safe.
 *
 * <h2>Threat model</h2>
 * <b>Honest-but-curious coordinator</b>: it follows the protocol but looks at everything it
 * relays. It sees public keys, sealed shares, masked inputs that are uniform given its view,
 * and t shares of exactly one secret per client: the self-mask seed of a survivor (whose
 * pairwise masks stay on) or the mask key of a dropped client (whose input is not in the sum).
 * It learns the sum of the survivors' inputs and nothing more, also when colluding with fewer
 * than t of any client's neighbours. The clients see only sealed traffic meant for them.
 *
 * <p><b>A malicious coordinator</b> could do more, and this package stops only part of it:
 * <ul>
 *   <li>Lie about who dropped, telling some of a client's neighbours that it survived and others
 *       that it dropped, to collect shares of both its b and its s key and unmask its input.
 *       This is stopped by requiring {@code t > k/2} (two disjoint sets of t neighbours cannot
 *       exist), by each client refusing a request that names a neighbour in both lists, and by
 *       each client answering only once per round.
 *   <li>Swap in its own public keys (a man in the middle) and read the shares: stopped only when
 *       the network layer signs {@code AdvertiseKeys} with the clients' node keys. Messages are
 *       not signed here.
 *   <li>Send different clients different views of who survived (Bonawitz et al.'s
 *       consistency-check round, with signatures over the survivor set, is not implemented), or
 *       drop honest clients on purpose to shrink the sum towards a few inputs: each survivor
 *       still needs t live neighbours, but nothing here fixes a minimum for the whole sum beyond
 *       that.
 *   <li>Choose the round seed, and so the graph, to surround a target with colluding clients:
 *       the seed must come from somewhere the coordinator cannot bias (a commitment scheme or a
 *       public beacon), which is left to the caller.
 *   <li>Corrupt or withhold shares: AES-GCM catches the first, the second only stalls the round.
 * </ul>
 *
 * <h2>Departures from the papers</h2>
 * Shares go to a client's k neighbours only (Bonawitz et al. also give the client one of its own), so {@code n >= 3}; Shamir is
 * over GF(2<sup>8</sup>) byte-wise rather than over a prime field; {@code t > k/2} is required
 * always, not only against an active adversary; clients left with fewer than t live neighbours
 * before masking are left out rather than ending the round; and the coordinator checks a
 * rebuilt s key against the advertised public key, and a rebuilt seed against a second subset
 * of shares when more than t arrived.
 */
package dev.mycel.federated.secagg;
