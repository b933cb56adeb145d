/* Small C helpers for the Go binding (included by the cgo preamble of csvr.go).
 *
 * Why C at all: csvr's last error (message, errno, position) is thread-local, but a
 * goroutine may move to another OS thread between two cgo calls. Each helper therefore
 * makes the csvr call AND captures its error in one cgo call, on one thread. Bundling
 * the option setters into the same call also keeps opening a reader to one cgo call.
 * No CSV logic lives here. */
#ifndef CSVR_GO_SHIM_H
#define CSVR_GO_SHIM_H

#include <stdlib.h>
#include <string.h>
#include "csvr.h"

/* The last error, copied out of csvr's thread-local state. message is malloc'd (the
 * library's pointer dies at the next csvr call on the thread); Go frees it. */
typedef struct gocsvr_error {
	int32_t status;
	int32_t os_error;
	bool has_position;
	uint64_t line, byte, record;
	char *message;
} gocsvr_error;

/* Options as plain values (no pointers, so Go may pass its own memory to C). */
typedef struct gocsvr_options {
	uint8_t delimiter, quote, escape, comment, terminator;
	bool has_header, flexible, double_quote, quoting, utf8, read_ahead;
	bool set_max_record_bytes;
	int trim, decompress;
	size_t threads;
	uint64_t max_record_bytes;
} gocsvr_options;

static inline void gocsvr_capture(enum csvr_status s, gocsvr_error *e) {
	const char *m = csvr_last_error_message();
	e->status = (int32_t)s;
	e->os_error = csvr_last_error_os_error();
	e->has_position = csvr_last_error_position(&e->line, &e->byte, &e->record);
	e->message = m ? strdup(m) : NULL;
}

/* A csvr_options from o and the column selection (cols may be NULL when n is 0), or
 * NULL with *e filled in. */
static inline csvr_options *gocsvr_options_build(const gocsvr_options *o, const size_t *cols,
                                          size_t n, gocsvr_error *e) {
	enum csvr_status s = CSVR_OK;
	csvr_options *opts = csvr_options_new();
	if (opts == NULL) {
		e->status = CSVR_ERR_PANIC;
		e->message = strdup("csvr_options_new: out of memory");
		return NULL;
	}
#define GOCSVR_SET(call) do { s = (call); if (s < 0) goto fail; } while (0)
	GOCSVR_SET(csvr_options_set_delimiter(opts, o->delimiter));
	GOCSVR_SET(csvr_options_set_quote(opts, o->quote));
	GOCSVR_SET(csvr_options_set_escape(opts, o->escape));
	GOCSVR_SET(csvr_options_set_comment(opts, o->comment));
	GOCSVR_SET(csvr_options_set_terminator(opts, o->terminator));
	GOCSVR_SET(csvr_options_set_has_header(opts, o->has_header));
	GOCSVR_SET(csvr_options_set_flexible(opts, o->flexible));
	GOCSVR_SET(csvr_options_set_double_quote(opts, o->double_quote));
	GOCSVR_SET(csvr_options_set_quoting(opts, o->quoting));
	GOCSVR_SET(csvr_options_set_utf8(opts, o->utf8));
	GOCSVR_SET(csvr_options_set_read_ahead(opts, o->read_ahead));
	GOCSVR_SET(csvr_options_set_trim(opts, o->trim));
	GOCSVR_SET(csvr_options_set_decompress(opts, o->decompress));
	GOCSVR_SET(csvr_options_set_threads(opts, o->threads));
	if (o->set_max_record_bytes)
		GOCSVR_SET(csvr_options_set_max_record_bytes(opts, o->max_record_bytes));
	if (n > 0)
		GOCSVR_SET(csvr_options_set_columns(opts, cols, n));
#undef GOCSVR_SET
	return opts;
fail:
	gocsvr_capture(s, e);
	csvr_options_free(opts);
	return NULL;
}

/* Opens a reader of the file at path, or, when path is NULL, of the len bytes at data
 * (copied by csvr, so Go memory is fine). */
static inline enum csvr_status gocsvr_reader_new(const char *path, const uint8_t *data, size_t len,
                                          const gocsvr_options *o, const size_t *cols,
                                          size_t n, csvr_reader **out, gocsvr_error *e) {
	enum csvr_status s;
	csvr_options *opts = gocsvr_options_build(o, cols, n, e);
	if (opts == NULL)
		return (enum csvr_status)e->status;
	s = path != NULL ? csvr_reader_open(path, opts, out)
	                 : csvr_reader_from_bytes(data, len, opts, out);
	if (s < 0)
		gocsvr_capture(s, e);
	csvr_options_free(opts);
	return s;
}

/* Counts the records of the file at path or, when path is NULL, of the len bytes at data. */
static inline enum csvr_status gocsvr_count(const char *path, const uint8_t *data, size_t len,
                                     const gocsvr_options *o, const size_t *cols, size_t n,
                                     uint64_t *out, gocsvr_error *e) {
	enum csvr_status s;
	csvr_options *opts = gocsvr_options_build(o, cols, n, e);
	if (opts == NULL)
		return (enum csvr_status)e->status;
	s = path != NULL ? csvr_count_path(path, opts, out)
	                 : csvr_count_bytes(data, len, opts, out);
	if (s < 0)
		gocsvr_capture(s, e);
	csvr_options_free(opts);
	return s;
}

static inline enum csvr_status gocsvr_next_batch(csvr_reader *r, size_t max, csvr_batch *out,
                                          gocsvr_error *e) {
	enum csvr_status s = csvr_reader_next_batch(r, max, out);
	if (s < 0)
		gocsvr_capture(s, e);
	return s;
}

static inline enum csvr_status gocsvr_reader_count(csvr_reader *r, uint64_t *out, gocsvr_error *e) {
	enum csvr_status s = csvr_reader_count(r, out);
	if (s < 0)
		gocsvr_capture(s, e);
	return s;
}

static inline enum csvr_status gocsvr_reader_header(const csvr_reader *r, size_t i,
                                             const uint8_t **data, size_t *len,
                                             gocsvr_error *e) {
	enum csvr_status s = csvr_reader_header(r, i, data, len);
	if (s < 0)
		gocsvr_capture(s, e);
	return s;
}

static inline enum csvr_status gocsvr_reader_header_count(const csvr_reader *r, size_t *out,
                                                   gocsvr_error *e) {
	enum csvr_status s = csvr_reader_header_count(r, out);
	if (s < 0)
		gocsvr_capture(s, e);
	return s;
}

#endif
