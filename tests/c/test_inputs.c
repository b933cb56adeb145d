/*
 * test_inputs.c: the inputs of csvr's C API besides paths and bytes, tested from C as a
 * user calls them: file descriptors (pipes, regular files, offsets), read callbacks
 * (errno, EINTR, impossible returns), and gzip and zstd in each of them and in paths and
 * bytes (csvr_options_set_decompress).
 *
 * Every check is counted; the program ends with the line "N passed, M failed" and exits
 * non-zero if M > 0. Temporary files are unlinked as soon as they are open.
 */

#define _GNU_SOURCE /* mkstemp */

#include <csvr.h>

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"

#define CHECK_CONTAINS(haystack, needle)                                                      \
    do {                                                                                      \
        const char *h_ = (haystack);                                                          \
        check_at(h_ != NULL && strstr(h_, (needle)) != NULL, __FILE__, __LINE__,              \
                 "\"%s\" contains \"%s\"", h_ != NULL ? h_ : "(NULL)", (needle));             \
    } while (0)

/* ------------------------------------------------------------------------------------ */
/* Helpers                                                                              */

/* A temporary file holding `len` bytes, already unlinked, at offset 0. */
static int temp_file(const void *data, size_t len) {
    char path[] = "/tmp/csvr-test-inputs-XXXXXX";
    int fd = mkstemp(path);
    if (fd < 0) {
        perror("mkstemp");
        exit(2);
    }
    unlink(path);
    if (write(fd, data, len) != (ssize_t)len || lseek(fd, 0, SEEK_SET) != 0) {
        perror("write");
        exit(2);
    }
    return fd;
}

static bool fd_is_open(int fd) { return fcntl(fd, F_GETFD) != -1; }

/* All the records of a reader, fields joined by '|' and records ended by '\n'. */
static char *drain(csvr_reader *r, csvr_status *end) {
    size_t cap = 1 << 16, len = 0;
    char *out = malloc(cap);
    csvr_status s;
    while ((s = csvr_reader_next(r)) == CSVR_OK) {
        size_t n = 0;
        csvr_reader_field_count(r, &n);
        for (size_t i = 0; i < n; i++) {
            const uint8_t *p = NULL;
            size_t flen = 0;
            csvr_reader_field(r, i, &p, &flen);
            while (len + flen + 2 > cap) {
                cap *= 2;
                out = realloc(out, cap);
            }
            memcpy(out + len, p, flen);
            len += flen;
            out[len++] = i + 1 < n ? '|' : '\n';
        }
    }
    out[len] = '\0';
    *end = s;
    return out;
}

/* Reads `r` to CSVR_DONE, checks its records are `want` (as drain() joins them), frees it. */
static void expect_drained(csvr_reader *r, const char *want, const char *file, int line) {
    csvr_status end;
    char *got = drain(r, &end);
    check_at(end == CSVR_DONE, file, line, "reading ended with %s, want CSVR_DONE; last error: %s",
             status_name(end), end < 0 ? last_message() : "(none)");
    check_at(strcmp(got, want) == 0, file, line, "records \"%s\", want \"%s\"", got, want);
    free(got);
    csvr_reader_free(r);
}
#define EXPECT_DRAINED(r, want) expect_drained((r), (want), __FILE__, __LINE__)

/* A writer thread feeding a pipe, so that inputs larger than the pipe's buffer work. */
struct feed {
    int fd;
    const char *data;
    size_t len;
};

static void *feed_pipe(void *arg) {
    struct feed *f = arg;
    size_t done = 0;
    while (done < f->len) {
        ssize_t n = write(f->fd, f->data + done, f->len - done);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) break;
        done += (size_t)n;
    }
    close(f->fd);
    return NULL;
}

/* A big input: a header and `rows` records, some quoted over two lines. */
static char *big_csv(size_t rows, size_t *len) {
    size_t cap = rows * 40 + 64;
    char *s = malloc(cap);
    size_t n = (size_t)snprintf(s, cap, "id,text\n");
    for (size_t i = 0; i < rows; i++) {
        n += (size_t)snprintf(s + n, cap - n, i % 7 == 0 ? "%zu,\"two\nlines, %zu\"\n" : "%zu,plain %zu\n", i, i);
    }
    *len = n;
    return s;
}

/* ------------------------------------------------------------------------------------ */
/* File descriptors                                                                     */

static void test_fd_regular_file(void) {
    g_test = "fd: a regular file";
    const char data[] = "a,b\n1,2\n\n3,\"x\ny\"\n";
    int fd = temp_file(data, sizeof data - 1);
    csvr_reader *r = NULL;
    CHECK_ST(csvr_reader_from_fd(fd, NULL, &r), CSVR_OK);
    EXPECT_DRAINED(r, "1|2\n3|x\ny\n");
    CHECK(fd_is_open(fd));

    /* From the start (the fast count) and from an offset (streamed); the offset ends at
       the end either way. */
    uint64_t n = 99;
    CHECK(lseek(fd, 0, SEEK_SET) == 0);
    CHECK_ST(csvr_count_fd(fd, NULL, &n), CSVR_OK);
    CHECK_U64(n, 2);
    CHECK(lseek(fd, 0, SEEK_CUR) == (off_t)(sizeof data - 1));
    CHECK(lseek(fd, 4, SEEK_SET) == 4); /* past "a,b\n": "1,2" is now the header */
    CHECK_ST(csvr_count_fd(fd, NULL, &n), CSVR_OK);
    CHECK_U64(n, 1);
    CHECK(lseek(fd, 0, SEEK_CUR) == (off_t)(sizeof data - 1));
    CHECK(fd_is_open(fd));
    close(fd);
}

static void test_fd_offset_is_respected(void) {
    g_test = "fd: reading starts at the current offset";
    const char data[] = "skip me\nh1,h2\nx,y\n";
    int fd = temp_file(data, sizeof data - 1);
    CHECK(lseek(fd, 8, SEEK_SET) == 8);
    csvr_reader *r = NULL;
    CHECK_ST(csvr_reader_from_fd(fd, NULL, &r), CSVR_OK);
    const uint8_t *p = NULL;
    size_t len = 0;
    CHECK_ST(csvr_reader_header(r, 0, &p, &len), CSVR_OK);
    CHECK(len == 2 && memcmp(p, "h1", 2) == 0);
    CHECK_ST(csvr_reader_next(r), CSVR_OK);
    uint64_t line, byte, record;
    CHECK_ST(csvr_reader_position(r, &line, &byte, &record), CSVR_OK);
    /* Positions count from where reading started. */
    CHECK_U64(line, 2);
    CHECK_U64(byte, 6);
    CHECK_ST(csvr_reader_next(r), CSVR_DONE);
    csvr_reader_free(r);
    CHECK(fd_is_open(fd));
    close(fd);
}

static void test_fd_pipe(void) {
    g_test = "fd: a pipe, larger than its buffer";
    size_t len = 0;
    char *data = big_csv(50000, &len);
    uint64_t expected = 0;
    CHECK_ST(csvr_count_bytes((const uint8_t *)data, len, NULL, &expected), CSVR_OK);
    CHECK_U64(expected, 50000);
    for (int pass = 0; pass < 2; pass++) {
        int fds[2];
        CHECK(pipe(fds) == 0);
        struct feed f = {fds[1], data, len};
        pthread_t writer;
        pthread_create(&writer, NULL, feed_pipe, &f);
        if (pass == 0) {
            uint64_t n = 0;
            CHECK_ST(csvr_count_fd(fds[0], NULL, &n), CSVR_OK);
            CHECK_U64(n, expected);
        } else {
            csvr_options *o = csvr_options_new();
            csvr_options_set_read_ahead(o, true); /* does not apply to fds: still correct */
            csvr_reader *r = NULL;
            CHECK_ST(csvr_reader_from_fd(fds[0], o, &r), CSVR_OK);
            csvr_options_free(o);
            uint64_t n = 0;
            CHECK_ST(csvr_reader_count(r, &n), CSVR_OK);
            CHECK_U64(n, expected);
            csvr_reader_free(r);
        }
        pthread_join(writer, NULL);
        CHECK(fd_is_open(fds[0]));
        close(fds[0]);
    }
    free(data);
}

static void test_fd_errors(void) {
    g_test = "fd: bad descriptors";
    csvr_reader *r = (csvr_reader *)&r;
    uint64_t n = 7;
    CHECK_ST(csvr_reader_from_fd(-1, NULL, &r), CSVR_ERR_INVALID);
    CHECK(r == (csvr_reader *)&r);
    CHECK_ST(csvr_count_fd(-1, NULL, &n), CSVR_ERR_INVALID);
    int fd = temp_file("x", 1);
    close(fd); /* fd is now closed */
    CHECK_ST(csvr_reader_from_fd(fd, NULL, &r), CSVR_ERR_IO);
    CHECK(csvr_last_error_os_error() == EBADF);
    CHECK_CONTAINS(last_message(), "file descriptor");
    CHECK_ST(csvr_count_fd(fd, NULL, &n), CSVR_ERR_IO);
    CHECK(csvr_last_error_os_error() == EBADF);
    CHECK_U64(n, 7);
    CHECK_ST(csvr_reader_from_fd(0, NULL, NULL), CSVR_ERR_NULL);
    CHECK_ST(csvr_count_fd(0, NULL, NULL), CSVR_ERR_NULL);
    /* A write-only descriptor opens (fcntl is happy) and fails at the first read. */
    int w = open("/dev/null", O_WRONLY);
    CHECK_ST(csvr_count_fd(w, NULL, &n), CSVR_ERR_IO);
    CHECK(csvr_last_error_os_error() == EBADF);
    close(w);
}

/* ------------------------------------------------------------------------------------ */
/* Read callbacks                                                                       */

struct source {
    const char *data;
    size_t len, at;
    size_t chunk;        /* at most this many bytes per call (0: as many as asked) */
    int fail_at;         /* on this call (1-based), return -1 with fail_errno (0: never) */
    int fail_errno;
    int eintr_every;     /* every n-th call returns -1 with EINTR first (0: never) */
    ptrdiff_t lie;       /* if not 0, return this instead of the truth on the first call */
    int calls;
};

static ptrdiff_t read_source(void *user_data, uint8_t *buf, size_t len) {
    struct source *s = user_data;
    s->calls++;
    if (s->eintr_every != 0 && s->calls % s->eintr_every == 0) {
        errno = EINTR;
        return -1;
    }
    if (s->fail_at != 0 && s->calls >= s->fail_at) {
        errno = s->fail_errno;
        return -1;
    }
    if (s->lie != 0 && s->calls == 1) {
        return s->lie;
    }
    size_t n = s->len - s->at;
    if (n > len) n = len;
    if (s->chunk != 0 && n > s->chunk) n = s->chunk;
    memcpy(buf, s->data + s->at, n);
    s->at += n;
    return (ptrdiff_t)n;
}

static void test_callback_reads(void) {
    g_test = "callback: any read size gives the same records and count";
    size_t len = 0;
    char *data = big_csv(3000, &len);
    uint64_t expected = 0;
    CHECK_ST(csvr_count_bytes((const uint8_t *)data, len, NULL, &expected), CSVR_OK);
    size_t chunks[] = {1, 2, 3, 7, 64, 4096, 0};
    for (size_t i = 0; i < sizeof chunks / sizeof chunks[0]; i++) {
        struct source s = {.data = data, .len = len, .chunk = chunks[i], .eintr_every = 3};
        uint64_t n = 0;
        CHECK_ST(csvr_count_callback(read_source, &s, NULL, &n), CSVR_OK);
        CHECK_U64(n, expected);
        struct source s2 = {.data = data, .len = len, .chunk = chunks[i], .eintr_every = 5};
        csvr_reader *r = NULL;
        CHECK_ST(csvr_reader_from_callback(read_source, &s2, NULL, &r), CSVR_OK);
        n = 0;
        CHECK_ST(csvr_reader_count(r, &n), CSVR_OK);
        CHECK_U64(n, expected);
        csvr_reader_free(r);
    }
    /* The records themselves, one byte per call, with a BOM. */
    const char small[] = "\xef\xbb\xbfh\n\"a\nb\",c\r\n\r\nd\n";
    struct source s = {.data = small, .len = sizeof small - 1, .chunk = 1};
    csvr_reader *r = NULL;
    CHECK_ST(csvr_reader_from_callback(read_source, &s, NULL, &r), CSVR_OK);
    const uint8_t *p = NULL;
    size_t hlen = 0;
    CHECK_ST(csvr_reader_header(r, 0, &p, &hlen), CSVR_OK);
    CHECK(hlen == 1 && p[0] == 'h');
    EXPECT_DRAINED(r, "a\nb|c\nd\n");
    free(data);
}

static void test_callback_errors(void) {
    g_test = "callback: errno, EINTR, impossible returns, NULL";
    const char data[] = "h\n1\n2\n3\n";
    /* A failure at the first call: the header cannot be read. */
    struct source s = {.data = data, .len = sizeof data - 1, .fail_at = 1, .fail_errno = ECONNRESET};
    csvr_reader *r = NULL;
    CHECK_ST(csvr_reader_from_callback(read_source, &s, NULL, &r), CSVR_ERR_IO);
    CHECK(r == NULL);
    CHECK(csvr_last_error_os_error() == ECONNRESET);
    CHECK_CONTAINS(last_message(), "read callback failed");
    uint64_t n = 42;
    s = (struct source){.data = data, .len = sizeof data - 1, .fail_at = 1, .fail_errno = EIO};
    CHECK_ST(csvr_count_callback(read_source, &s, NULL, &n), CSVR_ERR_IO);
    CHECK(csvr_last_error_os_error() == EIO);
    CHECK_CONTAINS(last_message(), "read callback failed");
    CHECK_U64(n, 42);

    /* A failure later: the records before it come, then the error. */
    s = (struct source){.data = data, .len = sizeof data - 1, .chunk = 2, .fail_at = 3, .fail_errno = ETIMEDOUT};
    CHECK_ST(csvr_reader_from_callback(read_source, &s, NULL, &r), CSVR_OK);
    csvr_status st;
    int records = 0;
    while ((st = csvr_reader_next(r)) == CSVR_OK) records++;
    CHECK_ST(st, CSVR_ERR_IO);
    CHECK(csvr_last_error_os_error() == ETIMEDOUT);
    CHECK(records <= 1);
    csvr_reader_free(r);

    /* EINTR on every other call is retried, never reported. */
    s = (struct source){.data = data, .len = sizeof data - 1, .chunk = 1, .eintr_every = 2};
    CHECK_ST(csvr_count_callback(read_source, &s, NULL, &n), CSVR_OK);
    CHECK_U64(n, 3);

    /* More than len, or below -1: an error, never a read past the buffer. */
    s = (struct source){.data = data, .len = sizeof data - 1, .lie = 1 << 30};
    CHECK_ST(csvr_count_callback(read_source, &s, NULL, &n), CSVR_ERR_IO);
    CHECK_CONTAINS(last_message(), "for a buffer of");
    s = (struct source){.data = data, .len = sizeof data - 1, .lie = 1 << 30};
    CHECK_ST(csvr_reader_from_callback(read_source, &s, NULL, &r), CSVR_ERR_IO);
    s = (struct source){.data = data, .len = sizeof data - 1, .lie = -5};
    CHECK_ST(csvr_count_callback(read_source, &s, NULL, &n), CSVR_ERR_IO);
    CHECK_CONTAINS(last_message(), "-5");

    /* NULL callback, NULL out. */
    CHECK_ST(csvr_count_callback(NULL, NULL, NULL, &n), CSVR_ERR_NULL);
    CHECK_ST(csvr_reader_from_callback(NULL, NULL, NULL, &r), CSVR_ERR_NULL);
    CHECK_CONTAINS(last_message(), "read");
    CHECK_ST(csvr_count_callback(read_source, &s, NULL, NULL), CSVR_ERR_NULL);
    CHECK_ST(csvr_reader_from_callback(read_source, &s, NULL, NULL), CSVR_ERR_NULL);

    /* Bad options are reported before the callback is called. */
    csvr_options *o = csvr_options_new();
    csvr_options_set_quote(o, ',');
    s = (struct source){.data = data, .len = sizeof data - 1};
    CHECK_ST(csvr_count_callback(read_source, &s, o, &n), CSVR_ERR_INVALID);
    CHECK_ST(csvr_reader_from_callback(read_source, &s, o, &r), CSVR_ERR_INVALID);
    CHECK(s.calls == 0);
    csvr_options_free(o);
}


/* ------------------------------------------------------------------------------------ */
/* Compressed inputs                                                                    */

/* Generated with: printf 'id,name\\n1,"a\\nb"\\n2,x\\n' > s.csv; gzip -n -9 -c s.csv; zstd -q -19 -c s.csv;
   st.*: the same, then a second member or frame of "3,y\\n" (cat s.gz t.gz, cat s.zst t.zst). */
static const unsigned char st_gz[] = {
  0x1f, 0x8b, 0x08, 0x00, 0x00, 0x00, 0x00, 0x00, 0x02, 0x03, 0xcb, 0x4c,
  0xd1, 0xc9, 0x4b, 0xcc, 0x4d, 0xe5, 0x32, 0xd4, 0x51, 0x4a, 0xe4, 0x4a,
  0x52, 0xe2, 0x32, 0xd2, 0xa9, 0xe0, 0x02, 0x00, 0x24, 0x9a, 0x0e, 0xd0,
  0x14, 0x00, 0x00, 0x00, 0x1f, 0x8b, 0x08, 0x00, 0x00, 0x00, 0x00, 0x00,
  0x00, 0x03, 0x33, 0xd6, 0xa9, 0xe4, 0x02, 0x00, 0x76, 0x1c, 0xa5, 0xec,
  0x04, 0x00, 0x00, 0x00
};
static const unsigned char st_zst[] = {
  0x28, 0xb5, 0x2f, 0xfd, 0x24, 0x14, 0xa1, 0x00, 0x00, 0x69, 0x64, 0x2c,
  0x6e, 0x61, 0x6d, 0x65, 0x0a, 0x31, 0x2c, 0x22, 0x61, 0x0a, 0x62, 0x22,
  0x0a, 0x32, 0x2c, 0x78, 0x0a, 0x03, 0x2a, 0xc3, 0xc0, 0x28, 0xb5, 0x2f,
  0xfd, 0x04, 0x58, 0x21, 0x00, 0x00, 0x33, 0x2c, 0x79, 0x0a, 0x03, 0x9d,
  0x77, 0x87
};

/* The length of the first member / frame of st_gz / st_zst (s.gz, s.zst alone). */
#define S_GZ_LEN 40
#define S_ZST_LEN 33
static const char ST_RECORDS[] = "1|a\nb\n2|x\n3|y\n";

/* A temporary file named like plain CSV: formats are told by their bytes, not names. */
static char g_dir[] = "/tmp/csvr-test-inputs-dir-XXXXXX";

static const char *write_named(const char *name, const void *data, size_t len) {
    static char path[256];
    snprintf(path, sizeof path, "%s/%s", g_dir, name);
    FILE *f = fopen(path, "wb");
    if (f == NULL || fwrite(data, 1, len, f) != len || fclose(f) != 0) {
        perror(path);
        exit(2);
    }
    return path;
}

static csvr_options *with_decompress(csvr_decompress mode) {
    csvr_options *o = csvr_options_new();
    CHECK_ST(csvr_options_set_decompress(o, mode), CSVR_OK);
    return o;
}

static void test_compressed_everywhere(void) {
    g_test = "compressed: paths, bytes, fds and callbacks";
    const struct {
        const char *name;
        const unsigned char *data;
        size_t len, first;
    } packed[] = {{"gzip", st_gz, sizeof st_gz, S_GZ_LEN}, {"zstd", st_zst, sizeof st_zst, S_ZST_LEN}};
    for (size_t k = 0; k < 2; k++) {
        const unsigned char *data = packed[k].data;
        size_t len = packed[k].len;
        uint64_t n = 0;
        /* Bytes: both members / frames, and the first alone. */
        CHECK_ST(csvr_count_bytes(data, len, NULL, &n), CSVR_OK);
        CHECK_U64(n, 3);
        CHECK_ST(csvr_count_bytes(data, packed[k].first, NULL, &n), CSVR_OK);
        CHECK_U64(n, 2);
        csvr_reader *r = NULL;
        CHECK_ST(csvr_reader_from_bytes(data, len, NULL, &r), CSVR_OK);
        const uint8_t *p = NULL;
        size_t flen = 0;
        CHECK_ST(csvr_reader_header(r, 1, &p, &flen), CSVR_OK);
        CHECK(flen == 4 && memcmp(p, "name", 4) == 0);
        CHECK_ST(csvr_reader_next(r), CSVR_OK);
        CHECK_ST(csvr_reader_next(r), CSVR_OK);
        uint64_t line, byte, record;
        CHECK_ST(csvr_reader_position(r, &line, &byte, &record), CSVR_OK);
        /* Positions are in the decompressed bytes: "2,x" starts at byte 16, line 4. */
        CHECK_U64(line, 4);
        CHECK_U64(byte, 16);
        CHECK_U64(record, 2);
        csvr_reader_free(r);

        /* A path with a plain name, read ahead or not. */
        const char *path = write_named("data.csv", data, len);
        CHECK_ST(csvr_count_path(path, NULL, &n), CSVR_OK);
        CHECK_U64(n, 3);
        for (int ahead = 0; ahead < 2; ahead++) {
            csvr_options *o = csvr_options_new();
            csvr_options_set_read_ahead(o, ahead == 1);
            CHECK_ST(csvr_reader_open(path, o, &r), CSVR_OK);
            csvr_options_free(o);
            EXPECT_DRAINED(r, ST_RECORDS);
        }

        /* A file descriptor: the file, and a pipe. */
        int fd = open(path, O_RDONLY);
        CHECK_ST(csvr_count_fd(fd, NULL, &n), CSVR_OK);
        CHECK_U64(n, 3);
        CHECK(lseek(fd, 0, SEEK_SET) == 0);
        CHECK_ST(csvr_reader_from_fd(fd, NULL, &r), CSVR_OK);
        CHECK_ST(csvr_reader_count(r, &n), CSVR_OK);
        CHECK_U64(n, 3);
        csvr_reader_free(r);
        close(fd);
        int fds[2];
        CHECK(pipe(fds) == 0);
        struct feed f = {fds[1], (const char *)data, len};
        pthread_t writer;
        pthread_create(&writer, NULL, feed_pipe, &f);
        CHECK_ST(csvr_count_fd(fds[0], NULL, &n), CSVR_OK);
        CHECK_U64(n, 3);
        pthread_join(writer, NULL);
        close(fds[0]);

        /* A callback delivering one byte per call: the magic bytes come over four calls. */
        struct source s = {.data = (const char *)data, .len = len, .chunk = 1, .eintr_every = 2};
        CHECK_ST(csvr_count_callback(read_source, &s, NULL, &n), CSVR_OK);
        CHECK_U64(n, 3);
        s = (struct source){.data = (const char *)data, .len = len, .chunk = 1};
        CHECK_ST(csvr_reader_from_callback(read_source, &s, NULL, &r), CSVR_OK);
        EXPECT_DRAINED(r, ST_RECORDS);
    }
}

static void test_decompress_option(void) {
    g_test = "compressed: the decompress option";
    csvr_options *o = csvr_options_new();
    CHECK_ST(csvr_options_set_decompress(o, 4), CSVR_ERR_INVALID);
    CHECK_ST(csvr_options_set_decompress(o, -1), CSVR_ERR_INVALID);
    CHECK_CONTAINS(last_message(), "CSVR_DECOMPRESS_AUTO");
    CHECK_ST(csvr_options_set_decompress(NULL, CSVR_DECOMPRESS_AUTO), CSVR_ERR_NULL);
    csvr_options_free(o);

    /* Off: the compressed bytes are read as bytes. */
    o = with_decompress(CSVR_DECOMPRESS_NONE);
    csvr_reader *r = NULL;
    CHECK_ST(csvr_reader_from_bytes(st_gz, sizeof st_gz, o, &r), CSVR_OK);
    const uint8_t *p = NULL;
    size_t len = 0;
    CHECK_ST(csvr_reader_header(r, 0, &p, &len), CSVR_OK);
    CHECK(len >= 2 && p[0] == 0x1f && p[1] == 0x8b);
    csvr_reader_free(r);
    csvr_options_free(o);

    /* Forced: the right format reads, any other input is CSVR_ERR_IO saying so. */
    const char plain[] = "h\n1\n";
    uint64_t n = 0;
    o = with_decompress(CSVR_DECOMPRESS_GZIP);
    CHECK_ST(csvr_count_bytes(st_gz, sizeof st_gz, o, &n), CSVR_OK);
    CHECK_U64(n, 3);
    n = 77;
    CHECK_ST(csvr_count_bytes((const uint8_t *)plain, sizeof plain - 1, o, &n), CSVR_ERR_IO);
    CHECK_CONTAINS(last_message(), "not gzip data");
    CHECK_U64(n, 77);
    CHECK_ST(csvr_reader_from_bytes(st_zst, sizeof st_zst, o, &r), CSVR_ERR_IO);
    CHECK_CONTAINS(last_message(), "not gzip data");
    const char *path = write_named("plain.csv.gz", plain, sizeof plain - 1);
    CHECK_ST(csvr_count_path(path, o, &n), CSVR_ERR_IO);
    CHECK_CONTAINS(last_message(), "plain.csv.gz");
    csvr_options_free(o);
    o = with_decompress(CSVR_DECOMPRESS_ZSTD);
    CHECK_ST(csvr_count_bytes(st_zst, sizeof st_zst, o, &n), CSVR_OK);
    CHECK_U64(n, 3);
    CHECK_ST(csvr_count_bytes(st_gz, sizeof st_gz, o, &n), CSVR_ERR_IO);
    CHECK_CONTAINS(last_message(), "not zstd data");
    csvr_options_free(o);
}

static void test_broken_streams(void) {
    g_test = "compressed: truncated and corrupt streams";
    const struct {
        const char *words;
        const unsigned char *data;
        size_t len;
    } packed[] = {{"gzip stream is corrupt or truncated", st_gz, S_GZ_LEN},
                  {"zstd stream is corrupt or truncated", st_zst, S_ZST_LEN}};
    for (size_t k = 0; k < 2; k++) {
        uint64_t n = 5;
        /* Cut short: inside the data, and just before the end (the checksum). */
        size_t cuts[] = {packed[k].len / 2, packed[k].len - 1};
        for (size_t c = 0; c < 2; c++) {
            CHECK_ST(csvr_count_bytes(packed[k].data, cuts[c], NULL, &n), CSVR_ERR_IO);
            CHECK_CONTAINS(last_message(), packed[k].words);
            CHECK_U64(n, 5);
            csvr_reader *r = NULL;
            csvr_status st = csvr_reader_from_bytes(packed[k].data, cuts[c], NULL, &r);
            if (st == CSVR_OK) {
                while ((st = csvr_reader_next(r)) == CSVR_OK) {
                }
                /* Reading ends there, as after any I/O error. */
                CHECK_ST(csvr_reader_next(r), CSVR_DONE);
                csvr_reader_free(r);
            }
            CHECK_ST(st, CSVR_ERR_IO);
            CHECK_CONTAINS(last_message(), packed[k].words);
            const char *path = write_named("cut.csv", packed[k].data, cuts[c]);
            CHECK_ST(csvr_count_path(path, NULL, &n), CSVR_ERR_IO);
            CHECK_CONTAINS(last_message(), "cut.csv");
            CHECK_CONTAINS(last_message(), packed[k].words);
        }
        /* A changed byte in the compressed data (the checksums catch it). */
        unsigned char bad[64];
        memcpy(bad, packed[k].data, packed[k].len);
        bad[packed[k].len - 6] ^= 0x41;
        CHECK_ST(csvr_count_bytes(bad, packed[k].len, NULL, &n), CSVR_ERR_IO);
        CHECK_CONTAINS(last_message(), packed[k].words);
        CHECK(csvr_last_error_os_error() == 0);
    }
}

int main(void) {
    test_fd_regular_file();
    test_fd_offset_is_respected();
    test_fd_pipe();
    test_fd_errors();
    test_callback_reads();
    test_callback_errors();
    if (mkdtemp(g_dir) == NULL) {
        perror("mkdtemp");
        return 2;
    }
    test_compressed_everywhere();
    test_decompress_option();
    test_broken_streams();
    unlink(write_named("data.csv", "", 0));
    unlink(write_named("plain.csv.gz", "", 0));
    unlink(write_named("cut.csv", "", 0));
    rmdir(g_dir);
    return check_summary("test_inputs");
}
