package dev.mycel.train.checkpoint;

import dev.mycel.model.ModelFormatException;
import dev.mycel.model.safetensors.SafetensorsDtype;
import dev.mycel.model.safetensors.SafetensorsFile;
import dev.mycel.model.safetensors.SafetensorsTensor;
import dev.mycel.model.safetensors.SafetensorsWriter;
import dev.mycel.train.nn.Parameter;
import dev.mycel.train.optim.Optimizer;
import dev.mycel.train.optim.OptimizerState;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Saves and loads a training checkpoint: one safetensors file holding
 *
 * <ul>
 *   <li>every parameter under its name, F32, with its shape;
 *   <li>for every parameter the optimiser updates, each slot as F32 {@code optim.<name>.<slot>}
 *       (for example {@code optim.conv1.weight.exp_avg}) with the parameter's shape, and the
 *       parameter's own step count as an I64 scalar {@code optim.<name>.step};
 *   <li>metadata strings: {@value #KEY_FORMAT} ({@value #FORMAT}), {@value #KEY_VERSION}
 *       ({@value #FORMAT_VERSION}), {@value #KEY_STEP}, {@value #KEY_OPTIMIZER} (its kind), {@code
 *       optimizer.<name>} for each hyper-parameter, {@code rng.<key>} for the trainer's random
 *       number generator state, {@code extra.<key>} for the trainer's other settings, and {@value
 *       #KEY_CHECKSUM}, the SHA-256 of everything else (see {@link #checksum}).
 * </ul>
 *
 * <p>Saving refuses NaN and infinite values, so that a diverged run never replaces a good
 * checkpoint, and writes atomically: to a temporary file in the same folder, forced to the disk,
 * then renamed over the old one (and the folder forced), so that a crash leaves either the old
 * checkpoint or the new one, never half of one.
 *
 * <p>Loading checks everything before it changes anything, and fails with a one-line {@link
 * CheckpointException} naming the file and the problem: a truncated or corrupt file (the
 * safetensors structure, then the checksum), another format or format version, another optimiser
 * kind or other hyper-parameters, a missing or unexpected tensor, a wrong shape or dtype, a value
 * that is not finite. It then writes the parameters' values in place and loads the optimiser's
 * state, so that the next step gives the same bits as the uninterrupted run's. Gradients are not
 * saved: checkpoints are taken between steps.
 */
public final class TrainingCheckpoint {
    /** The value of {@value #KEY_FORMAT}. */
    public static final String FORMAT = "mycel-train";
    /** The format version this class writes and reads. */
    public static final int FORMAT_VERSION = 1;

    public static final String KEY_FORMAT = "checkpoint_format";
    public static final String KEY_VERSION = "checkpoint_version";
    public static final String KEY_STEP = "step";
    public static final String KEY_OPTIMIZER = "optimizer";
    public static final String KEY_CHECKSUM = "content_sha256";
    /** Prefix of the optimiser's hyper-parameters in the metadata. */
    public static final String OPTIMIZER_PREFIX = "optimizer.";
    /** Prefix of the random number generator state in the metadata. */
    public static final String RNG_PREFIX = "rng.";
    /** Prefix of the caller's other settings in the metadata. */
    public static final String EXTRA_PREFIX = "extra.";
    /** Prefix of the optimiser's tensors. */
    public static final String STATE_PREFIX = "optim.";
    /** Name of the per-parameter step count, after {@code optim.<name>.}. */
    public static final String STEP_TENSOR = "step";

    private static final ValueLayout.OfFloat F32_LE = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfLong I64_LE = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final long[] SCALAR = {};

    private TrainingCheckpoint() {
    }

    /** A tensor to write: its dtype, shape and little-endian bytes. */
    private record Blob(SafetensorsDtype dtype, long[] shape, byte[] bytes) {
    }

    /**
     * Writes a checkpoint of {@code model}'s parameters and {@code optimizer}'s state to {@code
     * file}, replacing any file there only once the new one is complete and on the disk.
     *
     * @param model every parameter of the model (the optimiser's must be among them)
     * @param rngState the trainer's random number generator state, opaque, given back by {@link #load}
     * @param extra other settings to keep (model configuration, data seed...), given back by {@link #load}
     * @throws CheckpointException when a parameter or optimiser value is NaN or infinite (the file
     *     already there, if any, is left as it was), or when the optimiser updates a parameter that
     *     is not among the model's
     * @throws IOException when the file cannot be written (the file already there is left as it was)
     */
    public static void save(Path file, List<Parameter> model, Optimizer optimizer, Map<String, String> rngState,
            Map<String, String> extra) throws IOException {
        Objects.requireNonNull(optimizer, "optimizer");
        Map<String, Parameter> byName = byName(file, model);
        for (Parameter p : optimizer.parameters()) {
            Parameter q = byName.get(p.name());
            if (q == null || q.value() != p.value()) {
                throw new CheckpointException(file, "the optimiser updates parameter '" + p.name()
                        + "', which is not among the model's parameters");
            }
        }
        OptimizerState state = optimizer.state();

        Map<String, Blob> tensors = new LinkedHashMap<>();
        for (Parameter p : model) {
            tensors.put(p.name(), f32(file, p.name(), shape(p), p.data()));
        }
        for (OptimizerState.ParameterState ps : state.parameters()) {
            long[] shape = shape(byName.get(ps.name()));
            for (var slot : ps.slots().entrySet()) {
                String name = STATE_PREFIX + ps.name() + "." + slot.getKey();
                put(file, tensors, name, f32(file, name, shape, slot.getValue()));
            }
            byte[] step = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(ps.step()).array();
            put(file, tensors, STATE_PREFIX + ps.name() + "." + STEP_TENSOR, new Blob(SafetensorsDtype.I64, SCALAR, step));
        }

        Map<String, String> metadata = new TreeMap<>();
        metadata.put(KEY_FORMAT, FORMAT);
        metadata.put(KEY_VERSION, Integer.toString(FORMAT_VERSION));
        metadata.put(KEY_STEP, Long.toString(state.step()));
        metadata.put(KEY_OPTIMIZER, optimizer.kind());
        optimizer.hyperParameters().forEach((k, v) -> metadata.put(OPTIMIZER_PREFIX + k, v));
        prefixed(metadata, RNG_PREFIX, rngState);
        prefixed(metadata, EXTRA_PREFIX, extra);

        MessageDigest digest = sha256();
        Map<String, Blob> sorted = new TreeMap<>(tensors);
        hashMetadata(digest, metadata);
        for (var e : sorted.entrySet()) {
            Blob b = e.getValue();
            hashTensorHead(digest, e.getKey(), b.dtype(), b.shape(), b.bytes().length);
            digest.update(b.bytes());
        }
        metadata.put(KEY_CHECKSUM, HexFormat.of().formatHex(digest.digest()));

        SafetensorsWriter writer = new SafetensorsWriter();
        metadata.forEach(writer::putMetadata);
        tensors.forEach((name, b) -> writer.add(name, b.dtype(), b.shape(), MemorySegment.ofArray(b.bytes())));
        writeAtomically(file, writer::writeTo);
    }

    /**
     * Reads a checkpoint's metadata only, to build the optimiser it was saved with, for example.
     * The content is not checked against its checksum here ({@link #load} checks it).
     */
    public static CheckpointInfo read(Path file) {
        try (SafetensorsFile f = open(file)) {
            return info(file, f.metadata());
        }
    }

    /**
     * Loads {@code file} into {@code model}'s parameters (in place) and {@code optimizer}'s state,
     * after checking all of it; on any error nothing is changed.
     *
     * @param model every parameter of the model, as at saving (names and shapes)
     * @param optimizer an optimiser of the kind and hyper-parameters saved, over the same parameters
     * @return the metadata, with the random number generator state and the other settings as saved
     * @throws CheckpointException naming the file and the problem
     */
    public static CheckpointInfo load(Path file, List<Parameter> model, Optimizer optimizer) {
        Objects.requireNonNull(optimizer, "optimizer");
        Map<String, Parameter> byName = byName(file, model);
        try (SafetensorsFile f = open(file)) {
            Map<String, String> meta = f.metadata();
            CheckpointInfo info = info(file, meta);
            verifyChecksum(file, f);
            if (!info.optimizer().equals(optimizer.kind())) {
                throw new CheckpointException(file, "saved with optimiser " + info.optimizer() + ", but this run uses "
                        + optimizer.kind());
            }
            Map<String, String> ours = optimizer.hyperParameters();
            Map<String, String> theirs = info.optimizerHyperParameters();
            for (String k : new TreeSet<>(union(ours.keySet(), theirs.keySet()))) {
                if (!Objects.equals(ours.get(k), theirs.get(k))) {
                    throw new CheckpointException(file, "optimiser " + optimizer.kind() + " hyper-parameter " + k
                            + " was " + show(theirs.get(k)) + " when saved, this run has " + show(ours.get(k)));
                }
            }

            Map<String, float[]> values = new HashMap<>();
            Set<String> expected = new TreeSet<>();
            for (Parameter p : model) {
                values.put(p.name(), floats(file, f, p.name(), shape(p)));
                expected.add(p.name());
            }
            List<OptimizerState.ParameterState> states = new ArrayList<>();
            for (Parameter p : optimizer.parameters()) {
                Parameter q = byName.get(p.name());
                if (q == null || q.value() != p.value()) {
                    throw new CheckpointException(file, "the optimiser updates parameter '" + p.name()
                            + "', which is not among the model's parameters");
                }
                Map<String, float[]> slots = new LinkedHashMap<>();
                for (String slot : optimizer.slotNames()) {
                    String name = STATE_PREFIX + p.name() + "." + slot;
                    slots.put(slot, floats(file, f, name, shape(p)));
                    expected.add(name);
                }
                String stepName = STATE_PREFIX + p.name() + "." + STEP_TENSOR;
                long step = scalarLong(file, f, stepName);
                expected.add(stepName);
                if (step < 0 || step > info.step()) {
                    throw new CheckpointException(file, "tensor '" + stepName + "' says " + step
                            + " updates, outside [0, " + info.step() + "] (the checkpoint's step)");
                }
                states.add(new OptimizerState.ParameterState(p.name(), step, slots));
            }
            for (String name : f.tensors().keySet()) {
                if (!expected.contains(name)) {
                    throw new CheckpointException(file, "holds tensor '" + name + "', which this model and optimiser "
                            + "do not have (a checkpoint of another model?)");
                }
            }

            try {
                optimizer.loadState(new OptimizerState(info.optimizer(), info.step(), states));
            } catch (IllegalArgumentException e) {
                throw new CheckpointException(file, "the optimiser state does not fit: " + e.getMessage());
            }
            for (Parameter p : model) {
                float[] v = values.get(p.name());
                System.arraycopy(v, 0, p.data(), 0, v.length);
            }
            return info;
        }
    }

    // ---------------------------------------------------------------- writing

    /** Writes a file's whole content to a channel. */
    @FunctionalInterface
    interface Body {
        void writeTo(FileChannel channel) throws IOException;
    }

    /**
     * Writes {@code body} to a temporary file beside {@code file}, forces it to the disk, renames
     * it over {@code file} in one atomic step and forces the folder, so that the rename itself
     * survives a crash. On any failure the temporary file is removed and {@code file} is untouched.
     */
    static void writeAtomically(Path file, Body body) throws IOException {
        Path target = file.toAbsolutePath();
        Path dir = target.getParent();
        Files.createDirectories(dir);
        Path tmp = Files.createTempFile(dir, "." + target.getFileName() + ".", ".partial");
        try {
            try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING)) {
                body.writeTo(ch);
                ch.force(true);
            }
            Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            forceDirectory(dir);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    private static void forceDirectory(Path dir) {
        try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
            ch.force(true);
        } catch (IOException e) {
            // Some systems (Windows) cannot open a folder as a file; the rename is atomic there anyway.
        }
    }

    private static Blob f32(Path file, String name, long[] shape, float[] values) {
        for (int i = 0; i < values.length; i++) {
            if (!Float.isFinite(values[i])) {
                throw new CheckpointException(file, "refusing to save: tensor '" + name + "' holds " + values[i]
                        + " at element " + i + " (a file already there is kept)");
            }
        }
        ByteBuffer bb = ByteBuffer.allocate(Math.multiplyExact(values.length, 4)).order(ByteOrder.LITTLE_ENDIAN);
        bb.asFloatBuffer().put(values);
        return new Blob(SafetensorsDtype.F32, shape, bb.array());
    }

    private static void put(Path file, Map<String, Blob> tensors, String name, Blob blob) {
        if (tensors.putIfAbsent(name, blob) != null) {
            throw new CheckpointException(file, "two tensors would be named '" + name
                    + "' (a parameter's name clashes with the optimiser's state)");
        }
    }

    private static void prefixed(Map<String, String> metadata, String prefix, Map<String, String> values) {
        values.forEach((k, v) -> metadata.put(prefix + Objects.requireNonNull(k), Objects.requireNonNull(v, k)));
    }

    // ---------------------------------------------------------------- reading

    private static SafetensorsFile open(Path file) {
        try {
            return SafetensorsFile.open(file);
        } catch (ModelFormatException e) {
            throw new CheckpointException(e.getMessage(), e);
        }
    }

    private static CheckpointInfo info(Path file, Map<String, String> meta) {
        String format = meta.get(KEY_FORMAT);
        if (!FORMAT.equals(format)) {
            throw new CheckpointException(file, format == null
                    ? "not a Mycel training checkpoint (no '" + KEY_FORMAT + "' in its metadata)"
                    : "not a Mycel training checkpoint ('" + KEY_FORMAT + "' is '" + format + "', not '" + FORMAT + "')");
        }
        String version = required(file, meta, KEY_VERSION);
        if (!version.equals(Integer.toString(FORMAT_VERSION))) {
            throw new CheckpointException(file, "checkpoint format version '" + version + "' is not supported (this "
                    + "build reads version " + FORMAT_VERSION + ")");
        }
        String stepText = required(file, meta, KEY_STEP);
        long step;
        try {
            step = Long.parseLong(stepText);
        } catch (NumberFormatException e) {
            step = -1;
        }
        if (step < 0) {
            throw new CheckpointException(file, "metadata '" + KEY_STEP + "' is '" + stepText
                    + "', not a step count");
        }
        String optimizer = required(file, meta, KEY_OPTIMIZER);
        Map<String, String> hyper = new LinkedHashMap<>();
        Map<String, String> rng = new LinkedHashMap<>();
        Map<String, String> extra = new LinkedHashMap<>();
        for (var e : new TreeMap<>(meta).entrySet()) {
            String k = e.getKey();
            if (k.startsWith(OPTIMIZER_PREFIX)) {
                hyper.put(k.substring(OPTIMIZER_PREFIX.length()), e.getValue());
            } else if (k.startsWith(RNG_PREFIX)) {
                rng.put(k.substring(RNG_PREFIX.length()), e.getValue());
            } else if (k.startsWith(EXTRA_PREFIX)) {
                extra.put(k.substring(EXTRA_PREFIX.length()), e.getValue());
            }
        }
        return new CheckpointInfo(FORMAT_VERSION, step, optimizer, hyper, rng, extra);
    }

    private static String required(Path file, Map<String, String> meta, String key) {
        String v = meta.get(key);
        if (v == null) {
            throw new CheckpointException(file, "metadata '" + key + "' is missing");
        }
        return v;
    }

    private static void verifyChecksum(Path file, SafetensorsFile f) {
        String saved = required(file, f.metadata(), KEY_CHECKSUM);
        String actual = checksum(f);
        if (!saved.equals(actual)) {
            throw new CheckpointException(file, "the content does not match its checksum (" + KEY_CHECKSUM
                    + "): the file is corrupt");
        }
    }

    /**
     * The checksum of a file's content: SHA-256 over the metadata other than {@value
     * #KEY_CHECKSUM}, sorted by key (each key and value as a little-endian int byte count and
     * UTF-8 bytes), then the tensors sorted by name (name as above; dtype name as above; rank,
     * each dimension and the byte count as little-endian longs; the bytes), in hex.
     */
    static String checksum(SafetensorsFile f) {
        MessageDigest digest = sha256();
        Map<String, String> meta = new TreeMap<>(f.metadata());
        meta.remove(KEY_CHECKSUM);
        hashMetadata(digest, meta);
        for (SafetensorsTensor t : new TreeMap<>(f.tensors()).values()) {
            MemorySegment data = f.tensorData(t);
            hashTensorHead(digest, t.name(), t.dtype(), t.shape(), data.byteSize());
            for (long at = 0; at < data.byteSize(); at += 1 << 24) {
                digest.update(data.asSlice(at, Math.min(1 << 24, data.byteSize() - at)).asByteBuffer());
            }
        }
        return HexFormat.of().formatHex(digest.digest());
    }

    private static void hashMetadata(MessageDigest digest, Map<String, String> sortedMeta) {
        sortedMeta.forEach((k, v) -> {
            if (!k.equals(KEY_CHECKSUM)) {
                hashString(digest, k);
                hashString(digest, v);
            }
        });
    }

    private static void hashTensorHead(MessageDigest digest, String name, SafetensorsDtype dtype, long[] shape,
            long bytes) {
        hashString(digest, name);
        hashString(digest, dtype.name());
        ByteBuffer bb = ByteBuffer.allocate(8 * (shape.length + 2)).order(ByteOrder.LITTLE_ENDIAN);
        bb.putLong(shape.length);
        for (long d : shape) {
            bb.putLong(d);
        }
        bb.putLong(bytes);
        digest.update(bb.array());
    }

    private static void hashString(MessageDigest digest, String s) {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        digest.update(ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt(b.length).array());
        digest.update(b);
    }

    private static SafetensorsTensor tensor(Path file, SafetensorsFile f, String name) {
        return f.tensor(name).orElseThrow(() -> new CheckpointException(file, "tensor '" + name + "' is missing"));
    }

    private static float[] floats(Path file, SafetensorsFile f, String name, long[] shape) {
        SafetensorsTensor t = tensor(file, f, name);
        if (t.dtype() != SafetensorsDtype.F32) {
            throw new CheckpointException(file, "tensor '" + name + "' is " + t.dtype() + ", expected F32");
        }
        if (!Arrays.equals(t.shape(), shape)) {
            throw new CheckpointException(file, "tensor '" + name + "' has shape " + Arrays.toString(t.shape())
                    + ", expected " + Arrays.toString(shape));
        }
        float[] out = new float[Math.toIntExact(t.elementCount())];
        MemorySegment.copy(f.tensorData(t), F32_LE, 0, out, 0, out.length);
        for (int i = 0; i < out.length; i++) {
            if (!Float.isFinite(out[i])) {
                throw new CheckpointException(file, "tensor '" + name + "' holds " + out[i] + " at element " + i);
            }
        }
        return out;
    }

    private static long scalarLong(Path file, SafetensorsFile f, String name) {
        SafetensorsTensor t = tensor(file, f, name);
        if (t.dtype() != SafetensorsDtype.I64) {
            throw new CheckpointException(file, "tensor '" + name + "' is " + t.dtype() + ", expected I64");
        }
        if (t.rank() != 0) {
            throw new CheckpointException(file, "tensor '" + name + "' has shape " + Arrays.toString(t.shape())
                    + ", expected [] (a scalar)");
        }
        return f.tensorData(t).get(I64_LE, 0);
    }

    // ---------------------------------------------------------------- shared

    private static Map<String, Parameter> byName(Path file, List<Parameter> model) {
        Map<String, Parameter> out = new LinkedHashMap<>();
        for (Parameter p : model) {
            if (out.put(p.name(), p) != null) {
                throw new CheckpointException(file, "the model lists parameter '" + p.name() + "' twice");
            }
        }
        return out;
    }

    private static long[] shape(Parameter p) {
        return Arrays.stream(p.value().shape()).asLongStream().toArray();
    }

    private static Set<String> union(Set<String> a, Set<String> b) {
        Set<String> out = new TreeSet<>(a);
        out.addAll(b);
        return out;
    }

    private static String show(String v) {
        return v == null ? "absent" : v;
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("the JDK always has SHA-256", e);
        }
    }
}
