//! `csvr_reader`: a streaming reader with a current record.

use std::cell::Cell;
use std::ffi::c_char;
use std::io::Read;

use super::boundary::{arg_bytes, arg_mut, arg_out, arg_path, arg_ref, guard, unpoisoned, Failure};
use super::csvr_status::{self, CSVR_DONE, CSVR_OK};
use super::options::csvr_options;
use crate::error::Error;
use crate::options::Options;
use crate::reader::Reader;
use crate::ByteRecord;

type Input = Box<dyn Read + Send>;

/// A CSV reader (opaque). Create with `csvr_reader_open` or `csvr_reader_from_bytes`,
/// free with `csvr_reader_free`. A reader may be moved to another thread but must not be
/// used from two threads at once; different readers are fully independent.
pub struct csvr_reader {
    inner: Reader<Input>,
    poisoned: Cell<bool>,
}

/// The options behind `opts`, or the defaults when it is NULL.
///
/// # Safety
/// `opts` is NULL or a live `csvr_options`.
unsafe fn options_or_default(opts: *const csvr_options) -> Options {
    // SAFETY: the caller's contract for `opts`.
    match unsafe { opts.as_ref() } {
        Some(o) => o.inner.clone(),
        None => Options::new(),
    }
}

fn into_handle(inner: Reader<Input>) -> *mut csvr_reader {
    Box::into_raw(Box::new(csvr_reader {
        inner,
        poisoned: Cell::new(false),
    }))
}

/// Opens the CSV file at `path` (a NUL-terminated path; on Unix any bytes, as the OS
/// takes them) with `opts` (NULL = defaults). The options are copied: `opts` may be freed
/// at once. The file is streamed; it is never held in memory whole. With `has_header` on,
/// the header is read now, so a file whose header cannot be read fails here.
///
/// On success writes a new reader to `*out`, which the caller owns and frees with
/// `csvr_reader_free`; on failure `*out` is untouched.
///
/// Errors: `CSVR_ERR_NULL` (path or out NULL), `CSVR_ERR_INVALID` (contradictory options,
/// empty path), `CSVR_ERR_IO` (missing file, a directory, no permission: see
/// `csvr_last_error_os_error`), `CSVR_ERR_UTF8` (text mode and the header is not UTF-8).
///
/// # Safety
/// `path` is NULL or NUL-terminated; `opts` is NULL or live; `out` is NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn csvr_reader_open(
    path: *const c_char,
    opts: *const csvr_options,
    out: *mut *mut csvr_reader,
) -> csvr_status {
    guard("csvr_reader_open", || {
        // SAFETY: the caller's contract for each argument.
        let (path, options, out) = unsafe {
            (
                arg_path(path)?,
                options_or_default(opts),
                arg_out(out, "out")?,
            )
        };
        let reader = Reader::from_path_with(&path, &options, |f| Box::new(f) as Input)?;
        out.write(into_handle(reader));
        Ok(CSVR_OK)
    })
}

/// Makes a reader over `len` bytes at `data` (`data` may be NULL when `len` is 0: the
/// empty input) with `opts` (NULL = defaults). The bytes are copied, so the caller may
/// free `data` as soon as this returns.
///
/// On success writes a new reader to `*out`, owned by the caller and freed with
/// `csvr_reader_free`; on failure `*out` is untouched.
///
/// Errors: `CSVR_ERR_NULL` (out NULL, or data NULL with len > 0), `CSVR_ERR_INVALID`
/// (contradictory options), `CSVR_ERR_UTF8` (text mode and the header is not UTF-8).
///
/// # Safety
/// `data` is NULL or points to `len` readable bytes; `opts` is NULL or live; `out` is
/// NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn csvr_reader_from_bytes(
    data: *const u8,
    len: usize,
    opts: *const csvr_options,
    out: *mut *mut csvr_reader,
) -> csvr_status {
    guard("csvr_reader_from_bytes", || {
        // SAFETY: the caller's contract for each argument.
        let (data, options, out) = unsafe {
            (
                arg_bytes(data, len)?,
                options_or_default(opts),
                arg_out(out, "out")?,
            )
        };
        let input: Input = Box::new(std::io::Cursor::new(data.to_vec()));
        out.write(into_handle(Reader::from_reader(input, &options)?));
        Ok(CSVR_OK)
    })
}

/// Runs `body` on a checked, unpoisoned reader.
///
/// # Safety
/// `r` is NULL or a live reader that no other thread is using.
unsafe fn with_reader(
    name: &'static str,
    r: *const csvr_reader,
    body: impl FnOnce(&Reader<Input>) -> Result<csvr_status, Failure>,
) -> csvr_status {
    guard(name, || {
        // SAFETY: the caller's contract for `r`.
        let handle = unsafe { arg_ref(r, "r") }?;
        unpoisoned(&handle.poisoned, &handle.inner, body)
    })
}

/// Runs `body` on a checked, unpoisoned reader that it may advance.
///
/// # Safety
/// `r` is NULL or a live reader that no other thread is using.
unsafe fn with_reader_mut(
    name: &'static str,
    r: *mut csvr_reader,
    body: impl FnOnce(&mut Reader<Input>) -> Result<csvr_status, Failure>,
) -> csvr_status {
    guard(name, || {
        // SAFETY: the caller's contract for `r`.
        let handle = unsafe { arg_mut(r, "r") }?;
        unpoisoned(&handle.poisoned, &mut handle.inner, body)
    })
}

fn current(reader: &Reader<Input>) -> Result<&ByteRecord, Failure> {
    reader.record().ok_or_else(|| {
        Error::invalid("there is no current record: call csvr_reader_next first, and not after CSVR_DONE or an error").into()
    })
}

fn field_at(record: &ByteRecord, i: usize, what: &str) -> Result<(*const u8, usize), Failure> {
    let field = record.get(i).ok_or_else(|| {
        Error::invalid(format!(
            "{what} index {i} is out of range: there are {} fields",
            record.len()
        ))
    })?;
    Ok((field.as_ptr(), field.len()))
}

/// Advances to the next record. Returns `CSVR_OK` when a record is current (read it with
/// `csvr_reader_field_count` / `csvr_reader_field`), `CSVR_DONE` when there are no more.
/// Blank lines are skipped and the header is never returned.
///
/// Errors: `CSVR_ERR_NULL`, `CSVR_ERR_IO`, `CSVR_ERR_PARSE` (`flexible` off and a ragged
/// record), `CSVR_ERR_UTF8` (text mode and a record not UTF-8). After an error there is no
/// current record; calling again goes on with the record after the bad one.
///
/// # Safety
/// `r` is NULL or a live reader that no other thread is using.
#[no_mangle]
pub unsafe extern "C" fn csvr_reader_next(r: *mut csvr_reader) -> csvr_status {
    // SAFETY: forwarded contract.
    unsafe {
        with_reader_mut("csvr_reader_next", r, |reader| {
            Ok(if reader.next_record()? {
                CSVR_OK
            } else {
                CSVR_DONE
            })
        })
    }
}

/// Writes the number of fields of the current record to `*out`.
///
/// Errors: `CSVR_ERR_NULL`; `CSVR_ERR_INVALID` if there is no current record (before the
/// first `csvr_reader_next`, after `CSVR_DONE` or after an error).
///
/// # Safety
/// `r` is NULL or a live reader not used by another thread; `out` is NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn csvr_reader_field_count(
    r: *const csvr_reader,
    out: *mut usize,
) -> csvr_status {
    // SAFETY: forwarded contract; `out` is NULL or writable.
    unsafe {
        with_reader("csvr_reader_field_count", r, |reader| {
            let out = arg_out(out, "out")?;
            out.write(current(reader)?.len());
            Ok(CSVR_OK)
        })
    }
}

/// Writes field `i` (0-based) of the current record to `*data` and `*len`. The bytes are
/// not NUL-terminated and may contain any byte; they are borrowed from the reader and
/// stay valid until the next `csvr_reader_next`, `csvr_reader_count` or `csvr_reader_free`
/// on it. An empty field has `*len == 0` (and `*data` must not be read).
///
/// Errors: `CSVR_ERR_NULL`; `CSVR_ERR_INVALID` if there is no current record or `i` is
/// out of range.
///
/// # Safety
/// `r` is NULL or a live reader not used by another thread; `data` and `len` are NULL or
/// writable.
#[no_mangle]
pub unsafe extern "C" fn csvr_reader_field(
    r: *const csvr_reader,
    i: usize,
    data: *mut *const u8,
    len: *mut usize,
) -> csvr_status {
    // SAFETY: forwarded contract; `data` and `len` are NULL or writable.
    unsafe {
        with_reader("csvr_reader_field", r, |reader| {
            let (data, len) = (arg_out(data, "data")?, arg_out(len, "len")?);
            let (ptr, n) = field_at(current(reader)?, i, "field")?;
            data.write(ptr);
            len.write(n);
            Ok(CSVR_OK)
        })
    }
}

/// Writes the number of header fields to `*out`: 0 for empty input, and 0 when
/// `has_header` is off (there is then no header).
///
/// Errors: `CSVR_ERR_NULL`.
///
/// # Safety
/// `r` is NULL or a live reader not used by another thread; `out` is NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn csvr_reader_header_count(
    r: *const csvr_reader,
    out: *mut usize,
) -> csvr_status {
    // SAFETY: forwarded contract; `out` is NULL or writable.
    unsafe {
        with_reader("csvr_reader_header_count", r, |reader| {
            let out = arg_out(out, "out")?;
            out.write(reader.headers().map_or(0, ByteRecord::len));
            Ok(CSVR_OK)
        })
    }
}

/// Writes header field `i` (0-based) to `*data` and `*len`. The bytes are not
/// NUL-terminated; they are borrowed from the reader and stay valid until
/// `csvr_reader_free`.
///
/// Errors: `CSVR_ERR_NULL`; `CSVR_ERR_INVALID` if `i` is out of range (always, when
/// `has_header` is off).
///
/// # Safety
/// `r` is NULL or a live reader not used by another thread; `data` and `len` are NULL or
/// writable.
#[no_mangle]
pub unsafe extern "C" fn csvr_reader_header(
    r: *const csvr_reader,
    i: usize,
    data: *mut *const u8,
    len: *mut usize,
) -> csvr_status {
    // SAFETY: forwarded contract; `data` and `len` are NULL or writable.
    unsafe {
        with_reader("csvr_reader_header", r, |reader| {
            let (data, len) = (arg_out(data, "data")?, arg_out(len, "len")?);
            let empty = ByteRecord::new();
            let (ptr, n) = field_at(reader.headers().unwrap_or(&empty), i, "header")?;
            data.write(ptr);
            len.write(n);
            Ok(CSVR_OK)
        })
    }
}

/// Writes where the current record starts: `*line` (1-based line of its first byte),
/// `*byte` (0-based offset) and `*record` (0-based index; the header is record 0 when
/// `has_header` is on), as the Rust `csv` crate's `Position` reports them.
///
/// Errors: `CSVR_ERR_NULL` (any pointer NULL); `CSVR_ERR_INVALID` if there is no
/// current record.
///
/// # Safety
/// `r` is NULL or a live reader not used by another thread; the out pointers are NULL or
/// writable.
#[no_mangle]
pub unsafe extern "C" fn csvr_reader_position(
    r: *const csvr_reader,
    line: *mut u64,
    byte: *mut u64,
    record: *mut u64,
) -> csvr_status {
    // SAFETY: forwarded contract; the out pointers are NULL or writable.
    unsafe {
        with_reader("csvr_reader_position", r, |reader| {
            let (line, byte, record) = (
                arg_out(line, "line")?,
                arg_out(byte, "byte")?,
                arg_out(record, "record")?,
            );
            current(reader)?;
            let pos = reader
                .position()
                .ok_or_else(|| Error::invalid("the current record has no position"))?;
            line.write(pos.line);
            byte.write(pos.byte);
            record.write(pos.record);
            Ok(CSVR_OK)
        })
    }
}

/// Counts the records after the current one (all of them before the first
/// `csvr_reader_next`), consuming them, and writes the number to `*out`. Afterwards
/// `csvr_reader_next` returns `CSVR_DONE`. Nothing is decoded, even in text mode.
///
/// Errors: `CSVR_ERR_NULL`, `CSVR_ERR_IO`, `CSVR_ERR_PARSE` (`flexible` off and a
/// ragged record).
///
/// # Safety
/// `r` is NULL or a live reader not used by another thread; `out` is NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn csvr_reader_count(r: *mut csvr_reader, out: *mut u64) -> csvr_status {
    // SAFETY: forwarded contract; `out` is NULL or writable.
    unsafe {
        with_reader_mut("csvr_reader_count", r, |reader| {
            let out = arg_out(out, "out")?;
            out.write(reader.count_remaining()?);
            Ok(CSVR_OK)
        })
    }
}

/// Frees a reader and closes its file. NULL is a no-op. Every pointer borrowed from the
/// reader (fields, headers) becomes invalid.
///
/// # Safety
/// `r` is NULL or came from `csvr_reader_open` / `csvr_reader_from_bytes` and was not
/// freed before.
#[no_mangle]
pub unsafe extern "C" fn csvr_reader_free(r: *mut csvr_reader) {
    if !r.is_null() {
        // Dropping only closes a file and frees buffers; a panic here would be a bug in
        // std, but it must still not unwind into C.
        let _ = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            // SAFETY: per the contract, `r` came from Box::into_raw in into_handle and
            // is freed only once.
            drop(unsafe { Box::from_raw(r) });
        }));
    }
}
