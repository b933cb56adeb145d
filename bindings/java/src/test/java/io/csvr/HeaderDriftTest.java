package io.csvr;

import com.sun.jna.Pointer;
import com.sun.jna.Structure;
import com.sun.jna.ptr.LongByReference;
import com.sun.jna.ptr.PointerByReference;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Fails when {@code include/csvr.h} changes anything the JNA mapping relies on: the C
 * prototype of every function {@link CsvrLibrary} maps, the layout of
 * {@code struct csvr_batch} and {@code struct csvr_position}, and the status values. The
 * tables below are what the mapping was written against; when the header changes, fix
 * {@link CsvrLibrary} first, then the table.
 */
class HeaderDriftTest {

    /** The C prototypes the binding was written against, by function name. */
    static final Map<String, String> SIGNATURES = new TreeMap<>();

    static {
        sig("const char *csvr_version(void)");
        sig("const char *csvr_status_name(int status)");
        sig("struct csvr_options *csvr_options_new(void)");
        sig("void csvr_options_free(struct csvr_options *opts)");
        sig("enum csvr_status csvr_options_set_delimiter(struct csvr_options *opts, uint8_t byte)");
        sig("enum csvr_status csvr_options_set_quote(struct csvr_options *opts, uint8_t byte)");
        sig("enum csvr_status csvr_options_set_escape(struct csvr_options *opts, uint8_t byte)");
        sig("enum csvr_status csvr_options_set_comment(struct csvr_options *opts, uint8_t byte)");
        sig("enum csvr_status csvr_options_set_has_header(struct csvr_options *opts, bool yes)");
        sig("enum csvr_status csvr_options_set_flexible(struct csvr_options *opts, bool yes)");
        sig("enum csvr_status csvr_options_set_double_quote(struct csvr_options *opts, bool yes)");
        sig("enum csvr_status csvr_options_set_quoting(struct csvr_options *opts, bool yes)");
        sig("enum csvr_status csvr_options_set_trim(struct csvr_options *opts, csvr_trim trim)");
        sig("enum csvr_status csvr_options_set_terminator(struct csvr_options *opts, uint8_t byte)");
        sig("enum csvr_status csvr_options_set_threads(struct csvr_options *opts, size_t n)");
        sig("enum csvr_status csvr_options_set_utf8(struct csvr_options *opts, bool yes)");
        sig("enum csvr_status csvr_options_set_max_record_bytes(struct csvr_options *opts, uint64_t n)");
        sig("enum csvr_status csvr_options_set_read_ahead(struct csvr_options *opts, bool yes)");
        sig("enum csvr_status csvr_reader_open(const char *path, const struct csvr_options *opts,"
                + " struct csvr_reader **out)");
        sig("enum csvr_status csvr_reader_from_bytes(const uint8_t *data, size_t len,"
                + " const struct csvr_options *opts, struct csvr_reader **out)");
        sig("enum csvr_status csvr_reader_header_count(const struct csvr_reader *r, size_t *out)");
        sig("enum csvr_status csvr_reader_header(const struct csvr_reader *r, size_t i,"
                + " const uint8_t **data, size_t *len)");
        sig("enum csvr_status csvr_reader_count(struct csvr_reader *r, uint64_t *out)");
        sig("enum csvr_status csvr_reader_next_batch(struct csvr_reader *r, size_t max_records,"
                + " struct csvr_batch *out)");
        sig("void csvr_reader_free(struct csvr_reader *r)");
        sig("enum csvr_status csvr_count_path(const char *path, const struct csvr_options *opts,"
                + " uint64_t *out)");
        sig("enum csvr_status csvr_count_bytes(const uint8_t *data, size_t len,"
                + " const struct csvr_options *opts, uint64_t *out)");
        sig("const char *csvr_last_error_message(void)");
        sig("int32_t csvr_last_error_os_error(void)");
        sig("bool csvr_last_error_position(uint64_t *line, uint64_t *byte, uint64_t *record)");
    }

    private static void sig(String s) {
        Matcher m = Pattern.compile("(csvr_\\w+)\\(").matcher(s);
        assertTrue(m.find(), s);
        SIGNATURES.put(m.group(1), s);
    }

    /** Which Java parameter or return types may stand for each C type in the mapping. */
    private static final Map<String, List<Class<?>>> JAVA_FOR_C = new HashMap<>();

    static {
        JAVA_FOR_C.put("void", List.of(void.class));
        JAVA_FOR_C.put("enum csvr_status", List.of(int.class));
        JAVA_FOR_C.put("int", List.of(int.class));
        JAVA_FOR_C.put("int32_t", List.of(int.class));
        JAVA_FOR_C.put("csvr_trim", List.of(int.class));
        JAVA_FOR_C.put("bool", List.of(byte.class));
        JAVA_FOR_C.put("uint8_t", List.of(byte.class));
        JAVA_FOR_C.put("size_t", List.of(long.class));
        JAVA_FOR_C.put("uint64_t", List.of(long.class));
        JAVA_FOR_C.put("const char*", List.of(String.class, byte[].class));
        JAVA_FOR_C.put("const uint8_t*", List.of(Pointer.class));
        JAVA_FOR_C.put("struct csvr_options*", List.of(Pointer.class));
        JAVA_FOR_C.put("const struct csvr_options*", List.of(Pointer.class));
        JAVA_FOR_C.put("struct csvr_reader*", List.of(Pointer.class));
        JAVA_FOR_C.put("const struct csvr_reader*", List.of(Pointer.class));
        JAVA_FOR_C.put("struct csvr_reader**", List.of(PointerByReference.class));
        JAVA_FOR_C.put("const uint8_t**", List.of(PointerByReference.class));
        JAVA_FOR_C.put("size_t*", List.of(LongByReference.class));
        JAVA_FOR_C.put("uint64_t*", List.of(LongByReference.class));
        JAVA_FOR_C.put("struct csvr_batch*", List.of(CsvrLibrary.Batch.class));
    }

    /** Collapses whitespace and writes pointers and punctuation one way. */
    static String normalize(String s) {
        return s.replaceAll("\\s+", " ")
                .replaceAll("\\s*\\*\\s*", "*")
                .replaceAll("\\s*([(),;{}])\\s*", "$1")
                .trim();
    }

    /** The header with comments and preprocessor lines removed. */
    private static String header() throws IOException {
        String h = Files.readString(TestPaths.repo().resolve("include/csvr.h"));
        h = h.replaceAll("(?s)/\\*.*?\\*/", " ");
        h = h.replaceAll("//[^\n]*", " ");
        h = h.replaceAll("(?m)^\\s*#.*$", " ");
        return h;
    }

    /** Every function prototype in the header, normalised, by name. */
    static Map<String, String> prototypes(String header) {
        Map<String, String> out = new HashMap<>();
        // Declarations are separated by ';' (or a closing brace); take each piece's tail.
        for (String piece : header.split("[;{}]")) {
            String d = normalize(piece);
            Matcher m = Pattern.compile("^(?:[\\w ]+?\\**)(csvr_\\w+)\\(([^()]*)\\)$").matcher(d);
            if (m.find()) {
                out.put(m.group(1), d);
            }
        }
        return out;
    }

    @Test
    void everyMappedFunctionMatchesTheHeader() throws IOException {
        Map<String, String> protos = prototypes(header());
        assertTrue(protos.size() > 40, "parsed too few prototypes: " + protos.keySet());
        List<String> problems = new ArrayList<>();
        for (Map.Entry<String, String> e : SIGNATURES.entrySet()) {
            String actual = protos.get(e.getKey());
            if (actual == null) {
                problems.add(e.getKey() + ": not in csvr.h");
            } else if (!actual.equals(normalize(e.getValue()))) {
                problems.add(e.getKey() + ":\n  expected " + normalize(e.getValue()) + "\n  header   " + actual);
            }
        }
        if (!problems.isEmpty()) {
            fail("csvr.h drifted from the Java binding:\n" + String.join("\n", problems));
        }
    }

    @Test
    void everyJavaMethodIsInTheTableWithMatchingTypes() {
        List<String> problems = new ArrayList<>();
        for (Method m : CsvrLibrary.class.getDeclaredMethods()) {
            if (Modifier.isStatic(m.getModifiers()) || !m.getName().startsWith("csvr_")) {
                continue;
            }
            String c = SIGNATURES.get(m.getName());
            if (c == null) {
                problems.add(m.getName() + ": mapped but has no C signature in the table");
                continue;
            }
            List<String> types = cTypes(normalize(c));
            // types.get(0) is the return type, then one per parameter.
            if (types.size() - 1 != m.getParameterCount()) {
                problems.add(m.getName() + ": " + m.getParameterCount() + " Java parameters for " + c);
                continue;
            }
            check(problems, m.getName() + " return", types.get(0), m.getReturnType());
            for (int i = 0; i < m.getParameterCount(); i++) {
                check(problems, m.getName() + " parameter " + i, types.get(i + 1), m.getParameterTypes()[i]);
            }
        }
        if (!problems.isEmpty()) {
            fail(String.join("\n", problems));
        }
    }

    private static void check(List<String> problems, String where, String cType, Class<?> java) {
        List<Class<?>> ok = JAVA_FOR_C.get(cType);
        if (ok == null) {
            problems.add(where + ": C type '" + cType + "' has no known Java mapping");
        } else if (!ok.contains(java)) {
            problems.add(where + ": C '" + cType + "' mapped as " + java.getName() + ", expected one of " + ok);
        }
    }

    /** The return type and parameter types (names dropped) of a normalised prototype. */
    static List<String> cTypes(String proto) {
        Matcher m = Pattern.compile("^(.*?)(csvr_\\w+)\\((.*)\\)$").matcher(proto);
        assertTrue(m.find(), proto);
        List<String> out = new ArrayList<>();
        out.add(m.group(1).trim());
        if (!m.group(3).equals("void")) {
            for (String p : m.group(3).split(",")) {
                // Drop the parameter's name: the last identifier.
                out.add(p.replaceAll("\\s*\\b\\w+$", "").trim());
            }
        }
        return out;
    }

    @Test
    void structLayoutsMatchTheHeader() throws IOException {
        String h = normalize(header());
        assertTrue(h.contains(normalize("typedef struct csvr_batch { const uint8_t *data; size_t len;"
                + " const size_t *field_ends; const size_t *record_ends;"
                + " const struct csvr_position *positions; size_t records; bool framed; } csvr_batch;")),
                "struct csvr_batch changed: update CsvrLibrary.Batch");
        assertTrue(h.contains(normalize("typedef struct csvr_position { uint64_t line; uint64_t byte;"
                + " uint64_t record; } csvr_position;")),
                "struct csvr_position changed: update Reader.copyBatch");
        assertEquals(List.of("data", "len", "field_ends", "record_ends", "positions", "records", "framed"),
                List.of(CsvrLibrary.Batch.class.getAnnotation(Structure.FieldOrder.class).value()));
    }

    @Test
    void statusValuesMatchTheHeader() throws IOException {
        String h = normalize(header());
        Map<String, Integer> expected = Map.of(
                "CSVR_OK", 0, "CSVR_DONE", 1,
                "CSVR_ERR_NULL", CsvrException.ERR_NULL, "CSVR_ERR_INVALID", CsvrException.ERR_INVALID,
                "CSVR_ERR_IO", CsvrException.ERR_IO, "CSVR_ERR_PARSE", CsvrException.ERR_PARSE,
                "CSVR_ERR_UTF8", CsvrException.ERR_UTF8, "CSVR_ERR_PANIC", CsvrException.ERR_PANIC);
        for (Map.Entry<String, Integer> e : expected.entrySet()) {
            assertTrue(h.contains(e.getKey() + " = " + e.getValue() + ","),
                    e.getKey() + " is no longer " + e.getValue());
        }
        List<String> trims = Arrays.asList("CSVR_TRIM_NONE 0", "CSVR_TRIM_HEADERS 1", "CSVR_TRIM_FIELDS 2",
                "CSVR_TRIM_ALL 3");
        String raw = Files.readString(TestPaths.repo().resolve("include/csvr.h"));
        for (int i = 0; i < trims.size(); i++) {
            assertTrue(raw.contains("#define " + trims.get(i)), trims.get(i));
            assertEquals(i, Options.Trim.values()[i].ordinal());
        }
        assertNotNull(Options.Trim.valueOf("ALL"));
    }

    @Test
    void normalizationSeesThroughFormatting() {
        assertEquals(normalize("enum csvr_status csvr_reader_open(const char *path,\n"
                        + "                                  const struct csvr_options *opts,\n"
                        + "                                  struct csvr_reader **out)"),
                normalize("enum csvr_status  csvr_reader_open( const char* path, const struct csvr_options * opts,"
                        + " struct csvr_reader** out )"));
    }
}
