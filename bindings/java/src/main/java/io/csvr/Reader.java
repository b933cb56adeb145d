package io.csvr;

import com.sun.jna.Memory;
import com.sun.jna.Pointer;
import com.sun.jna.ptr.LongByReference;
import com.sun.jna.ptr.PointerByReference;

import java.io.UncheckedIOException;
import java.lang.ref.Cleaner;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.Objects;

/**
 * A streaming CSV reader over a file or a byte array, backed by a native
 * {@code csvr_reader}. Records come back as {@code List<String>} (unmodifiable), decoded
 * as UTF-8 in text mode (the default) or as ISO-8859-1 in raw mode
 * ({@code Options.builder().utf8(false)}), where each byte becomes the {@code char} of the
 * same value so the bytes can be recovered exactly.
 *
 * <pre>{@code
 * try (Reader r = Reader.open(Path.of("data.csv"), Options.defaults())) {
 *     for (List<String> row : r) {
 *         System.out.println(r.position().line() + ": " + row);
 *     }
 * }
 * }</pre>
 *
 * <p><b>Errors.</b> {@link #read()} throws {@link CsvrException}; after a record fails,
 * calling it again goes on as the library does (with the next record after a UTF-8 or
 * ragged-record error; an I/O error or an over-long record ends the input). Iteration
 * cannot throw checked exceptions, so {@link Iterator#hasNext()} and
 * {@link Iterator#next()} throw {@link UncheckedIOException} whose
 * {@link UncheckedIOException#getCause() cause} is the {@link CsvrException}, and the
 * iteration then ends ({@code hasNext()} returns false).
 *
 * <p><b>Lifetime.</b> {@link #close()} frees the native reader and closes its file; it is
 * idempotent, and every other method throws {@link IllegalStateException} after it. A
 * reader that is never closed is freed by a {@link Cleaner} once unreachable, but file
 * descriptors are scarcer than heap, so close readers (try-with-resources).
 *
 * <p><b>Threads.</b> A reader is for one thread at a time; different readers are
 * independent. Calls that reach the native reader are serialised on it, so even a
 * misuse from two threads, or a {@code close()} racing a read, cannot crash the JVM.
 *
 * <p>Records are fetched in batches of up to {@value #BATCH_RECORDS} records (about
 * 1 MiB) with one native call each, copied once into Java memory and split by the
 * field offsets the library reports; no CSV parsing happens in Java.
 */
public final class Reader implements AutoCloseable, Iterable<List<String>> {
    /** Records asked for per native call. */
    static final int BATCH_RECORDS = 4096;

    private static final Cleaner CLEANER = Cleaner.create();
    private static final List<String> EMPTY_ROW = List.of();

    private final Handle handle;
    private final Cleaner.Cleanable cleanable;
    private final Charset charset;
    private final List<String> headers;
    private final CsvrLibrary.Batch batch = new CsvrLibrary.Batch();
    private final Iterator<List<String>> iterator = new RecordIterator();

    // The current batch, copied out of native memory; buffers are reused across batches.
    private byte[] data = new byte[0];
    private long[] fieldEnds = new long[0];
    private long[] recordEnds = new long[0];
    private long[] positions = new long[0];
    private int records;
    private int next;
    private boolean done;
    private Position position;

    /**
     * Owns the native pointer. Kept apart from {@link Reader} so that the {@link Cleaner}
     * action does not reach the reader (which would keep it reachable for ever).
     */
    private static final class Handle implements Runnable {
        private Pointer ptr;

        Handle(Pointer ptr) {
            this.ptr = ptr;
        }

        /** The live pointer; callers hold this handle's lock while they use it. */
        Pointer live() {
            if (ptr == null) {
                throw new IllegalStateException("csvr reader is closed");
            }
            return ptr;
        }

        @Override
        public synchronized void run() {
            if (ptr != null) {
                CsvrLibrary.INSTANCE.csvr_reader_free(ptr);
                ptr = null;
            }
        }
    }

    private Reader(Pointer ptr, Options opts) throws CsvrException {
        handle = new Handle(ptr);
        cleanable = CLEANER.register(this, handle);
        charset = opts.utf8() ? StandardCharsets.UTF_8 : StandardCharsets.ISO_8859_1;
        try {
            headers = opts.hasHeader() ? readHeaders(ptr) : null;
        } catch (CsvrException | RuntimeException e) {
            close();
            throw e;
        }
    }

    /**
     * Opens the CSV file at {@code path}. With a header (the default) the header is read
     * now, so a file whose header is not valid UTF-8 in text mode fails here.
     *
     * @param path the file; streamed, never held in memory whole
     * @param opts the options, or {@code null} for {@link Options#defaults()}
     * @return a new reader, to be closed
     * @throws CsvrException status {@link CsvrException#ERR_IO} when the file cannot be
     *                       opened (with a {@link java.nio.file.NoSuchFileException} cause
     *                       when it does not exist), {@link CsvrException#ERR_INVALID} for
     *                       contradictory options, {@link CsvrException#ERR_UTF8} for a
     *                       header that is not UTF-8 in text mode
     */
    public static Reader open(Path path, Options opts) throws CsvrException {
        Objects.requireNonNull(path, "path");
        Options o = Objects.requireNonNullElse(opts, Options.defaults());
        byte[] p = Csvr.pathBytes(path);
        Pointer r = o.withNative(no -> {
            PointerByReference out = new PointerByReference();
            CsvrException.check(CsvrLibrary.INSTANCE.csvr_reader_open(p, no, out), path);
            return out.getValue();
        });
        return new Reader(r, o);
    }

    /**
     * Opens the CSV file at {@code path} with {@link Options#defaults()}.
     *
     * @param path the file
     * @return a new reader, to be closed
     * @throws CsvrException as {@link #open(Path, Options)}
     */
    public static Reader open(Path path) throws CsvrException {
        return open(path, null);
    }

    /**
     * Makes a reader over a copy of {@code data} (the array may be changed afterwards).
     *
     * @param data the CSV bytes
     * @param opts the options, or {@code null} for {@link Options#defaults()}
     * @return a new reader, to be closed
     * @throws CsvrException status {@link CsvrException#ERR_INVALID} for contradictory
     *                       options, {@link CsvrException#ERR_UTF8} for a header that is not
     *                       UTF-8 in text mode
     */
    public static Reader fromBytes(byte[] data, Options opts) throws CsvrException {
        Objects.requireNonNull(data, "data");
        Options o = Objects.requireNonNullElse(opts, Options.defaults());
        try (Memory m = Csvr.toNative(data)) {
            Pointer r = o.withNative(no -> {
                PointerByReference out = new PointerByReference();
                CsvrException.check(
                        CsvrLibrary.INSTANCE.csvr_reader_from_bytes(m, data.length, no, out), null);
                return out.getValue();
            });
            return new Reader(r, o);
        }
    }

    private List<String> readHeaders(Pointer r) throws CsvrException {
        CsvrLibrary lib = CsvrLibrary.INSTANCE;
        LongByReference n = new LongByReference();
        CsvrException.check(lib.csvr_reader_header_count(r, n), null);
        List<String> out = new ArrayList<>((int) n.getValue());
        PointerByReference d = new PointerByReference();
        LongByReference len = new LongByReference();
        for (long i = 0; i < n.getValue(); i++) {
            CsvrException.check(lib.csvr_reader_header(r, i, d, len), null);
            // The pointer must not be read for an empty field (it may dangle).
            out.add(len.getValue() == 0 ? "" : new String(
                    d.getValue().getByteArray(0, Math.toIntExact(len.getValue())), charset));
        }
        return Collections.unmodifiableList(out);
    }

    /**
     * The header's fields, read when the reader was opened.
     *
     * @return the header (empty for an empty input), or {@code null} when the options say
     *         there is no header
     * @throws IllegalStateException after {@link #close()}
     */
    public List<String> headers() {
        ensureOpen();
        return headers;
    }

    /**
     * Where the record last returned (by {@link #read()} or the iterator) starts.
     *
     * @return its position, or {@code null} before the first record
     * @throws IllegalStateException after {@link #close()}
     */
    public Position position() {
        ensureOpen();
        return position;
    }

    /**
     * Reads the next record.
     *
     * @return its fields (unmodifiable), or {@code null} at the end of the input
     * @throws CsvrException if the record cannot be read; see the class comment for
     *                       what a further call does
     * @throws IllegalStateException after {@link #close()}
     */
    public List<String> read() throws CsvrException {
        return fill() ? take() : null;
    }

    /**
     * Counts the records not yet returned, consuming them: afterwards {@link #read()}
     * returns {@code null}. Nothing is decoded.
     *
     * @return the number of records left
     * @throws CsvrException status {@link CsvrException#ERR_PARSE} (a ragged record with
     *                       {@code flexible} off, or an over-long record) or
     *                       {@link CsvrException#ERR_IO}
     * @throws IllegalStateException after {@link #close()}
     */
    public long count() throws CsvrException {
        synchronized (handle) {
            Pointer r = handle.live();
            LongByReference out = new LongByReference();
            CsvrException.check(CsvrLibrary.INSTANCE.csvr_reader_count(r, out), null);
            // Records already fetched in the current batch are part of "the rest" too.
            long n = out.getValue() + (records - next);
            next = records;
            done = true;
            return n;
        }
    }

    /**
     * The records, one pass: every call returns the same iterator, which consumes the
     * reader. Its {@code hasNext()} and {@code next()} throw {@link UncheckedIOException}
     * wrapping the {@link CsvrException} when a record cannot be read, and
     * {@link IllegalStateException} after {@link #close()}.
     *
     * @return the iterator over the remaining records
     */
    @Override
    public Iterator<List<String>> iterator() {
        return iterator;
    }

    /**
     * Frees the native reader and closes its file. Idempotent.
     */
    @Override
    public void close() {
        synchronized (handle) {
            cleanable.clean();
        }
    }

    private void ensureOpen() {
        synchronized (handle) {
            handle.live();
        }
    }

    /** Makes sure a fetched record is waiting; false at the end of the input. */
    private boolean fill() throws CsvrException {
        synchronized (handle) {
            Pointer r = handle.live();
            if (next < records) {
                return true;
            }
            if (done) {
                return false;
            }
            int status = CsvrLibrary.INSTANCE.csvr_reader_next_batch(r, BATCH_RECORDS, batch);
            if (status == 1) { // CSVR_DONE
                done = true;
                return false;
            }
            CsvrException.check(status, null);
            copyBatch();
            return true;
        }
    }

    /** Copies the batch the library just described out of its (borrowed) memory. */
    private void copyBatch() {
        batch.read();
        int n = Math.toIntExact(batch.records);
        int len = Math.toIntExact(batch.len);
        int fields = n == 0 ? 0 : Math.toIntExact(batch.record_ends.getLong(8L * (n - 1)));
        if (data.length < len) {
            data = new byte[Math.max(len, data.length * 2)];
        }
        if (fieldEnds.length < fields) {
            fieldEnds = new long[Math.max(fields, fieldEnds.length * 2)];
        }
        if (recordEnds.length < n) {
            recordEnds = new long[Math.max(n, BATCH_RECORDS)];
            positions = new long[3 * recordEnds.length];
        }
        if (len > 0) {
            batch.data.read(0, data, 0, len);
        }
        if (fields > 0) {
            batch.field_ends.read(0, fieldEnds, 0, fields);
        }
        batch.record_ends.read(0, recordEnds, 0, n);
        batch.positions.read(0, positions, 0, 3 * n);
        records = n;
        next = 0;
    }

    /** Decodes the next fetched record and remembers its position. */
    private List<String> take() {
        synchronized (handle) {
            int i = next++;
            position = new Position(positions[3 * i], positions[3 * i + 1], positions[3 * i + 2]);
            int first = i == 0 ? 0 : (int) recordEnds[i - 1];
            int end = (int) recordEnds[i];
            if (first == end) {
                return EMPTY_ROW;
            }
            String[] row = new String[end - first];
            for (int f = first; f < end; f++) {
                int start = f == 0 ? 0 : (int) fieldEnds[f - 1] + 1;
                int stop = (int) fieldEnds[f];
                row[f - first] = start == stop ? "" : new String(data, start, stop - start, charset);
            }
            return Collections.unmodifiableList(Arrays.asList(row));
        }
    }

    /** The one iterator of a reader; it stops for good after the first error. */
    private final class RecordIterator implements Iterator<List<String>> {
        private boolean failed;

        @Override
        public boolean hasNext() {
            if (failed) {
                ensureOpen();
                return false;
            }
            try {
                return fill();
            } catch (CsvrException e) {
                failed = true;
                throw new UncheckedIOException(e);
            }
        }

        @Override
        public List<String> next() {
            if (!hasNext()) {
                throw new NoSuchElementException();
            }
            return take();
        }
    }
}
