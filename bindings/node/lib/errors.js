'use strict';
// CsvrError: a failed library call, with its status, the record's position and a code.

const os = require('node:os');
const { lib } = require('./native');

/** The library's csvr_status values. */
const Status = Object.freeze({
  OK: 0,
  DONE: 1,
  ERR_NULL: -1,
  ERR_INVALID: -2,
  ERR_IO: -3,
  ERR_PARSE: -4,
  ERR_UTF8: -5,
  ERR_PANIC: -6,
});

/** errno number -> its name ("ENOENT"), as Node's fs errors name them. */
const ERRNO_NAMES = Object.fromEntries(
  Object.entries(os.constants.errno).map(([name, number]) => [number, name])
);

/**
 * A failed csvr call. `status` is the csvr_status; `line`, `byte` and `record` say where
 * the record concerned starts (null when the failure concerns none); `code` is the
 * errno name for I/O failures ("ENOENT" for a missing file, as Node's fs says), else
 * the status name ("CSVR_ERR_PARSE").
 */
class CsvrError extends Error {
  constructor(message, { status, line = null, byte = null, record = null, code, errno = 0 }) {
    super(message);
    this.name = 'CsvrError';
    this.status = status;
    this.line = line;
    this.byte = byte;
    this.record = record;
    this.errno = errno;
    this.code = code;
  }

  /** The error of the csvr call that just returned `status` on this thread. */
  static last(status) {
    const message = lib.csvr_last_error_message() || lib.csvr_status_name(status);
    const line = [0];
    const byte = [0];
    const record = [0];
    const known = lib.csvr_last_error_position(line, byte, record);
    const errno = status === Status.ERR_IO ? lib.csvr_last_error_os_error() : 0;
    return new CsvrError(message, {
      status,
      line: known ? line[0] : null,
      byte: known ? byte[0] : null,
      record: known ? record[0] : null,
      errno,
      code: ERRNO_NAMES[errno] || lib.csvr_status_name(status),
    });
  }
}

/** Throws the last error when `status` is a failure; returns it otherwise. */
function check(status) {
  if (status < 0) {
    throw CsvrError.last(status);
  }
  return status;
}

module.exports = { CsvrError, Status, check };
