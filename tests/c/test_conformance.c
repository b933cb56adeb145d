/*
 * test_conformance.c: the conformance suite (tests/conformance, the csv crate's results as
 * JSON) through the C API: for every case, the headers, each record's fields and
 * position, the first error's status and position, and the count on one thread and on
 * all, as csvr_reader_* and csvr_count_path give them.
 */
#define _POSIX_C_SOURCE 200809L
#include "check.h"
#include "json.h"

#include <dirent.h>
#include <limits.h>
#include <stdlib.h>

#define EXPECTED_DIR CSVR_ROOT_DIR "/tests/conformance/expected"
/* The corpus's cases, made by `make conformance-corpus` when the corpus is there. */
#define CORPUS_DIR CSVR_ROOT_DIR "/../shared/corpus"
#define CORPUS_EXPECTED_DIR CSVR_ROOT_DIR "/target/conformance/corpus"

/* The bytes a JSON field stands for: a string, or {"hex": "..."}. Malloc'ed. */
static char *field_bytes(const json_value *f, size_t *len) {
    if (f->kind == JSON_STRING) {
        char *out = (char *)malloc(f->len + 1);
        memcpy(out, f->string, f->len + 1);
        *len = f->len;
        return out;
    }
    const json_value *hex = json_get(f, "hex");
    size_t n = hex->len / 2;
    char *out = (char *)malloc(n + 1);
    for (size_t i = 0; i < n; i++) {
        unsigned byte;
        sscanf(hex->string + 2 * i, "%2x", &byte);
        out[i] = (char)byte;
    }
    *len = n;
    return out;
}

static bool same_field(const uint8_t *data, size_t len, const json_value *want) {
    size_t want_len;
    char *bytes = field_bytes(want, &want_len);
    bool same = len == want_len && (len == 0 || memcmp(data, bytes, len) == 0);
    free(bytes);
    return same;
}

static csvr_options *case_options(const json_value *o) {
    csvr_options *opts = csvr_options_new();
    CHECK_ST(csvr_options_set_delimiter(opts, (uint8_t)json_get(o, "delimiter")->string[0]), CSVR_OK);
    CHECK_ST(csvr_options_set_quote(opts, (uint8_t)json_get(o, "quote")->string[0]), CSVR_OK);
    CHECK_ST(csvr_options_set_has_header(opts, json_get(o, "has_header")->boolean), CSVR_OK);
    CHECK_ST(csvr_options_set_flexible(opts, json_get(o, "flexible")->boolean), CSVR_OK);
    CHECK_ST(csvr_options_set_utf8(opts, json_get(o, "utf8")->boolean), CSVR_OK);
    return opts;
}

/* The last error's status and position are the expected error's. */
static void check_error(const char *name, csvr_status got, const json_value *want) {
    CHECK_ST(got, (csvr_status)json_get(want, "status")->number);
    uint64_t line, byte, record;
    bool known = csvr_last_error_position(&line, &byte, &record);
    if (json_get(want, "line")->kind == JSON_NULL) {
        check_at(!known, __FILE__, __LINE__, "%s: no position, but one was given", name);
        return;
    }
    check_at(known && line == (uint64_t)json_get(want, "line")->number &&
                 byte == (uint64_t)json_get(want, "byte")->number &&
                 record == (uint64_t)json_get(want, "record")->number,
             __FILE__, __LINE__, "%s: error at line %" PRIu64 ", byte %" PRIu64 ", record %" PRIu64,
             name, line, byte, record);
}

static void check_reading(const char *name, const char *path, const csvr_options *opts,
                          const json_value *c) {
    csvr_reader *r = NULL;
    const json_value *headers = json_get(c, "headers"), *error = json_get(c, "error");
    csvr_status s = csvr_reader_open(path, opts, &r);
    if (s != CSVR_OK) {
        /* Only a header that fails fails the open. */
        check_at(error->kind != JSON_NULL, __FILE__, __LINE__, "%s: open: %s", name, last_message());
        if (error->kind != JSON_NULL) {
            check_error(name, s, error);
        }
        return;
    }
    size_t n = 0;
    if (headers->kind == JSON_NULL) {
        check_at(csvr_reader_header_count(r, &n) != CSVR_OK || n == 0, __FILE__, __LINE__,
                 "%s: a header without has_header", name);
    } else {
        CHECK_ST(csvr_reader_header_count(r, &n), CSVR_OK);
        check_at(n == headers->len, __FILE__, __LINE__, "%s: %zu header fields", name, n);
        for (size_t i = 0; i < n && i < headers->len; i++) {
            const uint8_t *data;
            size_t len;
            CHECK_ST(csvr_reader_header(r, i, &data, &len), CSVR_OK);
            check_at(same_field(data, len, headers->items[i]), __FILE__, __LINE__,
                     "%s: header field %zu", name, i);
        }
    }
    const json_value *records = json_get(c, "records"), *positions = json_get(c, "positions");
    size_t k = 0;
    while ((s = csvr_reader_next(r)) == CSVR_OK) {
        if (!check_at(k < records->len, __FILE__, __LINE__, "%s: more records than %zu", name, records->len)) {
            break;
        }
        const json_value *want = records->items[k], *at = positions->items[k];
        size_t nf;
        CHECK_ST(csvr_reader_field_count(r, &nf), CSVR_OK);
        check_at(nf == want->len, __FILE__, __LINE__, "%s: record %zu has %zu fields", name, k, nf);
        for (size_t i = 0; i < nf && i < want->len; i++) {
            const uint8_t *data;
            size_t len;
            CHECK_ST(csvr_reader_field(r, i, &data, &len), CSVR_OK);
            check_at(same_field(data, len, want->items[i]), __FILE__, __LINE__, "%s: record %zu field %zu",
                     name, k, i);
        }
        uint64_t line, byte, record;
        CHECK_ST(csvr_reader_position(r, &line, &byte, &record), CSVR_OK);
        check_at(line == (uint64_t)at->items[0]->number && byte == (uint64_t)at->items[1]->number &&
                     record == (uint64_t)at->items[2]->number,
                 __FILE__, __LINE__, "%s: record %zu at line %" PRIu64 ", byte %" PRIu64, name, k, line, byte);
        k++;
    }
    check_at(k == records->len, __FILE__, __LINE__, "%s: %zu records, want %zu", name, k, records->len);
    if (error->kind == JSON_NULL) {
        CHECK_ST(s, CSVR_DONE);
    } else {
        check_error(name, s, error);
    }
    csvr_reader_free(r);
}

static void check_count(const char *name, const char *path, csvr_options *opts, const json_value *c) {
    const json_value *count = json_get(c, "count"), *error = json_get(c, "count_error");
    for (size_t threads = 0; threads < 2; threads++) {
        CHECK_ST(csvr_options_set_threads(opts, threads), CSVR_OK);
        uint64_t n = 0;
        csvr_status s = csvr_count_path(path, opts, &n);
        if (error->kind == JSON_NULL) {
            CHECK_ST(s, CSVR_OK);
            check_at(n == (uint64_t)count->number, __FILE__, __LINE__, "%s: count %" PRIu64, name, n);
        } else {
            check_error(name, s, error);
        }
    }
}

static int run_case(const char *json_path) {
    json_value *c = json_load(json_path);
    if (!check_at(c != NULL, __FILE__, __LINE__, "cannot parse %s", json_path)) {
        return 0;
    }
    const char *name = json_get(c, "name")->string;
    char path[PATH_MAX];
    const char *file = json_get(c, "file")->string;
    /* Relative to the checkout, or absolute (the corpus's cases). */
    snprintf(path, sizeof path, "%s%s", file[0] == '/' ? "" : CSVR_ROOT_DIR "/", file);
    g_test = name;
    csvr_options *opts = case_options(json_get(c, "options"));
    check_reading(name, path, opts, c);
    check_count(name, path, opts, c);
    csvr_options_free(opts);
    g_test = "suite"; /* the name is the document's, freed next */
    json_free(c);
    return 1;
}

/* Runs every case in dir; returns how many. */
static int run_dir(const char *dir_path) {
    DIR *dir = opendir(dir_path);
    if (!check_at(dir != NULL, __FILE__, __LINE__, "cannot open %s", dir_path)) {
        return 0;
    }
    int cases = 0;
    struct dirent *e;
    while ((e = readdir(dir)) != NULL) {
        size_t len = strlen(e->d_name);
        if (len > 5 && strcmp(e->d_name + len - 5, ".json") == 0) {
            char path[PATH_MAX];
            snprintf(path, sizeof path, "%s/%s", dir_path, e->d_name);
            cases += run_case(path);
        }
    }
    closedir(dir);
    return cases;
}

int main(void) {
    int cases = run_dir(EXPECTED_DIR);
    g_test = "suite";
    check_at(cases >= 15, __FILE__, __LINE__, "only %d conformance cases", cases);
    DIR *corpus = opendir(CORPUS_DIR);
    if (corpus != NULL) {
        closedir(corpus);
        int more = run_dir(CORPUS_EXPECTED_DIR); /* missing: run `make conformance-corpus` */
        g_test = "suite";
        check_at(more > 0, __FILE__, __LINE__, "no corpus cases in %s", CORPUS_EXPECTED_DIR);
        cases += more;
    } else {
        printf("note: %s is absent: the corpus cases are skipped\n", CORPUS_DIR);
    }
    printf("test_conformance: %d cases\n", cases);
    return check_summary("test_conformance");
}
