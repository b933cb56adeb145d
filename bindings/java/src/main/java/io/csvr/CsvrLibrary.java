package io.csvr;

import com.sun.jna.Library;
import com.sun.jna.Native;
import com.sun.jna.Pointer;
import com.sun.jna.Structure;
import com.sun.jna.ptr.LongByReference;
import com.sun.jna.ptr.PointerByReference;

import java.io.File;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The JNA mapping of the part of {@code include/csvr.h} this binding uses. Internal: not
 * part of the binding's API; use {@link Csvr}, {@link Reader} and {@link Options}.
 *
 * <p>Type mapping, chosen to match the C ABI exactly on 64-bit Linux: {@code size_t} and
 * {@code uint64_t} are {@code long} (checked against {@link Native#SIZE_T_SIZE} when the
 * library loads), {@code uint8_t} is {@code byte}, C {@code bool} is {@code byte} (JNA's
 * {@code boolean} is a 4-byte int, which would read garbage from a 1-byte {@code bool}
 * return), enums are {@code int}, and a path is a NUL-terminated {@code byte[]} so that
 * the bytes the OS gets are exactly the file name's bytes. {@code HeaderDriftTest} checks
 * every method here against the C prototypes in the header.
 */
interface CsvrLibrary extends Library {

    /** The loaded library, found as {@link #locate()} says. */
    CsvrLibrary INSTANCE = Loader.load();

    /** {@code const char *csvr_version(void)}. */
    String csvr_version();

    /** {@code const char *csvr_status_name(int status)}. */
    String csvr_status_name(int status);

    /** {@code struct csvr_options *csvr_options_new(void)}. */
    Pointer csvr_options_new();

    /** {@code void csvr_options_free(struct csvr_options *opts)}. */
    void csvr_options_free(Pointer opts);

    /** {@code csvr_options_set_delimiter}. */
    int csvr_options_set_delimiter(Pointer opts, byte b);

    /** {@code csvr_options_set_quote}. */
    int csvr_options_set_quote(Pointer opts, byte b);

    /** {@code csvr_options_set_escape}. */
    int csvr_options_set_escape(Pointer opts, byte b);

    /** {@code csvr_options_set_comment}. */
    int csvr_options_set_comment(Pointer opts, byte b);

    /** {@code csvr_options_set_has_header}. */
    int csvr_options_set_has_header(Pointer opts, byte yes);

    /** {@code csvr_options_set_flexible}. */
    int csvr_options_set_flexible(Pointer opts, byte yes);

    /** {@code csvr_options_set_double_quote}. */
    int csvr_options_set_double_quote(Pointer opts, byte yes);

    /** {@code csvr_options_set_quoting}. */
    int csvr_options_set_quoting(Pointer opts, byte yes);

    /** {@code csvr_options_set_trim}. */
    int csvr_options_set_trim(Pointer opts, int trim);

    /** {@code csvr_options_set_terminator}. */
    int csvr_options_set_terminator(Pointer opts, byte b);

    /** {@code csvr_options_set_threads}. */
    int csvr_options_set_threads(Pointer opts, long n);

    /** {@code csvr_options_set_utf8}. */
    int csvr_options_set_utf8(Pointer opts, byte yes);

    /** {@code csvr_options_set_max_record_bytes}. */
    int csvr_options_set_max_record_bytes(Pointer opts, long n);

    /** {@code csvr_options_set_read_ahead}. */
    int csvr_options_set_read_ahead(Pointer opts, byte yes);

    /** {@code csvr_reader_open(path, opts, out)}. */
    int csvr_reader_open(byte[] path, Pointer opts, PointerByReference out);

    /** {@code csvr_reader_from_bytes(data, len, opts, out)}. */
    int csvr_reader_from_bytes(Pointer data, long len, Pointer opts, PointerByReference out);

    /** {@code csvr_reader_header_count(r, out)}. */
    int csvr_reader_header_count(Pointer r, LongByReference out);

    /** {@code csvr_reader_header(r, i, data, len)}. */
    int csvr_reader_header(Pointer r, long i, PointerByReference data, LongByReference len);

    /** {@code csvr_reader_count(r, out)}. */
    int csvr_reader_count(Pointer r, LongByReference out);

    /** {@code csvr_reader_next_batch(r, max_records, out)}. */
    int csvr_reader_next_batch(Pointer r, long maxRecords, Batch out);

    /** {@code void csvr_reader_free(struct csvr_reader *r)}. */
    void csvr_reader_free(Pointer r);

    /** {@code csvr_count_path(path, opts, out)}. */
    int csvr_count_path(byte[] path, Pointer opts, LongByReference out);

    /** {@code csvr_count_bytes(data, len, opts, out)}. */
    int csvr_count_bytes(Pointer data, long len, Pointer opts, LongByReference out);

    /** {@code const char *csvr_last_error_message(void)}. */
    String csvr_last_error_message();

    /** {@code int32_t csvr_last_error_os_error(void)}. */
    int csvr_last_error_os_error();

    /** {@code bool csvr_last_error_position(uint64_t *line, uint64_t *byte, uint64_t *record)}. */
    byte csvr_last_error_position(LongByReference line, LongByReference b, LongByReference record);

    /**
     * {@code struct csvr_batch}: every pointer is borrowed from the reader until it next
     * advances, so {@link Reader} copies what it needs at once.
     */
    @Structure.FieldOrder({"data", "len", "field_ends", "record_ends", "positions", "records", "framed"})
    final class Batch extends Structure {
        /** {@code const uint8_t *data}. */
        public Pointer data;
        /** {@code size_t len}. */
        public long len;
        /** {@code const size_t *field_ends}. */
        public Pointer field_ends;
        /** {@code const size_t *record_ends}. */
        public Pointer record_ends;
        /** {@code const struct csvr_position *positions} (3 {@code uint64_t} each). */
        public Pointer positions;
        /** {@code size_t records}. */
        public long records;
        /** {@code bool framed}. */
        public byte framed;

        /** An empty batch for {@code csvr_reader_next_batch} to fill. */
        public Batch() {
            // Auto-read/write would reflect over every field on every call; Reader reads once.
            setAutoSynch(false);
        }
    }

    /**
     * Where the library is looked for, in order: the system property {@code csvr.library},
     * the environment variable {@code CSVR_LIBRARY}, {@code ../../target/release/libcsvr.so}
     * from the working directory (the repository layout seen from {@code bindings/java}),
     * the same from the directory holding this binding's jar or classes and each of its
     * parents, and finally the plain name {@code csvr} on the system's library path.
     *
     * @return the candidates, most preferred first; the last is the bare name {@code "csvr"}
     */
    static List<String> locate() {
        List<String> out = new ArrayList<>();
        String prop = System.getProperty("csvr.library");
        if (prop != null && !prop.isEmpty()) {
            out.add(prop);
        }
        String env = System.getenv("CSVR_LIBRARY");
        if (env != null && !env.isEmpty()) {
            out.add(env);
        }
        String rel = "../../target/release/" + System.mapLibraryName("csvr");
        out.add(Path.of(rel).toAbsolutePath().normalize().toString());
        try {
            // Walk up from the jar (bindings/java/build/csvr.jar) to find the repository's build.
            Path here = Path.of(CsvrLibrary.class.getProtectionDomain().getCodeSource()
                    .getLocation().toURI());
            for (Path dir = here; dir != null; dir = dir.getParent()) {
                out.add(dir.resolve("target/release/" + System.mapLibraryName("csvr")).toString());
            }
        } catch (URISyntaxException | RuntimeException e) {
            // No code source (an unusual class loader): the other candidates still apply.
        }
        out.add("csvr");
        return out;
    }

    /** Loads the library once; a holder so that the interface itself stays a plain mapping. */
    final class Loader {
        private Loader() {
        }

        static CsvrLibrary load() {
            if (Native.SIZE_T_SIZE != 8 || Native.LONG_SIZE != 8) {
                // size_t and uint64_t are mapped to Java long: only right on LP64.
                throw new UnsatisfiedLinkError("csvr's Java binding needs a 64-bit (LP64) platform");
            }
            List<String> candidates = locate();
            for (int i = 0; i < candidates.size(); i++) {
                String c = candidates.get(i);
                boolean explicit = i < 2 && (c.equals(System.getProperty("csvr.library"))
                        || c.equals(System.getenv("CSVR_LIBRARY")));
                // An explicitly named library is loaded even if absent, so the error names it.
                if (explicit || c.equals("csvr") || Files.isRegularFile(Path.of(c))) {
                    return Native.load(c.equals("csvr") ? c : new File(c).getAbsolutePath(),
                            CsvrLibrary.class);
                }
            }
            throw new UnsatisfiedLinkError("libcsvr not found in " + candidates);
        }
    }
}
