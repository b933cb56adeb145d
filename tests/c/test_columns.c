/*
 * test_columns.c: column selection through the C API as a user calls it:
 * csvr_options_set_columns and csvr_options_set_column_names, what records, headers and
 * batches hold then (a missing field has data == NULL, and csvr_reader_batch_missing
 * flags it), counting ignoring the selection, and every bad argument.
 *
 * Every check is counted; the program ends with the line "N passed, M failed" and exits
 * non-zero if M > 0.
 */

#include <csvr.h>

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"

static const char DATA[] = "id,name,city,name\n"
                           "1,Ada,London,x\n"
                           "2,Linus\n"
                           "3,,Oslo,y\n";

static csvr_reader *open_with(const csvr_options *o, const char *data) {
    csvr_reader *r = NULL;
    CHECK_ST(csvr_reader_from_bytes((const uint8_t *)data, strlen(data), o, &r), CSVR_OK);
    return r;
}

/* Field `i` of the current record is `want` (NULL: missing, data == NULL, len 0). */
static void check_field(csvr_reader *r, size_t i, const char *want, bool header) {
    const uint8_t *p = (const uint8_t *)"untouched";
    size_t len = 99;
    csvr_status s = header ? csvr_reader_header(r, i, &p, &len) : csvr_reader_field(r, i, &p, &len);
    CHECK_ST(s, CSVR_OK);
    if (want == NULL) {
        check_at(p == NULL && len == 0, __FILE__, __LINE__, "field %zu is missing: data NULL, len 0", i);
    } else {
        check_at(p != NULL && len == strlen(want) && memcmp(p, want, len) == 0, __FILE__, __LINE__,
                 "field %zu is \"%s\" (non-NULL data)", i, want);
    }
}

/* The current record has exactly `n` fields, `want[i]` each. */
static void check_record(csvr_reader *r, size_t n, const char *const *want, bool header) {
    size_t count = 0;
    CHECK_ST(header ? csvr_reader_header_count(r, &count) : csvr_reader_field_count(r, &count), CSVR_OK);
    CHECK_U64(count, n);
    for (size_t i = 0; i < n && i < count; i++) {
        check_field(r, i, want[i], header);
    }
}

static void test_indexes(void) {
    g_test = "indexes";
    csvr_options *o = csvr_options_new();
    const size_t cols[] = {2, 0, 2, 7};
    CHECK_ST(csvr_options_set_columns(o, cols, 4), CSVR_OK);
    for (int ahead = 0; ahead < 2; ahead++) {
        CHECK_ST(csvr_options_set_read_ahead(o, ahead), CSVR_OK);
        csvr_reader *r = open_with(o, DATA);
        check_record(r, 4, (const char *const[]){"city", "id", "city", NULL}, true);
        CHECK_ST(csvr_reader_next(r), CSVR_OK);
        check_record(r, 4, (const char *const[]){"London", "1", "London", NULL}, false);
        CHECK_ST(csvr_reader_next(r), CSVR_OK);
        check_record(r, 4, (const char *const[]){NULL, "2", NULL, NULL}, false);
        CHECK_ST(csvr_reader_next(r), CSVR_OK);
        check_record(r, 4, (const char *const[]){"Oslo", "3", "Oslo", NULL}, false);
        const uint8_t *p;
        size_t len;
        CHECK_ST(csvr_reader_field(r, 4, &p, &len), CSVR_ERR_INVALID);
        CHECK_ST(csvr_reader_next(r), CSVR_DONE);
        csvr_reader_free(r);
    }
    csvr_options_free(o);
}

static void test_names(void) {
    g_test = "names";
    csvr_options *o = csvr_options_new();
    /* "name" is in the header twice: its first occurrence. */
    const char *names[] = {"name", "city"};
    CHECK_ST(csvr_options_set_column_names(o, names, 2), CSVR_OK);
    csvr_reader *r = open_with(o, DATA);
    check_record(r, 2, (const char *const[]){"name", "city"}, true);
    CHECK_ST(csvr_reader_next(r), CSVR_OK);
    check_record(r, 2, (const char *const[]){"Ada", "London"}, false);
    CHECK_ST(csvr_reader_next(r), CSVR_OK);
    check_record(r, 2, (const char *const[]){"Linus", NULL}, false);
    CHECK_ST(csvr_reader_next(r), CSVR_OK);
    /* An empty field that is there keeps a non-NULL pointer. */
    check_record(r, 2, (const char *const[]){"", "Oslo"}, false);
    csvr_reader_free(r);

    /* An unknown name fails at open, naming it; so do names without a header. */
    const char *unknown[] = {"id", "town"};
    CHECK_ST(csvr_options_set_column_names(o, unknown, 2), CSVR_OK);
    csvr_reader *none = NULL;
    CHECK_ST(csvr_reader_from_bytes((const uint8_t *)DATA, strlen(DATA), o, &none), CSVR_ERR_INVALID);
    CHECK_MSG_HAS("\"town\"");
    CHECK(none == NULL);
    CHECK_ST(csvr_options_set_has_header(o, false), CSVR_OK);
    CHECK_ST(csvr_options_set_column_names(o, names, 2), CSVR_OK);
    CHECK_ST(csvr_reader_from_bytes((const uint8_t *)DATA, strlen(DATA), o, &none), CSVR_ERR_INVALID);
    CHECK_MSG_HAS("has_header");
    CHECK(none == NULL);
    /* Counting ignores the selection, even one no reader could use. */
    uint64_t n = 0;
    CHECK_ST(csvr_count_bytes((const uint8_t *)DATA, strlen(DATA), o, &n), CSVR_OK);
    CHECK_U64(n, 4);
    csvr_options_free(o);
}

static void test_replace_and_clear(void) {
    g_test = "replace and clear";
    csvr_options *o = csvr_options_new();
    const char *names[] = {"nope"};
    const size_t cols[] = {1};
    /* The last setter wins: indexes replace names, and n == 0 clears. */
    CHECK_ST(csvr_options_set_column_names(o, names, 1), CSVR_OK);
    CHECK_ST(csvr_options_set_columns(o, cols, 1), CSVR_OK);
    csvr_reader *r = open_with(o, DATA);
    check_record(r, 1, (const char *const[]){"name"}, true);
    csvr_reader_free(r);
    CHECK_ST(csvr_options_set_columns(o, NULL, 0), CSVR_OK);
    r = open_with(o, DATA);
    check_record(r, 4, (const char *const[]){"id", "name", "city", "name"}, true);
    csvr_reader_free(r);
    CHECK_ST(csvr_options_set_column_names(o, names, 1), CSVR_OK);
    CHECK_ST(csvr_options_set_column_names(o, NULL, 0), CSVR_OK);
    r = open_with(o, DATA);
    check_record(r, 4, (const char *const[]){"id", "name", "city", "name"}, true);
    /* The reader's count ignores the selection too. */
    uint64_t n = 0;
    CHECK_ST(csvr_reader_count(r, &n), CSVR_OK);
    CHECK_U64(n, 3);
    csvr_reader_free(r);
    csvr_options_free(o);
}

static void test_batches(void) {
    g_test = "batches";
    csvr_options *o = csvr_options_new();
    const size_t cols[] = {1, 2};
    CHECK_ST(csvr_options_set_columns(o, cols, 2), CSVR_OK);
    for (int ahead = 0; ahead < 2; ahead++) {
        CHECK_ST(csvr_options_set_read_ahead(o, ahead), CSVR_OK);
        csvr_reader *r = open_with(o, DATA);
        csvr_batch b;
        CHECK_ST(csvr_reader_next_batch(r, 100, &b), CSVR_OK);
        CHECK_U64(b.records, 3);
        CHECK(b.framed);
        CHECK_U64(b.len, strlen("Ada\x1fLondon\x1eLinus\x1f\x1e\x1fOslo"));
        CHECK(memcmp(b.data, "Ada\x1fLondon\x1eLinus\x1f\x1e\x1fOslo", b.len) == 0);
        CHECK_U64(b.record_ends[2], 6);
        const bool *missing = NULL;
        CHECK_ST(csvr_reader_batch_missing(r, &missing), CSVR_OK);
        if (CHECK(missing != NULL)) {
            const bool want[] = {false, false, false, true, false, false};
            for (size_t f = 0; f < 6; f++) {
                check_at(missing[f] == want[f], __FILE__, __LINE__, "field %zu missing = %d", f, want[f]);
            }
        }
        CHECK_ST(csvr_reader_next_batch(r, 100, &b), CSVR_DONE);
        csvr_reader_free(r);
    }
    /* A batch with no missing field has no flags. */
    const size_t first[] = {0};
    CHECK_ST(csvr_options_set_columns(o, first, 1), CSVR_OK);
    csvr_reader *r = open_with(o, DATA);
    csvr_batch b;
    CHECK_ST(csvr_reader_next_batch(r, 100, &b), CSVR_OK);
    const bool *missing = (const bool *)&b;
    CHECK_ST(csvr_reader_batch_missing(r, &missing), CSVR_OK);
    CHECK(missing == NULL);
    CHECK_ST(csvr_reader_batch_missing(NULL, &missing), CSVR_ERR_NULL);
    CHECK_ST(csvr_reader_batch_missing(r, NULL), CSVR_ERR_NULL);
    csvr_reader_free(r);
    csvr_options_free(o);
}

static void test_bad_arguments(void) {
    g_test = "bad arguments";
    const size_t cols[] = {0};
    const char *names[] = {"id", NULL};
    CHECK_ST(csvr_options_set_columns(NULL, cols, 1), CSVR_ERR_NULL);
    CHECK_ST(csvr_options_set_column_names(NULL, names, 1), CSVR_ERR_NULL);
    csvr_options *o = csvr_options_new();
    CHECK_ST(csvr_options_set_columns(o, NULL, 1), CSVR_ERR_NULL);
    CHECK_MSG_HAS("indexes");
    CHECK_ST(csvr_options_set_column_names(o, NULL, 1), CSVR_ERR_NULL);
    CHECK_MSG_HAS("names");
    CHECK_ST(csvr_options_set_columns(o, cols, SIZE_MAX), CSVR_ERR_INVALID);
    /* A NULL entry or a name that is not UTF-8 changes nothing. */
    const size_t second[] = {1};
    CHECK_ST(csvr_options_set_columns(o, second, 1), CSVR_OK);
    CHECK_ST(csvr_options_set_column_names(o, names, 2), CSVR_ERR_NULL);
    CHECK_MSG_HAS("names[i]");
    const char *bad[] = {"id", "caf\xe9"};
    CHECK_ST(csvr_options_set_column_names(o, bad, 2), CSVR_ERR_INVALID);
    CHECK_MSG_HAS("not UTF-8");
    csvr_reader *r = open_with(o, DATA);
    check_record(r, 1, (const char *const[]){"name"}, true);
    csvr_reader_free(r);
    csvr_options_free(o);
}

static void test_empty_and_headerless(void) {
    g_test = "empty and headerless";
    csvr_options *o = csvr_options_new();
    const size_t cols[] = {1, 0};
    CHECK_ST(csvr_options_set_columns(o, cols, 2), CSVR_OK);
    /* The header is projected as every record is: empty input, every field missing. */
    csvr_reader *r = open_with(o, "");
    check_record(r, 2, (const char *const[]){NULL, NULL}, true);
    CHECK_ST(csvr_reader_next(r), CSVR_DONE);
    csvr_reader_free(r);
    CHECK_ST(csvr_options_set_has_header(o, false), CSVR_OK);
    r = open_with(o, "a,b\nc\n");
    size_t n = 9;
    CHECK_ST(csvr_reader_header_count(r, &n), CSVR_OK);
    CHECK_U64(n, 0);
    CHECK_ST(csvr_reader_next(r), CSVR_OK);
    check_record(r, 2, (const char *const[]){"b", "a"}, false);
    CHECK_ST(csvr_reader_next(r), CSVR_OK);
    check_record(r, 2, (const char *const[]){NULL, "c"}, false);
    csvr_reader_free(r);
    csvr_options_free(o);
}

int main(void) {
    test_indexes();
    test_names();
    test_replace_and_clear();
    test_batches();
    test_bad_arguments();
    test_empty_and_headerless();
    return check_summary("test_columns");
}
