package dev.mycel.net.dht;

/** A record that is not believed: forged, stale, expired, malformed or too big. The message says which. */
public final class RecordRefusedException extends Exception {
    public RecordRefusedException(String message) {
        super(message);
    }
}
