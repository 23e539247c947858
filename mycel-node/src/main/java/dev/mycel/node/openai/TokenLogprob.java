package dev.mycel.node.openai;

/**
 * One generated token's log-probability and its most likely alternatives, taken from the raw
 * logits the sampler drew it from: log-softmax over the whole vocabulary, so the numbers describe
 * the model, not the sampling settings (temperature, top-k ...), as OpenAI's do.
 *
 * @param top         the most likely tokens, most likely first (ties: lower id first)
 * @param topLogprobs their log-probabilities
 */
record TokenLogprob(int token, double logprob, int[] top, double[] topLogprobs) {

    static TokenLogprob of(float[] logits, int token, int topCount) {
        // Computed in double with the maximum taken out first, so exp never overflows and the
        // sum of a large vocabulary keeps its precision.
        double max = Double.NEGATIVE_INFINITY;
        for (float l : logits) {
            max = Math.max(max, l);
        }
        double sum = 0;
        for (float l : logits) {
            sum += Math.exp(l - max);
        }
        double logZ = max + Math.log(sum);
        int k = Math.min(topCount, logits.length);
        int[] top = new int[k];
        double[] topLogprobs = new double[k];
        int filled = 0;
        for (int id = 0; id < logits.length; id++) {
            // insertion into the sorted top list; strictly greater keeps the lower id first on ties
            int at = filled;
            while (at > 0 && logits[id] > logits[top[at - 1]]) {
                at--;
            }
            if (at < k) {
                int end = Math.min(filled, k - 1);
                System.arraycopy(top, at, top, at + 1, end - at);
                top[at] = id;
                filled = Math.min(filled + 1, k);
            }
        }
        for (int i = 0; i < k; i++) {
            topLogprobs[i] = logits[top[i]] - logZ;
        }
        return new TokenLogprob(token, logits[token] - logZ, top, topLogprobs);
    }
}
