//! The Arrow C Stream exports: a file, bytes, a range or an open reader as an
//! `ArrowArrayStream` of record batches (see `crate::arrow` for the schema's rules).

use std::ffi::{c_char, c_int};

use super::boundary::{
    arg_bytes, arg_mut, arg_out, arg_path, arg_ref, guard, unpoisoned, Failure, Out,
};
use super::csvr_status::{self, CSVR_OK};
use super::options::csvr_options;
use super::reader::{csvr_reader, options_or_default, Input};
use super::summary::csvr_range;
use crate::arrow::{export_stream, ArrowArrayStream, RecordBatches, Strings};
use crate::error::Error;
use crate::options::Options;
use crate::reader::Reader;
use crate::summary::Range;
use crate::Batch;

/// How the string columns of a stream made by `csvr_reader_arrow_stream` are laid out.
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum csvr_arrow_strings {
    /// `utf8` / `binary` (Arrow formats "u" / "z"), 32-bit offsets: what every consumer
    /// reads, and what the `csvr_arrow_*` functions give.
    CSVR_ARROW_STRING = 0,
    /// `large_utf8` / `large_binary` ("U" / "Z"), 64-bit offsets.
    CSVR_ARROW_LARGE_STRING = 1,
    /// `utf8_view` / `binary_view` ("vu" / "vz").
    CSVR_ARROW_STRING_VIEW = 2,
}

impl From<csvr_arrow_strings> for Strings {
    fn from(s: csvr_arrow_strings) -> Strings {
        match s {
            csvr_arrow_strings::CSVR_ARROW_STRING => Strings::Offsets32,
            csvr_arrow_strings::CSVR_ARROW_LARGE_STRING => Strings::Offsets64,
            csvr_arrow_strings::CSVR_ARROW_STRING_VIEW => Strings::Views,
        }
    }
}

/// Writes the stream of `reader`'s records (from `batch`'s record `next` on) to `out`.
fn export(
    reader: Reader<Input>,
    batch: Batch,
    next: usize,
    strings: Strings,
    out: Out<'_, ArrowArrayStream>,
) -> Result<csvr_status, Failure> {
    let batches = RecordBatches::after(reader, batch, next, strings)?;
    let mut stream = ArrowArrayStream::empty();
    export_stream(batches, &mut stream);
    out.write(stream);
    Ok(CSVR_OK)
}

/// Opens the CSV file at `path` with `opts` (NULL = defaults; copied) as an Arrow C
/// stream of record batches, written to `*out`, which the caller releases with
/// `out->release(out)`.
///
/// Each batch is a struct array with one nullable child per column: `utf8` in text
/// mode (`csvr_options_set_utf8`), `binary` otherwise. Columns are named from the header
/// (`column_1`, `column_2`, ... without one, or for a selected index past its end; an
/// empty name is `column_N`, N its position; a repeated name `NAME_duplicated_K`, K
/// from 0). Without a header the first record gives the number of columns, and is read
/// now. A field missing from a short record is null, an empty field `""`; a record with
/// more fields than columns makes `get_next` fail, naming it, unless
/// `csvr_options_set_truncate_ragged` drops them. Batches hold at most
/// `csvr_options_set_batch_rows` rows (0: about 4 MiB of values), and end early rather
/// than let a column hold more than 2^31-1 bytes. With `read_ahead` on, batches are
/// parsed on up to `threads` workers and delivered in file order.
///
/// `get_next` returns 0 or an `errno` code (`EINVAL` for bad data or options, `EIO` for
/// I/O); `get_last_error` then gives the message with the record's line, byte and record
/// number, and every later `get_next` fails the same way. The stream may be moved to
/// another thread but not used from two at once. Batches and schemas own their memory:
/// they may be released on any thread, in any order, before or after the stream.
///
/// Errors: as `csvr_reader_open` (and, without a header, as reading the first record).
///
/// ```c
/// struct ArrowArrayStream s;
/// if (csvr_arrow_open("data.csv", opts, &s) == CSVR_OK) {
///     struct ArrowArray batch;
///     while (s.get_next(&s, &batch) == 0 && batch.release != NULL) {
///         printf("%lld rows\n", (long long)batch.length);
///         batch.release(&batch);
///     }
///     s.release(&s);
/// }
/// ```
///
/// # Safety
/// `path` is NULL or NUL-terminated; `opts` is NULL or live; `out` is NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn csvr_arrow_open(
    path: *const c_char,
    opts: *const csvr_options,
    out: *mut ArrowArrayStream,
) -> csvr_status {
    guard("csvr_arrow_open", || {
        // SAFETY: the caller's contract for each argument.
        let (path, options, out) = unsafe {
            (
                arg_path(path)?,
                options_or_default(opts),
                arg_out(out, "out")?,
            )
        };
        let reader = Reader::from_path_with(&path, &options, |f| Box::new(f) as Input)?;
        export(reader, Batch::new(), 0, Strings::Offsets32, out)
    })
}

/// Like `csvr_arrow_open`, over the `len` bytes at `data` (NULL when `len` is 0), which
/// are copied: the caller may free them as soon as this returns.
///
/// # Safety
/// `data` is NULL or points to `len` readable bytes; `opts` is NULL or live; `out` is
/// NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn csvr_arrow_from_bytes(
    data: *const u8,
    len: usize,
    opts: *const csvr_options,
    out: *mut ArrowArrayStream,
) -> csvr_status {
    guard("csvr_arrow_from_bytes", || {
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
        export(reader, Batch::new(), 0, Strings::Offsets32, out)
    })
}

/// Like `csvr_arrow_open`, over one range of the file at `path` (as
/// `csvr_reader_open_range` reads it): exactly the range's records, with the file's
/// header naming the columns.
///
/// # Safety
/// `path` is NULL or NUL-terminated; `opts` is NULL or live; `range` is NULL or readable;
/// `out` is NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn csvr_arrow_open_range(
    path: *const c_char,
    opts: *const csvr_options,
    range: *const csvr_range,
    out: *mut ArrowArrayStream,
) -> csvr_status {
    guard("csvr_arrow_open_range", || {
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
        export(reader, Batch::new(), 0, Strings::Offsets32, out)
    })
}

/// Moves what `r` has not read into a new Arrow C stream (as `csvr_arrow_open` describes,
/// with `r`'s options and header), laid out as `strings` (a `csvr_arrow_strings`) says: the last `unread` records
/// of the batch the last `csvr_reader_next_batch` returned (0 when none was, or after
/// `csvr_reader_next`), then the records after them. `r` reads nothing more afterwards
/// (`csvr_reader_next` returns `CSVR_DONE`) and must still be freed; the stream does not
/// borrow it.
///
/// Errors: `CSVR_ERR_NULL`, `CSVR_ERR_INVALID` (`unread` more than the batch held, or
/// `strings` unknown), and those of reading the first record when there is no header.
///
/// # Safety
/// `r` is NULL or a live reader not used by another thread; `out` is NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn csvr_reader_arrow_stream(
    r: *mut csvr_reader,
    unread: usize,
    strings: c_int,
    out: *mut ArrowArrayStream,
) -> csvr_status {
    guard("csvr_reader_arrow_stream", || {
        // SAFETY: the caller's contract for `r` and `out`.
        let (handle, out) = unsafe { (arg_mut(r, "r")?, arg_out(out, "out")?) };
        let strings = match strings {
            0 => csvr_arrow_strings::CSVR_ARROW_STRING,
            1 => csvr_arrow_strings::CSVR_ARROW_LARGE_STRING,
            2 => csvr_arrow_strings::CSVR_ARROW_STRING_VIEW,
            other => {
                return Err(Error::invalid(format!("unknown csvr_arrow_strings {other}")).into())
            }
        };
        let (poisoned, inner, batch) = handle.parts();
        unpoisoned(poisoned, (inner, batch), |(inner, batch)| {
            if unread > batch.len() {
                return Err(Error::invalid(format!(
                    "unread is {unread}, but the last batch held {} records",
                    batch.len()
                ))
                .into());
            }
            // The handle keeps a reader of nothing, so that it stays valid to free.
            let mut nothing = Options::new();
            nothing.set_has_header(false);
            let empty = Reader::from_reader(Box::new(std::io::empty()) as Input, &nothing)?;
            let reader = std::mem::replace(inner, empty);
            let batch = std::mem::take(batch);
            let next = batch.len() - unread;
            export(reader, batch, next, strings.into(), out)
        })
    })
}
