package dev.mycel.inference.client;

/**
 * A step pushed to a hop by the server before it was not taken as sent: the hop refused it, or
 * the input it reports differs from what the server before answered. Neither is proof against
 * one server (either might be lying), so it bans nobody: the client sends the step itself and
 * stops pushing between those two servers.
 */
final class PushNotTakenException extends RuntimeException {
    PushNotTakenException(Hop hop, String message) {
        super(hop + ": " + message);
    }
}
