package dev.mycel.model.llama;

/** How rotary position embeddings pair up the values of a head. */
public enum RopeStyle {
    /** Adjacent pairs (x[2i], x[2i+1]): llama.cpp's "norm" mode, used by GGUF Llama files. */
    ADJACENT,
    /** Halves (x[i], x[i + d/2]): the "neox" mode of Qwen2 and of Hugging Face Llama weights. */
    HALVES
}
