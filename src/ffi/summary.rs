//! Chunk summaries, folds and splits: plain values, no handle.

use std::ffi::c_char;

use super::boundary::{
    arg_bytes, arg_out, arg_path, arg_slice, arg_slice_out, guard, Out, OutSlice,
};
use super::csvr_status::{self, CSVR_OK};
use super::options::csvr_options;
use super::reader::options_or_default;
use crate::error::Error;
use crate::summary::{self, Range, Summary};

/// The number of 64-bit words in a `csvr_summary`.
pub const CSVR_SUMMARY_WORDS: usize = 268;

// The C type carries the core's summary word for word.
const _: () = assert!(CSVR_SUMMARY_WORDS == summary::SUMMARY_WORDS);

/// What one chunk of an input does, for every state the parser may be in at its start:
/// made by `csvr_summarize_path` / `csvr_summarize_bytes`, combined in order by
/// `csvr_summaries_fold`. A plain value of integers: copy it with memcpy, store it, or
/// send it to another process running the same csvr version. Its words are private; a
/// summary that was changed, made by another version, with other options, or of another
/// input is refused by the fold with `CSVR_ERR_INVALID`, never answered wrongly.
#[repr(C)]
#[derive(Clone, Copy)]
pub struct csvr_summary {
    /// The summary's words (native byte order).
    pub words: [u64; CSVR_SUMMARY_WORDS],
}

/// A record-aligned piece of an input: the records that start in `[start, end)`. The
/// ranges of one fold or split cover every record after the header, in order, with no
/// gap and no overlap. Read one with `csvr_reader_open_range`.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct csvr_range {
    /// The offset of the range's first record, or `end` if it has none.
    pub start: u64,
    /// Just past the range: the next range's start (the input's end for the last one).
    pub end: u64,
    /// The number of records in the range.
    pub records: u64,
    /// The record number of its first record (the header is record 0 with `has_header`).
    pub first_record: u64,
    /// The 1-based line of its first record's first byte.
    pub first_line: u64,
}

impl From<Range> for csvr_range {
    fn from(r: Range) -> Self {
        csvr_range {
            start: r.start,
            end: r.end,
            records: r.records,
            first_record: r.first_record,
            first_line: r.first_line,
        }
    }
}

impl From<csvr_range> for Range {
    fn from(r: csvr_range) -> Self {
        Range {
            start: r.start,
            end: r.end,
            records: r.records,
            first_record: r.first_record,
            first_line: r.first_line,
        }
    }
}

fn to_c(s: &Summary) -> csvr_summary {
    csvr_summary {
        words: s.to_words(),
    }
}

/// Summarizes the bytes `[start, end)` of the file at `path` with `opts` (NULL =
/// defaults), reading them in constant memory, into `*out`.
///
/// Errors: `CSVR_ERR_NULL`, `CSVR_ERR_INVALID` (contradictory options; `start > end` or
/// `end` past the file's end; a compressed file), `CSVR_ERR_IO`.
///
/// # Safety
/// `path` is NULL or NUL-terminated; `opts` is NULL or live; `out` is NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn csvr_summarize_path(
    path: *const c_char,
    opts: *const csvr_options,
    start: u64,
    end: u64,
    out: *mut csvr_summary,
) -> csvr_status {
    guard("csvr_summarize_path", || {
        // SAFETY: the caller's contract for each argument.
        let (path, options, out) = unsafe {
            (
                arg_path(path)?,
                options_or_default(opts),
                arg_out(out, "out")?,
            )
        };
        out.write(to_c(&summary::summarize_path(path, start, end, &options)?));
        Ok(CSVR_OK)
    })
}

/// Summarizes `chunk`, which holds the bytes `[offset, offset + len)` of an input (NULL
/// with `len` 0 is an empty chunk), with `opts` (NULL = defaults), into `*out`.
///
/// Errors: `CSVR_ERR_NULL`, `CSVR_ERR_INVALID` (contradictory options; compressed bytes at
/// offset 0).
///
/// # Safety
/// `chunk` is NULL or points to `len` readable bytes; `opts` is NULL or live; `out` is NULL
/// or writable.
#[no_mangle]
pub unsafe extern "C" fn csvr_summarize_bytes(
    chunk: *const u8,
    len: usize,
    offset: u64,
    opts: *const csvr_options,
    out: *mut csvr_summary,
) -> csvr_status {
    guard("csvr_summarize_bytes", || {
        // SAFETY: the caller's contract for each argument.
        let (chunk, options, out) = unsafe {
            (
                arg_bytes(chunk, len)?,
                options_or_default(opts),
                arg_out(out, "out")?,
            )
        };
        out.write(to_c(&summary::summarize_bytes(chunk, offset, &options)?));
        Ok(CSVR_OK)
    })
}

/// Folds the `n` summaries at `chunks` (consecutive chunks from offset 0 that cover the
/// input, in order) with `opts` (NULL = defaults): writes one range per chunk to
/// `ranges[0..n]` (the records after the header that start in that chunk; empty ones
/// have `records == 0` and `start == end`) and the record count to `*total`, the same
/// number `csvr_count_*` gives. `n` may be 0 (the empty input; `chunks` and `ranges` may
/// then be NULL).
///
/// Errors: `CSVR_ERR_NULL`; `CSVR_ERR_INVALID` (summaries out of order, with gaps, of
/// another input or size, made with other options or by another version, or not
/// summaries); `CSVR_ERR_PARSE` where a serial reading fails (a ragged record with
/// `flexible` off, a record over `max_record_bytes`), at the same record.
///
/// # Safety
/// `chunks` is NULL or points to `n` readable summaries; `opts` is NULL or live; `ranges`
/// is NULL or points to `n` writable ranges; `total` is NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn csvr_summaries_fold(
    chunks: *const csvr_summary,
    n: usize,
    opts: *const csvr_options,
    ranges: *mut csvr_range,
    total: *mut u64,
) -> csvr_status {
    guard("csvr_summaries_fold", || {
        // SAFETY: the caller's contract for each argument.
        let (chunks, options, ranges, total) = unsafe {
            (
                arg_slice(chunks, n, "chunks")?,
                options_or_default(opts),
                arg_slice_out(ranges, n, "ranges")?,
                arg_out(total, "total")?,
            )
        };
        let summaries = chunks
            .iter()
            .enumerate()
            .map(|(i, c)| {
                Summary::from_words(&c.words)
                    .map_err(|e| Error::invalid(format!("chunks[{i}]: {}", e.message())))
            })
            .collect::<Result<Vec<_>, _>>()?;
        let (folded, count) = summary::fold(&summaries, &options)?;
        let mut ranges = ranges;
        for (i, r) in folded.into_iter().enumerate() {
            ranges.write(i, r.into());
        }
        total.write(count);
        Ok(CSVR_OK)
    })
}

/// Splits the file at `path` into at most `n` record-aligned ranges of about equal size,
/// summarizing its chunks on `threads` threads (see `csvr_options_set_threads`): writes
/// them to `ranges[0..*out_n]`. Ranges without records are left out, so `*out_n` is less
/// than `n` when the file has fewer records than `n`, and 0 when it has none.
///
/// Errors: `CSVR_ERR_NULL`, `CSVR_ERR_INVALID` (`n == 0`, contradictory options, a
/// compressed file), `CSVR_ERR_IO`, `CSVR_ERR_PARSE` (as `csvr_count_path`).
///
/// # Safety
/// `path` is NULL or NUL-terminated; `opts` is NULL or live; `ranges` is NULL or points to
/// `n` writable ranges; `out_n` is NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn csvr_split_path(
    path: *const c_char,
    opts: *const csvr_options,
    n: usize,
    ranges: *mut csvr_range,
    out_n: *mut usize,
) -> csvr_status {
    guard("csvr_split_path", || {
        // SAFETY: the caller's contract for each argument.
        let (path, options, ranges, out_n) = unsafe {
            (
                arg_path(path)?,
                options_or_default(opts),
                arg_slice_out(ranges, n, "ranges")?,
                arg_out(out_n, "out_n")?,
            )
        };
        let split = summary::split_path(path, n, &options)?;
        write_ranges(&split, ranges, out_n);
        Ok(CSVR_OK)
    })
}

/// Like `csvr_split_path`, for `len` bytes at `data` (NULL with `len` 0 is the empty input).
///
/// # Safety
/// `data` is NULL or points to `len` readable bytes; `opts` is NULL or live; `ranges` is
/// NULL or points to `n` writable ranges; `out_n` is NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn csvr_split_bytes(
    data: *const u8,
    len: usize,
    opts: *const csvr_options,
    n: usize,
    ranges: *mut csvr_range,
    out_n: *mut usize,
) -> csvr_status {
    guard("csvr_split_bytes", || {
        // SAFETY: the caller's contract for each argument.
        let (data, options, ranges, out_n) = unsafe {
            (
                arg_bytes(data, len)?,
                options_or_default(opts),
                arg_slice_out(ranges, n, "ranges")?,
                arg_out(out_n, "out_n")?,
            )
        };
        let split = summary::split_bytes(data, n, &options)?;
        write_ranges(&split, ranges, out_n);
        Ok(CSVR_OK)
    })
}

fn write_ranges(split: &[Range], mut ranges: OutSlice<csvr_range>, out_n: Out<usize>) {
    for (i, r) in split.iter().enumerate() {
        ranges.write(i, (*r).into());
    }
    out_n.write(split.len());
}
