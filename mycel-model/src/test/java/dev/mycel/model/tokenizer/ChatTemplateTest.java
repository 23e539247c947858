package dev.mycel.model.tokenizer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Optional;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/**
 * Each format must render what its reference Jinja template renders; the templates below are the
 * models' own {@code chat_template} sources, and the expected strings are their output.
 */
class ChatTemplateTest {
    /** meta-llama/Llama-2-7b-chat-hf. */
    static final String LLAMA2_JINJA = "{% if messages[0]['role'] == 'system' %}{% set loop_messages = messages[1:] %}"
            + "{% set system_message = messages[0]['content'] %}{% else %}{% set loop_messages = messages %}"
            + "{% set system_message = false %}{% endif %}{% for message in loop_messages %}"
            + "{% if (message['role'] == 'user') != (loop.index0 % 2 == 0) %}"
            + "{{ raise_exception('Conversation roles must alternate user/assistant/user/assistant/...') }}{% endif %}"
            + "{% if loop.index0 == 0 and system_message != false %}"
            + "{% set content = '<<SYS>>\\n' + system_message + '\\n<</SYS>>\\n\\n' + message['content'] %}"
            + "{% else %}{% set content = message['content'] %}{% endif %}{% if message['role'] == 'user' %}"
            + "{{ bos_token + '[INST] ' + content.strip() + ' [/INST]' }}{% elif message['role'] == 'assistant' %}"
            + "{{ ' '  + content.strip() + ' ' + eos_token }}{% endif %}{% endfor %}";
    /** meta-llama/Meta-Llama-3-8B-Instruct. */
    static final String LLAMA3_JINJA = "{% set loop_messages = messages %}{% for message in loop_messages %}"
            + "{% set content = '<|start_header_id|>' + message['role'] + '<|end_header_id|>\\n\\n'+ message['content'] "
            + "| trim + '<|eot_id|>' %}{% if loop.index0 == 0 %}{% set content = bos_token + content %}{% endif %}"
            + "{{ content }}{% endfor %}{% if add_generation_prompt %}"
            + "{{ '<|start_header_id|>assistant<|end_header_id|>\\n\\n' }}{% endif %}";
    /** Qwen/Qwen2-7B-Instruct. */
    static final String QWEN2_JINJA = "{% for message in messages %}{% if loop.first and messages[0]['role'] != 'system' %}"
            + "{{ '<|im_start|>system\\nYou are a helpful assistant<|im_end|>\\n' }}{% endif %}"
            + "{{'<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>' + '\\n'}}{% endfor %}"
            + "{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}";
    /** teknium/OpenHermes-2.5-Mistral-7B: plain ChatML. */
    static final String CHATML_JINJA = "{% for message in messages %}{{'<|im_start|>' + message['role'] + '\\n' + "
            + "message['content'] + '<|im_end|>' + '\\n'}}{% endfor %}{% if add_generation_prompt %}"
            + "{{ '<|im_start|>assistant\\n' }}{% endif %}";
    /** mistralai/Mistral-7B-Instruct-v0.1. */
    static final String MISTRAL_JINJA = "{{ bos_token }}{% for message in messages %}{% if (message['role'] == 'user') "
            + "!= (loop.index0 % 2 == 0) %}{{ raise_exception('Conversation roles must alternate user/assistant/user/"
            + "assistant/...') }}{% endif %}{% if message['role'] == 'user' %}{{ '[INST] ' + message['content'] + "
            + "' [/INST]' }}{% elif message['role'] == 'assistant' %}{{ message['content'] + eos_token + ' ' }}{% else %}"
            + "{{ raise_exception('Only user and assistant roles are supported!') }}{% endif %}{% endfor %}";
    /** google/gemma-2b-it: not a format Mycel renders. */
    static final String GEMMA_JINJA = "{{ bos_token }}{% for message in messages %}{{ '<start_of_turn>' + message['role']"
            + " + '\\n' + message['content'] | trim + '<end_of_turn>\\n' }}{% endfor %}";

    private static final List<ChatMessage> CONVERSATION = List.of(
            ChatMessage.system("You are helpful."),
            ChatMessage.user("Hi!"),
            ChatMessage.assistant("Hello."),
            ChatMessage.user("  How are you?\n"));

    private static ChatTemplate detect(String jinja, String bos, String eos) {
        return ChatTemplate.detect(jinja, bos, eos).orElseThrow();
    }

    @Test
    void llama2() {
        ChatTemplate t = detect(LLAMA2_JINJA, "<s>", "</s>");
        assertInstanceOf(ChatTemplate.Llama2.class, t);
        assertEquals("<s>[INST] <<SYS>>\nYou are helpful.\n<</SYS>>\n\nHi! [/INST] Hello. </s>"
                + "<s>[INST] How are you? [/INST]", t.render(CONVERSATION, true));
        assertEquals("<s>[INST] Hi! [/INST]", t.render(List.of(ChatMessage.user("Hi!")), true));
        assertThrows(IllegalArgumentException.class,
                () -> t.render(List.of(ChatMessage.user("a"), ChatMessage.user("b")), true));
    }

    @Test
    void llama2EncodesWithOneBosPerTurn() {
        Tokenizer spm = SpecialTokensTest.vocab("llama-spm");
        ChatTemplate t = ChatTemplate.forTokenizer(spm).orElseThrow();
        assertEquals("llama2", t.name());
        int[] ids = t.encode(spm, CONVERSATION, true);
        assertEquals(1, ids[0]);
        assertTrue(ids[1] != 1, "BOS only once at the start");
        assertEquals(2, IntStream.of(ids).filter(i -> i == 1).count(), "one BOS per user turn");
        assertEquals(1, IntStream.of(ids).filter(i -> i == 2).count(), "EOS after the assistant turn");
        assertArrayEquals(spm.encode(t.render(CONVERSATION, true), false, true), ids);
    }

    @Test
    void mistralInstIsRenderedAsLlama2() {
        ChatTemplate t = detect(MISTRAL_JINJA, "<s>", "</s>");
        assertInstanceOf(ChatTemplate.Llama2.class, t);
        // What Mistral's own template renders for one user turn.
        assertEquals("<s>[INST] Hi! [/INST]", t.render(List.of(ChatMessage.user("Hi!")), true));
    }

    @Test
    void llama3() {
        ChatTemplate t = detect(LLAMA3_JINJA, "<|begin_of_text|>", "<|end_of_text|>");
        assertInstanceOf(ChatTemplate.Llama3.class, t);
        assertEquals("<|begin_of_text|><|start_header_id|>system<|end_header_id|>\n\nYou are helpful.<|eot_id|>"
                + "<|start_header_id|>user<|end_header_id|>\n\nHi!<|eot_id|>"
                + "<|start_header_id|>assistant<|end_header_id|>\n\nHello.<|eot_id|>"
                + "<|start_header_id|>user<|end_header_id|>\n\nHow are you?<|eot_id|>"
                + "<|start_header_id|>assistant<|end_header_id|>\n\n", t.render(CONVERSATION, true));
        assertEquals("<|begin_of_text|><|start_header_id|>user<|end_header_id|>\n\nHi!<|eot_id|>",
                t.render(List.of(ChatMessage.user("Hi!")), false));
    }

    @Test
    void llama3EncodesWithoutADoubleBos() {
        Tokenizer llama3 = SpecialTokensTest.vocab("llama-bpe");
        ChatTemplate t = ChatTemplate.forTokenizer(llama3).orElseThrow(); // no template in the file: from the vocabulary
        assertEquals("llama3", t.name());
        int[] ids = t.encode(llama3, List.of(ChatMessage.user("Hi!")), true);
        int[] expected = IntStream.concat(IntStream.of(128000, 128006), IntStream.concat(
                IntStream.of(llama3.encode("user")), IntStream.concat(IntStream.of(128007),
                        IntStream.concat(IntStream.of(llama3.encode("\n\nHi!")), IntStream.of(128009, 128006))))).toArray();
        assertArrayEquals(expected, java.util.Arrays.copyOf(ids, expected.length));
        assertEquals(1, IntStream.of(ids).filter(i -> i == 128000).count());
        assertEquals(128006, ids[1]);
    }

    @Test
    void chatMlWithQwenDefaultSystem() {
        ChatTemplate t = detect(QWEN2_JINJA, "", "<|endoftext|>");
        assertEquals(new ChatTemplate.ChatMl("You are a helpful assistant"), t);
        assertEquals("<|im_start|>system\nYou are a helpful assistant<|im_end|>\n<|im_start|>user\nHi!<|im_end|>\n"
                + "<|im_start|>assistant\n", t.render(List.of(ChatMessage.user("Hi!")), true));
        assertEquals("<|im_start|>system\nYou are helpful.<|im_end|>\n<|im_start|>user\nHi!<|im_end|>\n"
                + "<|im_start|>assistant\nHello.<|im_end|>\n<|im_start|>user\n  How are you?\n<|im_end|>\n",
                t.render(CONVERSATION, false));
    }

    @Test
    void plainChatMl() {
        ChatTemplate t = detect(CHATML_JINJA, "<s>", "</s>");
        assertEquals(new ChatTemplate.ChatMl(null), t);
        assertEquals("<|im_start|>user\nHi!<|im_end|>\n<|im_start|>assistant\n",
                t.render(List.of(ChatMessage.user("Hi!")), true));
    }

    @Test
    void chatMlEncoding() {
        Tokenizer qwen = SpecialTokensTest.vocab("qwen2");
        ChatTemplate t = ChatTemplate.forTokenizer(qwen).orElseThrow();
        assertEquals(new ChatTemplate.ChatMl(null), t);
        int[] ids = t.encode(qwen, List.of(ChatMessage.user("Hi!")), true);
        assertEquals(151644, ids[0]); // <|im_start|>, no BOS for Qwen
        assertEquals(2, IntStream.of(ids).filter(i -> i == 151644).count());
        assertEquals(1, IntStream.of(ids).filter(i -> i == 151645).count());
    }

    @Test
    void phi3FromItsOwnTemplate() {
        Tokenizer phi3 = SpecialTokensTest.vocab("phi-3");
        String jinja = phi3.chatTemplate().orElseThrow();
        ChatTemplate t = ChatTemplate.forTokenizer(phi3).orElseThrow();
        assertEquals(new ChatTemplate.Phi3("<s>"), t);
        assertTrue(jinja.contains("<|assistant|>"));
        // What phi-3's template renders for a user/assistant/user conversation.
        List<ChatMessage> chat = List.of(ChatMessage.user("Hi!"), ChatMessage.assistant("Hello."), ChatMessage.user("Bye"));
        assertEquals("<s><|user|>\nHi!<|end|>\n<|assistant|>\nHello.<|end|>\n<|user|>\nBye<|end|>\n<|assistant|>\n",
                t.render(chat, true));
        int[] ids = t.encode(phi3, chat, true);
        assertEquals(1, ids[0]);
        assertEquals(1, IntStream.of(ids).filter(i -> i == 1).count());
        assertEquals(phi3.tokenId("<|assistant|>").orElseThrow(), ids[ids.length - 1]);
    }

    @Test
    void unrecognisedTemplatesFallBackOnTheVocabulary() {
        assertEquals(Optional.empty(), ChatTemplate.detect(GEMMA_JINJA, "<bos>", "<eos>"));
        assertEquals(Optional.empty(), ChatTemplate.forTokenizer(SpecialTokensTest.vocab("gpt-2")));
        assertEquals(Optional.empty(), ChatTemplate.forTokenizer(SpecialTokensTest.vocab("bert-bge")));
    }

    @Test
    void namedFormats() {
        Tokenizer llama3 = SpecialTokensTest.vocab("llama-bpe");
        assertEquals(new ChatTemplate.Llama3("<|begin_of_text|>"), ChatTemplate.named("llama3", llama3));
        assertEquals(new ChatTemplate.Llama2("<|begin_of_text|>", "<|end_of_text|>"), ChatTemplate.named("LLAMA2", llama3));
        assertThrows(IllegalArgumentException.class, () -> ChatTemplate.named("vicuna", llama3));
    }
}
