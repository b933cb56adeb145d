'use strict';
// Reader: the records of a file or a buffer, read from the library in batches (one FFI
// call and one TextDecoder call per batch, not per field), and count().

const { koffi, lib } = require('./native');
const { CsvrError, Status, check } = require('./errors');
const { withOptions } = require('./options');

/** Records asked of the library per call. */
const BATCH_RECORDS = 4096;
const FIELD_SEPARATOR = '\x1f';
const RECORD_SEPARATOR = '\x1e';
const utf8 = new TextDecoder('utf-8');

/** Frees the native reader of a Reader the program dropped without close(). */
const forgotten = new FinalizationRegistry((handle) => lib.csvr_reader_free(handle));

/** A path (string) or bytes (Buffer, Uint8Array), and which they are. */
function sourceKind(source) {
  if (typeof source === 'string') {
    return 'path';
  }
  if (source instanceof Uint8Array) {
    return 'bytes';
  }
  throw new TypeError(
    `source must be a path (string) or bytes (Buffer, Uint8Array), not ${source === null ? 'null' : typeof source}`
  );
}

/** A count as a number, or a bigint past Number.MAX_SAFE_INTEGER. */
function countValue(n) {
  return typeof n === 'bigint' && n <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(n) : n;
}

/**
 * Counts the records of `source` (a path or bytes) exactly, on all cores (`threads`).
 * The header, when `hasHeader` is on (the default), is not counted.
 */
function count(source, options) {
  const kind = sourceKind(source);
  return withOptions(
    options,
    (handle) => {
      const out = [0];
      if (kind === 'path') {
        check(lib.csvr_count_path(source, handle, out));
      } else {
        check(lib.csvr_count_bytes(source.length ? source : null, source.length, handle, out));
      }
      return countValue(out[0]);
    },
    { reader: false }
  );
}

/**
 * The records of a CSV file or buffer, as arrays of strings (Buffers with `raw: true`).
 * Iterate it (`for (const row of reader)`); `headers` holds the header (null with
 * `hasHeader: false`); `position` says where the last row returned starts. Close it when
 * done (`close()`, or `using` with `Symbol.dispose`); a reader the program forgets is
 * freed when it is garbage collected. A reader belongs to the thread that made it.
 */
class Reader {
  #handle;
  #raw;
  #rows = [];
  #positions = null;
  #next = 0;
  #current = -1;
  #done = false;

  constructor(source, options) {
    const kind = sourceKind(source);
    this.#raw = Boolean(options && options.raw);
    const out = [null];
    withOptions(
      options,
      (handle) => {
        if (kind === 'path') {
          check(lib.csvr_reader_open(source, handle, out));
        } else {
          check(lib.csvr_reader_from_bytes(source.length ? source : null, source.length, handle, out));
        }
      },
      { reader: true }
    );
    this.#handle = out[0];
    forgotten.register(this, this.#handle, this);
    /** The header's fields, or null when `hasHeader` is off. */
    this.headers = options && options.hasHeader === false ? null : this.#readHeaders();
  }

  #open() {
    if (this.#handle === null) {
      throw new CsvrError('csvr: the reader is closed', {
        status: Status.ERR_INVALID,
        code: 'CSVR_ERR_INVALID',
      });
    }
    return this.#handle;
  }

  #readHeaders() {
    const n = [0];
    check(lib.csvr_reader_header_count(this.#handle, n));
    const headers = [];
    for (let i = 0; i < n[0]; i++) {
      const data = [null];
      const len = [0];
      check(lib.csvr_reader_header(this.#handle, i, data, len));
      const bytes = len[0] ? Buffer.from(koffi.view(data[0], len[0])) : Buffer.alloc(0);
      headers.push(this.#raw ? bytes : utf8.decode(bytes));
    }
    return headers;
  }

  /** Reads the next batch into #rows; false at the end. */
  #fill() {
    const batch = {};
    const status = check(lib.csvr_reader_next_batch(this.#open(), BATCH_RECORDS, batch));
    if (status === Status.DONE) {
      this.#done = true;
      return false;
    }
    const records = Number(batch.records);
    const len = Number(batch.len);
    const data = len ? new Uint8Array(koffi.view(batch.data, len)) : new Uint8Array(0);
    if (!this.#raw && batch.framed) {
      // No field holds a separator byte: one decode, then splits at the separators.
      this.#rows = utf8.decode(data).split(RECORD_SEPARATOR).map((r) => r.split(FIELD_SEPARATOR));
    } else {
      this.#rows = this.#fields(data, batch, records);
    }
    this.#positions = koffi.decode(batch.positions, 'csvr_position', records);
    this.#next = 0;
    return true;
  }

  /** Each record's fields, cut at the batch's field ends (a field may hold a separator). */
  #fields(data, batch, records) {
    const recordEnds = koffi.decode(batch.record_ends, 'size_t', records);
    const fieldCount = Number(recordEnds[records - 1]);
    const fieldEnds = koffi.decode(batch.field_ends, 'size_t', fieldCount);
    // Raw rows are views of one copy of the batch; text is decoded field by field here.
    const bytes = this.#raw ? Buffer.from(data) : data;
    const rows = new Array(records);
    let f = 0;
    for (let i = 0; i < records; i++) {
      const end = Number(recordEnds[i]);
      const row = new Array(end - f);
      for (let k = 0; f < end; f++, k++) {
        const start = f === 0 ? 0 : Number(fieldEnds[f - 1]) + 1;
        const field = bytes.subarray(start, Number(fieldEnds[f]));
        row[k] = this.#raw ? field : utf8.decode(field);
      }
      rows[i] = row;
    }
    return rows;
  }

  /** The next row, or null at the end. */
  read() {
    this.#open();
    if (this.#next === this.#rows.length && (this.#done || !this.#fill())) {
      this.#current = -1;
      return null;
    }
    this.#current = this.#next;
    return this.#rows[this.#next++];
  }

  *[Symbol.iterator]() {
    for (let row = this.read(); row !== null; row = this.read()) {
      yield row;
    }
  }

  /** Where the last row returned starts: `{line, byte, record}`, or null if none. */
  get position() {
    this.#open();
    if (this.#current < 0) {
      return null;
    }
    const p = this.#positions[this.#current];
    return { line: p.line, byte: p.byte, record: p.record };
  }

  /** Counts the rows not yet returned, consuming them. */
  count() {
    const buffered = this.#rows.length - this.#next;
    this.#rows = [];
    this.#next = 0;
    this.#current = -1;
    if (this.#done) {
      return buffered;
    }
    const out = [0];
    check(lib.csvr_reader_count(this.#open(), out));
    this.#done = true;
    const n = countValue(out[0]);
    return typeof n === 'bigint' ? n + BigInt(buffered) : countValue(BigInt(n) + BigInt(buffered));
  }

  /** Whether close() was called. */
  get closed() {
    return this.#handle === null;
  }

  /** Frees the native reader and closes its file; calling it again does nothing. */
  close() {
    if (this.#handle !== null) {
      forgotten.unregister(this);
      lib.csvr_reader_free(this.#handle);
      this.#handle = null;
      this.#rows = [];
    }
  }

  [Symbol.dispose ?? Symbol.for('nodejs.dispose')]() {
    this.close();
  }
}

module.exports = { Reader, count };
