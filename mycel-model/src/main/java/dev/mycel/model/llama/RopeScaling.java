package dev.mycel.model.llama;

/**
 * RoPE frequency scaling that is expressed as per-pair divisors of the rotation frequencies,
 * the form {@link LlamaWeights#ropeFreqFactors()} takes and GGUF files store as
 * {@code rope_freqs.weight}.
 */
public final class RopeScaling {
    private RopeScaling() {
    }

    /**
     * The divisors of Llama 3.1's "llama3" RoPE scaling (also Llama 3.2 and 3.3), computed as
     * llama.cpp's {@code convert_hf_to_gguf.py} computes {@code rope_freqs}: pair {@code i} has
     * frequency {@code f = base^(-2i/ropeDim)} and wavelength {@code w = 2 pi / f}; short
     * wavelengths ({@code w < originalContext / highFreqFactor}) keep their frequency (divisor 1),
     * long ones ({@code w > originalContext / lowFreqFactor}) are slowed down by {@code factor},
     * and those in between get {@code 1 / ((1 - s) / factor + s)} with
     * {@code s = (originalContext / w - lowFreqFactor) / (highFreqFactor - lowFreqFactor)}.
     *
     * <p>The converter does this in float32 torch arithmetic, where {@code a / tensor} is
     * computed as {@code tensor.reciprocal() * a}; the same float32 operations are done here, so
     * the divisors match the values stored in converted GGUF files (torch's float32 {@code pow}
     * may differ from the correctly rounded one used here in the last bit of a frequency).
     *
     * @param ropeDim         values of a head that are rotated (the head width for Llama)
     * @param base            RoPE theta
     * @param factor          the scaling factor (8 for Llama 3.1, 32 for Llama 3.2 1B/3B)
     * @param lowFreqFactor   {@code low_freq_factor} (1 in Llama 3.x)
     * @param highFreqFactor  {@code high_freq_factor} (4 in Llama 3.x)
     * @param originalContext {@code original_max_position_embeddings} (8192 in Llama 3.x)
     * @return {@code ropeDim / 2} divisors, one per rotated pair
     */
    public static float[] llama3Factors(int ropeDim, double base, double factor, double lowFreqFactor,
            double highFreqFactor, int originalContext) {
        if (ropeDim <= 0 || ropeDim % 2 != 0) {
            throw new IllegalArgumentException("RoPE dimension " + ropeDim + " must be positive and even");
        }
        if (!(base > 1) || !(factor > 0) || !(lowFreqFactor > 0) || !(highFreqFactor > lowFreqFactor)
                || originalContext <= 0) {
            throw new IllegalArgumentException("llama3 RoPE scaling needs base > 1, factor > 0 and "
                    + "0 < low_freq_factor < high_freq_factor, original context > 0; got base " + base + ", factor "
                    + factor + ", low " + lowFreqFactor + ", high " + highFreqFactor + ", context " + originalContext);
        }
        // Python-side (double) values, as the converter forms them before meeting the tensor.
        double lowFreqWavelen = originalContext / lowFreqFactor;
        double highFreqWavelen = originalContext / highFreqFactor;
        // Scalars meeting a float32 tensor are rounded to float32 first.
        float twoPi = (float) (2 * Math.PI);
        float lowF = (float) lowFreqWavelen;
        float highF = (float) highFreqWavelen;
        float low = (float) lowFreqFactor;
        float span = (float) (highFreqFactor - lowFreqFactor);
        float fac = (float) factor;
        float ctx = originalContext;
        float[] out = new float[ropeDim / 2];
        for (int i = 0; i < out.length; i++) {
            float exponent = (float) (2 * i) / (float) ropeDim;
            float freq = 1f / (float) Math.pow((float) base, exponent);
            float wavelen = (1f / freq) * twoPi;
            if (wavelen < highF) {
                out[i] = 1f;
            } else if (wavelen > lowF) {
                out[i] = fac;
            } else {
                float smooth = ((1f / wavelen) * ctx - low) / span;
                out[i] = 1f / ((1f - smooth) / fac + smooth);
            }
        }
        return out;
    }
}
