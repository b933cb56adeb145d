//! `csvr_reader`: a streaming reader with a current record.

use std::cell::Cell;
use std::ffi::c_char;
use std::io::Read;

use super::boundary::{arg_bytes, arg_mut, arg_out, arg_path, arg_ref, guard, unpoisoned, Failure};
use super::csvr_status::{self, CSVR_DONE, CSVR_OK};
use super::options::csvr_options;
use super::summary::csvr_range;
use crate::error::Error;
use crate::options::Options;
use crate::reader::Reader;
use crate::summary::Range;
use crate::{Batch, ByteRecord};

/// What every `csvr_reader` reads from, whatever its constructor.
pub(super) type Input = Box<dyn Read + Send>;

/// A CSV reader (opaque). Create with `csvr_reader_open`, `csvr_reader_from_bytes`,
/// `csvr_reader_from_fd` or `csvr_reader_from_callback`; free with `csvr_reader_free`. A
/// reader may be moved to another thread but must not be used from two threads at once;
/// different readers are fully independent.
pub struct csvr_reader {
    inner: Reader<Input>,
    /// The buffer behind the last `csvr_batch` handed out.
    batch: Batch,
    poisoned: Cell<bool>,
}

/// Many records at once, from `csvr_reader_next_batch`: one FFI call per batch instead
/// of one per field. Every pointer is borrowed from the reader and stays valid until the
/// next call that advances it (`csvr_reader_next`, `_next_batch`, `_count`) or
/// `csvr_reader_free`.
///
/// Fields lie back to back in `data`, each followed by `CSVR_FIELD_SEPARATOR` (0x1F), or
/// by `CSVR_RECORD_SEPARATOR` (0x1E) at the end of a record (nothing follows the last
/// field of the batch). Field `j` (counting over the whole batch) spans
/// `[j == 0 ? 0 : field_ends[j-1] + 1, field_ends[j])`; record `i` holds fields
/// `[i == 0 ? 0 : record_ends[i-1], record_ends[i])`. When `framed` is true no field
/// contains either separator byte, so splitting `data` on them gives the same fields.
/// With a column selection, a selected field past the end of a short record is an empty
/// field here, and `csvr_reader_batch_missing` flags it.
///
/// ```c
/// csvr_batch b;
/// while (csvr_reader_next_batch(r, 1024, &b) == CSVR_OK) {
///     size_t f = 0;
///     for (size_t i = 0; i < b.records; i++) {
///         for (; f < b.record_ends[i]; f++) {
///             size_t start = f == 0 ? 0 : b.field_ends[f - 1] + 1;
///             fwrite(b.data + start, 1, b.field_ends[f] - start, stdout);
///             putchar(f + 1 < b.record_ends[i] ? '|' : '\n');
///         }
///     }
/// }
/// ```
#[repr(C)]
pub struct csvr_batch {
    /// The fields and separators; `len` bytes.
    pub data: *const u8,
    /// The length of `data` in bytes.
    pub len: usize,
    /// The end offset in `data` of each field; `record_ends[records - 1]` entries.
    pub field_ends: *const usize,
    /// For each record, the number of fields in it and in all records before it.
    pub record_ends: *const usize,
    /// For each record, where it starts (as `csvr_reader_position` would say).
    pub positions: *const csvr_position,
    /// The number of records (at least 1 when `CSVR_OK` is returned).
    pub records: usize,
    /// Whether no field contains a separator byte.
    pub framed: bool,
}

/// Where a record starts: its first byte (`byte`, a 0-based offset), that byte's line
/// (`line`, 1-based: lines end at `\n`) and `record` (0-based, the header is record 0 when
/// `has_header` is on). Blank lines, comment lines and the previous record's terminator
/// are not part of a record. (Not the Rust `csv` crate's `Position`, which starts where
/// the previous record ended.)
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct csvr_position {
    /// 1-based line of the record's first byte.
    pub line: u64,
    /// 0-based byte offset of the record's first byte.
    pub byte: u64,
    /// 0-based record index; the header is record 0 when there is one.
    pub record: u64,
}

// `positions` hands out the core's own array: the layouts must agree.
const _: () =
    assert!(std::mem::size_of::<csvr_position>() == std::mem::size_of::<crate::Position>());

/// Ends a field inside a `csvr_batch` (ASCII unit separator).
pub const CSVR_FIELD_SEPARATOR: u8 = 0x1F;
/// Ends a record inside a `csvr_batch` (ASCII record separator).
pub const CSVR_RECORD_SEPARATOR: u8 = 0x1E;

// The header needs literals; the core is the authority.
const _: () = assert!(CSVR_FIELD_SEPARATOR == crate::FIELD_SEPARATOR);
const _: () = assert!(CSVR_RECORD_SEPARATOR == crate::RECORD_SEPARATOR);

/// The options behind `opts`, or the defaults when it is NULL.
///
/// # Safety
/// `opts` is NULL or a live `csvr_options`.
pub(super) unsafe fn options_or_default(opts: *const csvr_options) -> Options {
    // SAFETY: the caller's contract for `opts`.
    match unsafe { opts.as_ref() } {
        Some(o) => o.inner.clone(),
        None => Options::new(),
    }
}

impl csvr_reader {
    /// Its poison flag, reader and batch buffer, borrowed apart.
    pub(super) fn parts(&mut self) -> (&Cell<bool>, &mut Reader<Input>, &mut Batch) {
        (&self.poisoned, &mut self.inner, &mut self.batch)
    }
}

pub(super) fn into_handle(inner: Reader<Input>) -> *mut csvr_reader {
    Box::into_raw(Box::new(csvr_reader {
        inner,
        batch: Batch::new(),
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
        let shared: std::sync::Arc<[u8]> = data.into();
        let reader = Reader::from_shared_bytes_with(shared, &options, |b| Box::new(b) as Input)?;
        out.write(into_handle(reader));
        Ok(CSVR_OK)
    })
}

/// Opens a reader of one range of the file at `path` (a range that `csvr_split_path` or
/// `csvr_summaries_fold` gave for this file with the same options): it yields exactly the
/// range's records, with the positions (line, byte, record) the whole-file reader gives
/// them; with `has_header` on, its header is the file's. `csvr_reader_count` counts the
/// rest of the range. Only the file's first record and the range are read.
///
/// Errors: `CSVR_ERR_NULL`, `CSVR_ERR_INVALID` (contradictory options, a range not inside
/// the file, a compressed file), `CSVR_ERR_IO`, `CSVR_ERR_UTF8` / `CSVR_ERR_PARSE` (as
/// `csvr_reader_open`, for the header).
///
/// # Safety
/// `path` is NULL or NUL-terminated; `opts` is NULL or live; `range` is NULL or readable;
/// `out` is NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn csvr_reader_open_range(
    path: *const c_char,
    opts: *const csvr_options,
    range: *const csvr_range,
    out: *mut *mut csvr_reader,
) -> csvr_status {
    guard("csvr_reader_open_range", || {
        // SAFETY: the caller's contract for each argument.
        let (path, options, range, out) = unsafe {
            (
                arg_path(path)?,
                options_or_default(opts),
                arg_ref(range, "range")?,
                arg_out(out, "out")?,
            )
        };
        let range = Range::from(*range);
        let reader =
            Reader::from_path_range_with(&path, &options, &range, |f| Box::new(f) as Input)?;
        out.write(into_handle(reader));
        Ok(CSVR_OK)
    })
}

/// Makes a reader of one range of the `len` bytes at `data` (a range that
/// `csvr_split_bytes` or `csvr_summaries_fold` gave for these bytes with the same
/// options), as `csvr_reader_open_range` does for a file. The bytes it needs are copied,
/// so the caller may free `data` as soon as this returns.
///
/// # Safety
/// `data` is NULL or points to `len` readable bytes; `opts` is NULL or live; `range` is
/// NULL or readable; `out` is NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn csvr_reader_from_bytes_range(
    data: *const u8,
    len: usize,
    opts: *const csvr_options,
    range: *const csvr_range,
    out: *mut *mut csvr_reader,
) -> csvr_status {
    guard("csvr_reader_from_bytes_range", || {
        // SAFETY: the caller's contract for each argument.
        let (data, options, range, out) = unsafe {
            (
                arg_bytes(data, len)?,
                options_or_default(opts),
                arg_ref(range, "range")?,
                arg_out(out, "out")?,
            )
        };
        let range = Range::from(*range);
        let reader =
            Reader::from_bytes_range_with(data, &options, &range, |c| Box::new(c) as Input)?;
        out.write(into_handle(reader));
        Ok(CSVR_OK)
    })
}

/// Runs `body` on a checked, unpoisoned reader.
///
/// # Safety
/// `r` is NULL or a live reader that no other thread is using.
// Inlined, with `guard`, into each export: a field access is then one short function.
#[inline(always)]
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

/// Runs `body` on a checked, unpoisoned reader that it may advance, with its batch buffer.
///
/// # Safety
/// `r` is NULL or a live reader that no other thread is using.
#[inline(always)]
unsafe fn with_reader_mut(
    name: &'static str,
    r: *mut csvr_reader,
    body: impl FnOnce(&mut Reader<Input>, &mut Batch) -> Result<csvr_status, Failure>,
) -> csvr_status {
    guard(name, || {
        // SAFETY: the caller's contract for `r`.
        let handle = unsafe { arg_mut(r, "r") }?;
        let (inner, batch) = (&mut handle.inner, &mut handle.batch);
        unpoisoned(&handle.poisoned, (inner, batch), |(r, b)| body(r, b))
    })
}

// The failures below are built out of line, so that the calls that can meet them stay
// short on the path where they do not.

#[cold]
#[inline(never)]
fn no_current_record() -> Failure {
    Error::invalid("there is no current record: call csvr_reader_next first, and not after CSVR_DONE or an error").into()
}

#[cold]
#[inline(never)]
fn out_of_range(what: &str, i: usize, fields: usize) -> Failure {
    Error::invalid(format!(
        "{what} index {i} is out of range: there are {fields} fields"
    ))
    .into()
}

/// Why the current record has no field `i`.
#[cold]
#[inline(never)]
fn no_field(reader: &Reader<Input>, i: usize) -> Failure {
    match reader.field_count() {
        None => no_current_record(),
        Some(fields) => out_of_range("field", i, fields),
    }
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
        with_reader_mut("csvr_reader_next", r, |reader, _| {
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
            out.write(reader.field_count().ok_or_else(no_current_record)?);
            Ok(CSVR_OK)
        })
    }
}

/// Writes field `i` (0-based) of the current record to `*data` and `*len`. The bytes are
/// not NUL-terminated and may contain any byte; they are borrowed from the reader and
/// stay valid until the next `csvr_reader_next`, `csvr_reader_count` or `csvr_reader_free`
/// on it. An empty field has `*len == 0` (and `*data` must not be read); `*data` is NULL
/// only for a missing field: one selected by `csvr_options_set_columns` (or
/// `_set_column_names`) past the end of a short record.
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
            let field = reader.field(i).ok_or_else(|| no_field(reader, i))?;
            // A missing field (past a short record's end, with a column selection) is NULL.
            data.write(if reader.is_missing(i) {
                std::ptr::null()
            } else {
                field.as_ptr()
            });
            len.write(field.len());
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
/// `csvr_reader_free`. With a column selection the header holds the selected fields;
/// `*data` is NULL (and `*len` 0) for one past the end of the header.
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
            let headers = reader.headers();
            let field = headers
                .and_then(|h| h.get(i))
                .ok_or_else(|| out_of_range("header", i, headers.map_or(0, ByteRecord::len)))?;
            data.write(if reader.is_header_missing(i) {
                std::ptr::null()
            } else {
                field.as_ptr()
            });
            len.write(field.len());
            Ok(CSVR_OK)
        })
    }
}

/// Writes where the current record starts: `*line` (1-based line of its first byte),
/// `*byte` (0-based offset of that byte) and `*record` (0-based index; the header is
/// record 0 when `has_header` is on). See `csvr_position`. In a compressed input (see
/// `csvr_options_set_decompress`), offsets and lines are those of the decompressed bytes.
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
            reader.field_count().ok_or_else(no_current_record)?;
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
        with_reader_mut("csvr_reader_count", r, |reader, _| {
            let out = arg_out(out, "out")?;
            out.write(reader.count_remaining()?);
            Ok(CSVR_OK)
        })
    }
}

/// Reads up to `max_records` records (at least 1) at once and describes them in `*out`
/// (see `csvr_batch`; the memory is the reader's). Returns `CSVR_OK` with
/// `out->records >= 1`, or `CSVR_DONE` (and `*out` untouched) when no record is left. A
/// batch also ends once it holds about 1 MiB of fields. If a record fails after others
/// were read, those come back with `CSVR_OK` and the error comes from the next call.
/// Afterwards there is no current record (`csvr_reader_field` fails until `next`).
///
/// Errors: `CSVR_ERR_NULL`, `CSVR_ERR_INVALID` (`max_records` is 0), `CSVR_ERR_IO`,
/// `CSVR_ERR_PARSE`, `CSVR_ERR_UTF8` (text mode), as for `csvr_reader_next`.
///
/// # Safety
/// `r` is NULL or a live reader not used by another thread; `out` is NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn csvr_reader_next_batch(
    r: *mut csvr_reader,
    max_records: usize,
    out: *mut csvr_batch,
) -> csvr_status {
    // SAFETY: forwarded contract; `out` is NULL or writable.
    unsafe {
        with_reader_mut("csvr_reader_next_batch", r, |reader, batch| {
            let out = arg_out(out, "out")?;
            if max_records == 0 {
                return Err(Error::invalid("max_records must be at least 1").into());
            }
            if reader.read_batch(max_records, batch)? == 0 {
                return Ok(CSVR_DONE);
            }
            out.write(csvr_batch {
                data: batch.data().as_ptr(),
                len: batch.data().len(),
                field_ends: batch.field_ends().as_ptr(),
                record_ends: batch.record_ends().as_ptr(),
                positions: batch.positions().as_ptr().cast(),
                records: batch.len(),
                framed: batch.is_framed(),
            });
            Ok(CSVR_OK)
        })
    }
}

/// Writes to `*out` the missing-field flags of the batch the last
/// `csvr_reader_next_batch` described: NULL when none of its fields is missing, which is
/// always so without a column selection; otherwise one `bool` per field of the batch
/// (`record_ends[records - 1]` of them, indexed as `field_ends` is), true for a field
/// selected by `csvr_options_set_columns` past the end of its record (it is stored as an
/// empty field). Borrowed like the batch's own pointers, until the reader next advances.
/// (A function of its own rather than a member of `csvr_batch`, so that the struct, which
/// callers allocate, keeps its size.)
///
/// Errors: `CSVR_ERR_NULL`.
///
/// # Safety
/// `r` is NULL or a live reader not used by another thread; `out` is NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn csvr_reader_batch_missing(
    r: *const csvr_reader,
    out: *mut *const bool,
) -> csvr_status {
    guard("csvr_reader_batch_missing", || {
        // SAFETY: the caller's contract for `r` and `out`.
        let (handle, out) = unsafe { (arg_ref(r, "r")?, arg_out(out, "out")?) };
        unpoisoned(&handle.poisoned, &handle.batch, |batch| {
            out.write(batch.missing().map_or(std::ptr::null(), <[bool]>::as_ptr));
            Ok(CSVR_OK)
        })
    })
}

/// Frees a reader and closes its file (a file descriptor given to `csvr_reader_from_fd`
/// stays open; a read callback is not called again). NULL is a no-op. Every pointer
/// borrowed from the reader (fields, headers) becomes invalid.
///
/// # Safety
/// `r` is NULL or came from a `csvr_reader_*` constructor and was not freed before.
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ffi::{csvr_last_error_message, csvr_status::*};
    use std::ffi::CStr;

    fn open(data: &[u8]) -> *mut csvr_reader {
        let mut r = std::ptr::null_mut();
        // SAFETY: data is a live slice, NULL options are the defaults, r is writable.
        let status =
            unsafe { csvr_reader_from_bytes(data.as_ptr(), data.len(), std::ptr::null(), &mut r) };
        assert_eq!(status, CSVR_OK);
        r
    }

    fn last_message() -> String {
        // SAFETY: a non-NULL message is a NUL-terminated string valid until the next call.
        unsafe { CStr::from_ptr(csvr_last_error_message()) }
            .to_string_lossy()
            .into_owned()
    }

    /// The boundary every reader function goes through: a panic inside becomes
    /// CSVR_ERR_PANIC with a message, poisons that reader only, and the process and the
    /// other readers go on.
    #[test]
    fn a_panic_is_caught_reported_and_poisons_only_its_reader() {
        let (victim, bystander) = (open(b"h\n1\n2\n"), open(b"h\nx\ny\n"));
        // SAFETY: `victim` is a live reader used by this thread only.
        let status = unsafe {
            with_reader_mut(
                "csvr_reader_next",
                victim,
                |_, _| -> Result<csvr_status, Failure> { panic!("injected failure") },
            )
        };
        assert_eq!(status, CSVR_ERR_PANIC);
        let message = last_message();
        assert!(
            message.contains("csvr_reader_next") && message.contains("injected failure"),
            "{message}"
        );

        // SAFETY: both readers are live and used by this thread only; freed once.
        unsafe {
            assert_eq!(csvr_reader_next(victim), CSVR_ERR_PANIC);
            assert!(last_message().contains("unusable"));
            let mut n = 0u64;
            assert_eq!(csvr_reader_count(victim, &mut n), CSVR_ERR_PANIC);
            let mut fields = 0usize;
            assert_eq!(csvr_reader_field_count(victim, &mut fields), CSVR_ERR_PANIC);
            let (mut data, mut len) = (std::ptr::null(), 0usize);
            assert_eq!(
                csvr_reader_field(victim, 0, &mut data, &mut len),
                CSVR_ERR_PANIC
            );
            assert!(last_message().contains("csvr_reader_field: the reader is unusable"));

            assert_eq!(csvr_reader_next(bystander), CSVR_OK);
            assert_eq!(csvr_reader_count(bystander, &mut n), CSVR_OK);
            assert_eq!(n, 1);
            csvr_reader_free(victim);
            csvr_reader_free(bystander);
        }
    }

    #[test]
    fn a_panic_in_a_const_call_poisons_too() {
        let r = open(b"h\n1\n");
        // SAFETY: `r` is a live reader used by this thread only; freed once.
        unsafe {
            let status = with_reader(
                "csvr_reader_field_count",
                r,
                |_| -> Result<csvr_status, Failure> { panic!("{}", String::from("owned message")) },
            );
            assert_eq!(status, CSVR_ERR_PANIC);
            assert!(last_message().contains("owned message"));
            assert_eq!(csvr_reader_next(r), CSVR_ERR_PANIC);
            csvr_reader_free(r);
        }
    }
}
