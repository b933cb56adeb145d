/* read-zsv: zsv's pull parser as a contender in bench/run.py's reading section.
 *
 * Usage: read-zsv FILE
 * Reads FILE with zsv_next_row and zsv_get_cell for every cell, and prints
 * `RECORDS FIELD_BYTES SECONDS` like read-csvr: the first row is the header (not counted,
 * its cells not summed), as with csvr's and the csv crate's defaults. zsv is not part of
 * csvr: the Makefile builds it (bench-zsv) from a local mirror of liquidaty/zsv into the
 * ignored bench/out/zsv, and builds this program only when that worked.
 */
#define _POSIX_C_SOURCE 200809L
#include <inttypes.h>
#include <stdio.h>
#include <time.h>

#include <zsv.h>

static double now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

int main(int argc, char **argv) {
    if (argc != 2) {
        fprintf(stderr, "usage: read-zsv FILE\n");
        return 2;
    }
    double t = now();
    FILE *f = fopen(argv[1], "rb");
    if (!f) {
        perror(argv[1]);
        return 1;
    }
    struct zsv_opts opts = {0};
    opts.stream = f;
    zsv_parser p = zsv_new(&opts);
    if (!p) {
        fprintf(stderr, "zsv_new failed\n");
        return 1;
    }
    uint64_t rows = 0, bytes = 0, header_bytes = 0;
    enum zsv_status s;
    while ((s = zsv_next_row(p)) == zsv_status_row) {
        size_t n = zsv_cell_count(p);
        uint64_t row_bytes = 0;
        for (size_t i = 0; i < n; i++) row_bytes += zsv_get_cell(p, i).len;
        if (rows++ == 0) header_bytes = row_bytes;
        bytes += row_bytes;
    }
    if (s != zsv_status_done && s != zsv_status_no_more_input && s != zsv_status_ok) {
        fprintf(stderr, "zsv_next_row: status %d\n", (int)s);
        return 1;
    }
    zsv_delete(p);
    fclose(f);
    t = now() - t;
    printf("%" PRIu64 " %" PRIu64 " %.6f\n", rows ? rows - 1 : 0, bytes - header_bytes, t);
    return 0;
}
