/*
 * test_api.c: the C API of csvr (include/csvr.h), tested from C as a user calls it.
 *
 * Every check is counted; the program ends with the line "N passed, M failed" and exits
 * non-zero if M > 0. A failed check prints its file, line, test and what differed, and
 * the run goes on. Temporary files live in a fresh directory under $TMPDIR (or /tmp),
 * removed at the end.
 *
 * What is asserted is what csvr.h documents; where the library disagrees, the check
 * fails rather than being bent to the behaviour.
 */

#define _GNU_SOURCE /* mkdtemp, nftw, strdup */

#include <csvr.h>

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <inttypes.h>
#include <limits.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#ifndef CSVR_ROOT_DIR
#error "compile with -DCSVR_ROOT_DIR='\"/path/to/checkout\"' (the Makefile does)"
#endif

#include "check.h"

/* A byte string with a length: fields may hold NUL. B("lit") takes a literal only. */
typedef struct {
    const char *data;
    size_t len;
} bytes;
#define B(lit) ((bytes){(lit), sizeof(lit) - 1})

static void describe_bytes(char *out, size_t cap, const void *data, size_t len) {
    const unsigned char *p = data;
    size_t o = 0;
    for (size_t i = 0; i < len && o + 8 < cap; i++) {
        if (p[i] >= 0x20 && p[i] < 0x7f && p[i] != '\\') {
            out[o++] = (char)p[i];
        } else {
            o += (size_t)snprintf(out + o, cap - o, "\\x%02x", p[i]);
        }
    }
    if (len > 0 && o + 8 >= cap) {
        o += (size_t)snprintf(out + o, cap - o, "...");
    }
    out[o < cap ? o : cap - 1] = '\0';
}

static bool check_bytes(const uint8_t *got, size_t got_len, bytes want, const char *what,
                        const char *file, int line) {
    /* An empty field's pointer must not be read, so only compare when len > 0. */
    bool ok = got_len == want.len && (want.len == 0 || memcmp(got, want.data, want.len) == 0);
    if (ok) {
        return check_at(true, file, line, "%s", what);
    }
    char g[200], w[200];
    describe_bytes(g, sizeof g, got, got_len);
    describe_bytes(w, sizeof w, want.data, want.len);
    return check_at(false, file, line, "%s: got \"%s\" (%zu bytes), want \"%s\" (%zu bytes)",
                    what, g, got_len, w, want.len);
}

/* ------------------------------------------------------------------------------------ */
/* Helpers over the API.                                                                */

static csvr_options *new_options(void) {
    csvr_options *o = csvr_options_new();
    if (o == NULL) {
        fprintf(stderr, "csvr_options_new returned NULL: out of memory\n");
        exit(2);
    }
    return o;
}

static csvr_options *options_without_header(void) {
    csvr_options *o = new_options();
    CHECK_ST(csvr_options_set_has_header(o, false), CSVR_OK);
    return o;
}

/* A reader over `len` bytes, or NULL (with a failed check). */
static csvr_reader *reader_at(const void *data, size_t len, const csvr_options *o,
                              const char *file, int line) {
    csvr_reader *r = NULL;
    csvr_status st = csvr_reader_from_bytes(data, len, o, &r);
    check_status(st, CSVR_OK, "csvr_reader_from_bytes", file, line);
    if (st == CSVR_OK) {
        check_at(r != NULL, file, line, "csvr_reader_from_bytes gave a NULL reader");
    }
    return st == CSVR_OK ? r : NULL;
}
#define READER(lit, opts) reader_at((lit), sizeof(lit) - 1, (opts), __FILE__, __LINE__)

/* Advances `r` and checks that the record has exactly the fields `want`. */
static void expect_record(csvr_reader *r, const bytes *want, size_t n, const char *file, int line) {
    if (r == NULL) {
        check_at(false, file, line, "no reader");
        return;
    }
    if (!check_status(csvr_reader_next(r), CSVR_OK, "csvr_reader_next", file, line)) {
        return;
    }
    size_t count = SIZE_MAX;
    check_status(csvr_reader_field_count(r, &count), CSVR_OK, "csvr_reader_field_count", file,
                 line);
    if (!check_at(count == n, file, line, "field count: got %zu, want %zu", count, n)) {
        return;
    }
    for (size_t i = 0; i < n; i++) {
        const uint8_t *data = NULL;
        size_t len = SIZE_MAX;
        char what[64];
        snprintf(what, sizeof what, "field %zu", i);
        if (check_status(csvr_reader_field(r, i, &data, &len), CSVR_OK, what, file, line)) {
            check_bytes(data, len, want[i], what, file, line);
        }
    }
}
#define FIELDS(...) (const bytes[]){__VA_ARGS__}, sizeof((const bytes[]){__VA_ARGS__}) / sizeof(bytes)
#define EXPECT_RECORD(r, ...) expect_record((r), FIELDS(__VA_ARGS__), __FILE__, __LINE__)

/* Checks that the header of `r` is exactly `want`. */
static void expect_header(const csvr_reader *r, const bytes *want, size_t n, const char *file,
                          int line) {
    if (r == NULL) {
        check_at(false, file, line, "no reader");
        return;
    }
    size_t count = SIZE_MAX;
    check_status(csvr_reader_header_count(r, &count), CSVR_OK, "csvr_reader_header_count", file,
                 line);
    if (!check_at(count == n, file, line, "header count: got %zu, want %zu", count, n)) {
        return;
    }
    for (size_t i = 0; i < n; i++) {
        const uint8_t *data = NULL;
        size_t len = SIZE_MAX;
        char what[64];
        snprintf(what, sizeof what, "header %zu", i);
        if (check_status(csvr_reader_header(r, i, &data, &len), CSVR_OK, what, file, line)) {
            check_bytes(data, len, want[i], what, file, line);
        }
    }
}
#define EXPECT_HEADER(r, ...) expect_header((r), FIELDS(__VA_ARGS__), __FILE__, __LINE__)
#define EXPECT_NO_HEADER(r) expect_header((r), NULL, 0, __FILE__, __LINE__)

#define EXPECT_DONE(r) CHECK_ST(csvr_reader_next(r), CSVR_DONE)

static void expect_position(const csvr_reader *r, uint64_t line, uint64_t byte, uint64_t record,
                            const char *file, int src_line) {
    uint64_t l = UINT64_MAX, b = UINT64_MAX, n = UINT64_MAX;
    if (check_status(csvr_reader_position(r, &l, &b, &n), CSVR_OK, "csvr_reader_position", file,
                     src_line)) {
        check_at(l == line && b == byte && n == record, file, src_line,
                 "position: got line %" PRIu64 ", byte %" PRIu64 ", record %" PRIu64
                 "; want line %" PRIu64 ", byte %" PRIu64 ", record %" PRIu64,
                 l, b, n, line, byte, record);
    }
}
#define EXPECT_POSITION(r, line, byte, record) \
    expect_position((r), (line), (byte), (record), __FILE__, __LINE__)

/* Checks csvr_last_error_position: present and equal, or (line 0) absent. */
static void expect_error_position(uint64_t line, uint64_t byte, uint64_t record, const char *file,
                                  int src_line) {
    uint64_t l = UINT64_MAX, b = UINT64_MAX, n = UINT64_MAX;
    bool has = csvr_last_error_position(&l, &b, &n);
    if (line == 0) {
        check_at(!has && l == UINT64_MAX && b == UINT64_MAX && n == UINT64_MAX, file, src_line,
                 "csvr_last_error_position: want none (and nothing written), got %s", has ? "one" : "none but a write");
        return;
    }
    if (check_at(has, file, src_line, "csvr_last_error_position: want one, got none (last error: %s)",
                 last_message())) {
        check_at(l == line && b == byte && n == record, file, src_line,
                 "error position: got line %" PRIu64 ", byte %" PRIu64 ", record %" PRIu64
                 "; want line %" PRIu64 ", byte %" PRIu64 ", record %" PRIu64,
                 l, b, n, line, byte, record);
    }
}
#define EXPECT_ERROR_POSITION(line, byte, record) \
    expect_error_position((line), (byte), (record), __FILE__, __LINE__)
#define EXPECT_NO_ERROR_POSITION() expect_error_position(0, 0, 0, __FILE__, __LINE__)

/* Counts `r`'s remaining records by csvr_reader_next; UINT64_MAX on an error. */
static uint64_t records_by_next(csvr_reader *r) {
    uint64_t n = 0;
    for (;;) {
        csvr_status st = csvr_reader_next(r);
        if (st == CSVR_DONE) {
            return n;
        }
        if (st != CSVR_OK) {
            return UINT64_MAX;
        }
        n++;
    }
}

/* ------------------------------------------------------------------------------------ */
/* Temporary files.                                                                     */

static char g_tmpdir[PATH_MAX];

static void tmp_path(char *out, size_t cap, const char *name) {
    snprintf(out, cap, "%s/%s", g_tmpdir, name);
}

static void write_file(const char *path, const void *data, size_t len) {
    FILE *f = fopen(path, "wb");
    if (f == NULL || (len > 0 && fwrite(data, 1, len, f) != len) || fclose(f) != 0) {
        fprintf(stderr, "cannot write %s: %s\n", path, strerror(errno));
        exit(2);
    }
}

static int remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw) {
    (void)st, (void)flag, (void)ftw;
    return remove(path);
}

/* Sentinels: out-parameters are set to these before a failing call and must stay so. */
static const uint8_t g_sentinel_byte;
#define SENTINEL_PTR (&g_sentinel_byte)
#define SENTINEL_READER ((csvr_reader *)(uintptr_t)0x5e5e5e50u)
#define SENTINEL_U64 UINT64_C(0xDEADBEEFCAFEF00D)
#define SENTINEL_SIZE ((size_t)0x5A5A5A5Au)

/* ------------------------------------------------------------------------------------ */
/* The tests.                                                                           */

static void test_version(void) {
    const char *v = csvr_version();
    if (CHECK(v != NULL)) {
        CHECK(strcmp(v, "0.2.0") == 0);
        char from_macros[64];
        snprintf(from_macros, sizeof from_macros, "%d.%d.%d", CSVR_VERSION_MAJOR,
                 CSVR_VERSION_MINOR, CSVR_VERSION_PATCH);
        check_at(strcmp(v, from_macros) == 0, __FILE__, __LINE__,
                 "csvr_version() \"%s\" differs from the header's CSVR_VERSION_* \"%s\"", v,
                 from_macros);
        CHECK(csvr_version() == v); /* a static string */
    }
}

static void test_status_names(void) {
    CHECK(strcmp(csvr_status_name(CSVR_OK), "CSVR_OK") == 0);
    CHECK(strcmp(csvr_status_name(CSVR_DONE), "CSVR_DONE") == 0);
    CHECK(strcmp(csvr_status_name(CSVR_ERR_NULL), "CSVR_ERR_NULL") == 0);
    CHECK(strcmp(csvr_status_name(CSVR_ERR_INVALID), "CSVR_ERR_INVALID") == 0);
    CHECK(strcmp(csvr_status_name(CSVR_ERR_IO), "CSVR_ERR_IO") == 0);
    CHECK(strcmp(csvr_status_name(CSVR_ERR_PARSE), "CSVR_ERR_PARSE") == 0);
    CHECK(strcmp(csvr_status_name(CSVR_ERR_UTF8), "CSVR_ERR_UTF8") == 0);
    CHECK(strcmp(csvr_status_name(CSVR_ERR_PANIC), "CSVR_ERR_PANIC") == 0);
    CHECK(strcmp(csvr_status_name(12345), "CSVR_UNKNOWN") == 0);
    CHECK(strcmp(csvr_status_name(-12345), "CSVR_UNKNOWN") == 0);
}

static void test_max_record_bytes(void) {
    static const char data[] = "short\nthis record is far too long\nok\n";
    csvr_options *o = csvr_options_new();
    CHECK_ST(csvr_options_set_has_header(o, false), CSVR_OK);
    CHECK_ST(csvr_options_set_max_record_bytes(o, 10), CSVR_OK);
    csvr_reader *r = NULL;
    if (CHECK_ST(csvr_reader_from_bytes((const uint8_t *)data, sizeof data - 1, o, &r), CSVR_OK)) {
        CHECK_ST(csvr_reader_next(r), CSVR_OK);
        CHECK_ST(csvr_reader_next(r), CSVR_ERR_PARSE);
        CHECK_MSG_HAS("max_record_bytes");
        CHECK_MSG_HAS("line 2, byte 6, record 1");
        csvr_reader_free(r);
    }
    /* Counting refuses the same record, with the same message, so count and read agree. */
    uint64_t n = SENTINEL_U64;
    CHECK_ST(csvr_count_bytes((const uint8_t *)data, sizeof data - 1, o, &n), CSVR_ERR_PARSE);
    CHECK_MSG_HAS("a record is longer than max_record_bytes (10 bytes) at line 2, byte 6, record 1");
    CHECK_U64(n, SENTINEL_U64);
    /* A stream that never ends a record (here /dev/zero) is refused too, not counted for
     * ever: the default limit is 16 MiB. */
    CHECK_ST(csvr_count_path("/dev/zero", NULL, &n), CSVR_ERR_PARSE);
    CHECK_MSG_HAS("max_record_bytes");
    EXPECT_ERROR_POSITION(1, 0, 0);
    /* 0: no limit. */
    CHECK_ST(csvr_options_set_max_record_bytes(o, 0), CSVR_OK);
    if (CHECK_ST(csvr_reader_from_bytes((const uint8_t *)data, sizeof data - 1, o, &r), CSVR_OK)) {
        CHECK_ST(csvr_reader_count(r, &n), CSVR_OK);
        CHECK_U64(n, 3);
        csvr_reader_free(r);
    }
    CHECK_ST(csvr_options_set_max_record_bytes(NULL, 1), CSVR_ERR_NULL);
    csvr_options_free(o);
}

/* Open files held by this process. */
static int open_fds(void) {
    int n = 0;
    char path[64];
    for (int fd = 0; fd < 4096; fd++) {
        snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
        n += access(path, F_OK) == 0;
    }
    return n;
}

/* Many open/read/free cycles leave no file descriptor behind (CSVR_TEST_CYCLES, default
 * 100000; the valgrind run asks for fewer). */
static void test_open_free_cycles(void) {
    const char *env = getenv("CSVR_TEST_CYCLES");
    long cycles = env != NULL ? strtol(env, NULL, 10) : 100000;
    char path[PATH_MAX];
    tmp_path(path, sizeof path, "cycles.csv");
    write_file(path, "a,b\n1,2\n", 8);
    int before = open_fds();
    long bad = 0;
    for (long i = 0; i < cycles; i++) {
        csvr_reader *r = NULL;
        csvr_status s = i % 2 ? csvr_reader_open(path, NULL, &r)
                              : csvr_reader_from_bytes((const uint8_t *)"a,b\n1,2\n", 8, NULL, &r);
        bad += s != CSVR_OK || csvr_reader_next(r) != CSVR_OK;
        csvr_reader_free(r);
    }
    CHECK(bad == 0);
    check_at(open_fds() == before, __FILE__, __LINE__, "open fds: %d before, %d after %ld cycles",
             before, open_fds(), cycles);
}

/* One call on a reader, described as text: statuses, fields and positions, so that two
 * readers can be compared call by call. */
static void describe_call(csvr_reader *r, int op, char *out, size_t cap) {
    size_t used = 0;
#define PUT(...) (used += (size_t)snprintf(out + used, used < cap ? cap - used : 0, __VA_ARGS__))
    if (op == 0) {
        csvr_status s = csvr_reader_next(r);
        PUT("next %d", (int)s);
        size_t n = 0;
        if (s == CSVR_OK && csvr_reader_field_count(r, &n) == CSVR_OK) {
            for (size_t i = 0; i < n; i++) {
                const uint8_t *p;
                size_t len;
                csvr_reader_field(r, i, &p, &len);
                PUT(" [%.*s]", (int)len, (const char *)p);
            }
            uint64_t l, b, rec;
            csvr_reader_position(r, &l, &b, &rec);
            PUT(" @%llu/%llu/%llu", (unsigned long long)l, (unsigned long long)b,
                (unsigned long long)rec);
        }
    } else if (op < 4) {
        csvr_batch batch;
        csvr_status s = csvr_reader_next_batch(r, (size_t)op * 3, &batch);
        PUT("batch %d", (int)s);
        if (s == CSVR_OK) {
            PUT(" n=%zu framed=%d [%.*s]", batch.records, (int)batch.framed, (int)batch.len,
                (const char *)batch.data);
            for (size_t i = 0; i < batch.records; i++) {
                PUT(" @%llu", (unsigned long long)batch.positions[i].byte);
            }
        }
    } else {
        uint64_t n = 0;
        csvr_status s = csvr_reader_count(r, &n);
        PUT("count %d %llu", (int)s, (unsigned long long)n);
    }
    if (used >= cap && cap > 0) {
        out[cap - 1] = 0;
    }
#undef PUT
}

/* A reader that parses ahead on a thread of its own answers every call as one that
 * does not; freeing it mid-file stops the thread and closes the file. */
static void test_read_ahead(void) {
    CHECK_ST(csvr_options_set_read_ahead(NULL, true), CSVR_ERR_NULL);
    char path[PATH_MAX];
    tmp_path(path, sizeof path, "read-ahead.csv");
    size_t cap = 1 << 20, len = 0;
    char *data = malloc(cap);
    if (!CHECK(data != NULL)) {
        return;
    }
    len += (size_t)snprintf(data + len, cap - len, "id,text\n");
    for (int i = 0; i < 3000; i++) {
        /* Every 97th record is ragged, every 89th is not UTF-8. */
        len += (size_t)snprintf(data + len, cap - len,
                                i % 97 == 5    ? "%d\n"
                                : i % 89 == 7  ? "%d,\"bad \xff\"\n"
                                               : "%d,\"line\nwith, comma\"\n",
                                i);
    }
    write_file(path, data, len);
    csvr_options *plain = new_options(), *ahead = new_options();
    for (int k = 0; k < 2; k++) {
        csvr_options *o = k == 0 ? plain : ahead;
        CHECK_ST(csvr_options_set_flexible(o, false), CSVR_OK);
        CHECK_ST(csvr_options_set_utf8(o, true), CSVR_OK);
    }
    CHECK_ST(csvr_options_set_read_ahead(ahead, true), CSVR_OK);
    /* From a file and from bytes; a fixed mix of calls, then single reads to the end. */
    for (int source = 0; source < 2; source++) {
        csvr_reader *a = NULL, *b = NULL;
        if (source == 0) {
            CHECK_ST(csvr_reader_open(path, plain, &a), CSVR_OK);
            CHECK_ST(csvr_reader_open(path, ahead, &b), CSVR_OK);
        } else {
            CHECK_ST(csvr_reader_from_bytes((const uint8_t *)data, len, plain, &a), CSVR_OK);
            CHECK_ST(csvr_reader_from_bytes((const uint8_t *)data, len, ahead, &b), CSVR_OK);
        }
        if (a == NULL || b == NULL) {
            csvr_reader_free(a);
            csvr_reader_free(b);
            continue;
        }
        static char da[1 << 16], db[1 << 16];
        long differ = 0, calls = 0;
        for (int i = 0; i < 12000; i++) {
            int op = i < 600 ? (i * 7) % 4 : i == 2000 ? 4 : 0;
            describe_call(a, op, da, sizeof da);
            describe_call(b, op, db, sizeof db);
            calls++;
            if (strcmp(da, db) != 0 && differ++ == 0) {
                check_at(false, __FILE__, __LINE__, "call %d differs:\n  %s\n  %s", i, da, db);
            }
        }
        CHECK(differ == 0 && calls == 12000);
        csvr_reader_free(a);
        csvr_reader_free(b);
    }
    /* Freed mid-file, many times over: no descriptor left behind. */
    const char *env = getenv("CSVR_TEST_CYCLES");
    long cycles = (env != NULL ? strtol(env, NULL, 10) : 100000) / 50;
    int before = open_fds();
    long bad = 0;
    for (long i = 0; i < cycles; i++) {
        csvr_reader *r = NULL;
        csvr_batch batch;
        bad += csvr_reader_open(path, ahead, &r) != CSVR_OK;
        bad += csvr_reader_next_batch(r, 10, &batch) != CSVR_OK;
        csvr_reader_free(r);
    }
    CHECK(bad == 0);
    check_at(open_fds() == before, __FILE__, __LINE__, "open fds: %d before, %d after %ld cycles",
             before, open_fds(), cycles);
    csvr_options_free(plain);
    csvr_options_free(ahead);
    free(data);
}

static void test_options_clone(void) {
    csvr_options *o = csvr_options_new();
    CHECK_ST(csvr_options_set_delimiter(o, ';'), CSVR_OK);
    CHECK_ST(csvr_options_set_has_header(o, false), CSVR_OK);
    csvr_options *copy = csvr_options_clone(o);
    csvr_options_free(o); /* the copy stands alone */
    uint64_t n = 0;
    CHECK_ST(csvr_count_bytes((const uint8_t *)"a;b\nc;d\n", 8, copy, &n), CSVR_OK);
    CHECK_U64(n, 2);
    csvr_options_free(copy);
    csvr_options *defaults = csvr_options_clone(NULL);
    CHECK_ST(csvr_count_bytes((const uint8_t *)"h\n1\n", 4, defaults, &n), CSVR_OK);
    CHECK_U64(n, 1);
    csvr_options_free(defaults);
}

/* One input, counted and read every way there is; all must agree with `want`. */
struct count_case {
    const char *name;
    const char *data;
    size_t len;
    bool header;
    uint64_t want;
};
#define CASE(name, lit, header, want) {(name), (lit), sizeof(lit) - 1, (header), (want)}

static const struct count_case k_count_cases[] = {
    CASE("simple", "a,b\n1,2\n3,4\n", true, 2),
    CASE("no final newline", "a,b\n1,2\n3,4", true, 2),
    CASE("header off", "a,b\n1,2\n3,4\n", false, 3),
    CASE("blank lines skipped", "\na,b\n\n1,2\n\n\n3,4\n\n", true, 2),
    CASE("blank lines, header off", "\n\n1,2\n\n3,4\n\n\n", false, 2),
    CASE("CRLF", "a,b\r\n1,2\r\n3,4\r\n", true, 2),
    CASE("lone CR", "a,b\r1,2\r3,4\r", true, 2),
    CASE("lone CR, no final", "a,b\r1,2\r3,4", true, 2),
    CASE("mixed terminators", "a,b\r\n1,2\n3,4\r5,6", true, 3),
    CASE("blank CRLF lines", "a,b\r\n\r\n1,2\r\n\r\n\r\n", true, 1),
    CASE("quoted newlines", "h\n\"x\ny\"\n\"a\r\nb\"\n\"c\rd\"\n\"\n\n\"\n", true, 4),
    CASE("quoted delimiters and quotes", "h\n\"a,b\",\"c\"\"d\"\n", true, 1),
    CASE("BOM", "\xEF\xBB\xBF" "a,b\n1,2\n", true, 1),
    CASE("BOM, header off", "\xEF\xBB\xBF" "1,2\n3,4\n", false, 2),
    CASE("BOM only", "\xEF\xBB\xBF", true, 0),
    CASE("empty", "", true, 0),
    CASE("empty, header off", "", false, 0),
    CASE("only blank lines", "\n\r\n\r\n\n", false, 0),
    CASE("header only", "a,b\n", true, 0),
    CASE("header only, no newline", "a,b", true, 0),
    CASE("header only, CRLF", "a,b\r\n", true, 0),
    CASE("one line, header off", "a,b\n", false, 1),
    CASE("empty quoted field is a record", "\"\"\n", false, 1),
    CASE("lone delimiter is a record", ",\n", false, 1),
    CASE("space is a record", " \n", false, 1),
    CASE("NUL bytes", "a\0b,c\n\0\n", false, 2),
    CASE("unterminated quote at EOF", "h\n\"abc\n", true, 1),
    CASE("ragged, flexible by default", "a,b,c\n1\n1,2,3,4\n,\n", true, 3),
};

static void test_counts(void) {
    csvr_options *with = new_options();
    csvr_options *without = options_without_header();
    for (size_t i = 0; i < sizeof k_count_cases / sizeof k_count_cases[0]; i++) {
        const struct count_case *c = &k_count_cases[i];
        const csvr_options *o = c->header ? with : without;
        char what[160];
        uint64_t n = SENTINEL_U64;

        snprintf(what, sizeof what, "csvr_count_bytes [%s]", c->name);
        if (check_status(csvr_count_bytes((const uint8_t *)c->data, c->len, o, &n), CSVR_OK, what,
                         __FILE__, __LINE__)) {
            check_u64(n, c->want, what, __FILE__, __LINE__);
        }

        char path[PATH_MAX];
        char name[64];
        snprintf(name, sizeof name, "count-%zu.csv", i);
        tmp_path(path, sizeof path, name);
        write_file(path, c->data, c->len);
        n = SENTINEL_U64;
        snprintf(what, sizeof what, "csvr_count_path [%s]", c->name);
        if (check_status(csvr_count_path(path, o, &n), CSVR_OK, what, __FILE__, __LINE__)) {
            check_u64(n, c->want, what, __FILE__, __LINE__);
        }

        /* Read by next(), from bytes and from the file; then count by a fresh reader. */
        for (int from_file = 0; from_file < 2; from_file++) {
            for (int by_count = 0; by_count < 2; by_count++) {
                csvr_reader *r = NULL;
                csvr_status st = from_file ? csvr_reader_open(path, o, &r)
                                           : csvr_reader_from_bytes((const uint8_t *)c->data,
                                                                    c->len, o, &r);
                snprintf(what, sizeof what, "%s reader, %s [%s]", from_file ? "file" : "bytes",
                         by_count ? "csvr_reader_count" : "csvr_reader_next", c->name);
                if (!check_status(st, CSVR_OK, what, __FILE__, __LINE__)) {
                    continue;
                }
                n = SENTINEL_U64;
                if (by_count) {
                    check_status(csvr_reader_count(r, &n), CSVR_OK, what, __FILE__, __LINE__);
                } else {
                    n = records_by_next(r);
                }
                check_u64(n, c->want, what, __FILE__, __LINE__);
                csvr_reader_free(r);
            }
        }
    }
    csvr_options_free(with);
    csvr_options_free(without);
}

static void test_count_null_data(void) {
    uint64_t n = SENTINEL_U64;
    CHECK_ST(csvr_count_bytes(NULL, 0, NULL, &n), CSVR_OK);
    CHECK_U64(n, 0);

    n = SENTINEL_U64;
    CHECK_ST(csvr_count_bytes(NULL, 5, NULL, &n), CSVR_ERR_NULL);
    CHECK_U64(n, SENTINEL_U64);
    CHECK_MSG_HAS("data");

    /* The reader takes (NULL, 0) as the empty input too. */
    csvr_reader *r = NULL;
    if (CHECK_ST(csvr_reader_from_bytes(NULL, 0, NULL, &r), CSVR_OK)) {
        EXPECT_NO_HEADER(r);
        EXPECT_DONE(r);
        csvr_reader_free(r);
    }
    r = SENTINEL_READER;
    CHECK_ST(csvr_reader_from_bytes(NULL, 5, NULL, &r), CSVR_ERR_NULL);
    CHECK(r == SENTINEL_READER);
}

static void test_fields_and_headers(void) {
    static const char data[] =
        "name,\"quoted, with comma\",\"say \"\"hi\"\"\"\n"
        "\"Smith, J\",\"multi\nline\",\"\"\"\"\n"
        "a\0b,\"nul\0inside\",\n"
        ",,\n"
        "\"\",\"\r\n\",\"x\"\"\"\"y\"\n";
    csvr_reader *r = READER(data, NULL);
    EXPECT_HEADER(r, B("name"), B("quoted, with comma"), B("say \"hi\""));
    EXPECT_RECORD(r, B("Smith, J"), B("multi\nline"), B("\""));
    EXPECT_RECORD(r, B("a\0b"), B("nul\0inside"), B(""));
    EXPECT_RECORD(r, B(""), B(""), B(""));
    EXPECT_RECORD(r, B(""), B("\r\n"), B("x\"\"y"));
    EXPECT_DONE(r);
    /* Header fields stay valid and unchanged until the reader is freed. */
    EXPECT_HEADER(r, B("name"), B("quoted, with comma"), B("say \"hi\""));
    csvr_reader_free(r);

    /* The BOM is not data: not part of the first header field, nor of a first record. */
    r = READER("\xEF\xBB\xBF" "a,b\n1,2\n", NULL);
    EXPECT_HEADER(r, B("a"), B("b"));
    EXPECT_RECORD(r, B("1"), B("2"));
    csvr_reader_free(r);
    csvr_options *no_header = options_without_header();
    r = READER("\xEF\xBB\xBF" "1,2\n", no_header);
    EXPECT_NO_HEADER(r);
    EXPECT_RECORD(r, B("1"), B("2"));
    EXPECT_DONE(r);
    csvr_reader_free(r);

    /* An empty field gives length 0, whatever the pointer. */
    r = READER("h\n\n\"\"\n", NULL);
    EXPECT_RECORD(r, B(""));
    EXPECT_DONE(r);
    csvr_reader_free(r);

    /* Ragged records are fine by default. */
    r = READER("a,b\n1\n1,2,3\n", NULL);
    EXPECT_RECORD(r, B("1"));
    EXPECT_RECORD(r, B("1"), B("2"), B("3"));
    EXPECT_DONE(r);
    csvr_reader_free(r);

    /* Empty input with a header: no header fields and no records; header off: none. */
    r = READER("", NULL);
    EXPECT_NO_HEADER(r);
    EXPECT_DONE(r);
    csvr_reader_free(r);
    r = READER("a,b\n", no_header);
    EXPECT_NO_HEADER(r);
    EXPECT_RECORD(r, B("a"), B("b"));
    csvr_reader_free(r);
    csvr_options_free(no_header);

    /* The bytes are copied: the caller may overwrite and free them at once. */
    static const char text[] = "k,v\nx,1\ny,2\n";
    char *copy = malloc(sizeof text);
    if (CHECK(copy != NULL)) {
        memcpy(copy, text, sizeof text);
        r = reader_at(copy, sizeof text - 1, NULL, __FILE__, __LINE__);
        memset(copy, 'Z', sizeof text);
        free(copy);
        EXPECT_HEADER(r, B("k"), B("v"));
        EXPECT_RECORD(r, B("x"), B("1"));
        EXPECT_RECORD(r, B("y"), B("2"));
        EXPECT_DONE(r);
        csvr_reader_free(r);
    }

    /* Options are copied: they may be freed as soon as the reader is open. */
    csvr_options *o = new_options();
    CHECK_ST(csvr_options_set_delimiter(o, ';'), CSVR_OK);
    r = READER("a;b\n1;2\n", o);
    csvr_options_free(o);
    EXPECT_HEADER(r, B("a"), B("b"));
    EXPECT_RECORD(r, B("1"), B("2"));
    csvr_reader_free(r);
}

static void test_positions(void) {
    csvr_reader *r = READER("a,b\n1,2\n3,4\n", NULL);
    EXPECT_RECORD(r, B("1"), B("2"));
    EXPECT_POSITION(r, 2, 4, 1);
    EXPECT_RECORD(r, B("3"), B("4"));
    EXPECT_POSITION(r, 3, 8, 2); /* the pinned example of API.md */
    csvr_reader_free(r);

    csvr_options *no_header = options_without_header();
    r = READER("1,2\n3,4\n", no_header);
    EXPECT_RECORD(r, B("1"), B("2"));
    EXPECT_POSITION(r, 1, 0, 0);
    EXPECT_RECORD(r, B("3"), B("4"));
    EXPECT_POSITION(r, 2, 4, 1);
    csvr_reader_free(r);
    csvr_options_free(no_header);

    /* A quoted newline moves the next record's line on. */
    r = READER("h\n\"x\ny\"\nz\n", NULL);
    EXPECT_RECORD(r, B("x\ny"));
    EXPECT_POSITION(r, 2, 2, 1);
    EXPECT_RECORD(r, B("z"));
    EXPECT_POSITION(r, 4, 8, 2);
    csvr_reader_free(r);

    /* Positions name the record's real start (API.md pins it): its first byte and that
     * byte's line. Blank lines before a record, and the '\n' of a CRLF, are not part of
     * it (the Rust csv crate's own Position would start where the last record ended). */
    r = READER("a\n\n\nb\n", NULL);
    EXPECT_RECORD(r, B("b"));
    EXPECT_POSITION(r, 4, 4, 1);
    csvr_reader_free(r);

    r = READER("a\r\nb\r\nc\r\n", NULL);
    EXPECT_RECORD(r, B("b"));
    EXPECT_POSITION(r, 2, 3, 1);
    EXPECT_RECORD(r, B("c"));
    EXPECT_POSITION(r, 3, 6, 2);
    csvr_reader_free(r);

    /* A BOM and blank lines before the header, and comment lines before a record. */
    csvr_options *comments = new_options();
    csvr_options_set_comment(comments, '#');
    r = READER("\xef\xbb\xbf\n\nh\n#note\r\n\n#more\nx\n", comments);
    EXPECT_RECORD(r, B("x"));
    EXPECT_POSITION(r, 7, 21, 1);
    csvr_reader_free(r);
    csvr_options_free(comments);
}

/* ---- NULL arguments ---- */

/* Sets the last error to a known message, so a later check sees the new one. */
static csvr_options *g_prime_options;
static char g_primed[512];

static void prime_last_error(void) {
    if (csvr_options_set_trim(g_prime_options, 42) == CSVR_ERR_INVALID &&
        csvr_last_error_message() != NULL) {
        snprintf(g_primed, sizeof g_primed, "%s", csvr_last_error_message());
    } else {
        g_primed[0] = '\0';
    }
}

static bool is_word_char(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
}

/* `word` occurs in `text` as a whole word (not inside an identifier). */
static bool has_word(const char *text, const char *word) {
    size_t n = strlen(word);
    for (const char *p = strstr(text, word); p != NULL; p = strstr(p + 1, word)) {
        bool starts = p == text || !is_word_char(p[-1]);
        bool ends = !is_word_char(p[n]);
        if (starts && ends) {
            return true;
        }
    }
    return false;
}

static void expect_null_arg(csvr_status st, const char *arg, const char *expr, const char *file,
                            int line) {
    check_status(st, CSVR_ERR_NULL, expr, file, line);
    const char *m = csvr_last_error_message();
    if (check_at(m != NULL, file, line, "%s: no last error message", expr)) {
        check_at(strcmp(m, g_primed) != 0, file, line, "%s: the last error was not replaced",
                 expr);
        check_at(has_word(m, arg), file, line, "%s: message does not name '%s': %s", expr, arg,
                 m);
    }
    check_at(csvr_last_error_os_error() == 0, file, line, "%s: os error should be 0", expr);
}
#define EXPECT_NULL_ARG(call, arg)                                      \
    do {                                                                \
        prime_last_error();                                             \
        expect_null_arg((call), (arg), #call, __FILE__, __LINE__);      \
    } while (0)

static void test_null_arguments(void) {
    g_prime_options = new_options();
    char path[PATH_MAX];
    tmp_path(path, sizeof path, "null-args.csv");
    write_file(path, "h\n1\n", 4);
    static const uint8_t data[] = "h\n1\n";

    uint64_t u = SENTINEL_U64;
    EXPECT_NULL_ARG(csvr_count_path(NULL, NULL, &u), "path");
    EXPECT_NULL_ARG(csvr_count_path(path, NULL, NULL), "out");
    EXPECT_NULL_ARG(csvr_count_bytes(NULL, 4, NULL, &u), "data");
    EXPECT_NULL_ARG(csvr_count_bytes(data, 4, NULL, NULL), "out");
    CHECK_U64(u, SENTINEL_U64);

    EXPECT_NULL_ARG(csvr_options_set_delimiter(NULL, ';'), "opts");
    EXPECT_NULL_ARG(csvr_options_set_quote(NULL, '\''), "opts");
    EXPECT_NULL_ARG(csvr_options_set_escape(NULL, '\\'), "opts");
    EXPECT_NULL_ARG(csvr_options_set_comment(NULL, '#'), "opts");
    EXPECT_NULL_ARG(csvr_options_set_has_header(NULL, false), "opts");
    EXPECT_NULL_ARG(csvr_options_set_flexible(NULL, false), "opts");
    EXPECT_NULL_ARG(csvr_options_set_double_quote(NULL, false), "opts");
    EXPECT_NULL_ARG(csvr_options_set_quoting(NULL, false), "opts");
    EXPECT_NULL_ARG(csvr_options_set_trim(NULL, CSVR_TRIM_ALL), "opts");
    EXPECT_NULL_ARG(csvr_options_set_terminator(NULL, ';'), "opts");
    EXPECT_NULL_ARG(csvr_options_set_threads(NULL, 2), "opts");
    EXPECT_NULL_ARG(csvr_options_set_utf8(NULL, true), "opts");

    csvr_reader *out = SENTINEL_READER;
    EXPECT_NULL_ARG(csvr_reader_open(NULL, NULL, &out), "path");
    EXPECT_NULL_ARG(csvr_reader_open(path, NULL, NULL), "out");
    EXPECT_NULL_ARG(csvr_reader_from_bytes(NULL, 4, NULL, &out), "data");
    EXPECT_NULL_ARG(csvr_reader_from_bytes(data, 4, NULL, NULL), "out");
    CHECK(out == SENTINEL_READER);

    EXPECT_NULL_ARG(csvr_reader_next(NULL), "r");

    /* The remaining calls on a reader that has a current record, so that only the NULL
     * argument is wrong. */
    csvr_reader *r = reader_at(data, 4, NULL, __FILE__, __LINE__);
    if (r == NULL) {
        csvr_options_free(g_prime_options);
        return;
    }
    CHECK_ST(csvr_reader_next(r), CSVR_OK);
    size_t z = SENTINEL_SIZE;
    const uint8_t *p = SENTINEL_PTR;
    uint64_t l = SENTINEL_U64, b = SENTINEL_U64, rec = SENTINEL_U64;

    EXPECT_NULL_ARG(csvr_reader_field_count(NULL, &z), "r");
    EXPECT_NULL_ARG(csvr_reader_field_count(r, NULL), "out");
    EXPECT_NULL_ARG(csvr_reader_field(NULL, 0, &p, &z), "r");
    EXPECT_NULL_ARG(csvr_reader_field(r, 0, NULL, &z), "data");
    EXPECT_NULL_ARG(csvr_reader_field(r, 0, &p, NULL), "len");
    EXPECT_NULL_ARG(csvr_reader_header_count(NULL, &z), "r");
    EXPECT_NULL_ARG(csvr_reader_header_count(r, NULL), "out");
    EXPECT_NULL_ARG(csvr_reader_header(NULL, 0, &p, &z), "r");
    EXPECT_NULL_ARG(csvr_reader_header(r, 0, NULL, &z), "data");
    EXPECT_NULL_ARG(csvr_reader_header(r, 0, &p, NULL), "len");
    EXPECT_NULL_ARG(csvr_reader_position(NULL, &l, &b, &rec), "r");
    EXPECT_NULL_ARG(csvr_reader_position(r, NULL, &b, &rec), "line");
    EXPECT_NULL_ARG(csvr_reader_position(r, &l, NULL, &rec), "byte");
    EXPECT_NULL_ARG(csvr_reader_position(r, &l, &b, NULL), "record");
    EXPECT_NULL_ARG(csvr_reader_count(NULL, &u), "r");
    EXPECT_NULL_ARG(csvr_reader_count(r, NULL), "out");
    /* Out-parameters untouched by every failed call above. */
    CHECK(z == SENTINEL_SIZE);
    CHECK(p == SENTINEL_PTR);
    CHECK(l == SENTINEL_U64 && b == SENTINEL_U64 && rec == SENTINEL_U64);
    CHECK_U64(u, SENTINEL_U64);

    /* None of the failed calls changed the reader: the record is still current, and the
     * failed csvr_reader_count(r, NULL) consumed nothing. */
    EXPECT_POSITION(r, 2, 2, 1);
    size_t count = 0;
    CHECK_ST(csvr_reader_field_count(r, &count), CSVR_OK);
    CHECK_U64(count, 1);
    EXPECT_DONE(r);
    csvr_reader_free(r);

    /* csvr_last_error_position with a NULL pointer: false, nothing written, and the last
     * error itself unchanged. */
    csvr_options *strict = new_options();
    CHECK_ST(csvr_options_set_flexible(strict, false), CSVR_OK);
    u = SENTINEL_U64;
    CHECK_ST(csvr_count_bytes((const uint8_t *)"a,b\n1\n", 6, strict, &u), CSVR_ERR_PARSE);
    char before[512];
    snprintf(before, sizeof before, "%s", last_message());
    l = b = rec = SENTINEL_U64;
    CHECK(!csvr_last_error_position(NULL, &b, &rec));
    CHECK(!csvr_last_error_position(&l, NULL, &rec));
    CHECK(!csvr_last_error_position(&l, &b, NULL));
    CHECK(l == SENTINEL_U64 && b == SENTINEL_U64 && rec == SENTINEL_U64);
    CHECK(strcmp(last_message(), before) == 0);
    EXPECT_ERROR_POSITION(2, 4, 1);
    csvr_options_free(strict);

    /* The free functions take NULL as a no-op. */
    csvr_reader_free(NULL);
    csvr_options_free(NULL);
    CHECK(true);
    csvr_options_free(g_prime_options);
}

static void test_reader_states(void) {
    csvr_reader *r = READER("a,b\n1,2\n", NULL);
    if (r == NULL) {
        return;
    }
    size_t z = SENTINEL_SIZE;
    const uint8_t *p = SENTINEL_PTR;
    uint64_t l = SENTINEL_U64, b = SENTINEL_U64, n = SENTINEL_U64;

    /* Before the first next: no current record. */
    CHECK_ST(csvr_reader_field_count(r, &z), CSVR_ERR_INVALID);
    CHECK(csvr_last_error_message() != NULL);
    CHECK_ST(csvr_reader_field(r, 0, &p, &z), CSVR_ERR_INVALID);
    CHECK_ST(csvr_reader_position(r, &l, &b, &n), CSVR_ERR_INVALID);
    CHECK(z == SENTINEL_SIZE && p == SENTINEL_PTR);
    CHECK(l == SENTINEL_U64 && b == SENTINEL_U64 && n == SENTINEL_U64);
    /* The header is there before the first next. */
    EXPECT_HEADER(r, B("a"), B("b"));

    /* Out of range indexes, on a current record and on the header. */
    EXPECT_RECORD(r, B("1"), B("2"));
    CHECK_ST(csvr_reader_field(r, 2, &p, &z), CSVR_ERR_INVALID);
    CHECK_MSG_HAS("2");
    CHECK_ST(csvr_reader_field(r, SIZE_MAX, &p, &z), CSVR_ERR_INVALID);
    CHECK_ST(csvr_reader_header(r, 2, &p, &z), CSVR_ERR_INVALID);
    CHECK_ST(csvr_reader_header(r, SIZE_MAX, &p, &z), CSVR_ERR_INVALID);
    CHECK(z == SENTINEL_SIZE && p == SENTINEL_PTR);
    /* ... which leaves the record current. */
    EXPECT_POSITION(r, 2, 4, 1);

    /* After DONE: no current record, and DONE again and again. */
    EXPECT_DONE(r);
    CHECK_ST(csvr_reader_field_count(r, &z), CSVR_ERR_INVALID);
    CHECK_ST(csvr_reader_field(r, 0, &p, &z), CSVR_ERR_INVALID);
    CHECK_ST(csvr_reader_position(r, &l, &b, &n), CSVR_ERR_INVALID);
    CHECK(z == SENTINEL_SIZE && p == SENTINEL_PTR);
    CHECK(l == SENTINEL_U64 && b == SENTINEL_U64 && n == SENTINEL_U64);
    EXPECT_DONE(r);
    EXPECT_DONE(r);
    n = SENTINEL_U64;
    CHECK_ST(csvr_reader_count(r, &n), CSVR_OK);
    CHECK_U64(n, 0);
    EXPECT_DONE(r);
    /* The header is still there after the end. */
    EXPECT_HEADER(r, B("a"), B("b"));
    csvr_reader_free(r);

    /* With has_header off, every header index is out of range. */
    csvr_options *no_header = options_without_header();
    r = READER("a,b\n", no_header);
    CHECK_ST(csvr_reader_header(r, 0, &p, &z), CSVR_ERR_INVALID);
    CHECK(z == SENTINEL_SIZE && p == SENTINEL_PTR);
    csvr_reader_free(r);
    csvr_options_free(no_header);

    /* Empty input: header index 0 is out of range too. */
    r = READER("", NULL);
    CHECK_ST(csvr_reader_header(r, 0, &p, &z), CSVR_ERR_INVALID);
    csvr_reader_free(r);
}

static void test_reader_count(void) {
    static const char data[] = "h\n1\n2\n\n3\n4\n";
    csvr_reader *r = READER(data, NULL);
    uint64_t n = SENTINEL_U64;
    EXPECT_RECORD(r, B("1"));
    EXPECT_RECORD(r, B("2"));
    /* Counts the records after the current one. */
    CHECK_ST(csvr_reader_count(r, &n), CSVR_OK);
    CHECK_U64(n, 2);
    /* Then: no current record, DONE, and nothing left to count. */
    size_t z = SENTINEL_SIZE;
    CHECK_ST(csvr_reader_field_count(r, &z), CSVR_ERR_INVALID);
    uint64_t l, b, rec;
    CHECK_ST(csvr_reader_position(r, &l, &b, &rec), CSVR_ERR_INVALID);
    EXPECT_DONE(r);
    n = SENTINEL_U64;
    CHECK_ST(csvr_reader_count(r, &n), CSVR_OK);
    CHECK_U64(n, 0);
    csvr_reader_free(r);

    /* Before the first next it counts everything. */
    r = READER(data, NULL);
    n = SENTINEL_U64;
    CHECK_ST(csvr_reader_count(r, &n), CSVR_OK);
    CHECK_U64(n, 4);
    EXPECT_DONE(r);
    csvr_reader_free(r);

    /* The same from a file (the reader streams it). */
    char path[PATH_MAX];
    tmp_path(path, sizeof path, "reader-count.csv");
    write_file(path, data, sizeof data - 1);
    r = NULL;
    if (CHECK_ST(csvr_reader_open(path, NULL, &r), CSVR_OK)) {
        EXPECT_HEADER(r, B("h"));
        EXPECT_RECORD(r, B("1"));
        n = SENTINEL_U64;
        CHECK_ST(csvr_reader_count(r, &n), CSVR_OK);
        CHECK_U64(n, 3);
        EXPECT_DONE(r);
        csvr_reader_free(r);
    }
}

/* ---- options ---- */

typedef csvr_status (*byte_setter)(csvr_options *, uint8_t);

static void test_option_setters(void) {
    static const struct {
        const char *name;
        byte_setter set;
        uint8_t good;
    } setters[] = {
        {"delimiter", csvr_options_set_delimiter, ';'},
        {"quote", csvr_options_set_quote, '\''},
        {"escape", csvr_options_set_escape, '\\'},
        {"comment", csvr_options_set_comment, '#'},
        {"terminator", csvr_options_set_terminator, ';'},
    };
    static const uint8_t bad_bytes[] = {0x80, 0xA7, 0xC3, 0xFF};
    csvr_options *o = new_options();
    for (size_t i = 0; i < sizeof setters / sizeof setters[0]; i++) {
        char what[96];
        snprintf(what, sizeof what, "set_%s('%c')", setters[i].name, setters[i].good);
        check_status(setters[i].set(o, setters[i].good), CSVR_OK, what, __FILE__, __LINE__);
        for (size_t j = 0; j < sizeof bad_bytes; j++) {
            snprintf(what, sizeof what, "set_%s(0x%02X)", setters[i].name, bad_bytes[j]);
            check_status(setters[i].set(o, bad_bytes[j]), CSVR_ERR_INVALID, what, __FILE__,
                         __LINE__);
            const char *m = csvr_last_error_message();
            check_at(m != NULL && strstr(m, setters[i].name) != NULL, __FILE__, __LINE__,
                     "%s: message should name the option: %s", what, m != NULL ? m : "(NULL)");
        }
    }
    /* 0 means "none" / "the default" for these. */
    CHECK_ST(csvr_options_set_escape(o, 0), CSVR_OK);
    CHECK_ST(csvr_options_set_comment(o, 0), CSVR_OK);
    CHECK_ST(csvr_options_set_terminator(o, 0), CSVR_OK);
    csvr_options_free(o);

    o = new_options();
    CHECK_ST(csvr_options_set_has_header(o, false), CSVR_OK);
    CHECK_ST(csvr_options_set_has_header(o, true), CSVR_OK);
    CHECK_ST(csvr_options_set_flexible(o, false), CSVR_OK);
    CHECK_ST(csvr_options_set_flexible(o, true), CSVR_OK);
    CHECK_ST(csvr_options_set_double_quote(o, false), CSVR_OK);
    CHECK_ST(csvr_options_set_double_quote(o, true), CSVR_OK);
    CHECK_ST(csvr_options_set_quoting(o, false), CSVR_OK);
    CHECK_ST(csvr_options_set_quoting(o, true), CSVR_OK);
    CHECK_ST(csvr_options_set_utf8(o, true), CSVR_OK);
    CHECK_ST(csvr_options_set_utf8(o, false), CSVR_OK);
    CHECK_ST(csvr_options_set_trim(o, CSVR_TRIM_NONE), CSVR_OK);
    CHECK_ST(csvr_options_set_trim(o, CSVR_TRIM_HEADERS), CSVR_OK);
    CHECK_ST(csvr_options_set_trim(o, CSVR_TRIM_FIELDS), CSVR_OK);
    CHECK_ST(csvr_options_set_trim(o, CSVR_TRIM_ALL), CSVR_OK);
    CHECK_ST(csvr_options_set_trim(o, 42), CSVR_ERR_INVALID);
    CHECK_MSG_HAS("42");
    CHECK_ST(csvr_options_set_trim(o, -1), CSVR_ERR_INVALID);
    CHECK_ST(csvr_options_set_trim(o, 4), CSVR_ERR_INVALID);
    CHECK_ST(csvr_options_set_threads(o, 0), CSVR_OK);
    CHECK_ST(csvr_options_set_threads(o, 1), CSVR_OK);
    CHECK_ST(csvr_options_set_threads(o, 1024), CSVR_OK);
    CHECK_ST(csvr_options_set_threads(o, 1025), CSVR_ERR_INVALID);
    CHECK_ST(csvr_options_set_threads(o, 100000), CSVR_ERR_INVALID);
    CHECK_MSG_HAS("100000");
    CHECK_ST(csvr_options_set_threads(o, SIZE_MAX), CSVR_ERR_INVALID);
    csvr_options_free(o);

    /* A rejected value leaves the option as it was. */
    o = options_without_header();
    CHECK_ST(csvr_options_set_delimiter(o, ';'), CSVR_OK);
    CHECK_ST(csvr_options_set_delimiter(o, 0xFF), CSVR_ERR_INVALID);
    CHECK_ST(csvr_options_set_trim(o, CSVR_TRIM_ALL), CSVR_OK);
    CHECK_ST(csvr_options_set_trim(o, 42), CSVR_ERR_INVALID);
    csvr_reader *r = READER(" a ;b,c\n", o);
    EXPECT_RECORD(r, B("a"), B("b,c"));
    csvr_reader_free(r);
    csvr_options_free(o);
}

enum clash { CLASH_QUOTE_IS_DELIM, CLASH_DELIM_IS_QUOTE, CLASH_COMMENT_IS_DELIM,
             CLASH_DELIM_NEWLINE, CLASH_DELIM_CR, CLASH_ESCAPE_IS_DELIM, CLASH_COMMENT_IS_QUOTE,
             CLASH_TERMINATOR_IS_DELIM, CLASH_QUOTE_NEWLINE, CLASH_COUNT };

static const char *clash_name(enum clash c) {
    static const char *names[CLASH_COUNT] = {
        "quote ','", "delimiter '\"'", "comment ','", "delimiter '\\n'", "delimiter '\\r'",
        "escape ','", "comment '\"'", "terminator ','", "quote '\\n'"};
    return names[c];
}

static csvr_status set_clash(csvr_options *o, enum clash c) {
    switch (c) {
    case CLASH_QUOTE_IS_DELIM: return csvr_options_set_quote(o, ',');
    case CLASH_DELIM_IS_QUOTE: return csvr_options_set_delimiter(o, '"');
    case CLASH_COMMENT_IS_DELIM: return csvr_options_set_comment(o, ',');
    case CLASH_DELIM_NEWLINE: return csvr_options_set_delimiter(o, '\n');
    case CLASH_DELIM_CR: return csvr_options_set_delimiter(o, '\r');
    case CLASH_ESCAPE_IS_DELIM: return csvr_options_set_escape(o, ',');
    case CLASH_COMMENT_IS_QUOTE: return csvr_options_set_comment(o, '"');
    case CLASH_TERMINATOR_IS_DELIM: return csvr_options_set_terminator(o, ',');
    case CLASH_QUOTE_NEWLINE: return csvr_options_set_quote(o, '\n');
    case CLASH_COUNT: break;
    }
    return CSVR_ERR_INVALID;
}

static void expect_invalid_with_message(csvr_status st, const char *what, const char *file,
                                        int line) {
    check_status(st, CSVR_ERR_INVALID, what, file, line);
    const char *m = csvr_last_error_message();
    check_at(m != NULL && m[0] != '\0', file, line, "%s: no message", what);
}

static void test_option_contradictions(void) {
    char path[PATH_MAX];
    tmp_path(path, sizeof path, "contradictions.csv");
    write_file(path, "a,b\n1,2\n", 8);
    static const uint8_t data[] = "a,b\n1,2\n";
    for (int c = 0; c < CLASH_COUNT; c++) {
        csvr_options *o = new_options();
        char what[128];
        /* Each setter accepts its byte: the clash is only known from the whole set. */
        snprintf(what, sizeof what, "setting %s", clash_name(c));
        check_status(set_clash(o, c), CSVR_OK, what, __FILE__, __LINE__);

        uint64_t n = SENTINEL_U64;
        snprintf(what, sizeof what, "csvr_count_bytes with %s", clash_name(c));
        expect_invalid_with_message(csvr_count_bytes(data, 8, o, &n), what, __FILE__, __LINE__);
        snprintf(what, sizeof what, "csvr_count_bytes(NULL, 0) with %s", clash_name(c));
        expect_invalid_with_message(csvr_count_bytes(NULL, 0, o, &n), what, __FILE__, __LINE__);
        snprintf(what, sizeof what, "csvr_count_path with %s", clash_name(c));
        expect_invalid_with_message(csvr_count_path(path, o, &n), what, __FILE__, __LINE__);
        check_u64(n, SENTINEL_U64, "count out untouched", __FILE__, __LINE__);

        csvr_reader *r = SENTINEL_READER;
        snprintf(what, sizeof what, "csvr_reader_open with %s", clash_name(c));
        expect_invalid_with_message(csvr_reader_open(path, o, &r), what, __FILE__, __LINE__);
        snprintf(what, sizeof what, "csvr_reader_from_bytes with %s", clash_name(c));
        expect_invalid_with_message(csvr_reader_from_bytes(data, 8, o, &r), what, __FILE__,
                                    __LINE__);
        check_at(r == SENTINEL_READER, __FILE__, __LINE__, "reader out untouched (%s)",
                 clash_name(c));
        csvr_options_free(o);
    }

    /* The clash message names both roles. */
    csvr_options *o = new_options();
    CHECK_ST(csvr_options_set_quote(o, ','), CSVR_OK);
    uint64_t n;
    CHECK_ST(csvr_count_bytes(data, 8, o, &n), CSVR_ERR_INVALID);
    CHECK_MSG_HAS("delimiter");
    CHECK_MSG_HAS("quote");
    CHECK(csvr_last_error_os_error() == 0);
    EXPECT_NO_ERROR_POSITION();
    csvr_options_free(o);
}

static void test_option_effects(void) {
    csvr_options *o;
    csvr_reader *r;
    uint64_t n;

    /* delimiter */
    o = new_options();
    CHECK_ST(csvr_options_set_delimiter(o, ';'), CSVR_OK);
    r = READER("a;b\n1;2,3\n", o);
    EXPECT_HEADER(r, B("a"), B("b"));
    EXPECT_RECORD(r, B("1"), B("2,3"));
    csvr_reader_free(r);
    CHECK_ST(csvr_options_set_delimiter(o, '\t'), CSVR_OK);
    r = READER("a\tb\n1\t2 3\n", o);
    EXPECT_RECORD(r, B("1"), B("2 3"));
    csvr_reader_free(r);
    csvr_options_free(o);

    /* quote */
    o = new_options();
    CHECK_ST(csvr_options_set_quote(o, '\''), CSVR_OK);
    r = READER("h,i\n'a,b',\"c\"\n", o);
    EXPECT_RECORD(r, B("a,b"), B("\"c\""));
    csvr_reader_free(r);
    csvr_options_free(o);

    /* comment */
    o = new_options();
    CHECK_ST(csvr_options_set_comment(o, '#'), CSVR_OK);
    static const char commented[] = "# leading comment\na,b\n#x,y\n1,#2\n# another\n";
    r = READER(commented, o);
    EXPECT_HEADER(r, B("a"), B("b"));
    EXPECT_RECORD(r, B("1"), B("#2")); /* only a leading # makes a comment */
    EXPECT_DONE(r);
    csvr_reader_free(r);
    CHECK_ST(csvr_count_bytes((const uint8_t *)commented, sizeof commented - 1, o, &n), CSVR_OK);
    CHECK_U64(n, 1);
    csvr_options_free(o);

    /* escape, with doubled quotes off */
    o = new_options();
    CHECK_ST(csvr_options_set_escape(o, '\\'), CSVR_OK);
    CHECK_ST(csvr_options_set_double_quote(o, false), CSVR_OK);
    r = READER("h,i\n\"a\\\"b\",c\n", o);
    EXPECT_RECORD(r, B("a\"b"), B("c"));
    csvr_reader_free(r);
    csvr_options_free(o);

    /* quoting off: quotes are data */
    o = new_options();
    CHECK_ST(csvr_options_set_quoting(o, false), CSVR_OK);
    r = READER("h\n\"a,b\"\n", o);
    EXPECT_RECORD(r, B("\"a"), B("b\""));
    csvr_reader_free(r);
    CHECK_ST(csvr_count_bytes((const uint8_t *)"h\n\"x\ny\"\n", 8, o, &n), CSVR_OK);
    CHECK_U64(n, 2);
    csvr_options_free(o);

    /* trim: all, headers only, fields only */
    static const char padded[] = " a , b \n 1 ,\t2\t\n";
    o = new_options();
    CHECK_ST(csvr_options_set_trim(o, CSVR_TRIM_ALL), CSVR_OK);
    r = READER(padded, o);
    EXPECT_HEADER(r, B("a"), B("b"));
    EXPECT_RECORD(r, B("1"), B("2"));
    csvr_reader_free(r);
    CHECK_ST(csvr_options_set_trim(o, CSVR_TRIM_HEADERS), CSVR_OK);
    r = READER(padded, o);
    EXPECT_HEADER(r, B("a"), B("b"));
    EXPECT_RECORD(r, B(" 1 "), B("\t2\t"));
    csvr_reader_free(r);
    CHECK_ST(csvr_options_set_trim(o, CSVR_TRIM_FIELDS), CSVR_OK);
    r = READER(padded, o);
    EXPECT_HEADER(r, B(" a "), B(" b "));
    EXPECT_RECORD(r, B("1"), B("2"));
    csvr_reader_free(r);
    csvr_options_free(o);

    /* terminator: one byte, and newlines become data */
    o = new_options();
    CHECK_ST(csvr_options_set_terminator(o, ';'), CSVR_OK);
    r = READER("a,b;1,2;x\ny,z;", o);
    EXPECT_HEADER(r, B("a"), B("b"));
    EXPECT_RECORD(r, B("1"), B("2"));
    EXPECT_RECORD(r, B("x\ny"), B("z"));
    EXPECT_DONE(r);
    csvr_reader_free(r);
    CHECK_ST(csvr_count_bytes((const uint8_t *)"a,b;1,2;3,4;", 12, o, &n), CSVR_OK);
    CHECK_U64(n, 2);
    csvr_options_free(o);

    /* has_header off: the first line is a record */
    o = options_without_header();
    r = READER("a,b\n1,2\n", o);
    EXPECT_NO_HEADER(r);
    EXPECT_RECORD(r, B("a"), B("b"));
    EXPECT_RECORD(r, B("1"), B("2"));
    EXPECT_DONE(r);
    csvr_reader_free(r);
    csvr_options_free(o);

    /* threads: the same count whatever the number */
    static const char many[] = "h,i\n1,2\n\"3\n\",4\n\n5,6\r\n7,8\r9,10\n";
    static const size_t thread_counts[] = {0, 1, 2, 3, 8, 1024};
    o = new_options();
    for (size_t i = 0; i < sizeof thread_counts / sizeof thread_counts[0]; i++) {
        CHECK_ST(csvr_options_set_threads(o, thread_counts[i]), CSVR_OK);
        n = SENTINEL_U64;
        CHECK_ST(csvr_count_bytes((const uint8_t *)many, sizeof many - 1, o, &n), CSVR_OK);
        CHECK_U64(n, 5);
    }
    csvr_options_free(o);
}

static void test_flexible_off(void) {
    csvr_options *o = new_options();
    CHECK_ST(csvr_options_set_flexible(o, false), CSVR_OK);
    static const char ragged[] = "a,b\n1,2\n3\n4,5\n";

    csvr_reader *r = READER(ragged, o);
    EXPECT_RECORD(r, B("1"), B("2"));
    CHECK_ST(csvr_reader_next(r), CSVR_ERR_PARSE);
    CHECK_MSG_HAS("record");
    CHECK_MSG_HAS("line 3");
    EXPECT_ERROR_POSITION(3, 8, 2);
    CHECK(csvr_last_error_os_error() == 0);
    /* After the error there is no current record ... */
    size_t z = SENTINEL_SIZE;
    CHECK_ST(csvr_reader_field_count(r, &z), CSVR_ERR_INVALID);
    CHECK(z == SENTINEL_SIZE);
    /* ... and the next call goes on after the bad record. */
    EXPECT_RECORD(r, B("4"), B("5"));
    EXPECT_POSITION(r, 4, 10, 3);
    EXPECT_DONE(r);
    csvr_reader_free(r);

    uint64_t n = SENTINEL_U64;
    CHECK_ST(csvr_count_bytes((const uint8_t *)ragged, sizeof ragged - 1, o, &n), CSVR_ERR_PARSE);
    CHECK_MSG_HAS("record");
    EXPECT_ERROR_POSITION(3, 8, 2);
    CHECK_U64(n, SENTINEL_U64);

    char path[PATH_MAX];
    tmp_path(path, sizeof path, "ragged.csv");
    write_file(path, ragged, sizeof ragged - 1);
    CHECK_ST(csvr_count_path(path, o, &n), CSVR_ERR_PARSE);
    CHECK_MSG_HAS("record");
    EXPECT_ERROR_POSITION(3, 8, 2);
    CHECK_U64(n, SENTINEL_U64);

    r = READER(ragged, o);
    CHECK_ST(csvr_reader_count(r, &n), CSVR_ERR_PARSE);
    EXPECT_ERROR_POSITION(3, 8, 2);
    CHECK_U64(n, SENTINEL_U64);
    csvr_reader_free(r);

    /* In a CRLF file the position is the record's first byte, after the previous
     * record's '\n' (see test_positions). */
    static const char ragged_crlf[] = "a,b\r\n1,2\r\n3\r\n";
    CHECK_ST(csvr_count_bytes((const uint8_t *)ragged_crlf, sizeof ragged_crlf - 1, o, &n),
             CSVR_ERR_PARSE);
    CHECK_MSG_HAS("line 3, byte 10, record 2");
    EXPECT_ERROR_POSITION(3, 10, 2);

    /* The header counts as the first record; without a header, the first record rules. */
    CHECK_ST(csvr_count_bytes((const uint8_t *)"a,b,c\n1,2\n", 10, o, &n), CSVR_ERR_PARSE);
    EXPECT_ERROR_POSITION(2, 6, 1);
    CHECK_ST(csvr_options_set_has_header(o, false), CSVR_OK);
    CHECK_ST(csvr_count_bytes((const uint8_t *)"1,2\n3,4\n5\n", 10, o, &n), CSVR_ERR_PARSE);
    EXPECT_ERROR_POSITION(3, 8, 2);
    /* Regular input is fine. */
    n = SENTINEL_U64;
    CHECK_ST(csvr_count_bytes((const uint8_t *)"1,2\n3,4\n", 8, o, &n), CSVR_OK);
    CHECK_U64(n, 2);
    csvr_options_free(o);
}

static void test_utf8_mode(void) {
    static const char bad[] = "h\nok\nbad\xff\nlast\n";

    /* Without utf8 the bytes come back raw. */
    csvr_reader *r = READER(bad, NULL);
    EXPECT_RECORD(r, B("ok"));
    EXPECT_RECORD(r, B("bad\xff"));
    EXPECT_RECORD(r, B("last"));
    EXPECT_DONE(r);
    csvr_reader_free(r);

    csvr_options *o = new_options();
    CHECK_ST(csvr_options_set_utf8(o, true), CSVR_OK);
    r = READER(bad, o);
    EXPECT_RECORD(r, B("ok"));
    CHECK_ST(csvr_reader_next(r), CSVR_ERR_UTF8);
    CHECK_MSG_HAS("line 3");
    CHECK_MSG_HAS("byte 5");
    EXPECT_ERROR_POSITION(3, 5, 2);
    size_t z = SENTINEL_SIZE;
    CHECK_ST(csvr_reader_field_count(r, &z), CSVR_ERR_INVALID);
    /* The reader goes on with the next record. */
    EXPECT_RECORD(r, B("last"));
    EXPECT_DONE(r);
    csvr_reader_free(r);

    /* Valid multibyte UTF-8 is fine. */
    r = READER("h\nKrak\xc3\xb3w,\xe2\x82\xac\n", o);
    EXPECT_RECORD(r, B("Krak\xc3\xb3w"), B("\xe2\x82\xac"));
    csvr_reader_free(r);

    /* Counting never decodes: same count with utf8 on, and csvr_reader_count too. */
    uint64_t n = SENTINEL_U64;
    CHECK_ST(csvr_count_bytes((const uint8_t *)bad, sizeof bad - 1, o, &n), CSVR_OK);
    CHECK_U64(n, 3);
    r = READER(bad, o);
    n = SENTINEL_U64;
    CHECK_ST(csvr_reader_count(r, &n), CSVR_OK);
    CHECK_U64(n, 3);
    csvr_reader_free(r);

    /* A header that is not UTF-8 fails at open, from bytes and from a file. */
    static const char bad_header[] = "na\xc3me,x\n1,2\n";
    r = SENTINEL_READER;
    CHECK_ST(csvr_reader_from_bytes((const uint8_t *)bad_header, sizeof bad_header - 1, o, &r),
             CSVR_ERR_UTF8);
    CHECK_MSG_HAS("line 1");
    EXPECT_ERROR_POSITION(1, 0, 0);
    CHECK(r == SENTINEL_READER);
    char path[PATH_MAX];
    tmp_path(path, sizeof path, "bad-header.csv");
    write_file(path, bad_header, sizeof bad_header - 1);
    CHECK_ST(csvr_reader_open(path, o, &r), CSVR_ERR_UTF8);
    CHECK(r == SENTINEL_READER);
    /* ... but not without utf8. */
    r = READER(bad_header, NULL);
    EXPECT_HEADER(r, B("na\xc3me"), B("x"));
    csvr_reader_free(r);
    csvr_options_free(o);
}

static void test_io_errors(void) {
    char missing[PATH_MAX];
    tmp_path(missing, sizeof missing, "no-such-file.csv");
    uint64_t n = SENTINEL_U64;
    csvr_reader *r = SENTINEL_READER;

    CHECK_ST(csvr_count_path(missing, NULL, &n), CSVR_ERR_IO);
    CHECK(csvr_last_error_os_error() == ENOENT);
    CHECK_MSG_HAS(missing);
    EXPECT_NO_ERROR_POSITION();
    CHECK_ST(csvr_reader_open(missing, NULL, &r), CSVR_ERR_IO);
    CHECK(csvr_last_error_os_error() == ENOENT);
    CHECK_MSG_HAS(missing);
    CHECK(r == SENTINEL_READER);
    CHECK_U64(n, SENTINEL_U64);

    /* A directory: refused at open, not at the first read. */
    CHECK_ST(csvr_count_path(g_tmpdir, NULL, &n), CSVR_ERR_IO);
    CHECK(csvr_last_error_os_error() == EISDIR);
    CHECK_MSG_HAS(g_tmpdir);
    CHECK_ST(csvr_reader_open(g_tmpdir, NULL, &r), CSVR_ERR_IO);
    CHECK(csvr_last_error_os_error() == EISDIR);
    CHECK(r == SENTINEL_READER);

    /* A file without read permission. */
    char locked[PATH_MAX];
    tmp_path(locked, sizeof locked, "no-permission.csv");
    write_file(locked, "h\n1\n", 4);
    chmod(locked, 0);
    if (geteuid() == 0) {
        printf("note: running as root, which may read any file: the no-permission checks "
               "are skipped\n");
    } else {
        CHECK_ST(csvr_count_path(locked, NULL, &n), CSVR_ERR_IO);
        CHECK(csvr_last_error_os_error() == EACCES);
        CHECK_MSG_HAS(locked);
        CHECK_ST(csvr_reader_open(locked, NULL, &r), CSVR_ERR_IO);
        CHECK(csvr_last_error_os_error() == EACCES);
        CHECK(r == SENTINEL_READER);
    }
    chmod(locked, 0600);

    /* A path that is not UTF-8: on Linux a path is bytes, and it is taken as it is. */
    char odd[PATH_MAX];
    tmp_path(odd, sizeof odd, "csvr-\xff.csv");
    write_file(odd, "h\nv\n", 4);
    r = NULL;
    if (CHECK_ST(csvr_reader_open(odd, NULL, &r), CSVR_OK)) {
        EXPECT_HEADER(r, B("h"));
        EXPECT_RECORD(r, B("v"));
        EXPECT_DONE(r);
        csvr_reader_free(r);
    }
    n = SENTINEL_U64;
    CHECK_ST(csvr_count_path(odd, NULL, &n), CSVR_OK);
    CHECK_U64(n, 1);
    char odd_missing[PATH_MAX];
    tmp_path(odd_missing, sizeof odd_missing, "csvr-\xfe-missing.csv");
    r = SENTINEL_READER;
    CHECK_ST(csvr_reader_open(odd_missing, NULL, &r), CSVR_ERR_IO);
    CHECK(csvr_last_error_os_error() == ENOENT);
    CHECK_MSG_HAS("missing.csv");
    CHECK_ST(csvr_count_path(odd_missing, NULL, &n), CSVR_ERR_IO);
    CHECK(r == SENTINEL_READER);

    /* The empty path is a bad argument, not an I/O error. */
    n = SENTINEL_U64;
    CHECK_ST(csvr_reader_open("", NULL, &r), CSVR_ERR_INVALID);
    CHECK(csvr_last_error_message() != NULL);
    CHECK(csvr_last_error_os_error() == 0);
    CHECK_ST(csvr_count_path("", NULL, &n), CSVR_ERR_INVALID);
    CHECK(r == SENTINEL_READER);
    CHECK_U64(n, SENTINEL_U64);
}

static void test_big_field(void) {
    enum { FIELD = 10 * 1024 * 1024 };
    static const char pattern[] = "0123456789abcdef, \"quoted\" \r\nnext line\n";
    /* Input: a header, then one record: a quoted 10 MiB field (doubled quotes inside),
     * a comma and a short field. `want` is the field as it should come back. */
    char *want = malloc(FIELD);
    char *input = malloc(2 * (size_t)FIELD + 64);
    if (!CHECK(want != NULL && input != NULL)) {
        free(want);
        free(input);
        return;
    }
    size_t k = 0;
    memcpy(input, "big,small\n\"", 11);
    k = 11;
    for (size_t i = 0; i < FIELD; i++) {
        char c = pattern[i % (sizeof pattern - 1)];
        want[i] = c;
        input[k++] = c;
        if (c == '"') {
            input[k++] = '"';
        }
    }
    memcpy(input + k, "\",tail\n", 7);
    k += 7;

    uint64_t n = SENTINEL_U64;
    CHECK_ST(csvr_count_bytes((const uint8_t *)input, k, NULL, &n), CSVR_OK);
    CHECK_U64(n, 1);

    char path[PATH_MAX];
    tmp_path(path, sizeof path, "big-field.csv");
    write_file(path, input, k);
    for (int from_file = 0; from_file < 2; from_file++) {
        csvr_reader *r = NULL;
        csvr_status st = from_file ? csvr_reader_open(path, NULL, &r)
                                   : csvr_reader_from_bytes((const uint8_t *)input, k, NULL, &r);
        if (!CHECK_ST(st, CSVR_OK)) {
            continue;
        }
        CHECK_ST(csvr_reader_next(r), CSVR_OK);
        const uint8_t *data = NULL;
        size_t len = 0;
        if (CHECK_ST(csvr_reader_field(r, 0, &data, &len), CSVR_OK)) {
            CHECK_U64(len, FIELD);
            CHECK(len == FIELD && memcmp(data, want, FIELD) == 0);
        }
        if (CHECK_ST(csvr_reader_field(r, 1, &data, &len), CSVR_OK)) {
            check_bytes(data, len, B("tail"), "field after the big one", __FILE__, __LINE__);
        }
        EXPECT_DONE(r);
        csvr_reader_free(r);
    }

    /* And an unquoted 10 MiB field, as the last line without a terminator. */
    memcpy(input, "h\n", 2);
    memset(input + 2, 'x', FIELD);
    csvr_reader *r = reader_at(input, 2 + (size_t)FIELD, NULL, __FILE__, __LINE__);
    if (r != NULL) {
        CHECK_ST(csvr_reader_next(r), CSVR_OK);
        const uint8_t *data = NULL;
        size_t len = 0;
        CHECK_ST(csvr_reader_field(r, 0, &data, &len), CSVR_OK);
        CHECK_U64(len, FIELD);
        CHECK(len == FIELD && data[0] == 'x' && data[FIELD - 1] == 'x');
        EXPECT_DONE(r);
        csvr_reader_free(r);
    }
    free(want);
    free(input);
}

/* ---- batches ---- */

/* Field `j` of a batch, by the formula documented with csvr_batch. */
static bytes batch_field(const csvr_batch *b, size_t j) {
    size_t start = j == 0 ? 0 : b->field_ends[j - 1] + 1;
    return (bytes){(const char *)b->data + start, b->field_ends[j] - start};
}

/* Checks a batch against the expected records (given as arrays of fields) and lines, and
 * the documented layout: a 0x1F after each field but a record's last, 0x1E after that,
 * nothing after the batch's last field. */
struct batch_record {
    const bytes *fields;
    size_t n;
    csvr_position at;
};
#define REC(line, byte, record, ...)                                                    \
    {(const bytes[]){__VA_ARGS__}, sizeof((const bytes[]){__VA_ARGS__}) / sizeof(bytes), \
     {(line), (byte), (record)}}

static void expect_batch(const csvr_batch *b, const struct batch_record *want, size_t n,
                         const char *file, int line) {
    if (!check_at(b->records == n, file, line, "batch records: got %zu, want %zu", b->records, n)) {
        return;
    }
    size_t j = 0;
    for (size_t i = 0; i < n; i++) {
        check_at(b->record_ends[i] == j + want[i].n, file, line,
                 "record_ends[%zu]: got %zu, want %zu", i, b->record_ends[i], j + want[i].n);
        const csvr_position *got = &b->positions[i], *at = &want[i].at;
        check_at(got->line == at->line && got->byte == at->byte && got->record == at->record,
                 file, line,
                 "positions[%zu]: got line %" PRIu64 ", byte %" PRIu64 ", record %" PRIu64
                 "; want line %" PRIu64 ", byte %" PRIu64 ", record %" PRIu64,
                 i, got->line, got->byte, got->record, at->line, at->byte, at->record);
        if (b->record_ends[i] != j + want[i].n) {
            return;
        }
        for (size_t f = 0; f < want[i].n; f++, j++) {
            bytes got = batch_field(b, j);
            char what[64];
            snprintf(what, sizeof what, "batch record %zu field %zu", i, f);
            check_bytes((const uint8_t *)got.data, got.len, want[i].fields[f], what, file, line);
            bool last_of_batch = i == n - 1 && f == want[i].n - 1;
            if (last_of_batch) {
                check_at(b->len == b->field_ends[j], file, line,
                         "nothing follows the batch's last field: len %zu, end %zu", b->len,
                         b->field_ends[j]);
            } else {
                uint8_t sep = f == want[i].n - 1 ? 0x1E : 0x1F;
                check_at(b->field_ends[j] < b->len && b->data[b->field_ends[j]] == sep, file,
                         line, "separator after field %zu should be 0x%02X", j, sep);
            }
        }
    }
}
#define EXPECT_BATCH(b, ...)                                                              \
    expect_batch((b), (const struct batch_record[]){__VA_ARGS__},                         \
                 sizeof((const struct batch_record[]){__VA_ARGS__}) / sizeof(struct batch_record), \
                 __FILE__, __LINE__)

static void test_batches(void) {
    static const char data[] = "h1,h2\nA,B\n\"x,y\",\"multi\nline\"\n\n,\nlast\n";
    csvr_reader *r = READER(data, NULL);
    if (r == NULL) {
        return;
    }
    csvr_batch b, untouched;
    memset(&untouched, 0x5A, sizeof untouched);
    b = untouched;

    /* Bad arguments: nothing consumed, nothing written. */
    CHECK_ST(csvr_reader_next_batch(r, 0, &b), CSVR_ERR_INVALID);
    CHECK(memcmp(&b, &untouched, sizeof b) == 0);
    g_prime_options = new_options();
    EXPECT_NULL_ARG(csvr_reader_next_batch(NULL, 1, &b), "r");
    EXPECT_NULL_ARG(csvr_reader_next_batch(r, 1, NULL), "out");
    csvr_options_free(g_prime_options);
    CHECK(memcmp(&b, &untouched, sizeof b) == 0);

    if (CHECK_ST(csvr_reader_next_batch(r, 2, &b), CSVR_OK)) {
        EXPECT_BATCH(&b, REC(2, 6, 1, B("A"), B("B")), REC(3, 10, 2, B("x,y"), B("multi\nline")));
        CHECK(b.framed);
    }
    /* After a batch there is no current record. */
    size_t z = SENTINEL_SIZE;
    CHECK_ST(csvr_reader_field_count(r, &z), CSVR_ERR_INVALID);
    if (CHECK_ST(csvr_reader_next_batch(r, 100, &b), CSVR_OK)) {
        /* ("," is on line 6 at byte 30, after a blank line.) */
        EXPECT_BATCH(&b, REC(6, 30, 3, B(""), B("")), REC(7, 32, 4, B("last")));
    }
    b = untouched;
    CHECK_ST(csvr_reader_next_batch(r, 100, &b), CSVR_DONE);
    CHECK(memcmp(&b, &untouched, sizeof b) == 0);
    EXPECT_DONE(r);
    csvr_reader_free(r);

    /* next and next_batch mix; the header is never in a batch. */
    r = READER("h\n1\n2\n3\n", NULL);
    EXPECT_RECORD(r, B("1"));
    if (CHECK_ST(csvr_reader_next_batch(r, 10, &b), CSVR_OK)) {
        EXPECT_BATCH(&b, REC(3, 4, 2, B("2")), REC(4, 6, 3, B("3")));
    }
    EXPECT_DONE(r);
    csvr_reader_free(r);

    /* A field holding a separator byte: the batch is not framed, the offsets still hold. */
    r = READER("h\na\x1f" "b,c\x1e" "d\n", NULL);
    if (CHECK_ST(csvr_reader_next_batch(r, 10, &b), CSVR_OK)) {
        EXPECT_BATCH(&b, REC(2, 2, 1, B("a\x1f" "b"), B("c\x1e" "d")));
        CHECK(!b.framed);
    }
    csvr_reader_free(r);

    /* A bad record after good ones: those come first, then the error, then the rest. */
    csvr_options *strict = new_options();
    CHECK_ST(csvr_options_set_flexible(strict, false), CSVR_OK);
    r = READER("a,b\n1,2\n3\n4,5\n", strict);
    if (CHECK_ST(csvr_reader_next_batch(r, 10, &b), CSVR_OK)) {
        EXPECT_BATCH(&b, REC(2, 4, 1, B("1"), B("2")));
    }
    b = untouched;
    CHECK_ST(csvr_reader_next_batch(r, 10, &b), CSVR_ERR_PARSE);
    EXPECT_ERROR_POSITION(3, 8, 2);
    CHECK(memcmp(&b, &untouched, sizeof b) == 0);
    if (CHECK_ST(csvr_reader_next_batch(r, 10, &b), CSVR_OK)) {
        EXPECT_BATCH(&b, REC(4, 10, 3, B("4"), B("5")));
    }
    CHECK_ST(csvr_reader_next_batch(r, 10, &b), CSVR_DONE);
    csvr_reader_free(r);
    csvr_options_free(strict);

    /* Text mode applies to batches too. */
    csvr_options *text = new_options();
    CHECK_ST(csvr_options_set_utf8(text, true), CSVR_OK);
    r = READER("h\nbad\xff\nok\n", text);
    CHECK_ST(csvr_reader_next_batch(r, 10, &b), CSVR_ERR_UTF8);
    if (CHECK_ST(csvr_reader_next_batch(r, 10, &b), CSVR_OK)) {
        EXPECT_BATCH(&b, REC(3, 7, 2, B("ok")));
    }
    csvr_reader_free(r);
    csvr_options_free(text);

    /* Many records: every batch holds at least one, all records come back in order. */
    enum { ROWS = 5000 };
    char *big = malloc(ROWS * 16 + 8);
    if (CHECK(big != NULL)) {
        size_t k = (size_t)sprintf(big, "n,sq\n");
        for (int i = 0; i < ROWS; i++) {
            k += (size_t)sprintf(big + k, "%d,%d\n", i, i * i);
        }
        r = reader_at(big, k, NULL, __FILE__, __LINE__);
        size_t seen = 0, batches = 0, wrong = 0;
        uint64_t byte = 5; /* where the next record starts: after "n,sq\n" */
        csvr_status st;
        while (r != NULL && (st = csvr_reader_next_batch(r, 1000, &b)) == CSVR_OK) {
            batches++;
            if (b.records < 1 || b.records > 1000) {
                wrong++;
                break;
            }
            for (size_t i = 0; i < b.records; i++, seen++) {
                char n[16], sq[16];
                snprintf(n, sizeof n, "%zu", seen);
                snprintf(sq, sizeof sq, "%zu", seen * seen);
                bytes f0 = batch_field(&b, 2 * i), f1 = batch_field(&b, 2 * i + 1);
                if (b.record_ends[i] != 2 * i + 2 || f0.len != strlen(n) ||
                    memcmp(f0.data, n, f0.len) != 0 || f1.len != strlen(sq) ||
                    memcmp(f1.data, sq, f1.len) != 0 || b.positions[i].line != seen + 2 ||
                    b.positions[i].byte != byte || b.positions[i].record != seen + 1) {
                    wrong++;
                }
                byte += f0.len + f1.len + 2;
            }
        }
        if (r != NULL) {
            CHECK_ST(st, CSVR_DONE);
        }
        CHECK_U64(seen, ROWS);
        CHECK_U64(batches, ROWS / 1000);
        CHECK_U64(wrong, 0);
        csvr_reader_free(r);
        free(big);
    }
}

/* ---- the fast, parallel count against the reader ---- */

static uint64_t g_rng = UINT64_C(0x9E3779B97F4A7C15);

static uint64_t next_random(void) { /* xorshift64: fixed seed, reproducible */
    g_rng ^= g_rng << 13;
    g_rng ^= g_rng >> 7;
    g_rng ^= g_rng << 17;
    return g_rng;
}

/* The count csvr_reader_count gives (the csv crate's records), or UINT64_MAX on error. */
static uint64_t oracle_count(const char *data, size_t len, const csvr_options *o) {
    csvr_reader *r = NULL;
    uint64_t n = UINT64_MAX;
    if (csvr_reader_from_bytes((const uint8_t *)data, len, o, &r) == CSVR_OK) {
        if (csvr_reader_count(r, &n) != CSVR_OK) {
            n = UINT64_MAX;
        }
        csvr_reader_free(r);
    }
    return n;
}

/* Inputs of a few MiB, enough to be split across threads, full of the bytes that make
 * splitting hard (quotes, CR/LF pairs, blank lines, comment and escape bytes), counted
 * by csvr_count_bytes and csvr_count_path with several thread counts and dialects, and
 * compared with the streaming reader. */
static void test_parallel_count_is_exact(void) {
    static const char *tokens[] = {"abc", ",", "\"", "\r\n", "\r", "\n", "\n\n", "\"\"",
                                   "#", "\\", ";", "x y", "\"q\r\nq\"", "\xEF\xBB\xBF"};
    enum { INPUTS = 3, DIALECTS = 6 };
    char path[PATH_MAX];
    tmp_path(path, sizeof path, "parallel.csv");
    for (int input = 0; input < INPUTS; input++) {
        size_t len = ((size_t)2 << 20) + (size_t)(next_random() % (1u << 20));
        char *data = malloc(len + 32);
        if (!CHECK(data != NULL)) {
            return;
        }
        size_t k = 0;
        while (k < len) {
            /* Mostly plain fields and record ends, so records stay short. */
            uint64_t x = next_random() % 100;
            const char *t = x < 50 ? "abc" : x < 70 ? "," : x < 85 ? "\n"
                            : tokens[next_random() % (sizeof tokens / sizeof tokens[0])];
            size_t n = strlen(t);
            memcpy(data + k, t, n);
            k += n;
        }
        write_file(path, data, k);
        for (int dialect = 0; dialect < DIALECTS; dialect++) {
            csvr_options *o = new_options();
            switch (dialect) {
            case 1: csvr_options_set_has_header(o, false); break;
            case 2: csvr_options_set_comment(o, '#'); break;
            case 3:
                csvr_options_set_escape(o, '\\');
                csvr_options_set_double_quote(o, false);
                break;
            case 4: csvr_options_set_terminator(o, ';'); break;
            case 5: csvr_options_set_quoting(o, false); break;
            default: break;
            }
            uint64_t want = oracle_count(data, k, o);
            CHECK(want != UINT64_MAX);
            static const size_t threads[] = {0, 1, 2, 4};
            for (size_t t = 0; t < sizeof threads / sizeof threads[0]; t++) {
                CHECK_ST(csvr_options_set_threads(o, threads[t]), CSVR_OK);
                uint64_t got = SENTINEL_U64, got_path = SENTINEL_U64;
                csvr_status st = csvr_count_bytes((const uint8_t *)data, k, o, &got);
                csvr_status st_path = csvr_count_path(path, o, &got_path);
                check_at(st == CSVR_OK && got == want, __FILE__, __LINE__,
                         "input %d (%zu bytes), dialect %d, threads %zu: csvr_count_bytes gave "
                         "%s %" PRIu64 ", the reader %" PRIu64,
                         input, k, dialect, threads[t], status_name(st), got, want);
                check_at(st_path == CSVR_OK && got_path == want, __FILE__, __LINE__,
                         "input %d (%zu bytes), dialect %d, threads %zu: csvr_count_path gave "
                         "%s %" PRIu64 ", the reader %" PRIu64,
                         input, k, dialect, threads[t], status_name(st_path), got_path, want);
            }
            csvr_options_free(o);
        }
        free(data);
    }
}

/* ---- files that are not plain files on disk ---- */

struct fifo_writer {
    const char *path;
    const char *data;
};

/* Writes `data` into a FIFO once a reader has opened it; gives up after about 5 s
 * (the reader failed), so the test never hangs. */
static void *write_fifo(void *arg) {
    const struct fifo_writer *w = arg;
    for (int tries = 0; tries < 500; tries++) {
        int fd = open(w->path, O_WRONLY | O_NONBLOCK);
        if (fd >= 0) {
            fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK);
            size_t len = strlen(w->data);
            ssize_t done = write(fd, w->data, len);
            (void)done;
            close(fd);
            return NULL;
        }
        if (errno != ENXIO) { /* ENXIO: no reader yet */
            return NULL;
        }
        usleep(10000);
    }
    return NULL;
}

static void test_special_files(void) {
    csvr_options *no_header = options_without_header();

    /* Files of /proc report a size of 0 but have contents: counting must read them, as
     * the reader does. */
    static const char *proc_files[] = {"/proc/version", "/proc/self/status"};
    for (size_t i = 0; i < sizeof proc_files / sizeof proc_files[0]; i++) {
        const char *path = proc_files[i];
        if (access(path, R_OK) != 0) {
            printf("note: %s is not readable here: its checks are skipped\n", path);
            continue;
        }
        uint64_t by_reader = SENTINEL_U64, by_count = SENTINEL_U64;
        csvr_reader *r = NULL;
        if (CHECK_ST(csvr_reader_open(path, no_header, &r), CSVR_OK)) {
            CHECK_ST(csvr_reader_count(r, &by_reader), CSVR_OK);
            csvr_reader_free(r);
        }
        CHECK(by_reader >= 1 && by_reader != SENTINEL_U64);
        CHECK_ST(csvr_count_path(path, no_header, &by_count), CSVR_OK);
        check_at(by_count == by_reader, __FILE__, __LINE__,
                 "csvr_count_path(\"%s\") gave %" PRIu64 ", the reader %" PRIu64, path, by_count,
                 by_reader);
    }

    /* /dev/null: an empty input. */
    uint64_t n = SENTINEL_U64;
    CHECK_ST(csvr_count_path("/dev/null", NULL, &n), CSVR_OK);
    CHECK_U64(n, 0);
    csvr_reader *r = NULL;
    if (CHECK_ST(csvr_reader_open("/dev/null", NULL, &r), CSVR_OK)) {
        EXPECT_NO_HEADER(r);
        EXPECT_DONE(r);
        csvr_reader_free(r);
    }

    /* A FIFO is streamed, by the counter and by the reader. */
    char fifo[PATH_MAX];
    tmp_path(fifo, sizeof fifo, "pipe.csv");
    if (!CHECK(mkfifo(fifo, 0600) == 0)) {
        csvr_options_free(no_header);
        return;
    }
    struct fifo_writer w = {fifo, "h\n1\n\"2\n2\"\n3\n"};
    pthread_t t;
    if (CHECK(pthread_create(&t, NULL, write_fifo, &w) == 0)) {
        n = SENTINEL_U64;
        CHECK_ST(csvr_count_path(fifo, NULL, &n), CSVR_OK);
        CHECK_U64(n, 3);
        pthread_join(t, NULL);
    }
    if (CHECK(pthread_create(&t, NULL, write_fifo, &w) == 0)) {
        r = NULL;
        if (CHECK_ST(csvr_reader_open(fifo, NULL, &r), CSVR_OK)) {
            EXPECT_HEADER(r, B("h"));
            EXPECT_RECORD(r, B("1"));
            EXPECT_RECORD(r, B("2\n2"));
            EXPECT_RECORD(r, B("3"));
            EXPECT_DONE(r);
            csvr_reader_free(r);
        }
        pthread_join(t, NULL);
    }
    csvr_options_free(no_header);
}

/* ---- threads ---- */

struct tls_probe {
    bool initially_none;
    int initial_os_error;
    bool initial_position;
    csvr_status status;
    char message[512];
};

static void *probe_last_error(void *arg) {
    struct tls_probe *p = arg;
    uint64_t l, b, r;
    /* A fresh thread has no last error, whatever the main thread did. */
    p->initially_none = csvr_last_error_message() == NULL;
    p->initial_os_error = csvr_last_error_os_error();
    p->initial_position = csvr_last_error_position(&l, &b, &r);
    /* Its own failure is its own. */
    uint64_t n;
    p->status = csvr_count_bytes(NULL, 7, NULL, &n);
    const char *m = csvr_last_error_message();
    snprintf(p->message, sizeof p->message, "%s", m != NULL ? m : "(NULL)");
    return NULL;
}

static void test_last_error_is_thread_local(void) {
    char missing[PATH_MAX];
    tmp_path(missing, sizeof missing, "tls-missing.csv");
    uint64_t n;
    CHECK_ST(csvr_count_path(missing, NULL, &n), CSVR_ERR_IO);
    char mine[512];
    snprintf(mine, sizeof mine, "%s", last_message());

    struct tls_probe probe;
    memset(&probe, 0, sizeof probe);
    pthread_t t;
    if (!CHECK(pthread_create(&t, NULL, probe_last_error, &probe) == 0)) {
        return;
    }
    pthread_join(t, NULL);
    CHECK(probe.initially_none);
    CHECK(probe.initial_os_error == 0);
    CHECK(!probe.initial_position);
    CHECK_ST(probe.status, CSVR_ERR_NULL);
    CHECK(has_word(probe.message, "data"));
    CHECK(strstr(probe.message, "tls-missing") == NULL);

    /* This thread's error is as it was. */
    CHECK(strcmp(last_message(), mine) == 0);
    CHECK(csvr_last_error_os_error() == ENOENT);
}

enum { WORKERS = 8, WORKER_ROWS = 3000 };

struct worker {
    int id;
    const csvr_options *shared; /* read by all workers at once, changed by none */
    char *data;
    size_t len;
};

/* Builds "id,value,note\n" then WORKER_ROWS rows, some quoted with newlines. */
static void build_worker_data(struct worker *w) {
    size_t cap = 64 + (size_t)WORKER_ROWS * 64;
    w->data = malloc(cap);
    if (w->data == NULL) {
        fprintf(stderr, "out of memory\n");
        exit(2);
    }
    size_t k = (size_t)snprintf(w->data, cap, "id,value,note\n");
    for (int i = 0; i < WORKER_ROWS; i++) {
        if (i % 10 == 0) {
            k += (size_t)snprintf(w->data + k, cap - k, "t%d,%d,\"line\nbreak, %d\"\r\n", w->id, i, i);
        } else {
            k += (size_t)snprintf(w->data + k, cap - k, "t%d,%d,plain %d\n", w->id, i, i);
        }
    }
    w->len = k;
}

/* Reads every record of a worker's input and checks each field, as one check per reader
 * (a mismatch is reported with its row). */
static void check_worker_reader(struct worker *w, csvr_reader *r) {
    EXPECT_HEADER(r, B("id"), B("value"), B("note"));
    char id[32], value[32], note[64];
    snprintf(id, sizeof id, "t%d", w->id);
    int i = 0;
    csvr_status st;
    const char *problem = NULL;
    while (problem == NULL && (st = csvr_reader_next(r)) == CSVR_OK) {
        snprintf(value, sizeof value, "%d", i);
        if (i % 10 == 0) {
            snprintf(note, sizeof note, "line\nbreak, %d", i);
        } else {
            snprintf(note, sizeof note, "plain %d", i);
        }
        const char *want[3] = {id, value, note};
        size_t count = 0;
        if (csvr_reader_field_count(r, &count) != CSVR_OK || count != 3) {
            problem = "field count";
        }
        for (size_t f = 0; problem == NULL && f < 3; f++) {
            const uint8_t *data = NULL;
            size_t len = 0;
            if (csvr_reader_field(r, f, &data, &len) != CSVR_OK || len != strlen(want[f]) ||
                memcmp(data, want[f], len) != 0) {
                problem = "field contents";
            }
        }
        i++;
    }
    if (problem == NULL) {
        CHECK_ST(st, CSVR_DONE);
    }
    check_at(problem == NULL && i == WORKER_ROWS, __FILE__, __LINE__,
             "worker %d: %s wrong at row %d of %d", w->id, problem != NULL ? problem : "count",
             i, WORKER_ROWS);
}

static void *worker_main(void *arg) {
    struct worker *w = arg;

    csvr_reader *r = reader_at(w->data, w->len, w->shared, __FILE__, __LINE__);
    if (r != NULL) {
        check_worker_reader(w, r);
        csvr_reader_free(r);
    }

    char path[PATH_MAX], name[64];
    snprintf(name, sizeof name, "worker-%d.csv", w->id);
    tmp_path(path, sizeof path, name);
    write_file(path, w->data, w->len);
    r = NULL;
    if (CHECK_ST(csvr_reader_open(path, w->shared, &r), CSVR_OK)) {
        check_worker_reader(w, r);
        csvr_reader_free(r);
    }

    uint64_t n = SENTINEL_U64;
    CHECK_ST(csvr_count_bytes((const uint8_t *)w->data, w->len, w->shared, &n), CSVR_OK);
    CHECK_U64(n, WORKER_ROWS);
    n = SENTINEL_U64;
    CHECK_ST(csvr_count_path(path, w->shared, &n), CSVR_OK);
    CHECK_U64(n, WORKER_ROWS);

    /* Each thread's failure message is its own, while the others fail too. */
    char missing[PATH_MAX];
    snprintf(name, sizeof name, "missing-worker-%d.csv", w->id);
    tmp_path(missing, sizeof missing, name);
    for (int i = 0; i < 50; i++) {
        if (!CHECK_ST(csvr_count_path(missing, w->shared, &n), CSVR_ERR_IO) ||
            !CHECK_MSG_HAS(name)) {
            break;
        }
    }
    return NULL;
}

static void test_threads_with_own_readers(void) {
    csvr_options *shared = new_options();
    CHECK_ST(csvr_options_set_flexible(shared, false), CSVR_OK);
    CHECK_ST(csvr_options_set_threads(shared, 2), CSVR_OK);
    struct worker workers[WORKERS];
    pthread_t threads[WORKERS];
    for (int i = 0; i < WORKERS; i++) {
        workers[i] = (struct worker){.id = i, .shared = shared};
        build_worker_data(&workers[i]);
    }
    int started = 0;
    for (; started < WORKERS; started++) {
        if (!CHECK(pthread_create(&threads[started], NULL, worker_main, &workers[started]) == 0)) {
            break;
        }
    }
    for (int i = 0; i < started; i++) {
        pthread_join(threads[i], NULL);
    }
    for (int i = 0; i < WORKERS; i++) {
        free(workers[i].data);
    }
    csvr_options_free(shared);
}

/* ---- the bundled sample ---- */

static void test_sample(void) {
    const char *path = CSVR_ROOT_DIR "/examples/data/sample.csv";
    FILE *f = fopen(CSVR_ROOT_DIR "/examples/data/sample.count", "r");
    uint64_t want = 0;
    if (!CHECK(f != NULL && fscanf(f, "%" SCNu64, &want) == 1)) {
        if (f != NULL) {
            fclose(f);
        }
        return;
    }
    fclose(f);
    CHECK_U64(want, 4000);

    uint64_t n = SENTINEL_U64;
    CHECK_ST(csvr_count_path(path, NULL, &n), CSVR_OK);
    CHECK_U64(n, want);

    csvr_options *o = new_options();
    static const size_t thread_counts[] = {1, 2, 3, 7};
    for (size_t i = 0; i < sizeof thread_counts / sizeof thread_counts[0]; i++) {
        CHECK_ST(csvr_options_set_threads(o, thread_counts[i]), CSVR_OK);
        n = SENTINEL_U64;
        CHECK_ST(csvr_count_path(path, o, &n), CSVR_OK);
        CHECK_U64(n, want);
    }
    /* Every record has the header's 7 fields: strict mode agrees. */
    CHECK_ST(csvr_options_set_flexible(o, false), CSVR_OK);
    CHECK_ST(csvr_options_set_utf8(o, true), CSVR_OK);

    csvr_reader *r = NULL;
    if (CHECK_ST(csvr_reader_open(path, o, &r), CSVR_OK)) {
        EXPECT_HEADER(r, B("id"), B("opened"), B("customer"), B("city"), B("amount"),
                      B("status"), B("comment"));
        uint64_t records = 0, not_seven = 0;
        csvr_status st;
        while ((st = csvr_reader_next(r)) == CSVR_OK) {
            size_t fields = 0;
            if (csvr_reader_field_count(r, &fields) != CSVR_OK || fields != 7) {
                not_seven++;
            }
            records++;
        }
        CHECK_ST(st, CSVR_DONE);
        CHECK_U64(records, want);
        CHECK_U64(not_seven, 0);
        csvr_reader_free(r);
    }
    r = NULL;
    if (CHECK_ST(csvr_reader_open(path, o, &r), CSVR_OK)) {
        n = SENTINEL_U64;
        CHECK_ST(csvr_reader_count(r, &n), CSVR_OK);
        CHECK_U64(n, want);
        csvr_reader_free(r);
    }
    csvr_options_free(o);
}

/* ------------------------------------------------------------------------------------ */

#define RUN(test)                  \
    do {                           \
        g_test = #test;            \
        test();                    \
    } while (0)

int main(void) {
    /* Line-buffered, so that notes, failures (stderr) and the summary keep their order in
     * a log that merges the two. */
    setvbuf(stdout, NULL, _IOLBF, 0);
    const char *base = getenv("TMPDIR");
    snprintf(g_tmpdir, sizeof g_tmpdir, "%s/csvr-test-XXXXXX",
             base != NULL && base[0] != '\0' ? base : "/tmp");
    if (mkdtemp(g_tmpdir) == NULL) {
        fprintf(stderr, "cannot create a temporary directory: %s\n", strerror(errno));
        return 2;
    }

    RUN(test_version);
    RUN(test_status_names);
    RUN(test_options_clone);
    RUN(test_max_record_bytes);
    RUN(test_read_ahead);
    RUN(test_open_free_cycles);
    RUN(test_counts);
    RUN(test_count_null_data);
    RUN(test_fields_and_headers);
    RUN(test_positions);
    RUN(test_null_arguments);
    RUN(test_reader_states);
    RUN(test_reader_count);
    RUN(test_option_setters);
    RUN(test_option_contradictions);
    RUN(test_option_effects);
    RUN(test_flexible_off);
    RUN(test_utf8_mode);
    RUN(test_io_errors);
    RUN(test_special_files);
    RUN(test_big_field);
    RUN(test_batches);
    RUN(test_parallel_count_is_exact);
    RUN(test_last_error_is_thread_local);
    RUN(test_threads_with_own_readers);
    RUN(test_sample);

    nftw(g_tmpdir, remove_entry, 16, FTW_DEPTH | FTW_PHYS);

    return check_summary("");
}
