//! `csvr_options`: a mutable, owned set of reading options.

use std::ffi::{c_char, CStr};
use std::panic::catch_unwind;
use std::ptr;

use super::boundary::{arg_mut, arg_slice, guard, Failure};
use super::CSVR_TRIM_NONE;
use super::{csvr_decompress, CSVR_DECOMPRESS_AUTO, CSVR_DECOMPRESS_GZIP};
use super::{csvr_status, csvr_trim, CSVR_TRIM_ALL, CSVR_TRIM_FIELDS, CSVR_TRIM_HEADERS};
use super::{CSVR_DECOMPRESS_NONE, CSVR_DECOMPRESS_ZSTD};
use crate::columns::Columns;
use crate::error::Error;
use crate::options::{Decompress, Options, Terminator, Trim};

/// Reading options (opaque). Create with `csvr_options_new`, free with
/// `csvr_options_free`. A `csvr_options` may be used by many readers and counts, and from
/// several threads at once as long as no thread is changing it; it is not borrowed by
/// the readers made from it, so it may be freed as soon as they are open.
pub struct csvr_options {
    pub(crate) inner: Options,
}

/// A new set of options with the defaults: `,` delimiter, `"` quote, no escape, doubled
/// quotes and quoting on, no comment, a header, flexible, no trimming, CRLF-any terminator,
/// all cores for counting, bytes (no UTF-8 check), gzip and zstd decompressed.
///
/// The caller owns the result and frees it with `csvr_options_free`. Returns NULL only if
/// memory could not be allocated.
#[no_mangle]
pub extern "C" fn csvr_options_new() -> *mut csvr_options {
    catch_unwind(|| {
        Box::into_raw(Box::new(csvr_options {
            inner: Options::new(),
        }))
    })
    .unwrap_or(ptr::null_mut())
}

/// A copy of `opts` (of the defaults when `opts` is NULL), owned by the caller and freed
/// with `csvr_options_free`. Returns NULL only if memory could not be allocated.
///
/// # Safety
/// `opts` is NULL or a live `csvr_options` that no thread is changing.
#[no_mangle]
pub unsafe extern "C" fn csvr_options_clone(opts: *const csvr_options) -> *mut csvr_options {
    // SAFETY: the caller's contract for `opts`.
    let inner = match unsafe { opts.as_ref() } {
        Some(o) => o.inner.clone(),
        None => Options::new(),
    };
    catch_unwind(|| Box::into_raw(Box::new(csvr_options { inner }))).unwrap_or(ptr::null_mut())
}

/// Frees options made by `csvr_options_new` or `csvr_options_clone`. NULL is a no-op.
///
/// # Safety
/// `opts` is NULL or came from `csvr_options_new` and was not freed before.
#[no_mangle]
pub unsafe extern "C" fn csvr_options_free(opts: *mut csvr_options) {
    if !opts.is_null() {
        // SAFETY: per the contract, `opts` came from Box::into_raw in csvr_options_new
        // and is freed only once.
        drop(unsafe { Box::from_raw(opts) });
    }
}

/// Runs a setter on checked options.
///
/// # Safety
/// `opts` is NULL or a live `csvr_options` that no other thread is using.
unsafe fn set(
    name: &'static str,
    opts: *mut csvr_options,
    apply: impl FnOnce(&mut Options) -> Result<(), Error>,
) -> csvr_status {
    guard(name, || {
        // SAFETY: the caller's contract for `opts`.
        let opts = unsafe { arg_mut(opts, "opts") }?;
        apply(&mut opts.inner).map_err(Failure::from)?;
        Ok(csvr_status::CSVR_OK)
    })
}

/// Sets the field delimiter (default `,`).
///
/// Errors: `CSVR_ERR_NULL` if `opts` is NULL; `CSVR_ERR_INVALID` if `byte` is not ASCII
/// (the options are then unchanged). A clash with another option (delimiter == quote,
/// ...) is reported when the options are used.
///
/// # Safety
/// `opts` is NULL or a live `csvr_options` that no other thread is using.
#[no_mangle]
pub unsafe extern "C" fn csvr_options_set_delimiter(
    opts: *mut csvr_options,
    byte: u8,
) -> csvr_status {
    // SAFETY: forwarded contract.
    unsafe {
        set("csvr_options_set_delimiter", opts, |o| {
            o.set_delimiter(byte).map(drop)
        })
    }
}

/// Sets the quote character (default `"`).
///
/// Errors: `CSVR_ERR_NULL` if `opts` is NULL; `CSVR_ERR_INVALID` if `byte` is not ASCII.
///
/// # Safety
/// `opts` is NULL or a live `csvr_options` that no other thread is using.
#[no_mangle]
pub unsafe extern "C" fn csvr_options_set_quote(opts: *mut csvr_options, byte: u8) -> csvr_status {
    // SAFETY: forwarded contract.
    unsafe {
        set("csvr_options_set_quote", opts, |o| {
            o.set_quote(byte).map(drop)
        })
    }
}

/// Sets the escape character used inside quoted fields; 0 means none (the default).
///
/// Errors: `CSVR_ERR_NULL` if `opts` is NULL; `CSVR_ERR_INVALID` if `byte` is not ASCII.
///
/// # Safety
/// `opts` is NULL or a live `csvr_options` that no other thread is using.
#[no_mangle]
pub unsafe extern "C" fn csvr_options_set_escape(opts: *mut csvr_options, byte: u8) -> csvr_status {
    let escape = (byte != 0).then_some(byte);
    // SAFETY: forwarded contract.
    unsafe {
        set("csvr_options_set_escape", opts, |o| {
            o.set_escape(escape).map(drop)
        })
    }
}

/// Sets the comment character: a record that starts with it is skipped. 0 means none
/// (the default).
///
/// Errors: `CSVR_ERR_NULL` if `opts` is NULL; `CSVR_ERR_INVALID` if `byte` is not ASCII.
///
/// # Safety
/// `opts` is NULL or a live `csvr_options` that no other thread is using.
#[no_mangle]
pub unsafe extern "C" fn csvr_options_set_comment(
    opts: *mut csvr_options,
    byte: u8,
) -> csvr_status {
    let comment = (byte != 0).then_some(byte);
    // SAFETY: forwarded contract.
    unsafe {
        set("csvr_options_set_comment", opts, |o| {
            o.set_comment(comment).map(drop)
        })
    }
}

/// Sets whether the first record is a header, neither counted nor returned by
/// `csvr_reader_next` (default true).
///
/// Errors: `CSVR_ERR_NULL` if `opts` is NULL.
///
/// # Safety
/// `opts` is NULL or a live `csvr_options` that no other thread is using.
#[no_mangle]
pub unsafe extern "C" fn csvr_options_set_has_header(
    opts: *mut csvr_options,
    yes: bool,
) -> csvr_status {
    // SAFETY: forwarded contract.
    unsafe {
        set("csvr_options_set_has_header", opts, |o| {
            o.set_has_header(yes);
            Ok(())
        })
    }
}

/// Sets whether records may have differing numbers of fields (default true). When false,
/// reading and counting fail with `CSVR_ERR_PARSE` at the first record whose field count
/// differs from the first record's (the header counts as the first record).
///
/// Errors: `CSVR_ERR_NULL` if `opts` is NULL.
///
/// # Safety
/// `opts` is NULL or a live `csvr_options` that no other thread is using.
#[no_mangle]
pub unsafe extern "C" fn csvr_options_set_flexible(
    opts: *mut csvr_options,
    yes: bool,
) -> csvr_status {
    // SAFETY: forwarded contract.
    unsafe {
        set("csvr_options_set_flexible", opts, |o| {
            o.set_flexible(yes);
            Ok(())
        })
    }
}

/// Sets whether `""` inside a quoted field is a literal `"` (default true).
///
/// Errors: `CSVR_ERR_NULL` if `opts` is NULL.
///
/// # Safety
/// `opts` is NULL or a live `csvr_options` that no other thread is using.
#[no_mangle]
pub unsafe extern "C" fn csvr_options_set_double_quote(
    opts: *mut csvr_options,
    yes: bool,
) -> csvr_status {
    // SAFETY: forwarded contract.
    unsafe {
        set("csvr_options_set_double_quote", opts, |o| {
            o.set_double_quote(yes);
            Ok(())
        })
    }
}

/// Sets whether quotes are special at all (default true).
///
/// Errors: `CSVR_ERR_NULL` if `opts` is NULL.
///
/// # Safety
/// `opts` is NULL or a live `csvr_options` that no other thread is using.
#[no_mangle]
pub unsafe extern "C" fn csvr_options_set_quoting(
    opts: *mut csvr_options,
    yes: bool,
) -> csvr_status {
    // SAFETY: forwarded contract.
    unsafe {
        set("csvr_options_set_quoting", opts, |o| {
            o.set_quoting(yes);
            Ok(())
        })
    }
}

/// Sets which fields are trimmed of surrounding ASCII whitespace: one of
/// `CSVR_TRIM_NONE` (default), `CSVR_TRIM_HEADERS`, `CSVR_TRIM_FIELDS`, `CSVR_TRIM_ALL`.
///
/// Errors: `CSVR_ERR_NULL` if `opts` is NULL; `CSVR_ERR_INVALID` for any other value.
///
/// # Safety
/// `opts` is NULL or a live `csvr_options` that no other thread is using.
#[no_mangle]
pub unsafe extern "C" fn csvr_options_set_trim(
    opts: *mut csvr_options,
    trim: csvr_trim,
) -> csvr_status {
    // SAFETY: forwarded contract.
    unsafe {
        set("csvr_options_set_trim", opts, |o| {
            o.set_trim(match trim {
                CSVR_TRIM_NONE => Trim::None,
                CSVR_TRIM_HEADERS => Trim::Headers,
                CSVR_TRIM_FIELDS => Trim::Fields,
                CSVR_TRIM_ALL => Trim::All,
                other => {
                    return Err(Error::invalid(format!(
                        "trim must be one of CSVR_TRIM_NONE, _HEADERS, _FIELDS, _ALL, got {other}"
                    )))
                }
            });
            Ok(())
        })
    }
}

/// Sets whether compressed input is decompressed while it is read: one of
/// `CSVR_DECOMPRESS_AUTO` (the default: gzip, `1f 8b`, and zstd, `28 b5 2f fd`, are
/// recognised by their first bytes, never by a file name), `CSVR_DECOMPRESS_NONE`,
/// `CSVR_DECOMPRESS_GZIP` or `CSVR_DECOMPRESS_ZSTD` (forced: other input is
/// `CSVR_ERR_IO`). It applies to every input: paths, bytes, file descriptors and
/// callbacks. Concatenated gzip members and zstd frames are read one after the other.
/// Decompression streams in constant memory; positions (byte offsets) are offsets in the
/// decompressed bytes; counting a compressed input streams it (exact, but on one thread).
/// A corrupt or truncated stream is `CSVR_ERR_IO`, the message saying so; a reader ends
/// there (`csvr_reader_next` then returns `CSVR_DONE`), as after any I/O error.
///
/// Errors: `CSVR_ERR_NULL` if `opts` is NULL; `CSVR_ERR_INVALID` for any other value.
///
/// # Safety
/// `opts` is NULL or a live `csvr_options` that no other thread is using.
#[no_mangle]
pub unsafe extern "C" fn csvr_options_set_decompress(
    opts: *mut csvr_options,
    mode: csvr_decompress,
) -> csvr_status {
    // SAFETY: forwarded contract.
    unsafe {
        set("csvr_options_set_decompress", opts, |o| {
            o.set_decompress(match mode {
                CSVR_DECOMPRESS_AUTO => Decompress::Auto,
                CSVR_DECOMPRESS_NONE => Decompress::None,
                CSVR_DECOMPRESS_GZIP => Decompress::Gzip,
                CSVR_DECOMPRESS_ZSTD => Decompress::Zstd,
                other => {
                    return Err(Error::invalid(format!(
                        "decompress must be one of CSVR_DECOMPRESS_AUTO, _NONE, _GZIP, _ZSTD, got {other}"
                    )))
                }
            });
            Ok(())
        })
    }
}

/// Sets the record terminator: 0 (the default) means `\n`, `\r\n` and `\r` each end a
/// record; any other byte means only that byte does.
///
/// Errors: `CSVR_ERR_NULL` if `opts` is NULL; `CSVR_ERR_INVALID` if `byte` is not ASCII.
///
/// # Safety
/// `opts` is NULL or a live `csvr_options` that no other thread is using.
#[no_mangle]
pub unsafe extern "C" fn csvr_options_set_terminator(
    opts: *mut csvr_options,
    byte: u8,
) -> csvr_status {
    let terminator = match byte {
        0 => Terminator::CrlfAny,
        b => Terminator::Byte(b),
    };
    // SAFETY: forwarded contract.
    unsafe {
        set("csvr_options_set_terminator", opts, |o| {
            o.set_terminator(terminator).map(drop)
        })
    }
}

/// Sets how many threads `csvr_count_path` / `csvr_count_bytes` may use; 0 (the default)
/// means all cores. The count is the same whatever the number.
///
/// Errors: `CSVR_ERR_NULL` if `opts` is NULL; `CSVR_ERR_INVALID` above 1024 (the
/// options are then unchanged).
///
/// # Safety
/// `opts` is NULL or a live `csvr_options` that no other thread is using.
#[no_mangle]
pub unsafe extern "C" fn csvr_options_set_threads(
    opts: *mut csvr_options,
    n: usize,
) -> csvr_status {
    // SAFETY: forwarded contract.
    unsafe {
        set("csvr_options_set_threads", opts, |o| {
            o.set_threads(n).map(drop)
        })
    }
}

/// Sets the longest record read or counted, in bytes from its first byte through its
/// terminator; 0 means no limit. The default, `CSVR_DEFAULT_MAX_RECORD_BYTES`, is 16 MiB.
/// A longer record makes `csvr_reader_next` (and `_next_batch`, `_count`, and
/// `csvr_reader_open` for the header) fail with `CSVR_ERR_PARSE`, naming the record's
/// position; reading then ends. This bounds a reader's memory (to about twice the limit)
/// whatever the input, `/dev/zero` included. Every count (`csvr_count_path`,
/// `csvr_count_bytes`, ...) fails the same way at the same record, so count and read
/// agree; with no limit, counting keeps no record and counts an endless one for ever.
///
/// Errors: `CSVR_ERR_NULL` if `opts` is NULL.
///
/// # Safety
/// `opts` is NULL or a live `csvr_options` that no other thread is using.
#[no_mangle]
pub unsafe extern "C" fn csvr_options_set_max_record_bytes(
    opts: *mut csvr_options,
    n: u64,
) -> csvr_status {
    // SAFETY: forwarded contract.
    unsafe {
        set("csvr_options_set_max_record_bytes", opts, |o| {
            o.set_max_record_bytes(n);
            Ok(())
        })
    }
}

/// The default of `csvr_options_set_max_record_bytes`: 16 MiB.
pub const CSVR_DEFAULT_MAX_RECORD_BYTES: u64 = 16 << 20;

// The header needs a literal; the core is the authority.
const _: () = assert!(CSVR_DEFAULT_MAX_RECORD_BYTES == crate::DEFAULT_MAX_RECORD_BYTES);

/// Sets reading ahead (default false): when true, a reader of a regular file or of bytes
/// parses on threads of its own, ahead of the caller, so that parsing overlaps with the
/// caller's own work on the records it has: an input of 8 MiB or more on up to `threads`
/// workers (`csvr_options_set_threads`), each parsing record-aligned ranges of about 1 MiB
/// (read from the file once, and held for their parse: two per worker), the batches
/// handed over in file order; a smaller one on one worker. Records, positions
/// and errors are the same either way. The threads start at the first read and are joined
/// by `csvr_reader_free`; at most 6 batches (about 1 MiB each) per worker and the
/// caller's one exist at once, so memory does not grow with the input. Readers of other
/// inputs (pipes, terminals, any file descriptor, any read callback) read on the caller's
/// thread. The Python binding turns it on. After `fork()`, the child has no copy of the
/// threads: reading such a reader there fails with
/// `CSVR_ERR_INVALID`, and freeing it is safe.
///
/// Errors: `CSVR_ERR_NULL` if `opts` is NULL.
///
/// # Safety
/// `opts` is NULL or a live `csvr_options` that no other thread is using.
#[no_mangle]
pub unsafe extern "C" fn csvr_options_set_read_ahead(
    opts: *mut csvr_options,
    yes: bool,
) -> csvr_status {
    // SAFETY: forwarded contract.
    unsafe {
        set("csvr_options_set_read_ahead", opts, |o| {
            o.set_read_ahead(yes);
            Ok(())
        })
    }
}

/// Sets text mode (default false): when true, a reader checks that the header and every
/// record are valid UTF-8, and `csvr_reader_next` fails with `CSVR_ERR_UTF8` (naming the
/// record's position) on one that is not; the reader then goes on with the next record.
/// Counting never decodes and ignores this option.
///
/// Errors: `CSVR_ERR_NULL` if `opts` is NULL.
///
/// # Safety
/// `opts` is NULL or a live `csvr_options` that no other thread is using.
#[no_mangle]
pub unsafe extern "C" fn csvr_options_set_utf8(opts: *mut csvr_options, yes: bool) -> csvr_status {
    // SAFETY: forwarded contract.
    unsafe {
        set("csvr_options_set_utf8", opts, |o| {
            o.set_utf8(yes);
            Ok(())
        })
    }
}

/// Selects the fields readers yield: the `n` 0-based `indexes`, in this order (an index may
/// appear more than once). Records and the header then hold exactly these fields; a
/// selected field past the end of a short record (or of the header) is an empty field
/// for which `csvr_reader_field` (`csvr_reader_header`) gives `*data == NULL` and
/// `csvr_reader_batch_missing` a flag. `n == 0` clears the selection (every field, the
/// default); `indexes` may then be NULL. Replaces a selection by name. The indexes are
/// copied. Counting ignores the selection.
///
/// Errors: `CSVR_ERR_NULL` if `opts` is NULL, or `indexes` is NULL and `n > 0` (the
/// options are then unchanged).
///
/// # Safety
/// `opts` is NULL or a live `csvr_options` that no other thread is using; `indexes` is
/// NULL or points to `n` readable `size_t`.
#[no_mangle]
pub unsafe extern "C" fn csvr_options_set_columns(
    opts: *mut csvr_options,
    indexes: *const usize,
    n: usize,
) -> csvr_status {
    guard("csvr_options_set_columns", || {
        // SAFETY: the caller's contract for each argument.
        let (opts, indexes) =
            unsafe { (arg_mut(opts, "opts")?, arg_slice(indexes, n, "indexes")?) };
        opts.inner
            .set_columns(Columns::indexes(indexes.iter().copied()));
        Ok(csvr_status::CSVR_OK)
    })
}

/// Selects the fields readers yield by header name: the `n` NUL-terminated UTF-8 `names`,
/// in this order, resolved against the header when a reader opens (after trimming, if
/// the header is trimmed). A name the header holds twice means its first occurrence.
/// Opening a reader fails with `CSVR_ERR_INVALID` when a name is not in the header (the
/// message names it) or when `has_header` is off. Otherwise as
/// `csvr_options_set_columns`, which this replaces; `n == 0` clears the selection. The
/// names are copied.
///
/// Errors: `CSVR_ERR_NULL` if `opts` is NULL, `names` is NULL and `n > 0`, or an entry
/// is NULL; `CSVR_ERR_INVALID` if a name is not UTF-8 (the options are then unchanged).
///
/// # Safety
/// `opts` is NULL or a live `csvr_options` that no other thread is using; `names` is NULL
/// or points to `n` pointers, each NULL or NUL-terminated.
#[no_mangle]
pub unsafe extern "C" fn csvr_options_set_column_names(
    opts: *mut csvr_options,
    names: *const *const c_char,
    n: usize,
) -> csvr_status {
    guard("csvr_options_set_column_names", || {
        // SAFETY: the caller's contract for each argument.
        let (opts, names) = unsafe { (arg_mut(opts, "opts")?, arg_slice(names, n, "names")?) };
        let names = names
            .iter()
            .enumerate()
            .map(|(i, &name)| {
                if name.is_null() {
                    return Err(Failure::Null("names[i]"));
                }
                // SAFETY: non-NULL and NUL-terminated per the caller.
                let bytes = unsafe { CStr::from_ptr(name) }.to_bytes();
                std::str::from_utf8(bytes).map(str::to_owned).map_err(|_| {
                    Error::invalid(format!(
                        "column name {i} ({}) is not UTF-8",
                        String::from_utf8_lossy(bytes)
                    ))
                    .into()
                })
            })
            .collect::<Result<Vec<_>, Failure>>()?;
        opts.inner.set_columns(Columns::names(names));
        Ok(csvr_status::CSVR_OK)
    })
}

/// Sets the most rows in one record batch of an Arrow stream (`csvr_arrow_open`); 0 (the
/// default) sizes batches at about 4 MiB of field bytes. Readers of records ignore it.
///
/// Errors: `CSVR_ERR_NULL` if `opts` is NULL.
///
/// # Safety
/// `opts` is NULL or a live `csvr_options` that no other thread is using.
#[no_mangle]
pub unsafe extern "C" fn csvr_options_set_batch_rows(
    opts: *mut csvr_options,
    rows: usize,
) -> csvr_status {
    // SAFETY: forwarded contract.
    unsafe {
        set("csvr_options_set_batch_rows", opts, |o| {
            o.set_batch_rows(rows);
            Ok(())
        })
    }
}

/// Sets whether an Arrow stream drops the fields of a record past its last column (true)
/// or fails on such a record with `EINVAL`, naming it (false, the default). Readers of
/// records ignore it.
///
/// Errors: `CSVR_ERR_NULL` if `opts` is NULL.
///
/// # Safety
/// `opts` is NULL or a live `csvr_options` that no other thread is using.
#[no_mangle]
pub unsafe extern "C" fn csvr_options_set_truncate_ragged(
    opts: *mut csvr_options,
    yes: bool,
) -> csvr_status {
    // SAFETY: forwarded contract.
    unsafe {
        set("csvr_options_set_truncate_ragged", opts, |o| {
            o.set_truncate_ragged(yes);
            Ok(())
        })
    }
}
