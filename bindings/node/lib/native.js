'use strict';
// The csvr C library through koffi: where it is found, and every function this binding
// calls, declared with its exact C prototype from include/csvr.h (test/header.test.js
// fails when the header changes one of them).

const fs = require('node:fs');
const path = require('node:path');
const koffi = require('koffi');

/** Where the library is looked for, in order: CSVR_LIBRARY, a copy inside this package,
 * then target/release of the source checkout this package sits in. */
function libraryCandidates() {
  const out = [];
  if (process.env.CSVR_LIBRARY) {
    out.push(process.env.CSVR_LIBRARY);
  }
  out.push(path.join(__dirname, 'libcsvr.so'));
  out.push(path.join(__dirname, '..', '..', '..', 'target', 'release', 'libcsvr.so'));
  return out;
}

function findLibrary() {
  const candidates = libraryCandidates();
  // CSVR_LIBRARY, when set, is the only choice: a wrong path is an error, not a fallback.
  const found = process.env.CSVR_LIBRARY ? candidates[0] : candidates.find((p) => fs.existsSync(p));
  if (!found) {
    throw new Error(
      `csvr: the native library was not found (looked for ${candidates.join(', ')}); ` +
        'build it with `cargo build --release` or set CSVR_LIBRARY to libcsvr.so'
    );
  }
  return found;
}

const libraryPath = findLibrary();
const library = koffi.load(libraryPath);

koffi.opaque('csvr_options');
koffi.opaque('csvr_reader');
koffi.struct('csvr_position', { line: 'uint64_t', byte: 'uint64_t', record: 'uint64_t' });
koffi.struct('csvr_batch', {
  data: 'const uint8_t *',
  len: 'size_t',
  field_ends: 'const size_t *',
  record_ends: 'const size_t *',
  positions: 'const csvr_position *',
  records: 'size_t',
  framed: 'bool',
});

/** name -> its C prototype, as include/csvr.h declares it (`enum csvr_status` is
 * declared as `int`, its size; koffi's out-parameter markers aside). */
const PROTOTYPES = {
  csvr_version: 'const char *csvr_version(void)',
  csvr_status_name: 'const char *csvr_status_name(int status)',
  csvr_last_error_message: 'const char *csvr_last_error_message(void)',
  csvr_last_error_os_error: 'int32_t csvr_last_error_os_error(void)',
  csvr_last_error_position:
    'bool csvr_last_error_position(_Out_ uint64_t *line, _Out_ uint64_t *byte, _Out_ uint64_t *record)',
  csvr_options_new: 'csvr_options *csvr_options_new(void)',
  csvr_options_free: 'void csvr_options_free(csvr_options *opts)',
  csvr_options_set_delimiter: 'int csvr_options_set_delimiter(csvr_options *opts, uint8_t byte)',
  csvr_options_set_quote: 'int csvr_options_set_quote(csvr_options *opts, uint8_t byte)',
  csvr_options_set_escape: 'int csvr_options_set_escape(csvr_options *opts, uint8_t byte)',
  csvr_options_set_comment: 'int csvr_options_set_comment(csvr_options *opts, uint8_t byte)',
  csvr_options_set_has_header: 'int csvr_options_set_has_header(csvr_options *opts, bool yes)',
  csvr_options_set_flexible: 'int csvr_options_set_flexible(csvr_options *opts, bool yes)',
  csvr_options_set_double_quote: 'int csvr_options_set_double_quote(csvr_options *opts, bool yes)',
  csvr_options_set_quoting: 'int csvr_options_set_quoting(csvr_options *opts, bool yes)',
  csvr_options_set_trim: 'int csvr_options_set_trim(csvr_options *opts, int trim)',
  csvr_options_set_terminator: 'int csvr_options_set_terminator(csvr_options *opts, uint8_t byte)',
  csvr_options_set_threads: 'int csvr_options_set_threads(csvr_options *opts, size_t n)',
  csvr_options_set_max_record_bytes:
    'int csvr_options_set_max_record_bytes(csvr_options *opts, uint64_t n)',
  csvr_options_set_read_ahead: 'int csvr_options_set_read_ahead(csvr_options *opts, bool yes)',
  csvr_options_set_utf8: 'int csvr_options_set_utf8(csvr_options *opts, bool yes)',
  csvr_reader_open:
    'int csvr_reader_open(const char *path, const csvr_options *opts, _Out_ csvr_reader **out)',
  csvr_reader_from_bytes:
    'int csvr_reader_from_bytes(const uint8_t *data, size_t len, const csvr_options *opts, _Out_ csvr_reader **out)',
  csvr_reader_header_count:
    'int csvr_reader_header_count(const csvr_reader *r, _Out_ size_t *out)',
  csvr_reader_header:
    'int csvr_reader_header(const csvr_reader *r, size_t i, _Out_ const uint8_t **data, _Out_ size_t *len)',
  csvr_reader_count: 'int csvr_reader_count(csvr_reader *r, _Out_ uint64_t *out)',
  csvr_reader_next_batch:
    'int csvr_reader_next_batch(csvr_reader *r, size_t max_records, _Out_ csvr_batch *out)',
  csvr_reader_free: 'void csvr_reader_free(csvr_reader *r)',
  csvr_count_path:
    'int csvr_count_path(const char *path, const csvr_options *opts, _Out_ uint64_t *out)',
  csvr_count_bytes:
    'int csvr_count_bytes(const uint8_t *data, size_t len, const csvr_options *opts, _Out_ uint64_t *out)',
};

/** The library's functions, by their C names. */
const lib = {};
for (const [name, prototype] of Object.entries(PROTOTYPES)) {
  lib[name] = library.func(prototype);
}

module.exports = { koffi, lib, libraryPath, PROTOTYPES };
