package dev.mycel.net.dht;

import com.google.protobuf.ByteString;
import dev.mycel.net.identity.PeerId;
import java.util.ArrayList;
import java.util.List;

/** Contacts to and from their wire form; malformed contacts from a peer are dropped, not believed. */
final class ContactCodec {
    private ContactCodec() {
    }

    static dev.mycel.net.proto.Contact toProto(Contact c) {
        return dev.mycel.net.proto.Contact.newBuilder().setPeerKey(ByteString.copyFrom(c.peer().rawKey()))
                .setHost(c.host()).setPort(c.port()).build();
    }

    static List<dev.mycel.net.proto.Contact> toProto(List<Contact> contacts) {
        List<dev.mycel.net.proto.Contact> out = new ArrayList<>(contacts.size());
        for (Contact c : contacts) {
            out.add(toProto(c));
        }
        return out;
    }

    /** At most {@code max} well-formed contacts. */
    static List<Contact> fromProto(List<dev.mycel.net.proto.Contact> wire, int max) {
        List<Contact> out = new ArrayList<>();
        for (dev.mycel.net.proto.Contact w : wire) {
            if (out.size() >= max) {
                break;
            }
            try {
                out.add(new Contact(PeerId.ofRawKey(w.getPeerKey().toByteArray()), w.getHost(), w.getPort()));
            } catch (IllegalArgumentException ignored) {
                // A peer sent a contact with a bad key, host or port; skip it.
            }
        }
        return out;
    }
}
