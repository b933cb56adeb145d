package io.csvr;

import com.sun.jna.Memory;
import com.sun.jna.ptr.LongByReference;

import java.nio.charset.Charset;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Objects;

/**
 * Entry points that need no reader: counting records, and the library's version.
 * Counting runs in native code on up to {@code Options.builder().threads(n)} threads and
 * never decodes; it gives exactly the number of records a {@link Reader} returns.
 */
public final class Csvr {
    // The charset the JDK itself uses for file names, so that the OS sees the same bytes.
    private static final Charset PATH_CHARSET = pathCharset();

    private Csvr() {
    }

    /**
     * Counts the records of the file at {@code path} (not the header), streaming it.
     *
     * @param path the file
     * @param opts the options, or {@code null} for {@link Options#defaults()}
     * @return the number of records
     * @throws CsvrException status {@link CsvrException#ERR_IO} when the file cannot be
     *                       read (with a {@link java.nio.file.NoSuchFileException} cause when
     *                       it does not exist), {@link CsvrException#ERR_PARSE} for a ragged
     *                       record with {@code flexible} off, {@link CsvrException#ERR_INVALID}
     *                       for contradictory options
     */
    public static long count(Path path, Options opts) throws CsvrException {
        Objects.requireNonNull(path, "path");
        byte[] p = pathBytes(path);
        return Objects.requireNonNullElse(opts, Options.defaults()).withNative(no -> {
            LongByReference out = new LongByReference();
            CsvrException.check(CsvrLibrary.INSTANCE.csvr_count_path(p, no, out), path);
            return out.getValue();
        });
    }

    /**
     * Counts the records in {@code data} (not the header).
     *
     * @param data the CSV bytes
     * @param opts the options, or {@code null} for {@link Options#defaults()}
     * @return the number of records
     * @throws CsvrException as {@link #count(Path, Options)}, without the I/O cases
     */
    public static long count(byte[] data, Options opts) throws CsvrException {
        Objects.requireNonNull(data, "data");
        try (Memory m = toNative(data)) {
            return Objects.requireNonNullElse(opts, Options.defaults()).withNative(no -> {
                LongByReference out = new LongByReference();
                CsvrException.check(
                        CsvrLibrary.INSTANCE.csvr_count_bytes(m, data.length, no, out), null);
                return out.getValue();
            });
        }
    }

    /**
     * Prints the number of records (after the header) of each CSV file named, one per
     * line: {@code java -cp csvr.jar:jna.jar io.csvr.Csvr FILE...}. On an error it prints
     * the message and exits with status 1.
     *
     * @param args the files
     */
    public static void main(String[] args) {
        if (args.length == 0) {
            System.err.println("usage: java io.csvr.Csvr FILE...");
            System.exit(2);
        }
        for (String file : args) {
            try {
                System.out.println(count(Path.of(file), Options.defaults()));
            } catch (CsvrException e) {
                System.err.println("csvr: " + e.getMessage());
                System.exit(1);
            }
        }
    }

    /** @return the native library's version, e.g. {@code "0.2.0"} */
    public static String version() {
        return CsvrLibrary.INSTANCE.csvr_version();
    }

    /**
     * Copies {@code data} into native memory once (a {@code byte[]} argument would make
     * JNA copy it in and back out again); {@code null} for the empty input, which the C
     * API accepts with length 0.
     */
    static Memory toNative(byte[] data) {
        if (data.length == 0) {
            return null;
        }
        Memory m = new Memory(data.length);
        m.write(0, data, 0, data.length);
        return m;
    }

    /** The NUL-terminated bytes of an absolute path, as the JDK would give them to the OS. */
    static byte[] pathBytes(Path path) {
        byte[] s = path.toAbsolutePath().toString().getBytes(PATH_CHARSET);
        return Arrays.copyOf(s, s.length + 1);
    }

    private static Charset pathCharset() {
        String name = System.getProperty("sun.jnu.encoding");
        try {
            return name != null ? Charset.forName(name) : Charset.defaultCharset();
        } catch (RuntimeException e) {
            return Charset.defaultCharset();
        }
    }
}
