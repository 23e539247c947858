package dev.mycel.train.autograd;

/**
 * Looking rows up in a table: token embeddings. The backward pass adds each output row's
 * gradient into its table row in the order of the ids, so a token that occurs several times
 * collects its gradient in one fixed order.
 */
public final class EmbeddingOps {
    private EmbeddingOps() {
    }

    /** Rows {@code ids} of {@code table} [vocab, dim], as [ids.length, dim]. */
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
                float[] dt = table.gradForUpdate();
                for (int i = 0; i < rows.length; i++) {
                    int to = rows[i] * dim;
                    int from = i * dim;
                    for (int j = 0; j < dim; j++) {
                        dt[to + j] += dy[from + j];
                    }
                }
            });
        }
        return y;
    }
}
