package io.csvr;

import com.sun.jna.Pointer;


/**
 * Immutable reading options, built with {@link #builder()} or taken as {@link #defaults()}.
 *
 * <p>An option left unset keeps the C library's default (see {@code csvr_options_new} in
 * {@code csvr.h}): {@code ,} delimiter, {@code "} quote, no escape, no comment, a header,
 * flexible records, doubled quotes and quoting on, no trimming, any of {@code \n},
 * {@code \r\n}, {@code \r} ends a record, all cores for counting, a 16 MiB record limit,
 * no read-ahead. One default differs: this binding reads in text mode
 * ({@link Builder#utf8(boolean) utf8} on), because it returns {@code String}s.
 *
 * <p>Characters are single ASCII bytes in the C API, so the builder rejects any other
 * {@code char} with {@link IllegalArgumentException}. Contradictions between options
 * (delimiter equal to quote, ...) are found by the library when the options are used, as
 * a {@link CsvrException} with status {@link CsvrException#ERR_INVALID}.
 *
 * <p>Instances are immutable and may be shared between threads.
 */
public final class Options {
    /** Which fields have surrounding ASCII whitespace trimmed (the C {@code CSVR_TRIM_*}). */
    public enum Trim {
        /** Trim nothing (the default). */
        NONE,
        /** Trim the header's fields only. */
        HEADERS,
        /** Trim the records' fields only. */
        FIELDS,
        /** Trim the header's and the records' fields. */
        ALL
    }

    private static final Options DEFAULTS = new Builder().build();

    // Null means "not set": the library's own default applies, so defaults live in one place.
    private final Character delimiter;
    private final Character quote;
    private final Character escape;
    private final Character comment;
    private final Character terminator;
    private final boolean hasHeader;
    private final Boolean flexible;
    private final Boolean doubleQuote;
    private final Boolean quoting;
    private final Trim trim;
    private final Integer threads;
    private final boolean utf8;
    private final Long maxRecordBytes;
    private final Boolean readAhead;

    private Options(Builder b) {
        delimiter = b.delimiter;
        quote = b.quote;
        escape = b.escape;
        comment = b.comment;
        terminator = b.terminator;
        hasHeader = b.hasHeader;
        flexible = b.flexible;
        doubleQuote = b.doubleQuote;
        quoting = b.quoting;
        trim = b.trim;
        threads = b.threads;
        utf8 = b.utf8;
        maxRecordBytes = b.maxRecordBytes;
        readAhead = b.readAhead;
    }

    /** @return the defaults: the library's, in text mode */
    public static Options defaults() {
        return DEFAULTS;
    }

    /** @return a builder starting from {@link #defaults()} */
    public static Builder builder() {
        return new Builder();
    }

    /** @return whether the first record is a header (default true) */
    public boolean hasHeader() {
        return hasHeader;
    }

    /** @return whether fields are decoded as UTF-8 (true, the default) or ISO-8859-1 (false) */
    public boolean utf8() {
        return utf8;
    }

    /**
     * Makes native options, hands them to {@code use}, and frees them: the library copies
     * options into every reader and count, so they never need to outlive the call.
     */
    <T> T withNative(NativeUse<T> use) throws CsvrException {
        CsvrLibrary lib = CsvrLibrary.INSTANCE;
        Pointer p = lib.csvr_options_new();
        if (p == null) {
            throw new OutOfMemoryError("csvr_options_new");
        }
        try {
            set(p, delimiter, lib::csvr_options_set_delimiter);
            set(p, quote, lib::csvr_options_set_quote);
            set(p, escape, lib::csvr_options_set_escape);
            set(p, comment, lib::csvr_options_set_comment);
            set(p, terminator, lib::csvr_options_set_terminator);
            CsvrException.check(lib.csvr_options_set_has_header(p, bool(hasHeader)), null);
            setBool(p, flexible, lib::csvr_options_set_flexible);
            setBool(p, doubleQuote, lib::csvr_options_set_double_quote);
            setBool(p, quoting, lib::csvr_options_set_quoting);
            if (trim != null) {
                CsvrException.check(lib.csvr_options_set_trim(p, trim.ordinal()), null);
            }
            if (threads != null) {
                CsvrException.check(lib.csvr_options_set_threads(p, threads), null);
            }
            CsvrException.check(lib.csvr_options_set_utf8(p, bool(utf8)), null);
            if (maxRecordBytes != null) {
                CsvrException.check(lib.csvr_options_set_max_record_bytes(p, maxRecordBytes), null);
            }
            setBool(p, readAhead, lib::csvr_options_set_read_ahead);
            return use.apply(p);
        } finally {
            lib.csvr_options_free(p);
        }
    }

    /** What to do with native options while they live. */
    @FunctionalInterface
    interface NativeUse<T> {
        T apply(Pointer opts) throws CsvrException;
    }

    @FunctionalInterface
    private interface ByteSetter {
        int set(Pointer opts, byte value);
    }

    private static void set(Pointer p, Character c, ByteSetter setter) throws CsvrException {
        if (c != null) {
            CsvrException.check(setter.set(p, (byte) c.charValue()), null);
        }
    }

    private static void setBool(Pointer p, Boolean v, ByteSetter setter) throws CsvrException {
        if (v != null) {
            CsvrException.check(setter.set(p, bool(v)), null);
        }
    }

    private static byte bool(boolean v) {
        return v ? (byte) 1 : (byte) 0;
    }

    @Override
    public String toString() {
        return "Options[delimiter=" + delimiter + ", quote=" + quote + ", escape=" + escape
                + ", comment=" + comment + ", terminator=" + (terminator == null ? null : (int) terminator)
                + ", hasHeader=" + hasHeader + ", flexible=" + flexible + ", doubleQuote=" + doubleQuote
                + ", quoting=" + quoting + ", trim=" + trim + ", threads=" + threads + ", utf8=" + utf8
                + ", maxRecordBytes=" + maxRecordBytes + ", readAhead=" + readAhead + "]";
    }

    /** Builds {@link Options}; every setter returns this builder. Not thread-safe. */
    public static final class Builder {
        private Character delimiter;
        private Character quote;
        private Character escape;
        private Character comment;
        private Character terminator;
        private boolean hasHeader = true;
        private Boolean flexible;
        private Boolean doubleQuote;
        private Boolean quoting;
        private Trim trim;
        private Integer threads;
        private boolean utf8 = true;
        private Long maxRecordBytes;
        private Boolean readAhead;

        private Builder() {
        }

        private static Character ascii(String what, char c, boolean zeroAllowed) {
            if (c > 0x7F || (c == 0 && !zeroAllowed)) {
                throw new IllegalArgumentException(what + " must be one ASCII character, got U+"
                        + String.format("%04X", (int) c));
            }
            return c;
        }

        /**
         * @param c the field delimiter, ASCII (default {@code ,})
         * @return this builder
         */
        public Builder delimiter(char c) {
            delimiter = ascii("delimiter", c, false);
            return this;
        }

        /**
         * @param c the quote character, ASCII (default {@code "})
         * @return this builder
         */
        public Builder quote(char c) {
            quote = ascii("quote", c, false);
            return this;
        }

        /**
         * @param c the escape character inside quoted fields, ASCII; {@code '\0'} for none
         *          (the default)
         * @return this builder
         */
        public Builder escape(char c) {
            escape = ascii("escape", c, true);
            return this;
        }

        /**
         * @param c a record starting with this ASCII character is skipped; {@code '\0'} for
         *          none (the default)
         * @return this builder
         */
        public Builder comment(char c) {
            comment = ascii("comment", c, true);
            return this;
        }

        /**
         * @param c the only byte that ends a record, ASCII; {@code '\0'} (the default) for
         *          any of {@code \n}, {@code \r\n}, {@code \r}
         * @return this builder
         */
        public Builder terminator(char c) {
            terminator = ascii("terminator", c, true);
            return this;
        }

        /**
         * @param yes whether the first record is a header, neither counted nor returned
         *            (default true)
         * @return this builder
         */
        public Builder hasHeader(boolean yes) {
            hasHeader = yes;
            return this;
        }

        /**
         * @param yes whether records may differ in field count (default true); when false a
         *            ragged record fails with {@link CsvrException#ERR_PARSE}
         * @return this builder
         */
        public Builder flexible(boolean yes) {
            flexible = yes;
            return this;
        }

        /**
         * @param yes whether a doubled quote inside a quoted field is a literal quote
         *            (default true)
         * @return this builder
         */
        public Builder doubleQuote(boolean yes) {
            doubleQuote = yes;
            return this;
        }

        /**
         * @param yes whether quotes are special at all (default true)
         * @return this builder
         */
        public Builder quoting(boolean yes) {
            quoting = yes;
            return this;
        }

        /**
         * @param t which fields are trimmed of surrounding ASCII whitespace (default none)
         * @return this builder
         */
        public Builder trim(Trim t) {
            trim = java.util.Objects.requireNonNull(t, "trim");
            return this;
        }

        /**
         * @param n threads for {@link Csvr#count} (and read-ahead); 0 (the default) means all
         *          cores; at most 1024 (the library rejects more when the options are used)
         * @return this builder
         */
        public Builder threads(int n) {
            if (n < 0) {
                throw new IllegalArgumentException("threads must be >= 0, got " + n);
            }
            threads = n;
            return this;
        }

        /**
         * @param yes true (the default) for text mode: records must be UTF-8 (else
         *            {@link CsvrException#ERR_UTF8}) and fields are decoded as UTF-8; false
         *            for raw mode: any bytes are accepted and each field is decoded as
         *            ISO-8859-1, so that every byte maps to the {@code char} of the same
         *            value and the original bytes are recovered with
         *            {@code s.getBytes(StandardCharsets.ISO_8859_1)}
         * @return this builder
         */
        public Builder utf8(boolean yes) {
            utf8 = yes;
            return this;
        }

        /**
         * @param n the longest record in bytes, terminator included; 0 for no limit
         *          (default 16 MiB); a longer record fails with {@link CsvrException#ERR_PARSE}
         * @return this builder
         */
        public Builder maxRecordBytes(long n) {
            if (n < 0) {
                throw new IllegalArgumentException("maxRecordBytes must be >= 0, got " + n);
            }
            maxRecordBytes = n;
            return this;
        }

        /**
         * @param yes whether a reader of a file or bytes parses ahead on threads of its own
         *            (default false); records, positions and errors are the same either way
         * @return this builder
         */
        public Builder readAhead(boolean yes) {
            readAhead = yes;
            return this;
        }

        /** @return the options, immutable */
        public Options build() {
            return new Options(this);
        }
    }
}
