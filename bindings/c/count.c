/*
 * csvr-count: print the header of a CSV file and its number of records.
 *
 *     $ csvr-count examples/data/sample.csv
 *     header: id, opened, customer, city, amount, status, comment
 *     records: 4000
 *
 * This is the example to read first. It shows the whole life of a csvr_reader: open it,
 * borrow the header fields, free it; then the fast count of a file; and the one error
 * convention of the library: every fallible call returns a csvr_status, negative on
 * failure, after which csvr_last_error_message() says why (like errno, it is meaningful
 * only right after the failed call, so it is read before any other csvr call).
 *
 * Exit status: 0 on success, 1 on any csvr error, 2 on bad usage.
 */

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>

#include <csvr.h>

#define PROGRAM "csvr-count"

/* The name of a status, for messages: the library's own table. */
static const char *status_name(csvr_status status) { return csvr_status_name((int)status); }

/* Reports the failure `status` of the csvr call just made and returns the exit status.
 * Call it before any other csvr function: the message belongs to the last failed call. */
static int report(csvr_status status) {
    const char *message = csvr_last_error_message();
    fprintf(stderr, "%s: error %s (%d): %s\n", PROGRAM, status_name(status), (int)status,
            message != NULL ? message : "(no message)");
    return EXIT_FAILURE;
}

/* Prints "header: f1, f2, ..." from the reader's header record. Header fields are
 * borrowed from the reader (valid until csvr_reader_free) and are not NUL-terminated:
 * they are printed with their length, so any byte, NUL included, comes out as it is. */
static csvr_status print_header(const csvr_reader *reader) {
    size_t count = 0;
    csvr_status status = csvr_reader_header_count(reader, &count);
    if (status != CSVR_OK) {
        return status;
    }
    fputs("header:", stdout);
    if (count == 0) {
        fputs(" (none: the file is empty)", stdout);
    }
    for (size_t i = 0; i < count; i++) {
        const uint8_t *data = NULL;
        size_t len = 0;
        status = csvr_reader_header(reader, i, &data, &len);
        if (status != CSVR_OK) {
            return status;
        }
        fputs(i == 0 ? " " : ", ", stdout);
        /* An empty field has len 0 and its data pointer must not be read. */
        if (len > 0) {
            fwrite(data, 1, len, stdout);
        }
    }
    fputc('\n', stdout);
    return CSVR_OK;
}

int main(int argc, char **argv) {
    if (argc != 2) {
        fprintf(stderr, "usage: %s FILE\n"
                        "Prints the header of the CSV file FILE and its number of records.\n",
                PROGRAM);
        return 2;
    }
    const char *path = argv[1];

    /* NULL options are the defaults: comma, double quote, the first record a header.
     * (For others: csvr_options_new, csvr_options_set_*, then csvr_options_free, which
     * may come as soon as the reader is open, since the reader copies them.) */
    csvr_reader *reader = NULL;
    csvr_status status = csvr_reader_open(path, NULL, &reader);
    if (status != CSVR_OK) {
        return report(status); /* on failure nothing was allocated: `reader` is still NULL */
    }

    /* From here on the reader is ours: every path below goes through csvr_reader_free. */
    int exit_status = EXIT_SUCCESS;
    status = print_header(reader);
    csvr_reader_free(reader);
    uint64_t records = 0;
    if (status == CSVR_OK) {
        /* The fast exact count: SIMD, on all cores, in constant memory; the same number
         * as reading every record with csvr_reader_next would give. (A reader counts
         * what it has not read yet with csvr_reader_count, a streaming count.) */
        status = csvr_count_path(path, NULL, &records);
    }
    if (status == CSVR_OK) {
        printf("records: %" PRIu64 "\n", records);
    } else {
        exit_status = report(status);
    }

    /* A full disk or a closed pipe shows up only when stdout is flushed. */
    if (fflush(stdout) != 0 || ferror(stdout)) {
        perror(PROGRAM ": cannot write the output");
        exit_status = EXIT_FAILURE;
    }
    return exit_status;
}
