//! The `extern "C"` skin over the safe core, from which cbindgen generates `include/csvr.h`.
//!
//! This layer only checks pointers, converts types, catches panics and calls the core; no
//! CSV logic lives here. Every exported function runs inside [`boundary::guard`], so a
//! panic becomes `CSVR_ERR_PANIC` and every failure sets the thread-local last error.
//!
//! Conventions, as in rustls-ffi: fallible functions return a [`csvr_status`] and write
//! their out-parameters only on success; every pointer is checked for NULL; objects are
//! opaque, created by a constructor and released by exactly one `*_free`.
#![allow(non_camel_case_types)]

mod arrow;
mod boundary;
mod count;
mod input;
mod last_error;
mod options;
mod pycapsule;
mod reader;
mod summary;

pub use arrow::*;
pub use count::{csvr_count_bytes, csvr_count_path};
pub use input::{
    csvr_count_callback, csvr_count_fd, csvr_read_fn, csvr_reader_from_callback,
    csvr_reader_from_fd,
};
pub use last_error::{csvr_last_error_message, csvr_last_error_os_error, csvr_last_error_position};
pub use options::*;
pub use pycapsule::*;
pub use reader::*;
pub use summary::*;

use std::ffi::c_char;
use std::os::raw::c_int;

/// The result of every fallible csvr function.
///
/// `CSVR_OK` and `CSVR_DONE` are successes; every negative value is a failure, after which
/// `csvr_last_error_message()` says what went wrong.
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum csvr_status {
    /// Success.
    CSVR_OK = 0,
    /// `csvr_reader_next`: there are no more records.
    CSVR_DONE = 1,
    /// A required pointer argument was NULL.
    CSVR_ERR_NULL = -1,
    /// A bad option or argument (a non-ASCII byte, delimiter == quote, an index out of
    /// range, a call in the wrong state, an empty path).
    CSVR_ERR_INVALID = -2,
    /// The input could not be opened or read; `csvr_last_error_os_error()` gives `errno`.
    CSVR_ERR_IO = -3,
    /// Malformed CSV under strict options (a ragged record with `flexible` off).
    CSVR_ERR_PARSE = -4,
    /// Text was requested (`csvr_options_set_utf8`) but a record is not UTF-8.
    CSVR_ERR_UTF8 = -5,
    /// An internal bug was caught at the boundary; the reader it happened in is poisoned
    /// and every later call on it returns `CSVR_ERR_PANIC`.
    CSVR_ERR_PANIC = -6,
}

/// Which fields have surrounding ASCII whitespace trimmed: one of the `CSVR_TRIM_*`
/// values. (An integer rather than a C enum, so that an out-of-range value from C is an
/// error, `CSVR_ERR_INVALID`, and not undefined behaviour.)
pub type csvr_trim = c_int;
/// Trim nothing (the default).
pub const CSVR_TRIM_NONE: csvr_trim = 0;
/// Trim the header's fields only.
pub const CSVR_TRIM_HEADERS: csvr_trim = 1;
/// Trim the records' fields only.
pub const CSVR_TRIM_FIELDS: csvr_trim = 2;
/// Trim the header's and the records' fields.
pub const CSVR_TRIM_ALL: csvr_trim = 3;

/// Whether compressed input is decompressed while it is read: one of the
/// `CSVR_DECOMPRESS_*` values (an integer, as `csvr_trim` is).
pub type csvr_decompress = c_int;
/// Recognise gzip and zstd by their magic bytes and decompress them; read anything else as
/// it is (the default).
pub const CSVR_DECOMPRESS_AUTO: csvr_decompress = 0;
/// Never decompress: read the bytes as they are.
pub const CSVR_DECOMPRESS_NONE: csvr_decompress = 1;
/// The input is gzip; anything else is `CSVR_ERR_IO`.
pub const CSVR_DECOMPRESS_GZIP: csvr_decompress = 2;
/// The input is zstd; anything else is `CSVR_ERR_IO`.
pub const CSVR_DECOMPRESS_ZSTD: csvr_decompress = 3;

/// The major version of this header; `csvr_version()` gives the library's at run time.
pub const CSVR_VERSION_MAJOR: u32 = 0;
/// The minor version of this header.
pub const CSVR_VERSION_MINOR: u32 = 2;
/// The patch version of this header.
pub const CSVR_VERSION_PATCH: u32 = 0;

/// The library's version as a static NUL-terminated string, e.g. `"0.2.0"`.
///
/// Never fails; the string is owned by the library and must not be freed.
#[no_mangle]
pub extern "C" fn csvr_version() -> *const c_char {
    concat!(env!("CARGO_PKG_VERSION"), "\0").as_ptr().cast()
}

/// The name of a status as a static string (`"CSVR_ERR_IO"`), or `"CSVR_UNKNOWN"` for a
/// value that is not a `csvr_status`. Never fails; the string must not be freed.
///
/// Takes an `int` so that any value may be passed safely.
#[no_mangle]
pub extern "C" fn csvr_status_name(status: c_int) -> *const c_char {
    let name: &'static [u8] = match status {
        0 => b"CSVR_OK\0",
        1 => b"CSVR_DONE\0",
        -1 => b"CSVR_ERR_NULL\0",
        -2 => b"CSVR_ERR_INVALID\0",
        -3 => b"CSVR_ERR_IO\0",
        -4 => b"CSVR_ERR_PARSE\0",
        -5 => b"CSVR_ERR_UTF8\0",
        -6 => b"CSVR_ERR_PANIC\0",
        _ => b"CSVR_UNKNOWN\0",
    };
    name.as_ptr().cast()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_version_macros_match_the_crate() {
        let v = format!("{CSVR_VERSION_MAJOR}.{CSVR_VERSION_MINOR}.{CSVR_VERSION_PATCH}");
        assert_eq!(v, env!("CARGO_PKG_VERSION"));
        // SAFETY: csvr_version returns a static NUL-terminated string.
        let s = unsafe { std::ffi::CStr::from_ptr(csvr_version()) };
        assert_eq!(s.to_str().unwrap(), v);
    }

    #[test]
    fn every_status_has_its_name() {
        use csvr_status::*;
        let name = |s: c_int| {
            // SAFETY: csvr_status_name returns a static NUL-terminated string.
            unsafe { std::ffi::CStr::from_ptr(csvr_status_name(s)) }
                .to_str()
                .unwrap()
                .to_string()
        };
        for status in [
            CSVR_OK,
            CSVR_DONE,
            CSVR_ERR_NULL,
            CSVR_ERR_INVALID,
            CSVR_ERR_IO,
            CSVR_ERR_PARSE,
            CSVR_ERR_UTF8,
            CSVR_ERR_PANIC,
        ] {
            assert_eq!(name(status as c_int), format!("{status:?}"));
        }
        assert_eq!(name(42), "CSVR_UNKNOWN");
    }
}
