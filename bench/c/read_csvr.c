/* read-csvr: the C-side readers of bench/run.py's reading section, over libcsvr.so.
 *
 * Usage: read-csvr MODE FILE [THREADS [READ_AHEAD]]
 *   field  csvr_reader_next, then csvr_reader_field for every field of the record
 *   batch  csvr_reader_next_batch (BATCH_RECORDS a call), every field's length from field_ends
 *   count  csvr_count_path (no fields: the reference for split)
 *   split  csvr_split_path into SPLIT_PARTS ranges; n/a unless built with CSVR_HAS_SPLIT
 * THREADS goes to csvr_options_set_threads (0 = all cores, the default), READ_AHEAD (0/1,
 * default 0) to csvr_options_set_read_ahead.
 *
 * Prints `RECORDS FIELD_BYTES SECONDS` (FIELD_BYTES: the sum of every field's length, the
 * header excluded, so that tools can be cross-checked; `-` for count and split), timing
 * only the work from open to free. Prints `n/a: REASON` and exits 0 when the library lacks
 * what MODE needs, so that the runner shows a note instead of a failure.
 *
 * The Makefile defines CSVR_HAS_SPLIT when include/csvr.h declares csvr_split_path.
 */
#define _POSIX_C_SOURCE 200809L
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include <csvr.h>

enum { BATCH_RECORDS = 4096, SPLIT_PARTS = 16 };

static double now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

static void fail(const char *what, csvr_status s) {
    const char *msg = csvr_last_error_message();
    fprintf(stderr, "%s failed (status %d): %s\n", what, (int)s, msg ? msg : "no message");
    exit(1);
}

static csvr_options *options(size_t threads, int read_ahead) {
    csvr_options *o = csvr_options_new();
    csvr_status s;
    if (!o) {
        fprintf(stderr, "csvr_options_new: out of memory\n");
        exit(1);
    }
    if ((s = csvr_options_set_threads(o, threads)) != CSVR_OK) fail("csvr_options_set_threads", s);
    if ((s = csvr_options_set_read_ahead(o, read_ahead != 0)) != CSVR_OK)
        fail("csvr_options_set_read_ahead", s);
    return o;
}

static csvr_reader *open_reader(const char *path, const csvr_options *o) {
    csvr_reader *r;
    csvr_status s = csvr_reader_open(path, o, &r);
    if (s != CSVR_OK) fail("csvr_reader_open", s);
    return r;
}

/* One call per record and one per field: what a C user writes first. */
static void read_fields(const char *path, const csvr_options *o, uint64_t *records, uint64_t *bytes) {
    csvr_reader *r = open_reader(path, o);
    csvr_status s;
    while ((s = csvr_reader_next(r)) == CSVR_OK) {
        size_t nf;
        csvr_reader_field_count(r, &nf);
        for (size_t i = 0; i < nf; i++) {
            const uint8_t *p;
            size_t len;
            csvr_reader_field(r, i, &p, &len);
            *bytes += len;
        }
        ++*records;
    }
    if (s != CSVR_DONE) fail("csvr_reader_next", s);
    csvr_reader_free(r);
}

/* One call per batch; every field's extent from field_ends, as the header's example does. */
static void read_batches(const char *path, const csvr_options *o, uint64_t *records, uint64_t *bytes) {
    csvr_reader *r = open_reader(path, o);
    csvr_batch b;
    csvr_status s;
    while ((s = csvr_reader_next_batch(r, BATCH_RECORDS, &b)) == CSVR_OK) {
        size_t fields = b.record_ends[b.records - 1];
        size_t start = 0;
        for (size_t f = 0; f < fields; f++) {
            *bytes += b.field_ends[f] - start;
            start = b.field_ends[f] + 1;
        }
        *records += b.records;
    }
    if (s != CSVR_DONE) fail("csvr_reader_next_batch", s);
    csvr_reader_free(r);
}

static void count(const char *path, const csvr_options *o, uint64_t *records) {
    csvr_status s = csvr_count_path(path, o, records);
    if (s != CSVR_OK) fail("csvr_count_path", s);
}

#ifdef CSVR_HAS_SPLIT
/* The ranges must follow one another to the end of the file (the runner checks that their
 * records add up to the count): a split that does not is a failure here, not a fast time.
 * The first range may start after a BOM or the header, so its start is not checked. */
static void split(const char *path, const csvr_options *o, uint64_t *records) {
    csvr_range ranges[SPLIT_PARTS];
    size_t n = 0;
    csvr_status s = csvr_split_path(path, o, SPLIT_PARTS, ranges, &n);
    if (s != CSVR_OK) fail("csvr_split_path", s);
    struct stat st;
    if (stat(path, &st) != 0) {
        perror(path);
        exit(1);
    }
    uint64_t at = n ? ranges[0].start : 0, total = 0;
    for (size_t i = 0; i < n; i++) {
        if (ranges[i].start != at || ranges[i].end < ranges[i].start) {
            fprintf(stderr, "csvr_split_path: range %zu [%" PRIu64 ", %" PRIu64 ") does not follow the one before it\n",
                    i, ranges[i].start, ranges[i].end);
            exit(1);
        }
        at = ranges[i].end;
        total += ranges[i].records;
    }
    if (n > SPLIT_PARTS || (n > 0 && at != (uint64_t)st.st_size)) {
        fprintf(stderr, "csvr_split_path: %zu ranges end at %" PRIu64 ", the file at %lld\n", n, at,
                (long long)st.st_size);
        exit(1);
    }
    *records = total;
}
#endif

int main(int argc, char **argv) {
    if (argc < 3) {
        fprintf(stderr, "usage: read-csvr field|batch|count|split FILE [THREADS [READ_AHEAD]]\n");
        return 2;
    }
    const char *mode = argv[1], *path = argv[2];
    size_t threads = argc > 3 ? (size_t)strtoul(argv[3], NULL, 10) : 0;
    int read_ahead = argc > 4 ? atoi(argv[4]) : 0;
#ifndef CSVR_HAS_SPLIT
    if (strcmp(mode, "split") == 0) {
        printf("n/a: csvr has no csvr_split_path yet\n");
        return 0;
    }
#endif
    csvr_options *o = options(threads, read_ahead);
    uint64_t records = 0, bytes = 0;
    int has_bytes = 1;
    double t = now();
    if (strcmp(mode, "field") == 0) {
        read_fields(path, o, &records, &bytes);
    } else if (strcmp(mode, "batch") == 0) {
        read_batches(path, o, &records, &bytes);
    } else if (strcmp(mode, "count") == 0) {
        count(path, o, &records);
        has_bytes = 0;
#ifdef CSVR_HAS_SPLIT
    } else if (strcmp(mode, "split") == 0) {
        split(path, o, &records);
        has_bytes = 0;
#endif
    } else {
        fprintf(stderr, "unknown mode %s\n", mode);
        return 2;
    }
    t = now() - t;
    csvr_options_free(o);
    if (has_bytes)
        printf("%" PRIu64 " %" PRIu64 " %.6f\n", records, bytes, t);
    else
        printf("%" PRIu64 " - %.6f\n", records, t);
    return 0;
}
