package io.csvr;

import org.junit.jupiter.api.Test;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Unit tests of the binding's own behaviour: lifetime, errors, options, batching. */
class ReaderTest {
    private static final byte[] SMALL = "a,b\n1,2\n3,4\n".getBytes(StandardCharsets.UTF_8);

    private static Path sample() {
        return TestPaths.repo().resolve("examples/data/sample.csv");
    }

    private static int openFds() {
        String[] fds = new File("/proc/self/fd").list();
        if (fds == null) {
            throw new IllegalStateException("no /proc/self/fd");
        }
        return fds.length;
    }

    @Test
    void fromBytes() throws IOException {
        try (Reader r = Reader.fromBytes(SMALL, Options.defaults())) {
            assertEquals(List.of("a", "b"), r.headers());
            assertEquals(List.of("1", "2"), r.read());
            assertEquals(List.of("3", "4"), r.read());
            assertNull(r.read());
            assertNull(r.read(), "stays at the end");
        }
    }

    @Test
    void fromEmptyBytes() throws IOException {
        try (Reader r = Reader.fromBytes(new byte[0], null)) {
            assertEquals(List.of(), r.headers());
            assertNull(r.read());
        }
        assertEquals(0, Csvr.count(new byte[0], null));
    }

    @Test
    void defaults() throws IOException {
        Options d = Options.defaults();
        assertTrue(d.hasHeader());
        assertTrue(d.utf8(), "the binding reads text by default");
        try (Reader r = Reader.fromBytes("x;y\n1;2\n".getBytes(StandardCharsets.UTF_8), d)) {
            assertEquals(List.of("x;y"), r.headers(), "default delimiter is ','");
        }
        // Text mode by default: a non-UTF-8 header fails at open.
        CsvrException e = assertThrows(CsvrException.class,
                () -> Reader.fromBytes(new byte[] {'a', (byte) 0xff, '\n'}, null));
        assertEquals(CsvrException.ERR_UTF8, e.status());
    }

    @Test
    void missingFile() {
        Path missing = Path.of("/nonexistent/csvr-java-test.csv");
        CsvrException e = assertThrows(CsvrException.class, () -> Reader.open(missing, Options.defaults()));
        assertEquals(CsvrException.ERR_IO, e.status());
        assertEquals(-3, e.status());
        assertEquals("CSVR_ERR_IO", e.statusName());
        assertEquals(2, e.osError(), "ENOENT");
        assertInstanceOf(NoSuchFileException.class, e.getCause());
        assertEquals(missing.toString(), ((NoSuchFileException) e.getCause()).getFile());
        assertEquals(-1, e.line(), "no position");
        assertNull(e.position());

        CsvrException c = assertThrows(CsvrException.class, () -> Csvr.count(missing, null));
        assertEquals(-3, c.status());
        assertInstanceOf(NoSuchFileException.class, c.getCause());
    }

    @Test
    void useAfterClose() throws IOException {
        Reader r = Reader.open(sample(), Options.defaults());
        Iterator<List<String>> it = r.iterator();
        assertTrue(it.hasNext());
        r.close();
        assertThrows(IllegalStateException.class, r::read);
        assertThrows(IllegalStateException.class, r::headers);
        assertThrows(IllegalStateException.class, r::position);
        assertThrows(IllegalStateException.class, r::count);
        assertThrows(IllegalStateException.class, it::hasNext);
        assertThrows(IllegalStateException.class, it::next);
    }

    @Test
    @SuppressWarnings("try")
    void closeTwice() throws IOException {
        Reader r = Reader.fromBytes(SMALL, null);
        r.close();
        r.close();
        try (Reader r2 = Reader.fromBytes(SMALL, null)) {
            r2.close(); // and try-with-resources closes it again
        }
    }

    @Test
    void openCloseDoesNotLeakFds() throws IOException {
        Path p = sample();
        // Warm up first, so that lazily opened JVM files do not count as leaks.
        for (int i = 0; i < 100; i++) {
            Reader.open(p, null).close();
        }
        int before = openFds();
        for (int i = 0; i < 10_000; i++) {
            try (Reader r = Reader.open(p, null)) {
                if (i % 1000 == 0) {
                    assertEquals(7, r.headers().size());
                }
            }
        }
        int after = openFds();
        assertTrue(after <= before + 2, "fds before " + before + ", after " + after);
    }

    @Test
    void cleanerFreesForgottenReaders() throws Exception {
        Path p = sample();
        Reader.open(p, null).close();
        int before = openFds();
        for (int i = 0; i < 200; i++) {
            Reader.open(p, null); // deliberately not closed
        }
        assertTrue(openFds() >= before + 200, "the readers hold their files open");
        long deadline = System.nanoTime() + 20_000_000_000L;
        while (openFds() > before + 2 && System.nanoTime() < deadline) {
            System.gc();
            Thread.sleep(50);
        }
        assertTrue(openFds() <= before + 2, "fds before " + before + ", after " + openFds());
    }

    @Test
    void manyThreadsEachWithItsOwnReader() throws Exception {
        Path p = sample();
        ExecutorService pool = Executors.newFixedThreadPool(8);
        try {
            List<Future<Long>> results = new ArrayList<>();
            for (int t = 0; t < 32; t++) {
                final boolean fromBytes = t % 2 == 0;
                results.add(pool.submit(() -> {
                    long n = 0;
                    try (Reader r = fromBytes ? Reader.fromBytes(Files.readAllBytes(p), null) : Reader.open(p, null)) {
                        for (List<String> row : r) {
                            n++;
                            assertEquals(Long.toString(n), row.get(0));
                            assertEquals(n, r.position().record());
                        }
                    }
                    return n;
                }));
            }
            for (Future<Long> f : results) {
                assertEquals(4000L, f.get());
            }
        } finally {
            pool.shutdown();
        }
    }

    @Test
    void countConsumesTheRest() throws IOException {
        try (Reader r = Reader.open(sample(), null)) {
            for (int i = 0; i < 10; i++) {
                r.read();
            }
            Position p = r.position();
            assertEquals(10, p.record());
            assertEquals(3990, r.count());
            assertNull(r.read());
            assertEquals(0, r.count());
            assertEquals(p, r.position(), "count() leaves the position of the last record returned");
        }
        try (Reader r = Reader.open(sample(), null)) {
            assertEquals(4000, r.count());
        }
        assertEquals(4000, Csvr.count(sample(), Options.builder().threads(1).build()));
    }

    @Test
    void position() throws IOException {
        byte[] in = "h1,h2\n\n\"x\ny\",2\r\n3,4".getBytes(StandardCharsets.UTF_8);
        try (Reader r = Reader.fromBytes(in, null)) {
            assertNull(r.position());
            assertEquals(List.of("x\ny", "2"), r.read());
            assertEquals(new Position(3, 7, 1), r.position());
            assertEquals(List.of("3", "4"), r.read());
            assertEquals(new Position(5, 16, 2), r.position());
            assertNull(r.read());
            assertEquals(new Position(5, 16, 2), r.position(), "still the last record returned");
        }
    }

    @Test
    void headersNullWithoutHeader() throws IOException {
        Options o = Options.builder().hasHeader(false).build();
        try (Reader r = Reader.fromBytes(SMALL, o)) {
            assertNull(r.headers());
            assertEquals(List.of("a", "b"), r.read());
            assertEquals(new Position(1, 0, 0), r.position());
        }
        assertEquals(3, Csvr.count(SMALL, o));
    }

    @Test
    void delimiterEqualToQuoteIsRejected() {
        Options o = Options.builder().delimiter('"').quote('"').build();
        for (CsvrException e : List.of(
                assertThrows(CsvrException.class, () -> Reader.fromBytes(SMALL, o)),
                assertThrows(CsvrException.class, () -> Reader.open(sample(), o)),
                assertThrows(CsvrException.class, () -> Csvr.count(SMALL, o)),
                assertThrows(CsvrException.class, () -> Csvr.count(sample(), o)))) {
            assertEquals(-2, e.status());
            assertEquals(CsvrException.ERR_INVALID, e.status());
            assertEquals("CSVR_ERR_INVALID", e.statusName());
        }
    }

    @Test
    void nonAsciiOptionCharsAreRejectedByTheBuilder() {
        assertThrows(IllegalArgumentException.class, () -> Options.builder().delimiter('é'));
        assertThrows(IllegalArgumentException.class, () -> Options.builder().quote('\0'));
        assertThrows(IllegalArgumentException.class, () -> Options.builder().threads(-1));
        assertThrows(CsvrException.class, () -> Csvr.count(SMALL, Options.builder().threads(5000).build()));
    }

    @Test
    void otherOptionsReachTheLibrary() throws IOException {
        byte[] in = "# note\na; b\n' x ';y\n".getBytes(StandardCharsets.UTF_8);
        Options o = Options.builder().delimiter(';').quote('\'').comment('#')
                .trim(Options.Trim.ALL).escape('\\').maxRecordBytes(1 << 20).readAhead(true).build();
        try (Reader r = Reader.fromBytes(in, o)) {
            assertEquals(List.of("a", "b"), r.headers());
            assertEquals(List.of("x", "y"), r.read());
        }
        CsvrException e = assertThrows(CsvrException.class, () -> {
            try (Reader r = Reader.fromBytes("a\n0123456789\n".getBytes(StandardCharsets.UTF_8),
                    Options.builder().maxRecordBytes(5).build())) {
                r.read();
            }
        });
        assertEquals(CsvrException.ERR_PARSE, e.status());
        assertEquals(new Position(2, 2, 1), e.position());
    }

    @Test
    void rawModeDecodesAsLatin1() throws IOException {
        byte[] in = {'a', '\n', 'x', (byte) 0xff, (byte) 0xc3, (byte) 0xa9, '\n'};
        try (Reader r = Reader.fromBytes(in, Options.builder().utf8(false).build())) {
            String f = r.read().get(0);
            assertEquals("x\u00ff\u00c3\u00a9", f);
            assertEquals(List.of((byte) 'x', (byte) 0xff, (byte) 0xc3, (byte) 0xa9),
                    toList(f.getBytes(StandardCharsets.ISO_8859_1)));
        }
    }

    private static List<Byte> toList(byte[] b) {
        List<Byte> l = new ArrayList<>();
        for (byte x : b) {
            l.add(x);
        }
        return l;
    }

    @Test
    void readGoesOnAfterAnErrorButIterationStops() throws IOException {
        byte[] in = {'a', '\n', '1', '\n', (byte) 0xff, '\n', '3', '\n'};
        try (Reader r = Reader.fromBytes(in, null)) {
            assertEquals(List.of("1"), r.read());
            CsvrException e = assertThrows(CsvrException.class, r::read);
            assertEquals(CsvrException.ERR_UTF8, e.status());
            assertEquals(new Position(3, 4, 2), e.position());
            assertEquals(List.of("3"), r.read(), "the library goes on after a bad record");
        }
        try (Reader r = Reader.fromBytes(in, null)) {
            Iterator<List<String>> it = r.iterator();
            assertEquals(List.of("1"), it.next());
            UncheckedIOException u = assertThrows(UncheckedIOException.class, it::next);
            assertEquals(CsvrException.ERR_UTF8, ((CsvrException) u.getCause()).status());
            assertFalse(it.hasNext());
        }
    }

    @Test
    void manyBatchesAndLargeFields() throws IOException {
        StringBuilder sb = new StringBuilder("n,text\n");
        int n = 3 * Reader.BATCH_RECORDS + 17;
        String big = "y".repeat(3 << 20); // bigger than a batch's ~1 MiB
        for (int i = 1; i <= n; i++) {
            sb.append(i).append(',').append(i == 5000 ? big : "\"q,\"\"" + i + "\"").append('\n');
        }
        byte[] in = sb.toString().getBytes(StandardCharsets.UTF_8);
        for (boolean ahead : new boolean[] {false, true}) {
            Options o = Options.builder().readAhead(ahead).build();
            try (Reader r = Reader.fromBytes(in, o)) {
                long i = 0;
                for (List<String> row : r) {
                    i++;
                    assertEquals(Long.toString(i), row.get(0));
                    assertEquals(i == 5000 ? big : "q,\"" + i, row.get(1));
                    assertEquals(i, r.position().record());
                    assertEquals(i + 1, r.position().line());
                }
                assertEquals(n, i);
            }
            assertEquals(n, Csvr.count(in, o));
        }
    }

    @Test
    void emptyFields() throws IOException {
        try (Reader r = Reader.fromBytes("a,b,c\n,,\n\"\",x,\n".getBytes(StandardCharsets.UTF_8), null)) {
            assertEquals(List.of("", "", ""), r.read());
            assertEquals(List.of("", "x", ""), r.read());
            assertNull(r.read());
        }
    }

    @Test
    void rowsAreUnmodifiable() throws IOException {
        try (Reader r = Reader.fromBytes(SMALL, null)) {
            List<String> row = r.read();
            assertThrows(UnsupportedOperationException.class, () -> row.set(0, "z"));
        }
    }

    @Test
    void version() {
        assertTrue(Csvr.version().matches("\\d+\\.\\d+\\.\\d+.*"), Csvr.version());
    }
}
