package dev.mycel.train.checkpoint;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.mycel.model.safetensors.SafetensorsDtype;
import dev.mycel.model.safetensors.SafetensorsFile;
import dev.mycel.model.safetensors.SafetensorsTensor;
import dev.mycel.model.safetensors.SafetensorsWriter;
import dev.mycel.train.autograd.Tensor;
import dev.mycel.train.nn.CanonicalWeights;
import dev.mycel.train.nn.Parameter;
import dev.mycel.train.optim.Adam;
import dev.mycel.train.optim.AdamW;
import dev.mycel.train.optim.LeastSquares;
import dev.mycel.train.optim.LrSchedule;
import dev.mycel.train.optim.Optimizer;
import dev.mycel.train.optim.OptimizerState;
import dev.mycel.train.optim.Sgd;
import java.io.IOException;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

class TrainingCheckpointTest {
    static final LrSchedule SCHEDULE = LrSchedule.warmupCosine(0.05, 0.005, 3, 20);
    static final Map<String, String> RNG = Map.of("dropout", "seed=42;draws=17", "data", "0x5eed");
    static final Map<String, String> EXTRA = Map.of("model", "{\"in\":4,\"out\":3}", "data_seed", "7");

    @TempDir
    Path tmp;

    static Stream<Function<List<Parameter>, Optimizer>> optimizers() {
        return Stream.of(
                p -> new Sgd(p, Sgd.Options.DEFAULTS.withMomentum(0.9).withNesterov(true).withWeightDecay(1e-3)),
                p -> new Sgd(p),
                p -> new Adam(p, Adam.Options.DEFAULTS.withWeightDecay(1e-2)),
                p -> new AdamW(p));
    }

    /** A model trained for {@code steps} steps with AdamW, saved; its file. */
    Path trainedCheckpoint(int steps) throws IOException {
        LeastSquares problem = new LeastSquares();
        AdamW opt = new AdamW(problem.parameters());
        problem.train(opt, SCHEDULE, steps);
        Path file = tmp.resolve("ckpt.safetensors");
        TrainingCheckpoint.save(file, problem.parameters(), opt, RNG, EXTRA);
        return file;
    }

    // ------------------------------------------------------------------ resuming

    @ParameterizedTest
    @MethodSource("optimizers")
    void resumingFromACheckpointGivesTheUninterruptedRunsBits(Function<List<Parameter>, Optimizer> make)
            throws IOException {
        LeastSquares straight = new LeastSquares();
        Optimizer a = make.apply(straight.parameters());
        straight.train(a, SCHEDULE, 17);

        LeastSquares first = new LeastSquares();
        Optimizer b = make.apply(first.parameters());
        first.train(b, SCHEDULE, 6);
        Path file = tmp.resolve("resume.safetensors");
        TrainingCheckpoint.save(file, first.parameters(), b, RNG, EXTRA);

        LeastSquares second = new LeastSquares();
        Optimizer c = make.apply(second.parameters());
        CheckpointInfo info = TrainingCheckpoint.load(file, second.parameters(), c);
        assertEquals(6, info.step());
        assertEquals(6, c.stepCount());
        assertEquals(CanonicalWeights.sha256(first.parameters()), CanonicalWeights.sha256(second.parameters()));
        assertEquals(b.state(), c.state());
        second.train(c, SCHEDULE, 11);

        assertEquals(CanonicalWeights.sha256(straight.parameters()), CanonicalWeights.sha256(second.parameters()));
        assertEquals(a.state(), c.state());
    }

    @Test
    void loadGivesBackTheStepOptimiserRngStateAndExtras() throws IOException {
        Path file = trainedCheckpoint(5);
        LeastSquares problem = new LeastSquares();
        CheckpointInfo info = TrainingCheckpoint.load(file, problem.parameters(), new AdamW(problem.parameters()));
        assertEquals(TrainingCheckpoint.FORMAT_VERSION, info.formatVersion());
        assertEquals(5, info.step());
        assertEquals("adamw", info.optimizer());
        assertEquals(Map.of("beta1", "0.9", "beta2", "0.999", "eps", "1.0E-8", "weight_decay", "0.01"),
                info.optimizerHyperParameters());
        assertEquals(RNG, info.rngState());
        assertEquals(EXTRA, info.extra());
        assertEquals(info, TrainingCheckpoint.read(file));
    }

    @Test
    void theFileHoldsParametersAndOptimiserStateUnderTheirNames() throws IOException {
        Path file = trainedCheckpoint(3);
        try (SafetensorsFile f = SafetensorsFile.open(file)) {
            assertEquals(List.of("lin.bias", "lin.weight", "optim.lin.bias.exp_avg", "optim.lin.bias.exp_avg_sq",
                    "optim.lin.bias.step", "optim.lin.weight.exp_avg", "optim.lin.weight.exp_avg_sq",
                    "optim.lin.weight.step"), new ArrayList<>(new TreeMap<>(f.tensors()).keySet()));
            SafetensorsTensor w = f.tensor("optim.lin.weight.exp_avg").orElseThrow();
            assertEquals(SafetensorsDtype.F32, w.dtype());
            assertArrayEquals(new long[] {3, 4}, w.shape());
            SafetensorsTensor step = f.tensor("optim.lin.weight.step").orElseThrow();
            assertEquals(SafetensorsDtype.I64, step.dtype());
            assertEquals(3L, f.tensorData(step).get(ValueLayout.JAVA_LONG_UNALIGNED, 0));
            assertEquals("3", f.metadata().get("step"));
            assertEquals("0.01", f.metadata().get("optimizer.weight_decay"));
            assertEquals("0x5eed", f.metadata().get("rng.data"));
            assertEquals("7", f.metadata().get("extra.data_seed"));
        }
    }

    @Test
    void theSameStateAlwaysGivesTheSameBytes() throws IOException {
        byte[] one = Files.readAllBytes(trainedCheckpoint(4));
        byte[] two = Files.readAllBytes(trainedCheckpoint(4));
        assertArrayEquals(one, two);
    }

    // ------------------------------------------------------------------ saving safely

    @Test
    void savingRefusesNaNWeightsAndKeepsTheGoodCheckpoint() throws IOException {
        LeastSquares problem = new LeastSquares();
        AdamW opt = new AdamW(problem.parameters());
        problem.train(opt, SCHEDULE, 3);
        Path file = tmp.resolve("ckpt.safetensors");
        TrainingCheckpoint.save(file, problem.parameters(), opt, RNG, EXTRA);
        byte[] good = Files.readAllBytes(file);

        problem.weight.data()[5] = Float.NaN;
        CheckpointException e = assertThrows(CheckpointException.class,
                () -> TrainingCheckpoint.save(file, problem.parameters(), opt, RNG, EXTRA));
        assertOneLine(e, file, "refusing to save", "'lin.weight'", "NaN", "element 5");
        assertArrayEquals(good, Files.readAllBytes(file));
        assertOnlyFile(file);
    }

    @Test
    void savingRefusesAnInfiniteOptimiserValue() throws IOException {
        LeastSquares problem = new LeastSquares();
        Adam opt = new Adam(problem.parameters());
        problem.train(opt, SCHEDULE, 2);
        OptimizerState s = opt.state();
        List<OptimizerState.ParameterState> ps = new ArrayList<>(s.parameters());
        Map<String, float[]> slots = new LinkedHashMap<>(ps.get(1).slots());
        slots.get(Adam.EXP_AVG_SQ)[1] = Float.POSITIVE_INFINITY;
        ps.set(1, new OptimizerState.ParameterState(ps.get(1).name(), ps.get(1).step(), slots));
        opt.loadState(new OptimizerState(s.kind(), s.step(), ps));
        Path file = tmp.resolve("ckpt.safetensors");
        CheckpointException e = assertThrows(CheckpointException.class,
                () -> TrainingCheckpoint.save(file, problem.parameters(), opt, Map.of(), Map.of()));
        assertOneLine(e, file, "'optim.lin.bias.exp_avg_sq'", "Infinity");
        assertTrue(Files.notExists(file));
        assertTrue(isEmpty(tmp));
    }

    @Test
    void aWriteThatFailsHalfwayLeavesTheOldFileAndNoTemporaryFile() throws IOException {
        Path file = trainedCheckpoint(2);
        byte[] good = Files.readAllBytes(file);
        IOException e = assertThrows(IOException.class, () -> TrainingCheckpoint.writeAtomically(file, ch -> {
            ch.write(ByteBuffer.wrap(new byte[1000]));
            throw new IOException("disk full");
        }));
        assertEquals("disk full", e.getMessage());
        assertArrayEquals(good, Files.readAllBytes(file));
        assertOnlyFile(file);
    }

    @Test
    void savingOverAnOlderCheckpointReplacesIt() throws IOException {
        Path file = trainedCheckpoint(2);
        LeastSquares problem = new LeastSquares();
        AdamW opt = new AdamW(problem.parameters());
        problem.train(opt, SCHEDULE, 7);
        TrainingCheckpoint.save(file, problem.parameters(), opt, RNG, EXTRA);
        assertEquals(7, TrainingCheckpoint.read(file).step());
        assertOnlyFile(file);
    }

    @Test
    void savingRefusesAnOptimiserOverParametersTheModelDoesNotList() {
        LeastSquares problem = new LeastSquares();
        AdamW opt = new AdamW(problem.parameters());
        Path file = tmp.resolve("ckpt.safetensors");
        CheckpointException e = assertThrows(CheckpointException.class,
                () -> TrainingCheckpoint.save(file, List.of(problem.weight), opt, Map.of(), Map.of()));
        assertOneLine(e, file, "'lin.bias'", "not among the model's parameters");
    }

    // ------------------------------------------------------------------ damaged or mismatched files

    @Test
    void aTruncatedFileIsRefused() throws IOException {
        Path file = trainedCheckpoint(2);
        byte[] bytes = Files.readAllBytes(file);
        for (int length : new int[] {0, 4, 8, 100, bytes.length / 2, bytes.length - 1}) {
            Path cut = tmp.resolve("cut" + length + ".safetensors");
            Files.write(cut, Arrays.copyOf(bytes, length));
            assertLoadFails(cut, "truncated|too short|corrupt|not valid JSON|runs past|beyond the end", "length " + length);
        }
    }

    @Test
    void aDamagedHeaderIsRefused() throws IOException {
        Path file = trainedCheckpoint(2);
        byte[] bytes = Files.readAllBytes(file);
        bytes[8] = 'X';
        Files.write(file, bytes);
        assertLoadFails(file, "the header is not valid JSON", "");
    }

    @Test
    void aFlippedMetadataValueFailsTheChecksum() throws IOException {
        Path file = trainedCheckpoint(2);
        byte[] bytes = Files.readAllBytes(file);
        String header = new String(bytes, 8, (int) ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).getLong(0),
                StandardCharsets.UTF_8);
        int at = 8 + header.indexOf("\"step\":\"2\"") + 8;
        assertEquals('2', bytes[at]);
        bytes[at] = '3';
        Files.write(file, bytes);
        assertLoadFails(file, "does not match its checksum.*corrupt", "");
    }

    @Test
    void aFlippedDataByteFailsTheChecksum() throws IOException {
        Path file = trainedCheckpoint(2);
        byte[] bytes = Files.readAllBytes(file);
        bytes[bytes.length - 3] ^= 0x10;
        Files.write(file, bytes);
        assertLoadFails(file, "does not match its checksum.*corrupt", "");
    }

    @Test
    void aMissingTensorIsNamed() throws IOException {
        LeastSquares small = new LeastSquares();
        AdamW opt = new AdamW(List.of(small.weight));
        Path file = tmp.resolve("ckpt.safetensors");
        TrainingCheckpoint.save(file, List.of(small.weight), opt, Map.of(), Map.of());
        assertLoadFails(file, "tensor 'lin.bias' is missing", "");

        Path noState = tmp.resolve("nostate.safetensors");
        rewrite(trainedCheckpoint(2), noState, m -> { }, t -> t.remove("optim.lin.weight.exp_avg_sq"));
        assertLoadFails(noState, "tensor 'optim.lin.weight.exp_avg_sq' is missing", "");
    }

    @Test
    void aTensorOfTheWrongShapeIsNamed() throws IOException {
        Parameter w = new Parameter("lin.weight", Tensor.trainable(new float[12], 4, 3));
        Parameter b = new Parameter("lin.bias", Tensor.trainable(new float[3], 3));
        AdamW opt = new AdamW(List.of(w, b));
        Path file = tmp.resolve("ckpt.safetensors");
        TrainingCheckpoint.save(file, List.of(w, b), opt, Map.of(), Map.of());
        assertLoadFails(file, "tensor 'lin.weight' has shape \\[4, 3\\], expected \\[3, 4\\]", "");
    }

    @Test
    void aTensorOfTheWrongDtypeIsNamed() throws IOException {
        Path file = tmp.resolve("f16.safetensors");
        rewrite(trainedCheckpoint(2), file, m -> { }, t -> {
            Blob b = t.get("lin.bias");
            t.put("lin.bias", new Blob(SafetensorsDtype.F16, b.shape, new byte[6]));
        });
        assertLoadFails(file, "tensor 'lin.bias' is F16, expected F32", "");

        Path step = tmp.resolve("step.safetensors");
        rewrite(trainedCheckpoint(2), step, m -> { }, t -> t.put("optim.lin.bias.step",
                new Blob(SafetensorsDtype.F32, new long[] {}, new byte[4])));
        assertLoadFails(step, "tensor 'optim.lin.bias.step' is F32, expected I64", "");
    }

    @Test
    void anUnknownFormatVersionIsRefused() throws IOException {
        Path file = tmp.resolve("v2.safetensors");
        rewrite(trainedCheckpoint(2), file, m -> m.put("checkpoint_version", "2"), t -> { });
        assertLoadFails(file, "checkpoint format version '2' is not supported \\(this build reads version 1\\)", "");
        assertThrows(CheckpointException.class, () -> TrainingCheckpoint.read(file));
    }

    @Test
    void aSafetensorsFileThatIsNotACheckpointIsRefused() throws IOException {
        Path file = tmp.resolve("model.safetensors");
        new SafetensorsWriter().putMetadata("format", "pt").add("lin.weight", new long[] {3, 4}, new float[12])
                .write(file);
        assertLoadFails(file, "not a Mycel training checkpoint", "");
    }

    @Test
    void anotherOptimiserKindIsRefused() throws IOException {
        Path file = trainedCheckpoint(2);
        LeastSquares problem = new LeastSquares();
        CheckpointException e = assertThrows(CheckpointException.class,
                () -> TrainingCheckpoint.load(file, problem.parameters(), new Adam(problem.parameters())));
        assertOneLine(e, file, "saved with optimiser adamw, but this run uses adam");
    }

    @Test
    void otherHyperParametersAreRefused() throws IOException {
        Path file = trainedCheckpoint(2);
        LeastSquares problem = new LeastSquares();
        AdamW other = new AdamW(problem.parameters(), AdamW.DEFAULTS.withWeightDecay(0.1));
        CheckpointException e = assertThrows(CheckpointException.class,
                () -> TrainingCheckpoint.load(file, problem.parameters(), other));
        assertOneLine(e, file, "weight_decay was 0.01 when saved, this run has 0.1");
    }

    @Test
    void anUnexpectedTensorIsRefused() throws IOException {
        Path file = tmp.resolve("stray.safetensors");
        rewrite(trainedCheckpoint(2), file, m -> { }, t -> t.put("head.weight",
                new Blob(SafetensorsDtype.F32, new long[] {2}, new byte[8])));
        assertLoadFails(file, "holds tensor 'head.weight', which this model and optimiser do not have", "");
    }

    @Test
    void aNonFiniteValueInTheFileIsRefused() throws IOException {
        Path file = tmp.resolve("nan.safetensors");
        rewrite(trainedCheckpoint(2), file, m -> { }, t -> {
            byte[] bytes = t.get("optim.lin.weight.exp_avg").bytes;
            ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).putFloat(4 * 2, Float.NaN);
        });
        assertLoadFails(file, "tensor 'optim.lin.weight.exp_avg' holds NaN at element 2", "");
    }

    @Test
    void aParameterStepBeyondTheCheckpointsStepIsRefused() throws IOException {
        Path file = tmp.resolve("steps.safetensors");
        rewrite(trainedCheckpoint(2), file, m -> { }, t -> t.put("optim.lin.bias.step", new Blob(SafetensorsDtype.I64,
                new long[] {}, ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(9).array())));
        assertLoadFails(file, "'optim.lin.bias.step' says 9 updates, outside \\[0, 2\\]", "");
    }

    @Test
    void aMissingFileIsNamed() {
        assertLoadFails(tmp.resolve("absent.safetensors"), "no such file", "");
    }

    // ------------------------------------------------------------------ helpers

    /**
     * Loads {@code file} into a fresh AdamW problem and checks the one-line message (a regular
     * expression found in it), and that nothing was changed.
     */
    void assertLoadFails(Path file, String pattern, String what) {
        LeastSquares problem = new LeastSquares();
        AdamW opt = new AdamW(problem.parameters());
        String weights = CanonicalWeights.sha256(problem.parameters());
        OptimizerState state = opt.state();
        CheckpointException e = assertThrows(CheckpointException.class,
                () -> TrainingCheckpoint.load(file, problem.parameters(), opt), what);
        assertOneLine(e, file);
        assertTrue(Pattern.compile(pattern).matcher(e.getMessage()).find(),
                what + ": '" + e.getMessage() + "' should match '" + pattern + "'");
        assertEquals(weights, CanonicalWeights.sha256(problem.parameters()), "a failed load changes no weight");
        assertEquals(state, opt.state(), "a failed load changes no optimiser state");
    }

    static void assertOneLine(Exception e, Path file, String... parts) {
        String m = e.getMessage();
        assertTrue(m.startsWith(file.toString() + ": "), "'" + m + "' should start with the file name");
        assertTrue(!m.contains("\n"), "one line: " + m);
        for (String p : parts) {
            assertTrue(m.contains(p), "'" + m + "' should mention '" + p + "'");
        }
    }

    void assertOnlyFile(Path file) throws IOException {
        try (Stream<Path> s = Files.list(tmp)) {
            assertEquals(List.of(file.getFileName().toString()), s.map(p -> p.getFileName().toString()).toList());
        }
    }

    static boolean isEmpty(Path dir) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.findAny().isEmpty();
        }
    }

    /** One tensor of a file being rewritten. */
    record Blob(SafetensorsDtype dtype, long[] shape, byte[] bytes) {
    }

    /**
     * Copies a checkpoint with changed metadata or tensors, and a checksum that fits the change,
     * as a buggy or foreign writer would make it.
     */
    static void rewrite(Path src, Path dst, Consumer<Map<String, String>> meta, Consumer<Map<String, Blob>> tensors)
            throws IOException {
        Map<String, String> m = new TreeMap<>();
        Map<String, Blob> t = new TreeMap<>();
        try (SafetensorsFile f = SafetensorsFile.open(src)) {
            m.putAll(f.metadata());
            for (SafetensorsTensor st : f.tensors().values()) {
                t.put(st.name(), new Blob(st.dtype(), st.shape(), f.tensorData(st).toArray(ValueLayout.JAVA_BYTE)));
            }
        }
        meta.accept(m);
        tensors.accept(t);
        m.remove(TrainingCheckpoint.KEY_CHECKSUM);
        write(dst, m, t);
        String checksum;
        try (SafetensorsFile f = SafetensorsFile.open(dst)) {
            checksum = TrainingCheckpoint.checksum(f);
        }
        m.put(TrainingCheckpoint.KEY_CHECKSUM, checksum);
        write(dst, m, t);
    }

    private static void write(Path dst, Map<String, String> m, Map<String, Blob> t) throws IOException {
        SafetensorsWriter w = new SafetensorsWriter();
        m.forEach(w::putMetadata);
        t.forEach((name, b) -> w.add(name, b.dtype(), b.shape(), b.bytes()));
        w.write(dst);
    }
}
