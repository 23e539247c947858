package dev.mycel.model.tokenizer;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** The few pieces of Jinja (that is, Python string) semantics the chat formats need. */
final class JinjaText {
    /** A quoted literal '<|im_start|>system\n...<|im_end|>\n' in a template: its default system message. */
    private static final Pattern CHATML_DEFAULT_SYSTEM = Pattern.compile(
            "(['\"])<\\|im_start\\|>system(?:\\\\n|\\n)((?:(?!\\1)[^\\\\]|\\\\.)*?)<\\|im_end\\|>(?:\\\\n|\\n)\\1");

    private JinjaText() {
    }

    /** Python's {@code str.strip()}, which Jinja's {@code trim} filter and {@code .strip()} call. */
    static String strip(String s) {
        int start = 0;
        int end = s.length();
        while (start < end && isPythonSpace(s.charAt(start))) {
            start++;
        }
        while (end > start && isPythonSpace(s.charAt(end - 1))) {
            end--;
        }
        return s.substring(start, end);
    }

    private static boolean isPythonSpace(char c) {
        return (c >= '\t' && c <= '\r') || (c >= 0x1C && c <= 0x20) || c == 0x85 || c == 0xA0 || c == 0x1680
                || (c >= 0x2000 && c <= 0x200A) || c == 0x2028 || c == 0x2029 || c == 0x202F || c == 0x205F
                || c == 0x3000;
    }

    /**
     * The system message a ChatML template writes when the conversation has none (Qwen's templates
     * spell it as one string literal), or null.
     */
    static String defaultChatMlSystem(String jinja) {
        Matcher m = CHATML_DEFAULT_SYSTEM.matcher(jinja);
        return m.find() ? unescape(m.group(2)) : null;
    }

    /** The value of the body of a Jinja string literal. */
    private static String unescape(String literal) {
        StringBuilder sb = new StringBuilder(literal.length());
        for (int i = 0; i < literal.length(); i++) {
            char c = literal.charAt(i);
            if (c == '\\' && i + 1 < literal.length()) {
                char e = literal.charAt(++i);
                sb.append(switch (e) {
                    case 'n' -> '\n';
                    case 't' -> '\t';
                    case 'r' -> '\r';
                    default -> e;
                });
            } else {
                sb.append(c);
            }
        }
        return sb.toString();
    }
}
