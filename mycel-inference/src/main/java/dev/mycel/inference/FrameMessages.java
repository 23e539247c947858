package dev.mycel.inference;

import com.google.protobuf.CodedInputStream;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Parser;

/** Session and push messages read from frames. */
public final class FrameMessages {
    private FrameMessages() {
    }

    /**
     * Parses a whole frame, leaving the hidden states in it instead of copying them out: a frame
     * is a fresh array that nothing else holds or writes, so the message may share it.
     */
    public static <T> T parse(byte[] frame, Parser<T> parser) throws InvalidProtocolBufferException {
        CodedInputStream in = CodedInputStream.newInstance(frame);
        in.enableAliasing(true);
        T message = parser.parseFrom(in);
        in.checkLastTagWas(0);
        return message;
    }
}
