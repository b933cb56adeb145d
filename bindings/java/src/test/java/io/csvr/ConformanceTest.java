package io.csvr;

import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The shared conformance suite: every {@code tests/conformance/expected/*.json}, read
 * from the file and from its bytes, and counted with one thread and with all cores.
 */
class ConformanceTest {

    @TestFactory
    Stream<DynamicTest> conformance() throws IOException {
        Path dir = TestPaths.repo().resolve("tests/conformance/expected");
        List<Path> files = jsonFiles(dir);
        assertFalse(files.isEmpty(), "no conformance files in " + dir);
        // The corpus's cases, made by `make conformance-corpus` when the corpus is there.
        Path corpus = TestPaths.repo().resolve("../shared/corpus");
        if (Files.isDirectory(corpus)) {
            List<Path> more = jsonFiles(TestPaths.repo().resolve("target/conformance/corpus"));
            assertFalse(more.isEmpty(), "no corpus cases: run `make conformance-corpus` first");
            files.addAll(more);
        } else {
            System.out.println("note: " + corpus + " is absent: the corpus cases are skipped");
        }
        return files.stream().map(f -> DynamicTest.dynamicTest(f.getFileName().toString(), () -> check(f)));
    }

    private static List<Path> jsonFiles(Path dir) throws IOException {
        if (!Files.isDirectory(dir)) {
            return new ArrayList<>();
        }
        try (Stream<Path> s = Files.list(dir)) {
            return s.filter(p -> p.toString().endsWith(".json")).sorted().collect(Collectors.toList());
        }
    }

    /** A JSON field as the reader gives it: a string (UTF-8) or {"hex": ...}; in raw mode
     * each byte as the char of the same value (ISO-8859-1). */
    @SuppressWarnings("unchecked")
    private static String field(Object f, boolean utf8) {
        if (f instanceof String s) {
            return utf8 ? s : new String(s.getBytes(StandardCharsets.UTF_8), StandardCharsets.ISO_8859_1);
        }
        return decode((Map<String, Object>) f, utf8);
    }

    @SuppressWarnings("unchecked")
    private static void check(Path jsonFile) throws IOException {
        Map<String, Object> c = (Map<String, Object>) Json.parse(Files.readString(jsonFile));
        Path csv = TestPaths.repo().resolve((String) c.get("file"));
        Map<String, Object> o = (Map<String, Object>) c.get("options");
        boolean utf8 = (Boolean) o.get("utf8");
        Options.Builder b = Options.builder()
                .delimiter(((String) o.get("delimiter")).charAt(0))
                .quote(((String) o.get("quote")).charAt(0))
                .hasHeader((Boolean) o.get("has_header"))
                .flexible((Boolean) o.get("flexible"))
                .utf8(utf8);
        Options opts = b.build();

        List<List<String>> records = new ArrayList<>();
        for (Object rec : (List<Object>) c.get("records")) {
            List<String> row = new ArrayList<>();
            for (Object field : (List<Object>) rec) {
                row.add(field(field, utf8));
            }
            records.add(row);
        }
        List<Position> positions = new ArrayList<>();
        for (Object p : (List<Object>) c.get("positions")) {
            List<Object> l = (List<Object>) p;
            positions.add(new Position((Long) l.get(0), (Long) l.get(1), (Long) l.get(2)));
        }
        Map<String, Object> error = (Map<String, Object>) c.get("error");
        List<String> headers = null;
        if (c.get("headers") != null) {
            headers = new ArrayList<>();
            for (Object h : (List<Object>) c.get("headers")) {
                headers.add(field(h, utf8));
            }
        }

        try (Reader r = Reader.open(csv, opts)) {
            compare(r, headers, records, positions, error);
        }
        try (Reader r = Reader.fromBytes(Files.readAllBytes(csv), opts)) {
            compare(r, headers, records, positions, error);
        }

        Map<String, Object> countError = (Map<String, Object>) c.get("count_error");
        for (int threads : new int[] {1, 0}) {
            Options co = b.threads(threads).build();
            if (countError == null) {
                long expected = (Long) c.get("count");
                assertEquals(expected, Csvr.count(csv, co), "count(path), threads " + threads);
                assertEquals(expected, Csvr.count(Files.readAllBytes(csv), co), "count(bytes), threads " + threads);
                try (Reader r = Reader.open(csv, co)) {
                    assertEquals(expected, r.count(), "Reader.count()");
                }
            } else {
                expectError(countError, assertThrows(CsvrException.class, () -> Csvr.count(csv, co)));
                expectError(countError, assertThrows(CsvrException.class,
                        () -> Csvr.count(Files.readAllBytes(csv), co)));
            }
        }
    }

    private static String decode(Map<String, Object> hex, boolean utf8) {
        byte[] bytes = HexFormat.of().parseHex((String) hex.get("hex"));
        // Raw mode maps each byte to the char of the same value (ISO-8859-1).
        return new String(bytes, utf8 ? StandardCharsets.UTF_8 : StandardCharsets.ISO_8859_1);
    }

    private static void compare(Reader r, Object headers, List<List<String>> records,
                                List<Position> positions, Map<String, Object> error) {
        assertEquals(headers, r.headers(), "headers");
        assertNull(r.position(), "position before the first record");
        Iterator<List<String>> it = r.iterator();
        for (int i = 0; i < records.size(); i++) {
            assertTrue(it.hasNext(), "record " + i + " missing");
            assertEquals(records.get(i), it.next(), "record " + i);
            assertEquals(positions.get(i), r.position(), "position of record " + i);
        }
        if (error == null) {
            assertFalse(it.hasNext(), "extra records");
        } else {
            UncheckedIOException u = assertThrows(UncheckedIOException.class, it::hasNext);
            expectError(error, assertInstanceOf(CsvrException.class, u.getCause()));
            assertFalse(it.hasNext(), "iteration ends after an error");
        }
    }

    private static void expectError(Map<String, Object> e, CsvrException x) {
        assertNotNull(x);
        assertEquals(((Long) e.get("status")).intValue(), x.status(), "status: " + x.getMessage());
        assertEquals(e.get("name"), x.statusName());
        assertEquals((long) (Long) e.get("line"), x.line(), "line");
        assertEquals((long) (Long) e.get("byte"), x.byteOffset(), "byte");
        assertEquals((long) (Long) e.get("record"), x.record(), "record");
    }
}
