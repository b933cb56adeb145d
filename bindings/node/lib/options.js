'use strict';
// Options in camelCase, as a JS object, turned into the library's csvr_options. The
// library validates them (a contradiction such as delimiter === quote fails at open or
// count); this only converts types and rejects unknown names.

const { lib } = require('./native');
const { CsvrError, Status, check } = require('./errors');

const TRIM = { none: 0, headers: 1, fields: 2, all: 3 };

/** A one-byte option: a one-character string, or null/undefined for "none" (0). */
function byteOf(name, value) {
  if (value === null || value === undefined) {
    return 0;
  }
  if (typeof value === 'string' && value.length === 1 && value.charCodeAt(0) < 128) {
    return value.charCodeAt(0);
  }
  throw invalid(`option ${name} must be one ASCII character, not ${JSON.stringify(value)}`);
}

function invalid(message) {
  return new CsvrError(message, { status: Status.ERR_INVALID, code: 'CSVR_ERR_INVALID' });
}

function bool(name, value) {
  if (typeof value !== 'boolean') {
    throw new TypeError(`option ${name} must be a boolean, not ${typeof value}`);
  }
  return value;
}

function count(name, value) {
  if (typeof value === 'bigint' && value >= 0n) {
    return value;
  }
  if (!Number.isSafeInteger(value) || value < 0) {
    throw new TypeError(`option ${name} must be a non-negative integer, not ${value}`);
  }
  return value;
}

/** name -> how to apply it to an options handle. */
const SETTERS = {
  delimiter: (o, v) => lib.csvr_options_set_delimiter(o, byteOf('delimiter', v)),
  quote: (o, v) => lib.csvr_options_set_quote(o, byteOf('quote', v)),
  escape: (o, v) => lib.csvr_options_set_escape(o, byteOf('escape', v)),
  comment: (o, v) => lib.csvr_options_set_comment(o, byteOf('comment', v)),
  terminator: (o, v) => lib.csvr_options_set_terminator(o, byteOf('terminator', v)),
  hasHeader: (o, v) => lib.csvr_options_set_has_header(o, bool('hasHeader', v)),
  flexible: (o, v) => lib.csvr_options_set_flexible(o, bool('flexible', v)),
  doubleQuote: (o, v) => lib.csvr_options_set_double_quote(o, bool('doubleQuote', v)),
  quoting: (o, v) => lib.csvr_options_set_quoting(o, bool('quoting', v)),
  readAhead: (o, v) => lib.csvr_options_set_read_ahead(o, bool('readAhead', v)),
  threads: (o, v) => lib.csvr_options_set_threads(o, count('threads', v)),
  maxRecordBytes: (o, v) =>
    lib.csvr_options_set_max_record_bytes(o, v === null ? 0 : count('maxRecordBytes', v)),
  trim: (o, v) => {
    if (!Object.hasOwn(TRIM, v)) {
      throw invalid(`option trim must be one of ${Object.keys(TRIM).join(', ')}, not ${JSON.stringify(v)}`);
    }
    return lib.csvr_options_set_trim(o, TRIM[v]);
  },
};

/** Names a reader takes besides the library's options. */
const READER_ONLY = new Set(['raw']);

/**
 * Runs `body(handle)` with a csvr_options handle made from `options` (text mode unless
 * `raw`), and frees the handle afterwards.
 */
function withOptions(options, body, { reader }) {
  if (options !== undefined && (options === null || typeof options !== 'object')) {
    throw new TypeError('options must be an object');
  }
  const given = options || {};
  for (const name of Object.keys(given)) {
    if (!Object.hasOwn(SETTERS, name) && !(reader && READER_ONLY.has(name))) {
      throw new TypeError(`unknown csvr option ${JSON.stringify(name)}`);
    }
  }
  const handle = lib.csvr_options_new();
  if (!handle) {
    throw new Error('csvr: out of memory');
  }
  try {
    for (const [name, value] of Object.entries(given)) {
      if (Object.hasOwn(SETTERS, name) && value !== undefined) {
        check(SETTERS[name](handle, value));
      }
    }
    // Text mode: the library checks that every field is UTF-8 (a CsvrError naming the
    // record otherwise); raw rows are Buffers, nothing decoded.
    check(lib.csvr_options_set_utf8(handle, !(reader && given.raw)));
    return body(handle);
  } finally {
    lib.csvr_options_free(handle);
  }
}

module.exports = { withOptions };
