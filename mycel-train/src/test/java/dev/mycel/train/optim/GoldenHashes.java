package dev.mycel.train.optim;

/** SHA-256 of the weights after the fixed runs of the tests, pinned. */
final class GoldenHashes {
    static final String SGD = "d45c0572a1a2252e37c4f79fe179006922744dc34d4531ef537111a9573d1432";
    static final String ADAM = "f86614804d9d4fb9e2f9323d04e7b785c39afa2dacf498794ef0bb8e5a7351c2";
    static final String ADAMW = "368ef37cb337242c649a4c6fd4fa1da3a59ec119564c75693045269d3bdb5e8f";

    private GoldenHashes() {
    }
}
