/*
 * test_arrow.c: the Arrow C Stream export of csvr.h as a C consumer uses it, with nothing
 * but csvr.h: csvr_arrow_open, csvr_arrow_from_bytes, csvr_arrow_open_range and
 * csvr_reader_arrow_stream, in every string layout ("u"/"z", "U"/"Z", "vu"/"vz").
 *
 * Every batch of every stream is checked against the Arrow C Data interface (formats,
 * names, flags, buffer counts, validity bitmaps and null counts, offsets from 0 and
 * never decreasing, views decoded by hand, alignment) and, row by row, against an oracle:
 * a csvr_reader over the same input with the same options, read with csvr_reader_next and
 * csvr_reader_field (a missing field, or one past a short record's end, is a null). The
 * ownership rules of the specification are exercised too: batches and schemas released
 * before and after their stream, in any order and on another thread, children moved out
 * of their parent and released apart, streams moved, and streams released unread.
 *
 * Every check is counted; the program ends with the line "test_arrow: N passed, M failed"
 * and exits non-zero if M > 0. Temporary files live in a fresh directory under $TMPDIR
 * (or /tmp), removed at the end.
 */

#define _GNU_SOURCE /* mkdtemp, nftw */

#include <csvr.h>

#include <errno.h>
#include <ftw.h>
#include <limits.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "check.h"

#define CHECK_CONTAINS(haystack, needle)                                                      \
    do {                                                                                      \
        const char *h_ = (haystack);                                                          \
        check_at(h_ != NULL && strstr(h_, (needle)) != NULL, __FILE__, __LINE__,              \
                 "\"%s\" contains \"%s\"", h_ != NULL ? h_ : "(NULL)", (needle));             \
    } while (0)

#define COUNT_OF(a) (sizeof(a) / sizeof((a)[0]))

/* A check inside a loop over values: counted only when it fails (the loop's caller
 * counts one pass for the whole), so that the totals stay comparable to the other
 * tests'. */
#define QUIET(cond, ...) ((cond) ? true : check_at(false, __FILE__, __LINE__, __VA_ARGS__))

/* ------------------------------------------------------------------------------------ */
/* Temporary files                                                                      */

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

/* ------------------------------------------------------------------------------------ */
/* Options                                                                              */

/* Options with the settings the tests vary most; free with csvr_options_free. */
static csvr_options *options(bool header, bool text, size_t batch_rows) {
    csvr_options *o = csvr_options_new();
    CHECK_ST(csvr_options_set_has_header(o, header), CSVR_OK);
    CHECK_ST(csvr_options_set_utf8(o, text), CSVR_OK);
    CHECK_ST(csvr_options_set_batch_rows(o, batch_rows), CSVR_OK);
    return o;
}

/* ------------------------------------------------------------------------------------ */
/* What a stream should be, and how a column of it is laid out                          */

enum layout { OFFSETS32, OFFSETS64, VIEWS };

typedef struct {
    bool text;                /* utf8 ("u", "U", "vu") or binary ("z", "Z", "vz") */
    enum layout layout;
    size_t width;             /* the number of columns */
    const char *const *names; /* `width` names, or NULL: not checked */
    size_t batch_rows;        /* 0, or the most rows a batch may hold */
    bool truncate;            /* fields past the last column are dropped, not refused */
} expect;

static const char *format_of(const expect *e) {
    static const char *const formats[3][2] = {{"z", "u"}, {"Z", "U"}, {"vz", "vu"}};
    return formats[e->layout][e->text];
}

/* ------------------------------------------------------------------------------------ */
/* The oracle: a reader over the same input, record by record                           */

typedef struct {
    csvr_reader *r;
    uint64_t rows; /* records compared so far */
} oracle;

static oracle oracle_bytes(const char *data, size_t len, const csvr_options *o) {
    oracle or = {NULL, 0};
    CHECK_ST(csvr_reader_from_bytes((const uint8_t *)data, len, o, &or.r), CSVR_OK);
    return or;
}

static oracle oracle_path(const char *path, const csvr_options *o) {
    oracle or = {NULL, 0};
    CHECK_ST(csvr_reader_open(path, o, &or.r), CSVR_OK);
    return or;
}

/* Skips `n` records of the oracle. */
static void oracle_skip(oracle *or, uint64_t n) {
    for (uint64_t i = 0; i < n; i++) {
        if (!CHECK_ST(csvr_reader_next(or->r), CSVR_OK)) {
            return;
        }
    }
}

/* The oracle has no record left; frees it. */
static void oracle_end(oracle *or) {
    if (or->r != NULL) {
        CHECK_ST(csvr_reader_next(or->r), CSVR_DONE);
    }
    csvr_reader_free(or->r);
    or->r = NULL;
}

/* ------------------------------------------------------------------------------------ */
/* Reading a column as the Arrow specification lays it out                              */

static bool bit(const void *bitmap, int64_t i) {
    return (((const uint8_t *)bitmap)[i / 8] >> (i % 8)) & 1;
}

static bool aligned(const void *p, size_t to) { return ((uintptr_t)p % to) == 0; }

/* Checks one string column of a batch of `rows` rows as `e` lays it out: its buffers,
 * validity and null count, offsets (or views). Returns whether it may be read. */
static bool check_column(const struct ArrowArray *c, int64_t rows, const expect *e, size_t j) {
    bool ok = true;
    ok &= check_at(c != NULL && c->release != NULL, __FILE__, __LINE__, "column %zu is live", j);
    if (!ok) {
        return false;
    }
    ok &= check_at(c->length == rows, __FILE__, __LINE__, "column %zu: length %lld, the batch's %lld",
                   j, (long long)c->length, (long long)rows);
    ok &= check_at(c->offset == 0 && c->n_children == 0 && c->dictionary == NULL, __FILE__,
                   __LINE__, "column %zu: offset 0, no children, no dictionary", j);
    const int64_t want_buffers = e->layout == VIEWS ? 4 : 3;
    ok &= check_at(c->n_buffers == want_buffers && c->buffers != NULL, __FILE__, __LINE__,
                   "column %zu: %lld buffers, want %lld", j, (long long)c->n_buffers,
                   (long long)want_buffers);
    if (!ok) {
        return false;
    }
    /* Validity: NULL exactly when nothing is null (csvr's rule; the spec allows a
     * bitmap with no null), and then as many clear bits as nulls. */
    const void *validity = c->buffers[0];
    if (c->null_count == 0) {
        ok &= check_at(validity == NULL, __FILE__, __LINE__, "column %zu: no nulls, no bitmap", j);
    } else {
        ok &= check_at(c->null_count > 0 && c->null_count <= rows && validity != NULL, __FILE__,
                       __LINE__, "column %zu: %lld nulls of %lld rows and a bitmap", j,
                       (long long)c->null_count, (long long)rows);
        if (ok) {
            int64_t clear = 0;
            for (int64_t i = 0; i < rows; i++) {
                clear += !bit(validity, i);
            }
            ok &= check_at(clear == c->null_count, __FILE__, __LINE__,
                           "column %zu: %lld clear bits, null_count %lld", j, (long long)clear,
                           (long long)c->null_count);
        }
    }
    if (e->layout == VIEWS) {
        const uint8_t *views = c->buffers[1];
        const int64_t *sizes = c->buffers[3];
        ok &= check_at(views != NULL && aligned(views, 8) && sizes != NULL && aligned(sizes, 8),
                       __FILE__, __LINE__, "column %zu: views and sizes buffers, aligned", j);
        if (!ok) {
            return false;
        }
        const uint8_t *data = c->buffers[2];
        for (int64_t i = 0; i < rows && ok; i++) {
            const uint8_t *v = views + 16 * i;
            int32_t len, index, offset;
            memcpy(&len, v, 4);
            memcpy(&index, v + 8, 4);
            memcpy(&offset, v + 12, 4);
            ok &= QUIET(len >= 0, "column %zu row %lld: length %d", j, (long long)i, len);
            if (len <= 12) {
                bool zero = true;
                for (int k = 4 + (len > 0 ? len : 0); k < 16; k++) {
                    zero &= v[k] == 0;
                }
                ok &= QUIET(zero, "column %zu row %lld: an inline view is zero-padded", j, (long long)i);
            } else {
                ok &= QUIET(index == 0 && offset >= 0 && (int64_t)offset + len <= sizes[0] &&
                                data != NULL && memcmp(v + 4, data + offset, 4) == 0,
                            "column %zu row %lld: view of %d bytes at buffer %d offset %d "
                               "(buffer size %lld) with its prefix",
                               j, (long long)i, len, index, offset, (long long)sizes[0]);
            }
        }
        return ok && check_at(true, __FILE__, __LINE__, "column %zu: its views", j);
    }
    const void *offsets = c->buffers[1];
    const size_t width = e->layout == OFFSETS32 ? 4 : 8;
    ok &= check_at(offsets != NULL && aligned(offsets, width), __FILE__, __LINE__,
                   "column %zu: an offsets buffer, aligned", j);
    if (!ok) {
        return false;
    }
    int64_t previous = 0;
    for (int64_t i = 0; i <= rows && ok; i++) {
        int64_t at = e->layout == OFFSETS32 ? ((const int32_t *)offsets)[i] : ((const int64_t *)offsets)[i];
        if (i == 0) {
            ok &= QUIET(at == 0, "column %zu: offsets[0] is %lld", j, (long long)at);
        } else {
            ok &= QUIET(at >= previous, "column %zu: offsets[%lld] = %lld < offsets[%lld] = %lld",
                        j, (long long)i, (long long)at, (long long)i - 1, (long long)previous);
        }
        previous = at;
    }
    ok &= check_at(previous == 0 || c->buffers[2] != NULL, __FILE__, __LINE__,
                   "column %zu: offsets from 0, never decreasing, and a values buffer", j);
    return ok;
}

/* Value `i` of a column already checked: false for a null, else its bytes. */
static bool value(const struct ArrowArray *c, enum layout layout, int64_t i, const uint8_t **data,
                  size_t *len) {
    if (c->buffers[0] != NULL && !bit(c->buffers[0], i)) {
        return false;
    }
    const uint8_t *values = c->buffers[2];
    if (values == NULL) {
        values = (const uint8_t *)""; /* an empty buffer: no value is read from it */
    }
    if (layout == VIEWS) {
        const uint8_t *v = (const uint8_t *)c->buffers[1] + 16 * i;
        int32_t n, offset;
        memcpy(&n, v, 4);
        memcpy(&offset, v + 12, 4);
        *len = (size_t)n;
        *data = n <= 12 ? v + 4 : values + offset;
    } else if (layout == OFFSETS32) {
        const int32_t *o = c->buffers[1];
        *data = values + o[i];
        *len = (size_t)(o[i + 1] - o[i]);
    } else {
        const int64_t *o = c->buffers[1];
        *data = values + o[i];
        *len = (size_t)(o[i + 1] - o[i]);
    }
    return true;
}

/* Cell (row, column) of a batch is `want` (NULL: a null). */
static void check_cell(const struct ArrowArray *a, enum layout layout, size_t column, int64_t row,
                       const char *want, int line) {
    const uint8_t *data = NULL;
    size_t len = 0;
    bool present = value(a->children[column], layout, row, &data, &len);
    if (want == NULL) {
        check_at(!present, __FILE__, line, "cell (%lld, %zu) is null", (long long)row, column);
    } else {
        check_at(present && len == strlen(want) && (len == 0 || memcmp(data, want, len) == 0),
                 __FILE__, line, "cell (%lld, %zu) is \"%s\", is %s\"%.*s\"", (long long)row, column,
                 want, present ? "" : "null ", present ? (int)len : 0,
                 present ? (const char *)data : "");
    }
}
#define CHECK_CELL(a, layout, column, row, want) check_cell((a), (layout), (column), (row), (want), __LINE__)

/* ------------------------------------------------------------------------------------ */
/* Schemas and batches                                                                  */

static void check_schema(const struct ArrowSchema *s, const expect *e) {
    if (!check_at(s->release != NULL && s->format != NULL && strcmp(s->format, "+s") == 0,
                  __FILE__, __LINE__, "a live struct schema, format \"%s\"",
                  s->format != NULL ? s->format : "(NULL)")) {
        return;
    }
    CHECK(s->dictionary == NULL);
    if (!CHECK_U64(s->n_children, e->width) || (e->width > 0 && !CHECK(s->children != NULL))) {
        return;
    }
    const char *format = format_of(e);
    for (size_t j = 0; j < e->width; j++) {
        const struct ArrowSchema *c = s->children[j];
        if (!check_at(c != NULL && c->release != NULL, __FILE__, __LINE__, "child %zu live", j)) {
            continue;
        }
        check_at(c->format != NULL && strcmp(c->format, format) == 0, __FILE__, __LINE__,
                 "child %zu: format \"%s\", want \"%s\"", j, c->format != NULL ? c->format : "(NULL)",
                 format);
        check_at((c->flags & ARROW_FLAG_NULLABLE) != 0 && c->n_children == 0 &&
                     c->dictionary == NULL,
                 __FILE__, __LINE__, "child %zu: nullable, no children, no dictionary", j);
        if (e->names != NULL) {
            check_at(c->name != NULL && strcmp(c->name, e->names[j]) == 0, __FILE__, __LINE__,
                     "child %zu: name \"%s\", want \"%s\"", j, c->name != NULL ? c->name : "(NULL)",
                     e->names[j]);
        }
    }
}

/* The stream's schema is as `e` says (got, checked and released). */
static void check_stream_schema(struct ArrowArrayStream *s, const expect *e) {
    struct ArrowSchema schema;
    memset(&schema, 0, sizeof schema);
    if (CHECK(s->get_schema(s, &schema) == 0)) {
        check_schema(&schema, e);
        schema.release(&schema);
        CHECK(schema.release == NULL);
    }
}

/* Checks a batch's layout, then each of its rows against the oracle's next records.
 * Returns its rows. */
static int64_t check_batch(const struct ArrowArray *a, oracle *or, const expect *e) {
    bool ok = check_at(a->release != NULL && a->length >= 1, __FILE__, __LINE__,
                       "a live batch with rows (length %lld)", (long long)a->length);
    ok &= check_at(a->offset == 0 && a->null_count == 0 && a->n_buffers == 1 && a->buffers != NULL &&
                       a->buffers[0] == NULL && a->dictionary == NULL,
                   __FILE__, __LINE__, "a struct array: one NULL validity buffer, no nulls");
    ok &= CHECK_U64(a->n_children, e->width);
    if (e->batch_rows > 0) {
        check_at(a->length <= (int64_t)e->batch_rows, __FILE__, __LINE__,
                 "a batch of %lld rows, at most %zu", (long long)a->length, e->batch_rows);
    }
    for (size_t j = 0; ok && j < e->width; j++) {
        ok &= check_column(a->children[j], a->length, e, j);
    }
    if (!ok) {
        return a->length;
    }
    /* After a mismatch the oracle is only advanced, so that later batches stay in step. */
    for (int64_t i = 0; i < a->length; i++, or->rows++) {
        csvr_status st = csvr_reader_next(or->r);
        if (!QUIET(st == CSVR_OK, "the oracle has record %llu: %s (%s)", (unsigned long long)or->rows,
                   status_name(st), last_message())) {
            return a->length;
        }
        if (!ok) {
            continue;
        }
        size_t fields = 0;
        ok &= QUIET(csvr_reader_field_count(or->r, &fields) == CSVR_OK, "field count");
        ok &= QUIET(e->truncate || fields <= e->width,
                    "record %llu has %zu fields, more than the %zu columns, yet is a row",
                    (unsigned long long)or->rows, fields, e->width);
        for (size_t j = 0; j < e->width; j++) {
            const uint8_t *want = NULL;
            size_t want_len = 0;
            if (j < fields) {
                ok &= QUIET(csvr_reader_field(or->r, j, &want, &want_len) == CSVR_OK, "field");
            }
            const uint8_t *got = NULL;
            size_t got_len = 0;
            bool present = value(a->children[j], e->layout, i, &got, &got_len);
            if (want == NULL) {
                ok &= QUIET(!present, "record %llu field %zu is null", (unsigned long long)or->rows, j);
            } else {
                ok &= QUIET(present && got_len == want_len &&
                                (want_len == 0 || memcmp(got, want, want_len) == 0),
                            "record %llu field %zu: \"%.*s\", want \"%.*s\"",
                            (unsigned long long)or->rows, j, present ? (int)got_len : 4,
                            present ? (const char *)got : "null", (int)want_len, (const char *)want);
            }
        }
    }
    if (ok) {
        check_at(true, __FILE__, __LINE__, "the batch's rows are the oracle's records");
    }
    return a->length;
}

typedef struct {
    uint64_t rows;
    uint64_t batches;
    int error; /* 0, or the errno get_next ended with */
} walked;

/* Reads the rest of `s` (without releasing it), checking its schema, each batch against
 * the oracle, and its end: either the oracle's end too, or a get_next error (sticky, with
 * a message naming the record) where the oracle's next record fails or is too wide. With
 * `oracle_ends` false, the oracle may go on (it reads more than this stream). */
static walked walk_rest(struct ArrowArrayStream *s, oracle *or, const expect *e, bool oracle_ends) {
    walked w = {0, 0, 0};
    check_stream_schema(s, e);
    for (;;) {
        struct ArrowArray a;
        memset(&a, 0, sizeof a);
        int code = s->get_next(s, &a);
        if (code != 0) {
            w.error = code;
            const char *m = s->get_last_error(s);
            CHECK_CONTAINS(m, "line");
            char first[1024];
            snprintf(first, sizeof first, "%s", m != NULL ? m : "");
            /* The error is sticky: the same code and message again. */
            struct ArrowArray again;
            memset(&again, 0, sizeof again);
            CHECK(s->get_next(s, &again) == code);
            m = s->get_last_error(s);
            check_at(m != NULL && strcmp(m, first) == 0, __FILE__, __LINE__,
                     "the same message again: \"%s\" / \"%s\"", first, m != NULL ? m : "(NULL)");
            /* Where the stream failed, the oracle's next record fails or is too wide. */
            csvr_status st = csvr_reader_next(or->r);
            size_t fields = 0;
            if (st == CSVR_OK) {
                CHECK_ST(csvr_reader_field_count(or->r, &fields), CSVR_OK);
            }
            check_at(st < 0 || (st == CSVR_OK && fields > e->width && !e->truncate), __FILE__,
                     __LINE__, "the stream failed (%d: %s) at record %llu, which the oracle reads (%s, %zu fields)",
                     code, first, (unsigned long long)or->rows, status_name(st), fields);
            return w;
        }
        if (a.release == NULL) {
            break;
        }
        w.rows += (uint64_t)check_batch(&a, or, e);
        w.batches++;
        a.release(&a);
        CHECK(a.release == NULL);
    }
    /* After the end, the end again. */
    struct ArrowArray a;
    memset(&a, 0x5a, sizeof a);
    CHECK(s->get_next(s, &a) == 0 && a.release == NULL);
    if (oracle_ends) {
        check_at(csvr_reader_next(or->r) == CSVR_DONE, __FILE__, __LINE__,
                 "the stream ended after %llu rows, the oracle did not", (unsigned long long)or->rows);
    }
    return w;
}

/* walk_rest, then releases the stream and frees the oracle. */
static walked walk(struct ArrowArrayStream *s, oracle *or, const expect *e) {
    walked w = walk_rest(s, or, e, true);
    s->release(s);
    CHECK(s->release == NULL);
    csvr_reader_free(or->r);
    or->r = NULL;
    return w;
}

/* The stream of `data` with `o` against the oracle over the same bytes and options. */
static walked walk_bytes(const char *data, size_t len, const csvr_options *o, const expect *e) {
    struct ArrowArrayStream s;
    walked none = {0, 0, -1};
    if (!CHECK_ST(csvr_arrow_from_bytes((const uint8_t *)data, len, o, &s), CSVR_OK)) {
        return none;
    }
    oracle or = oracle_bytes(data, len, o);
    return walk(&s, &or, e);
}

/* The same through a file. */
static walked walk_file(const char *name, const char *data, size_t len, const csvr_options *o,
                        const expect *e) {
    char path[PATH_MAX];
    tmp_path(path, sizeof path, name);
    write_file(path, data, len);
    struct ArrowArrayStream s;
    walked none = {0, 0, -1};
    if (!CHECK_ST(csvr_arrow_open(path, o, &s), CSVR_OK)) {
        return none;
    }
    oracle or = oracle_path(path, o);
    return walk(&s, &or, e);
}

/* Walks `data` from bytes and from a file, with and without read_ahead; each must give
 * the same rows and end the same way. Returns the first walk's result. */
static walked walk_all_ways(const char *data, const csvr_options *o, const expect *e) {
    size_t len = strlen(data);
    csvr_options *ahead = csvr_options_clone(o);
    CHECK_ST(csvr_options_set_read_ahead(ahead, true), CSVR_OK);
    walked first = walk_bytes(data, len, o, e);
    walked ways[3] = {walk_file("ways.csv", data, len, o, e), walk_bytes(data, len, ahead, e),
                      walk_file("ways-ahead.csv", data, len, ahead, e)};
    for (size_t i = 0; i < COUNT_OF(ways); i++) {
        check_at(ways[i].rows == first.rows && ways[i].error == first.error, __FILE__, __LINE__,
                 "way %zu: %llu rows, error %d; from bytes: %llu rows, error %d", i,
                 (unsigned long long)ways[i].rows, ways[i].error, (unsigned long long)first.rows,
                 first.error);
    }
    csvr_options_free(ahead);
    return first;
}

/* The next batch of `s`, which must exist. */
static bool next_batch(struct ArrowArrayStream *s, struct ArrowArray *out) {
    memset(out, 0, sizeof *out);
    return CHECK(s->get_next(s, out) == 0) && CHECK(out->release != NULL);
}

/* ------------------------------------------------------------------------------------ */
/* The tests                                                                            */

static const char PEOPLE[] = "id,name,city\n"
                             "1,Ada,London\n"
                             "2,Linus,Helsinki\n"
                             "3,Grace,New York\n"
                             "4,Edsger,Nuenen\n"
                             "5,Barbara,Cambridge\n";

static void test_header_and_formats(void) {
    const char *names[] = {"id", "name", "city"};
    for (int text = 0; text < 2; text++) {
        csvr_options *o = options(true, text, 0);
        expect e = {.text = text, .layout = OFFSETS32, .width = 3, .names = names};
        walked w = walk_all_ways(PEOPLE, o, &e);
        CHECK_U64(w.rows, 5);
        CHECK_U64(w.batches, 1);
        CHECK(w.error == 0);
        csvr_options_free(o);
    }
    /* The values themselves, not only as the oracle reads them. */
    struct ArrowArrayStream s;
    CHECK_ST(csvr_arrow_from_bytes((const uint8_t *)PEOPLE, strlen(PEOPLE), NULL, &s), CSVR_OK);
    struct ArrowSchema schema;
    if (CHECK(s.get_schema(&s, &schema) == 0)) {
        /* Binary by default in C. */
        CHECK(schema.n_children == 3 && strcmp(schema.children[2]->format, "z") == 0);
        schema.release(&schema);
    }
    struct ArrowArray a;
    if (next_batch(&s, &a)) {
        CHECK_CELL(&a, OFFSETS32, 0, 0, "1");
        CHECK_CELL(&a, OFFSETS32, 1, 1, "Linus");
        CHECK_CELL(&a, OFFSETS32, 2, 2, "New York");
        CHECK_CELL(&a, OFFSETS32, 2, 4, "Cambridge");
        /* The offsets of "city": 0, 6, 14, 22, 28, 37. */
        const int32_t *off = a.children[2]->buffers[1];
        CHECK(off[0] == 0 && off[1] == 6 && off[2] == 14 && off[5] == 37);
        a.release(&a);
    }
    s.release(&s);
}

static void test_no_header(void) {
    g_test = "no header";
    const char data[] = "1,Ada,London\n2,Linus\n3,Grace,New York\n";
    const char *names[] = {"column_1", "column_2", "column_3"};
    for (int text = 0; text < 2; text++) {
        csvr_options *o = options(false, text, 0);
        expect e = {.text = text, .layout = OFFSETS32, .width = 3, .names = names};
        walked w = walk_all_ways(data, o, &e);
        CHECK_U64(w.rows, 3);
        CHECK(w.error == 0);
        csvr_options_free(o);
    }
}

static void test_short_records_are_nulls(void) {
    g_test = "short records are nulls";
    /* 11 rows, so that the bitmaps span two bytes. */
    const char data[] = "a,b,c\n"
                        "1\n"
                        "2,x\n"
                        "3,y,z\n"
                        "4,,\n"
                        "5\n"
                        "6,p,q\n"
                        "7,p,q\n"
                        "8,p,q\n"
                        "9,p\n"
                        "10,p,q\n"
                        "11\n";
    const char *names[] = {"a", "b", "c"};
    csvr_options *o = options(true, false, 0);
    expect e = {.layout = OFFSETS32, .width = 3, .names = names};
    walked w = walk_all_ways(data, o, &e);
    CHECK_U64(w.rows, 11);

    struct ArrowArrayStream s;
    CHECK_ST(csvr_arrow_from_bytes((const uint8_t *)data, strlen(data), o, &s), CSVR_OK);
    struct ArrowArray a;
    if (next_batch(&s, &a) && CHECK_U64(a.length, 11)) {
        const struct ArrowArray *ca = a.children[0], *cb = a.children[1], *cc = a.children[2];
        /* "a" is never null: no bitmap. "b" is null in rows 0, 4, 10; "c" in 0, 1, 4, 8, 10. */
        CHECK(ca->null_count == 0 && ca->buffers[0] == NULL);
        CHECK_U64(cb->null_count, 3);
        CHECK_U64(cc->null_count, 5);
        if (CHECK(cb->buffers[0] != NULL && cc->buffers[0] != NULL)) {
            const uint8_t *vb = cb->buffers[0], *vc = cc->buffers[0];
            /* Rows 0-7 in the first byte (least significant bit first), 8-10 in the next. */
            CHECK((vb[0] & 0xFF) == 0xEE && (vb[1] & 0x07) == 0x03);
            CHECK((vc[0] & 0xFF) == 0xEC && (vc[1] & 0x07) == 0x02);
        }
        CHECK_CELL(&a, OFFSETS32, 1, 0, NULL);
        CHECK_CELL(&a, OFFSETS32, 1, 1, "x");
        CHECK_CELL(&a, OFFSETS32, 2, 1, NULL);
        /* An empty field is "", not null. */
        CHECK_CELL(&a, OFFSETS32, 1, 3, "");
        CHECK_CELL(&a, OFFSETS32, 2, 3, "");
        CHECK_CELL(&a, OFFSETS32, 2, 8, NULL);
        CHECK_CELL(&a, OFFSETS32, 0, 10, "11");
        a.release(&a);
    }
    s.release(&s);
    csvr_options_free(o);
}

static void test_quotes_crlf_and_empty_fields(void) {
    g_test = "quotes, CRLF and empty fields";
    const char data[] = "h1,\"h,2\"\r\n"
                        "\"a\nb\",\"say \"\"hi\"\"\"\r\n"
                        "\r\n"
                        ",\r\n"
                        "\"\",x\r\n"
                        "\"multi\r\nline, quoted\",\"\"\"\"\r\n";
    const char *names[] = {"h1", "h,2"};
    for (int text = 0; text < 2; text++) {
        csvr_options *o = options(true, text, 0);
        expect e = {.text = text, .layout = OFFSETS32, .width = 2, .names = names};
        walked w = walk_all_ways(data, o, &e);
        CHECK_U64(w.rows, 4);
        struct ArrowArrayStream s;
        CHECK_ST(csvr_arrow_from_bytes((const uint8_t *)data, strlen(data), o, &s), CSVR_OK);
        struct ArrowArray a;
        if (next_batch(&s, &a) && CHECK_U64(a.length, 4)) {
            CHECK_CELL(&a, OFFSETS32, 0, 0, "a\nb");
            CHECK_CELL(&a, OFFSETS32, 1, 0, "say \"hi\"");
            CHECK_CELL(&a, OFFSETS32, 0, 1, "");
            CHECK_CELL(&a, OFFSETS32, 1, 1, "");
            CHECK_CELL(&a, OFFSETS32, 0, 2, "");
            CHECK_CELL(&a, OFFSETS32, 1, 2, "x");
            CHECK_CELL(&a, OFFSETS32, 0, 3, "multi\r\nline, quoted");
            CHECK_CELL(&a, OFFSETS32, 1, 3, "\"");
            CHECK(a.children[0]->null_count == 0 && a.children[0]->buffers[0] == NULL);
            a.release(&a);
        }
        s.release(&s);
        csvr_options_free(o);
    }
}

static void test_names(void) {
    g_test = "names";
    /* Repeats become NAME_duplicated_K, empty names column_N. */
    const char data[] = "id,name,,name,id,\n1,2,3,4,5,6\n";
    const char *names[] = {"id", "name", "column_3", "name_duplicated_0", "id_duplicated_0",
                           "column_6"};
    csvr_options *o = options(true, true, 0);
    expect e = {.text = true, .layout = OFFSETS32, .width = 6, .names = names};
    CHECK_U64(walk_all_ways(data, o, &e).rows, 1);
    csvr_options_free(o);

    /* Header only, and empty inputs: a schema, no batch. */
    const char *ab[] = {"a", "b"};
    o = options(true, false, 0);
    expect header_only = {.layout = OFFSETS32, .width = 2, .names = ab};
    walked w = walk_all_ways("a,b\n", o, &header_only);
    CHECK(w.rows == 0 && w.batches == 0 && w.error == 0);
    expect nothing = {.layout = OFFSETS32, .width = 0};
    w = walk_all_ways("", o, &nothing);
    CHECK(w.rows == 0 && w.batches == 0 && w.error == 0);
    w = walk_all_ways("\n\n\r\n", o, &nothing);
    CHECK(w.rows == 0 && w.batches == 0);
    struct ArrowArrayStream s;
    CHECK_ST(csvr_arrow_from_bytes(NULL, 0, o, &s), CSVR_OK);
    oracle or = oracle_bytes("", 0, o);
    w = walk(&s, &or, &nothing);
    CHECK(w.rows == 0 && w.batches == 0);
    csvr_options_free(o);
    o = options(false, false, 0);
    w = walk_all_ways("", o, &nothing);
    CHECK(w.rows == 0 && w.batches == 0 && w.error == 0);
    csvr_options_free(o);

    /* Names are UTF-8 even from a binary header: a NUL shown as "\0", a bad byte as
     * U+FFFD. */
    const char odd[] = "a\0b,caf\xe9\n1,2\n";
    const char *odd_names[] = {"a\\0b", "caf\xef\xbf\xbd"};
    expect e_odd = {.layout = OFFSETS32, .width = 2, .names = odd_names};
    CHECK_ST(csvr_arrow_from_bytes((const uint8_t *)odd, sizeof odd - 1, NULL, &s), CSVR_OK);
    or = oracle_bytes(odd, sizeof odd - 1, NULL);
    CHECK_U64(walk(&s, &or, &e_odd).rows, 1);
}

static void test_column_selection(void) {
    g_test = "column selection";
    const char data[] = "id,name,city,name\n"
                        "1,Ada,London,x\n"
                        "2,Linus\n"
                        "3,,Oslo,y\n";
    csvr_options *o = options(true, false, 2);
    const size_t cols[] = {2, 0, 2, 7};
    CHECK_ST(csvr_options_set_columns(o, cols, 4), CSVR_OK);
    const char *names[] = {"city", "id", "city_duplicated_0", "column_8"};
    expect e = {.layout = OFFSETS32, .width = 4, .names = names, .batch_rows = 2};
    walked w = walk_all_ways(data, o, &e);
    CHECK_U64(w.rows, 3);
    CHECK_U64(w.batches, 2);

    struct ArrowArrayStream s;
    CHECK_ST(csvr_arrow_from_bytes((const uint8_t *)data, strlen(data), o, &s), CSVR_OK);
    struct ArrowArray a;
    if (next_batch(&s, &a) && CHECK_U64(a.length, 2)) {
        CHECK_CELL(&a, OFFSETS32, 0, 0, "London");
        CHECK_CELL(&a, OFFSETS32, 1, 0, "1");
        CHECK_CELL(&a, OFFSETS32, 3, 0, NULL);
        CHECK_CELL(&a, OFFSETS32, 0, 1, NULL);
        CHECK_CELL(&a, OFFSETS32, 1, 1, "2");
        CHECK_U64(a.children[3]->null_count, 2);
        a.release(&a);
    }
    s.release(&s);

    /* By name; and without a header, named by their input index. */
    const char *by_name[] = {"name", "city"};
    CHECK_ST(csvr_options_set_column_names(o, by_name, 2), CSVR_OK);
    const char *name_city[] = {"name", "city"};
    expect e2 = {.layout = OFFSETS32, .width = 2, .names = name_city, .batch_rows = 2};
    CHECK_U64(walk_all_ways(data, o, &e2).rows, 3);
    const size_t picked[] = {3, 0};
    CHECK_ST(csvr_options_set_columns(o, picked, 2), CSVR_OK);
    CHECK_ST(csvr_options_set_has_header(o, false), CSVR_OK);
    const char *generated[] = {"column_4", "column_1"};
    expect e3 = {.layout = OFFSETS32, .width = 2, .names = generated, .batch_rows = 2};
    CHECK_U64(walk_all_ways(data, o, &e3).rows, 4);
    /* Every header field missing (empty input): generated names too. */
    CHECK_ST(csvr_options_set_has_header(o, true), CSVR_OK);
    w = walk_all_ways("", o, &e3);
    CHECK(w.rows == 0 && w.error == 0);
    csvr_options_free(o);
}

static void test_small_batches(void) {
    g_test = "small batches";
    char data[4096];
    size_t len = (size_t)snprintf(data, sizeof data, "k,v,w\n");
    for (int i = 0; i < 40; i++) {
        /* Short records, empty fields, quoted newlines, and values past 12 bytes. */
        char *at = data + len;
        size_t room = sizeof data - len;
        switch (i % 5) {
        case 0:
            len += (size_t)snprintf(at, room, "%d\n", i);
            break;
        case 1:
            len += (size_t)snprintf(at, room, "%d,\"line\nbreak %d\",\n", i, i);
            break;
        case 2:
            len += (size_t)snprintf(at, room, "%d,a much longer value %d,\"x\"\"y\"\r\n", i, i);
            break;
        default:
            len += (size_t)snprintf(at, room, "%d,v%d,w\n", i, i);
            break;
        }
    }
    const char *names[] = {"k", "v", "w"};
    for (size_t rows = 1; rows <= 4; rows++) {
        for (int text = 0; text < 2; text++) {
            csvr_options *o = options(true, text, rows);
            expect e = {.text = text, .layout = OFFSETS32, .width = 3, .names = names, .batch_rows = rows};
            walked w = walk_all_ways(data, o, &e);
            CHECK_U64(w.rows, 40);
            CHECK_U64(w.batches, (40 + rows - 1) / rows);
            csvr_options_free(o);
        }
    }
}

/* get_next after an error: the same error, with the record's position. */
static void test_errors(void) {
    g_test = "errors";
    const char wide[] = "a,b\n1,2\n3,4,5\n6,7\n";
    const char *ab[] = {"a", "b"};
    for (size_t rows = 0; rows <= 1; rows++) {
        csvr_options *o = options(true, false, rows);
        expect e = {.layout = OFFSETS32, .width = 2, .names = ab, .batch_rows = rows};
        walked w = walk_all_ways(wide, o, &e);
        CHECK(w.rows == 1 && w.error == EINVAL);

        struct ArrowArrayStream s;
        CHECK_ST(csvr_arrow_from_bytes((const uint8_t *)wide, strlen(wide), o, &s), CSVR_OK);
        struct ArrowArray a;
        if (next_batch(&s, &a)) {
            CHECK_U64(a.length, 1);
            a.release(&a);
        }
        for (int again = 0; again < 3; again++) {
            CHECK(s.get_next(&s, &a) == EINVAL);
            const char *m = s.get_last_error(&s);
            CHECK_CONTAINS(m, "line 3");
            CHECK_CONTAINS(m, "byte 8");
            CHECK_CONTAINS(m, "record 2");
            CHECK_CONTAINS(m, "truncate_ragged");
        }
        /* The schema is still there. */
        struct ArrowSchema schema;
        if (CHECK(s.get_schema(&s, &schema) == 0)) {
            CHECK(schema.n_children == 2);
            schema.release(&schema);
        }
        s.release(&s);

        /* truncate_ragged drops the extra fields instead. */
        CHECK_ST(csvr_options_set_truncate_ragged(o, true), CSVR_OK);
        expect t = e;
        t.truncate = true;
        w = walk_all_ways(wide, o, &t);
        CHECK(w.rows == 3 && w.error == 0);
        CHECK_ST(csvr_arrow_from_bytes((const uint8_t *)wide, strlen(wide), o, &s), CSVR_OK);
        if (next_batch(&s, &a)) {
            if (rows == 0) {
                CHECK(a.length == 3);
                CHECK_CELL(&a, OFFSETS32, 0, 1, "3");
                CHECK_CELL(&a, OFFSETS32, 1, 1, "4");
            }
            a.release(&a);
        }
        s.release(&s);
        csvr_options_free(o);
    }

    /* Too wide at the first record; without a header, past the first record's width. */
    csvr_options *o = options(true, false, 0);
    expect one = {.layout = OFFSETS32, .width = 1, .names = (const char *const[]){"a"}};
    walked w = walk_all_ways("a\n1,2\n", o, &one);
    CHECK(w.rows == 0 && w.error == EINVAL);
    CHECK_ST(csvr_options_set_has_header(o, false), CSVR_OK);
    expect two = {.layout = OFFSETS32, .width = 2};
    w = walk_all_ways("1,2\n3,4,5\n", o, &two);
    CHECK(w.rows == 1 && w.error == EINVAL);
    csvr_options_free(o);

    /* Not UTF-8 in text mode; ragged with flexible off. */
    o = options(true, true, 0);
    w = walk_all_ways("a\nok\n\xff\nlater\n", o, &(expect){.text = true, .layout = OFFSETS32, .width = 1});
    CHECK(w.rows == 1 && w.error == EINVAL);
    struct ArrowArrayStream s;
    const char bad[] = "a\nok\n\xff\n";
    CHECK_ST(csvr_arrow_from_bytes((const uint8_t *)bad, strlen(bad), o, &s), CSVR_OK);
    struct ArrowArray a;
    if (next_batch(&s, &a)) {
        a.release(&a);
    }
    CHECK(s.get_next(&s, &a) == EINVAL);
    CHECK_CONTAINS(s.get_last_error(&s), "line 3");
    s.release(&s);
    csvr_options_free(o);
    o = options(true, false, 0);
    CHECK_ST(csvr_options_set_flexible(o, false), CSVR_OK);
    w = walk_all_ways("a,b\n1,2\n3\n", o, &(expect){.layout = OFFSETS32, .width = 2});
    CHECK(w.rows == 1 && w.error == EINVAL);
    csvr_options_free(o);
}

/* Opening fails as csvr_reader_open does, leaving *out untouched. */
static void test_open_errors(void) {
    g_test = "open errors";
    struct ArrowArrayStream s, untouched;
    memset(&untouched, 0x5a, sizeof untouched);
    csvr_range range = {0, 0, 0, 1, 1};
#define FAILS(call, status)                                                                   \
    do {                                                                                      \
        memcpy(&s, &untouched, sizeof s);                                                     \
        CHECK_ST((call), (status));                                                           \
        CHECK(memcmp(&s, &untouched, sizeof s) == 0);                                         \
    } while (0)
    FAILS(csvr_arrow_open(NULL, NULL, &s), CSVR_ERR_NULL);
    CHECK_ST(csvr_arrow_open(PEOPLE, NULL, NULL), CSVR_ERR_NULL);
    FAILS(csvr_arrow_from_bytes(NULL, 3, NULL, &s), CSVR_ERR_NULL);
    CHECK_ST(csvr_arrow_from_bytes((const uint8_t *)"a\n", 2, NULL, NULL), CSVR_ERR_NULL);
    FAILS(csvr_arrow_open_range(NULL, NULL, &range, &s), CSVR_ERR_NULL);
    char path[PATH_MAX];
    tmp_path(path, sizeof path, "people.csv");
    write_file(path, PEOPLE, strlen(PEOPLE));
    FAILS(csvr_arrow_open_range(path, NULL, NULL, &s), CSVR_ERR_NULL);
    CHECK_ST(csvr_arrow_open_range(path, NULL, &range, NULL), CSVR_ERR_NULL);

    char missing[PATH_MAX];
    tmp_path(missing, sizeof missing, "no-such-file.csv");
    FAILS(csvr_arrow_open(missing, NULL, &s), CSVR_ERR_IO);
    CHECK(csvr_last_error_os_error() == ENOENT);
    CHECK_MSG_HAS("no-such-file.csv");
    FAILS(csvr_arrow_open_range(missing, NULL, &range, &s), CSVR_ERR_IO);
    CHECK(csvr_last_error_os_error() == ENOENT);
    FAILS(csvr_arrow_open(g_tmpdir, NULL, &s), CSVR_ERR_IO);
    FAILS(csvr_arrow_open("", NULL, &s), CSVR_ERR_INVALID);

    /* Options that contradict each other; a header or first record that is not UTF-8. */
    csvr_options *o = csvr_options_new();
    CHECK_ST(csvr_options_set_quote(o, ','), CSVR_OK);
    FAILS(csvr_arrow_from_bytes((const uint8_t *)"a\n", 2, o, &s), CSVR_ERR_INVALID);
    FAILS(csvr_arrow_open(path, o, &s), CSVR_ERR_INVALID);
    csvr_options_free(o);
    o = options(true, true, 0);
    FAILS(csvr_arrow_from_bytes((const uint8_t *)"\xff\n1\n", 4, o, &s), CSVR_ERR_UTF8);
    CHECK_ST(csvr_options_set_has_header(o, false), CSVR_OK);
    FAILS(csvr_arrow_from_bytes((const uint8_t *)"\xff,1\n", 4, o, &s), CSVR_ERR_UTF8);
    CHECK_MSG_HAS("line 1");
    csvr_options_free(o);
    /* A column name not in the header. */
    o = csvr_options_new();
    const char *unknown[] = {"town"};
    CHECK_ST(csvr_options_set_column_names(o, unknown, 1), CSVR_OK);
    FAILS(csvr_arrow_open(path, o, &s), CSVR_ERR_INVALID);
    CHECK_MSG_HAS("town");
    csvr_options_free(o);

    CHECK_ST(csvr_options_set_batch_rows(NULL, 1), CSVR_ERR_NULL);
    CHECK_ST(csvr_options_set_truncate_ragged(NULL, true), CSVR_ERR_NULL);
#undef FAILS
}

/* A stream released untouched, one released after its schema only, one moved. */
static void test_stream_lifetimes(void) {
    g_test = "stream lifetimes";
    char path[PATH_MAX];
    tmp_path(path, sizeof path, "people.csv");
    write_file(path, PEOPLE, strlen(PEOPLE));
    for (int ahead = 0; ahead < 2; ahead++) {
        csvr_options *o = options(false, false, 2);
        CHECK_ST(csvr_options_set_read_ahead(o, ahead), CSVR_OK);
        struct ArrowArrayStream s;
        CHECK_ST(csvr_arrow_open(path, o, &s), CSVR_OK);
        /* The options were copied. */
        csvr_options_free(o);
        CHECK(s.release != NULL && s.get_schema != NULL && s.get_next != NULL && s.get_last_error != NULL);
        s.release(&s);
        CHECK(s.release == NULL);

        o = options(true, false, 2);
        CHECK_ST(csvr_options_set_read_ahead(o, ahead), CSVR_OK);
        CHECK_ST(csvr_arrow_from_bytes((const uint8_t *)PEOPLE, strlen(PEOPLE), o, &s), CSVR_OK);
        struct ArrowSchema one, two;
        CHECK(s.get_schema(&s, &one) == 0);
        CHECK(s.get_schema(&s, &two) == 0);
        s.release(&s);
        /* Schemas outlive the stream, and are released in any order. */
        const char *names[] = {"id", "name", "city"};
        expect e = {.layout = OFFSETS32, .width = 3, .names = names};
        check_schema(&two, &e);
        two.release(&two);
        check_schema(&one, &e);
        one.release(&one);

        /* A NULL out is refused, with a message. */
        CHECK_ST(csvr_arrow_from_bytes((const uint8_t *)PEOPLE, strlen(PEOPLE), o, &s), CSVR_OK);
        CHECK(s.get_next(&s, NULL) == EINVAL);
        CHECK_CONTAINS(s.get_last_error(&s), "NULL");
        CHECK(s.get_schema(&s, NULL) == EINVAL);
        CHECK_CONTAINS(s.get_last_error(&s), "NULL");
        s.release(&s);

        /* A stream moved to another struct, part read, released mid-way. */
        CHECK_ST(csvr_arrow_from_bytes((const uint8_t *)PEOPLE, strlen(PEOPLE), o, &s), CSVR_OK);
        struct ArrowArrayStream moved;
        memcpy(&moved, &s, sizeof moved);
        s.release = NULL;
        struct ArrowArray a;
        if (next_batch(&moved, &a)) {
            CHECK_U64(a.length, 2);
            a.release(&a);
        }
        moved.release(&moved);
        csvr_options_free(o);
    }
}

typedef struct {
    struct ArrowArray *arrays;
    size_t n;
    struct ArrowSchema *schema;
} to_release;

static void *release_elsewhere(void *arg) {
    to_release *t = arg;
    for (size_t i = 0; i < t->n; i++) {
        t->arrays[i].release(&t->arrays[i]);
    }
    t->schema->release(t->schema);
    return NULL;
}

/* Batches released before and after their stream, out of order, on another thread. */
static void test_batches_outlive_the_stream(void) {
    g_test = "batches outlive the stream";
    char data[2048];
    size_t len = (size_t)snprintf(data, sizeof data, "n,text\n");
    for (int i = 0; i < 10; i++) {
        len += (size_t)snprintf(data + len, sizeof data - len, "%d,value number %d\n", i, i);
    }
    const char *names[] = {"n", "text"};
    for (int layout = OFFSETS32; layout <= VIEWS; layout++) {
        for (int ahead = 0; ahead < 2; ahead++) {
            csvr_options *o = options(true, true, 3);
            CHECK_ST(csvr_options_set_read_ahead(o, ahead), CSVR_OK);
            csvr_reader *r = NULL;
            CHECK_ST(csvr_reader_from_bytes((const uint8_t *)data, len, o, &r), CSVR_OK);
            struct ArrowArrayStream s;
            CHECK_ST(csvr_reader_arrow_stream(r, 0, layout, &s), CSVR_OK);
            csvr_reader_free(r);
            expect e = {.text = true, .layout = layout, .width = 2, .names = names, .batch_rows = 3};
            oracle or = oracle_bytes(data, len, o);
            struct ArrowSchema schema;
            CHECK(s.get_schema(&s, &schema) == 0);
            struct ArrowArray batches[4];
            /* The first is read and released while the stream lives; the others are kept. */
            if (next_batch(&s, &batches[0])) {
                CHECK_U64(check_batch(&batches[0], &or, &e), 3);
                batches[0].release(&batches[0]);
            }
            for (int i = 1; i < 4; i++) {
                next_batch(&s, &batches[i]);
            }
            struct ArrowArray end;
            CHECK(s.get_next(&s, &end) == 0 && end.release == NULL);
            s.release(&s);
            /* Read after the stream is gone. */
            check_schema(&schema, &e);
            for (int i = 1; i < 4; i++) {
                if (batches[i].release != NULL) {
                    CHECK_U64(check_batch(&batches[i], &or, &e), i < 3 ? 3 : 1);
                }
            }
            oracle_end(&or);
            /* Out of order: the last, then the second and the schema on another thread,
             * then the third. */
            batches[3].release(&batches[3]);
            to_release t = {&batches[1], 1, &schema};
            pthread_t thread;
            if (CHECK(pthread_create(&thread, NULL, release_elsewhere, &t) == 0)) {
                pthread_join(thread, NULL);
            }
            CHECK(batches[1].release == NULL && schema.release == NULL);
            batches[2].release(&batches[2]);
            csvr_options_free(o);
        }
    }
}

/* Children moved out of their parent (the spec allows it) and released apart. */
static void test_moved_children(void) {
    g_test = "moved children";
    for (int layout = OFFSETS32; layout <= VIEWS; layout++) {
        csvr_reader *r = NULL;
        CHECK_ST(csvr_reader_from_bytes((const uint8_t *)PEOPLE, strlen(PEOPLE), NULL, &r), CSVR_OK);
        struct ArrowArrayStream s;
        CHECK_ST(csvr_reader_arrow_stream(r, 0, layout, &s), CSVR_OK);
        csvr_reader_free(r);

        struct ArrowSchema schema;
        CHECK(s.get_schema(&s, &schema) == 0);
        struct ArrowSchema name_schema;
        memcpy(&name_schema, schema.children[1], sizeof name_schema);
        schema.children[1]->release = NULL;
        schema.release(&schema);

        struct ArrowArray a;
        if (next_batch(&s, &a)) {
            struct ArrowArray city, id;
            memcpy(&city, a.children[2], sizeof city);
            a.children[2]->release = NULL;
            memcpy(&id, a.children[0], sizeof id);
            a.children[0]->release = NULL;
            /* The parent goes first, with the stream. */
            a.release(&a);
            s.release(&s);
            expect e = {.layout = layout, .width = 1};
            struct ArrowArray holder = {.length = 5, .n_children = 1};
            struct ArrowArray *children[1] = {&city};
            holder.children = children;
            if (check_column(&city, 5, &e, 2)) {
                CHECK_CELL(&holder, layout, 0, 0, "London");
                CHECK_CELL(&holder, layout, 0, 4, "Cambridge");
            }
            city.release(&city);
            CHECK(city.release == NULL);
            children[0] = &id;
            if (check_column(&id, 5, &e, 0)) {
                CHECK_CELL(&holder, layout, 0, 2, "3");
            }
            id.release(&id);
        } else {
            s.release(&s);
        }
        CHECK(name_schema.release != NULL && strcmp(name_schema.name, "name") == 0);
        CHECK(strcmp(name_schema.format, layout == OFFSETS32 ? "z" : layout == OFFSETS64 ? "Z" : "vz") == 0);
        name_schema.release(&name_schema);
        CHECK(name_schema.release == NULL);
    }
}

/* csvr_reader_arrow_stream: the last `unread` records of the batch, then the rest. */
static void test_reader_stream(void) {
    g_test = "reader stream";
    char data[4096];
    size_t len = (size_t)snprintf(data, sizeof data, "k,v\n");
    for (int i = 0; i < 20; i++) {
        if (i % 4 == 3) {
            len += (size_t)snprintf(data + len, sizeof data - len, "%d\n", i);
        } else {
            len += (size_t)snprintf(data + len, sizeof data - len, "%d,value %d is longer than twelve\n", i, i);
        }
    }
    const size_t unreads[] = {0, 1, 3, 5};
    for (int layout = OFFSETS32; layout <= VIEWS; layout++) {
        for (int header = 0; header < 2; header++) {
            for (int ahead = 0; ahead < 2; ahead++) {
                for (size_t u = 0; u < COUNT_OF(unreads); u++) {
                    size_t unread = unreads[u];
                    csvr_options *o = options(header, layout == OFFSETS64, 4);
                    CHECK_ST(csvr_options_set_read_ahead(o, ahead), CSVR_OK);
                    csvr_reader *r = NULL;
                    CHECK_ST(csvr_reader_from_bytes((const uint8_t *)data, len, o, &r), CSVR_OK);
                    csvr_batch b;
                    CHECK_ST(csvr_reader_next_batch(r, 5, &b), CSVR_OK);
                    CHECK_U64(b.records, 5);
                    CHECK_ST(csvr_reader_next_batch(r, 5, &b), CSVR_OK);
                    CHECK_U64(b.records, 5);
                    struct ArrowArrayStream s;
                    CHECK_ST(csvr_reader_arrow_stream(r, unread, layout, &s), CSVR_OK);
                    /* The reader reads nothing more, and the stream does not borrow it. */
                    CHECK_ST(csvr_reader_next(r), CSVR_DONE);
                    csvr_reader_free(r);
                    csvr_options_free(o);

                    o = options(header, layout == OFFSETS64, 4);
                    const char *kv[] = {"k", "v"}, *generated[] = {"column_1", "column_2"};
                    expect e = {.text = layout == OFFSETS64, .layout = layout, .width = 2,
                                .names = header ? kv : generated, .batch_rows = 4};
                    oracle or = oracle_bytes(data, len, o);
                    oracle_skip(&or, 10 - unread);
                    walked w = walk(&s, &or, &e);
                    CHECK_U64(w.rows, (header ? 20 : 21) - 10 + unread);
                    csvr_options_free(o);
                }
            }
        }
    }
}

static void test_reader_stream_arguments(void) {
    g_test = "reader stream arguments";
    struct ArrowArrayStream s, untouched;
    memset(&untouched, 0x5a, sizeof untouched);
    memcpy(&s, &untouched, sizeof s);
    CHECK_ST(csvr_reader_arrow_stream(NULL, 0, 0, &s), CSVR_ERR_NULL);
    csvr_reader *r = NULL;
    CHECK_ST(csvr_reader_from_bytes((const uint8_t *)PEOPLE, strlen(PEOPLE), NULL, &r), CSVR_OK);
    CHECK_ST(csvr_reader_arrow_stream(r, 0, 0, NULL), CSVR_ERR_NULL);
    CHECK_ST(csvr_reader_arrow_stream(r, 0, 7, &s), CSVR_ERR_INVALID);
    CHECK_MSG_HAS("7");
    CHECK_ST(csvr_reader_arrow_stream(r, 0, -1, &s), CSVR_ERR_INVALID);
    CHECK_ST(csvr_reader_arrow_stream(r, 0, 3, &s), CSVR_ERR_INVALID);
    /* No batch was read: nothing may be unread. */
    CHECK_ST(csvr_reader_arrow_stream(r, 1, 0, &s), CSVR_ERR_INVALID);
    csvr_batch b;
    CHECK_ST(csvr_reader_next_batch(r, 2, &b), CSVR_OK);
    CHECK_ST(csvr_reader_arrow_stream(r, 3, 0, &s), CSVR_ERR_INVALID);
    CHECK_MSG_HAS("unread");
    CHECK(memcmp(&s, &untouched, sizeof s) == 0);
    /* A failed call leaves the reader as it was: the third record is next. */
    CHECK_ST(csvr_reader_next(r), CSVR_OK);
    const uint8_t *p = NULL;
    size_t n = 0;
    CHECK_ST(csvr_reader_field(r, 0, &p, &n), CSVR_OK);
    CHECK(n == 1 && p[0] == '3');
    /* The rest: records 4 and 5. */
    CHECK_ST(csvr_reader_arrow_stream(r, 0, CSVR_ARROW_STRING_VIEW, &s), CSVR_OK);
    csvr_reader_free(r);
    oracle or = oracle_bytes(PEOPLE, strlen(PEOPLE), NULL);
    oracle_skip(&or, 3);
    expect e = {.layout = VIEWS, .width = 3, .names = (const char *const[]){"id", "name", "city"}};
    CHECK_U64(walk(&s, &or, &e).rows, 2);

    /* A reader at its end streams nothing; a headerless one at its end has no columns. */
    CHECK_ST(csvr_reader_from_bytes((const uint8_t *)PEOPLE, strlen(PEOPLE), NULL, &r), CSVR_OK);
    uint64_t count = 0;
    CHECK_ST(csvr_reader_count(r, &count), CSVR_OK);
    CHECK_ST(csvr_reader_arrow_stream(r, 0, 0, &s), CSVR_OK);
    or = oracle_bytes(PEOPLE, strlen(PEOPLE), NULL);
    oracle_skip(&or, 5);
    e.layout = OFFSETS32;
    walked w = walk(&s, &or, &e);
    CHECK(w.rows == 0 && w.batches == 0);
    csvr_reader_free(r);
    csvr_options *o = options(false, false, 0);
    CHECK_ST(csvr_reader_from_bytes((const uint8_t *)"1,2\n", 4, o, &r), CSVR_OK);
    CHECK_ST(csvr_reader_next(r), CSVR_OK);
    CHECK_ST(csvr_reader_arrow_stream(r, 0, 0, &s), CSVR_OK);
    csvr_reader_free(r);
    or = oracle_bytes("1,2\n", 4, o);
    oracle_skip(&or, 1);
    expect none = {.layout = OFFSETS32, .width = 0};
    w = walk(&s, &or, &none);
    CHECK(w.rows == 0 && w.batches == 0);
    csvr_options_free(o);
}

/* Large strings and views, including values on both sides of the 12-byte inline limit. */
static void test_layouts(void) {
    g_test = "layouts";
    const char data[] = "short,edge,long\n"
                        "a,twelve bytes,thirteen bytes\n"
                        ",eleven byte,a value well past the inline limit\n"
                        "b\n"
                        "\"q\"\"q\",\"x\ny\",\"and a quoted, long \"\"value\"\"\"\n";
    const char *names[] = {"short", "edge", "long"};
    for (int layout = OFFSETS32; layout <= VIEWS; layout++) {
        for (int text = 0; text < 2; text++) {
            for (size_t rows = 0; rows <= 2; rows += 2) {
                csvr_options *o = options(true, text, rows);
                csvr_reader *r = NULL;
                CHECK_ST(csvr_reader_from_bytes((const uint8_t *)data, strlen(data), o, &r), CSVR_OK);
                struct ArrowArrayStream s;
                CHECK_ST(csvr_reader_arrow_stream(r, 0, layout, &s), CSVR_OK);
                csvr_reader_free(r);
                expect e = {.text = text, .layout = layout, .width = 3, .names = names, .batch_rows = rows};
                oracle or = oracle_bytes(data, strlen(data), o);
                walked w = walk(&s, &or, &e);
                CHECK_U64(w.rows, 4);

                CHECK_ST(csvr_reader_from_bytes((const uint8_t *)data, strlen(data), o, &r), CSVR_OK);
                CHECK_ST(csvr_reader_arrow_stream(r, 0, layout, &s), CSVR_OK);
                csvr_reader_free(r);
                struct ArrowArray a;
                if (rows == 0 && next_batch(&s, &a)) {
                    CHECK_CELL(&a, layout, 1, 0, "twelve bytes");
                    CHECK_CELL(&a, layout, 2, 0, "thirteen bytes");
                    CHECK_CELL(&a, layout, 0, 1, "");
                    CHECK_CELL(&a, layout, 2, 1, "a value well past the inline limit");
                    CHECK_CELL(&a, layout, 1, 2, NULL);
                    CHECK_CELL(&a, layout, 0, 3, "q\"q");
                    CHECK_CELL(&a, layout, 2, 3, "and a quoted, long \"value\"");
                    if (layout == OFFSETS64) {
                        const int64_t *off = a.children[2]->buffers[1];
                        CHECK(off[0] == 0 && off[1] == 14 && off[2] == 48 && off[3] == 48);
                    } else if (layout == VIEWS) {
                        /* Long values in the one data buffer, back to back; its size last. */
                        const int64_t *sizes = a.children[2]->buffers[3];
                        CHECK_U64(sizes[0], 14 + 34 + 26);
                        int32_t offset;
                        memcpy(&offset, (const uint8_t *)a.children[2]->buffers[1] + 16 + 12, 4);
                        CHECK(offset == 14);
                    }
                    a.release(&a);
                }
                s.release(&s);
                csvr_options_free(o);
            }
        }
    }
}

/* ------------------------------------------------------------------------------------ */
/* A large input: parallel workers (read_ahead, threads 2) and ranges                   */

/* More than 8 MiB of varied records (short ones, empty fields, quoted newlines and
 * quotes, CRLF, long values): `*len` bytes, malloc'd. */
static char *big_input(size_t *len) {
    size_t cap = (9u << 20) + 4096, n = 0;
    char *data = malloc(cap);
    if (data == NULL) {
        exit(2);
    }
    n += (size_t)snprintf(data, cap, "id,name,note,n\n");
    /* Quoted where it holds a comma; the plain filler holds none. */
    static const char filler[] = "the quick brown fox jumps over the lazy dog, again and again";
    static const char plain[] = "abcdefghijklmnopqrstuvwxyz ABCDEFGHIJKLMNOPQRSTUVWXYZ 0123456789 .;:";
    for (unsigned i = 0; n < (9u << 20); i++) {
        int k = (int)(i % 61);
        switch (i % 10) {
        case 3:
            n += (size_t)snprintf(data + n, cap - n, "%u\n", i);
            break;
        case 5:
            n += (size_t)snprintf(data + n, cap - n, "%u,\"multi\nline %u\",,\"q\"\"uote\"\r\n", i, i);
            break;
        case 7:
            n += (size_t)snprintf(data + n, cap - n, "%u,,\"%.*s\"\n", i, k, filler);
            break;
        default:
            n += (size_t)snprintf(data + n, cap - n, "%u,name_%u,%.*s %u,%u\n", i, i, k, plain, i,
                                  i * 7);
            break;
        }
    }
    *len = n;
    return data;
}

static void test_big_input(void) {
    g_test = "big input";
    size_t len = 0;
    char *data = big_input(&len);
    char path[PATH_MAX];
    tmp_path(path, sizeof path, "big.csv");
    write_file(path, data, len);
    const char *names[] = {"id", "name", "note", "n"};
    csvr_options *plain = options(true, false, 0);
    uint64_t total = 0;
    CHECK_ST(csvr_count_path(path, plain, &total), CSVR_OK);
    CHECK(total > 100000);
    csvr_options *ahead = options(true, false, 0);
    CHECK_ST(csvr_options_set_read_ahead(ahead, true), CSVR_OK);
    CHECK_ST(csvr_options_set_threads(ahead, 2), CSVR_OK);

    /* The whole file on two workers, against the oracle read on the caller's thread. */
    expect e = {.layout = OFFSETS32, .width = 4, .names = names};
    struct ArrowArrayStream s;
    CHECK_ST(csvr_arrow_open(path, ahead, &s), CSVR_OK);
    oracle or = oracle_path(path, plain);
    walked w = walk(&s, &or, &e);
    CHECK_U64(w.rows, total);
    CHECK(w.batches >= 2); /* about 4 MiB of values each */

    /* Bytes, text mode, 1000-row batches. */
    CHECK_ST(csvr_options_set_utf8(ahead, true), CSVR_OK);
    CHECK_ST(csvr_options_set_batch_rows(ahead, 1000), CSVR_OK);
    CHECK_ST(csvr_options_set_utf8(plain, true), CSVR_OK);
    expect text = {.text = true, .layout = OFFSETS32, .width = 4, .names = names, .batch_rows = 1000};
    CHECK_ST(csvr_arrow_from_bytes((const uint8_t *)data, len, ahead, &s), CSVR_OK);
    or = oracle_bytes(data, len, plain);
    w = walk(&s, &or, &text);
    CHECK_U64(w.rows, total);
    /* At most 1000 rows each (check_batch); workers may end one early at their range's
     * end, so there may be a few more batches than the fewest possible. */
    CHECK(w.batches >= (total + 999) / 1000 && w.batches < (total + 999) / 1000 + 64);

    /* A reader that read ahead and took a batch, streamed as views from inside it. */
    csvr_reader *r = NULL;
    CHECK_ST(csvr_reader_open(path, ahead, &r), CSVR_OK);
    csvr_batch b;
    CHECK_ST(csvr_reader_next_batch(r, 700, &b), CSVR_OK);
    CHECK_U64(b.records, 700);
    CHECK_ST(csvr_reader_arrow_stream(r, 250, CSVR_ARROW_STRING_VIEW, &s), CSVR_OK);
    csvr_reader_free(r);
    text.layout = VIEWS;
    or = oracle_path(path, plain);
    oracle_skip(&or, 450);
    w = walk(&s, &or, &text);
    CHECK_U64(w.rows, total - 450);

    /* The ranges of a split, each on two workers, in order: the whole file exactly. */
    csvr_range ranges[4];
    size_t n = 0;
    CHECK_ST(csvr_split_path(path, ahead, COUNT_OF(ranges), ranges, &n), CSVR_OK);
    CHECK_U64(n, 4);
    text.layout = OFFSETS32;
    or = oracle_path(path, plain);
    uint64_t rows = 0;
    for (size_t i = 0; i < n; i++) {
        CHECK_ST(csvr_arrow_open_range(path, ahead, &ranges[i], &s), CSVR_OK);
        w = walk_rest(&s, &or, &text, false);
        s.release(&s);
        CHECK_U64(w.rows, ranges[i].records);
        rows += w.rows;
    }
    oracle_end(&or);
    CHECK_U64(rows, total);

    /* A stream released after two batches, its workers busy; one batch kept past it. */
    CHECK_ST(csvr_options_set_batch_rows(ahead, 0), CSVR_OK);
    CHECK_ST(csvr_arrow_open(path, ahead, &s), CSVR_OK);
    struct ArrowArray first, second;
    bool got = next_batch(&s, &first) && next_batch(&s, &second);
    s.release(&s);
    if (got) {
        or = oracle_path(path, plain);
        expect binary = {.layout = OFFSETS32, .width = 4, .names = names};
        check_batch(&first, &or, &binary);
        first.release(&first);
        check_batch(&second, &or, &binary);
        second.release(&second);
        csvr_reader_free(or.r);
    }
    csvr_options_free(ahead);
    csvr_options_free(plain);
    free(data);
}

/* Structs on the library's heap (what a Python capsule points to): freed live, read,
   moved out or never filled, with their resources released once; the capsule destructors
   do nothing in a process without Python. Valgrind and ASan check the frees. */
static void test_heap_structs(void) {
    g_test = "heap structs";
    csvr_arrow_stream_free(NULL);
    csvr_arrow_schema_free(NULL);
    csvr_pycapsule_stream_destructor(NULL);
    csvr_pycapsule_schema_destructor(NULL);

    struct ArrowArrayStream *s = csvr_arrow_stream_new();
    CHECK(s != NULL && s->release == NULL);
    csvr_arrow_stream_free(s); /* never filled */

    /* Filled and never read: the free releases it. */
    s = csvr_arrow_stream_new();
    CHECK_ST(csvr_arrow_from_bytes((const uint8_t *)PEOPLE, strlen(PEOPLE), NULL, s), CSVR_OK);
    CHECK(s->release != NULL);
    struct ArrowSchema *schema = csvr_arrow_schema_new();
    CHECK(schema != NULL && schema->release == NULL);
    CHECK(s->get_schema(s, schema) == 0);
    CHECK(schema->release != NULL && schema->n_children == 3);
    csvr_arrow_stream_free(s);
    csvr_arrow_schema_free(schema); /* after its stream, released by the free */

    /* Part read: a batch outlives the freed stream. */
    s = csvr_arrow_stream_new();
    CHECK_ST(csvr_arrow_from_bytes((const uint8_t *)PEOPLE, strlen(PEOPLE), NULL, s), CSVR_OK);
    struct ArrowArray a;
    bool got = next_batch(s, &a);
    CHECK(got);
    csvr_arrow_stream_free(s);
    if (got) {
        CHECK(a.length > 0);
        a.release(&a);
    }

    /* Moved out by a consumer (its release set NULL): the free frees the struct alone. */
    s = csvr_arrow_stream_new();
    CHECK_ST(csvr_arrow_from_bytes((const uint8_t *)PEOPLE, strlen(PEOPLE), NULL, s), CSVR_OK);
    struct ArrowArrayStream taken;
    memcpy(&taken, s, sizeof taken);
    s->release = NULL;
    csvr_arrow_stream_free(s);
    CHECK(taken.release != NULL);
    taken.release(&taken);
}

#define RUN(test)                  \
    do {                           \
        g_test = #test;            \
        test();                    \
    } while (0)

int main(void) {
    /* Line-buffered, so that failures (stderr) and the summary keep their order in a log
     * that merges the two. */
    setvbuf(stdout, NULL, _IOLBF, 0);
    const char *base = getenv("TMPDIR");
    snprintf(g_tmpdir, sizeof g_tmpdir, "%s/csvr-test-arrow-XXXXXX",
             base != NULL && base[0] != '\0' ? base : "/tmp");
    if (mkdtemp(g_tmpdir) == NULL) {
        fprintf(stderr, "cannot create a temporary directory: %s\n", strerror(errno));
        return 2;
    }

    RUN(test_header_and_formats);
    RUN(test_no_header);
    RUN(test_short_records_are_nulls);
    RUN(test_quotes_crlf_and_empty_fields);
    RUN(test_names);
    RUN(test_column_selection);
    RUN(test_small_batches);
    RUN(test_errors);
    RUN(test_open_errors);
    RUN(test_stream_lifetimes);
    RUN(test_heap_structs);
    RUN(test_batches_outlive_the_stream);
    RUN(test_moved_children);
    RUN(test_reader_stream);
    RUN(test_reader_stream_arguments);
    RUN(test_layouts);
    RUN(test_big_input);

    nftw(g_tmpdir, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
    return check_summary("test_arrow");
}
