package dev.mycel.train.autograd;

/**
 * Looking rows up in a table: token embeddings. The backward pass adds each output row's
 * gradient into its table row in the order of the ids, so a token that occurs several times
 * collects its gradient in one fixed order.
 */
public final class EmbeddingOps {
    private EmbeddingOps() {
    }

    /**
     * Rows {@code ids} of {@code table} [vocab, dim], as [ids.length, dim].
     *
     * <p>On a {@link Tape#perExample per-example tape} the ids are the examples' ids one example
     * after another, equally many each, and each example's rows of the output gradient are added
     * into its own copy of the table's gradient in the order of its ids.
     */
    public static Tensor embedding(Tape tape, Tensor table, int[] ids) {
        if (table.rank() != 2) {
            throw new IllegalArgumentException("an embedding table must be [vocab, dim], not " + table);
        }
        int vocab = table.dim(0);
        int dim = table.dim(1);
        for (int i = 0; i < ids.length; i++) {
            if (ids[i] < 0 || ids[i] >= vocab) {
                throw new IllegalArgumentException("id " + ids[i] + " at position " + i
                        + " is outside the table's " + vocab + " rows (0.." + (vocab - 1) + ")");
            }
        }
        int[] rows = ids.clone();
        boolean tracked = tape.tracks(table);
        PerExampleGradients store = tracked ? tape.perExample() : null;
        float[] each = store == null ? null : store.slot(table);
        int perExample = each != null ? store.rowsPerExample(rows.length, "embedding") : 0;
        Tensor y = tape.zeros(tracked, rows.length, dim);
        float[] td = table.data();
        float[] yd = y.data();
        for (int i = 0; i < rows.length; i++) {
            System.arraycopy(td, rows[i] * dim, yd, i * dim, dim);
        }
        if (tracked) {
            tape.record(() -> {
                float[] dy = y.grad();
                if (dy == null) {
                    return;
                }
                if (each != null) {
                    int size = vocab * dim;
                    store.forEachExample(tape.pool(), (e, pool) ->
                            scatter(dy, rows, e * perExample, (e + 1) * perExample, dim, each, e * size));
                } else {
                    scatter(dy, rows, 0, rows.length, dim, table.gradForUpdate(), 0);
                }
            });
        }
        return y;
    }

    /** Adds rows from..to of dy into the rows of {@code dt} (at {@code dtOff}) that their ids name, in order. */
    private static void scatter(float[] dy, int[] rows, int from, int to, int dim, float[] dt, int dtOff) {
        for (int i = from; i < to; i++) {
            int at = dtOff + rows[i] * dim;
            int src = i * dim;
            for (int j = 0; j < dim; j++) {
                dt[at + j] += dy[src + j];
            }
        }
    }
}
