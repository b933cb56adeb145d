package io.csvr;

import com.sun.jna.ptr.LongByReference;

import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

/**
 * A failure reported by the csvr library: its status (one of the {@code ERR_*}
 * constants, the C {@code csvr_status}), its message, and, where the failure concerns a
 * record, that record's position.
 *
 * <p>Position fields are {@code long} and {@code -1} when the failure has no position
 * (an unknown option, a missing file). For {@link #ERR_IO} on a path, the cause is a
 * {@link NoSuchFileException} when the OS said {@code ENOENT} and an
 * {@link AccessDeniedException} for {@code EACCES}, so callers can test
 * {@code e.getCause() instanceof NoSuchFileException}.
 *
 * <p>During iteration ({@link Reader#iterator()}) a {@code CsvrException} arrives wrapped
 * in a {@link java.io.UncheckedIOException}, since {@code Iterator} methods cannot throw
 * checked exceptions.
 */
public class CsvrException extends IOException {
    private static final long serialVersionUID = 1L;

    /** {@code CSVR_ERR_NULL}: a required pointer argument was NULL (a binding bug). */
    public static final int ERR_NULL = -1;
    /** {@code CSVR_ERR_INVALID}: a bad option or argument, e.g. delimiter equal to quote. */
    public static final int ERR_INVALID = -2;
    /** {@code CSVR_ERR_IO}: the input could not be opened or read. */
    public static final int ERR_IO = -3;
    /** {@code CSVR_ERR_PARSE}: malformed CSV under strict options (a ragged record). */
    public static final int ERR_PARSE = -4;
    /** {@code CSVR_ERR_UTF8}: text mode and a record is not UTF-8. */
    public static final int ERR_UTF8 = -5;
    /** {@code CSVR_ERR_PANIC}: an internal bug caught at the boundary; the reader is poisoned. */
    public static final int ERR_PANIC = -6;

    private static final int ENOENT = 2;
    private static final int EACCES = 13;

    /** The C {@code csvr_status}. */
    private final int status;
    /** The status's C name. */
    private final String statusName;
    /** The {@code errno} behind an I/O failure, else 0. */
    private final int osError;
    /** 1-based line of the record concerned, or -1. */
    private final long line;
    /** 0-based byte offset of the record concerned, or -1. */
    private final long byteOffset;
    /** 0-based index of the record concerned, or -1. */
    private final long record;

    /**
     * Makes an exception; normally only the binding does, from the library's last error.
     *
     * @param status     the {@code csvr_status}, negative
     * @param statusName its C name, e.g. {@code "CSVR_ERR_IO"}
     * @param message    the library's message
     * @param osError    the {@code errno} behind an I/O failure, else 0
     * @param line       1-based line of the record concerned, or -1
     * @param byteOffset 0-based byte offset of that record, or -1
     * @param record     0-based record index (the header is record 0), or -1
     */
    public CsvrException(int status, String statusName, String message, int osError,
                         long line, long byteOffset, long record) {
        super(message);
        this.status = status;
        this.statusName = statusName;
        this.osError = osError;
        this.line = line;
        this.byteOffset = byteOffset;
        this.record = record;
    }

    /**
     * Builds the exception for a failed call from the library's thread-local last error.
     * Must run on the thread that made the failing call, before any other csvr call.
     */
    static CsvrException last(int status, Path path) {
        CsvrLibrary lib = CsvrLibrary.INSTANCE;
        String message = lib.csvr_last_error_message();
        int os = lib.csvr_last_error_os_error();
        LongByReference l = new LongByReference();
        LongByReference b = new LongByReference();
        LongByReference r = new LongByReference();
        boolean hasPos = lib.csvr_last_error_position(l, b, r) != 0;
        String name = lib.csvr_status_name(status);
        CsvrException e = hasPos
                ? new CsvrException(status, name, message, os, l.getValue(), b.getValue(), r.getValue())
                : new CsvrException(status, name, message, os, -1, -1, -1);
        if (status == ERR_IO && path != null) {
            // Let callers use the JDK's own types for the common file errors.
            if (os == ENOENT) {
                e.initCause(new NoSuchFileException(path.toString(), null, message));
            } else if (os == EACCES) {
                e.initCause(new AccessDeniedException(path.toString(), null, message));
            }
        }
        return e;
    }

    /** Throws the last error if {@code status} is a failure (negative). */
    static void check(int status, Path path) throws CsvrException {
        if (status < 0) {
            throw last(status, path);
        }
    }

    /** @return the C {@code csvr_status}: one of the {@code ERR_*} constants */
    public int status() {
        return status;
    }

    /** @return the status's C name, e.g. {@code "CSVR_ERR_PARSE"} */
    public String statusName() {
        return statusName;
    }

    /** @return the OS {@code errno} behind an {@link #ERR_IO} failure, else 0 */
    public int osError() {
        return osError;
    }

    /** @return the 1-based line of the record concerned, or -1 when there is none */
    public long line() {
        return line;
    }

    /** @return the 0-based byte offset of the record concerned, or -1 when there is none */
    public long byteOffset() {
        return byteOffset;
    }

    /** @return the 0-based index of the record concerned (header = 0), or -1 when there is none */
    public long record() {
        return record;
    }

    /** @return the position of the record concerned, or {@code null} when there is none */
    public Position position() {
        return line < 0 ? null : new Position(line, byteOffset, record);
    }
}
