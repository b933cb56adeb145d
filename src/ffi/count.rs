//! Counting without a reader handle.

use std::ffi::c_char;

use super::boundary::{arg_bytes, arg_out, arg_path, guard};
use super::csvr_status::{self, CSVR_OK};
use super::options::csvr_options;
use crate::count::{count_bytes, count_path};
use crate::options::Options;

/// Counts the records of the file at `path` with `opts` (NULL = defaults), streaming it
/// in constant memory, and writes the count to `*out`. The header is not counted when
/// `has_header` is on; blank lines are never records.
///
/// Errors: `CSVR_ERR_NULL`, `CSVR_ERR_INVALID` (contradictory options, empty path),
/// `CSVR_ERR_IO`, `CSVR_ERR_PARSE` (`flexible` off and a ragged record).
///
/// # Safety
/// `path` is NULL or NUL-terminated; `opts` is NULL or a live `csvr_options`; `out` is
/// NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn csvr_count_path(
    path: *const c_char,
    opts: *const csvr_options,
    out: *mut u64,
) -> csvr_status {
    guard("csvr_count_path", || {
        // SAFETY: the caller's contract for each argument.
        let (path, opts, out) = unsafe { (arg_path(path)?, opts.as_ref(), arg_out(out, "out")?) };
        let default = Options::new();
        out.write(count_path(path, opts.map_or(&default, |o| &o.inner))?);
        Ok(CSVR_OK)
    })
}

/// Counts the records in `len` bytes at `data` (NULL with `len` 0 is the empty input)
/// with `opts` (NULL = defaults), and writes the count to `*out`. The exact count: the
/// same number as `csvr_reader_next` would return records.
///
/// Errors: `CSVR_ERR_NULL` (out NULL, or data NULL with len > 0), `CSVR_ERR_INVALID`,
/// `CSVR_ERR_PARSE` (`flexible` off and a ragged record).
///
/// # Safety
/// `data` is NULL or points to `len` readable bytes; `opts` is NULL or live; `out` is
/// NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn csvr_count_bytes(
    data: *const u8,
    len: usize,
    opts: *const csvr_options,
    out: *mut u64,
) -> csvr_status {
    guard("csvr_count_bytes", || {
        // SAFETY: the caller's contract for each argument.
        let (data, opts, out) =
            unsafe { (arg_bytes(data, len)?, opts.as_ref(), arg_out(out, "out")?) };
        let default = Options::new();
        out.write(count_bytes(data, opts.map_or(&default, |o| &o.inner))?);
        Ok(CSVR_OK)
    })
}
