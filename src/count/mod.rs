//! Exact record counts.
//!
//! Every count equals the number of records the `csv` crate yields for the same options.
//! Two counters give it: `streaming`, csv-core's state machine driven exactly as the `csv`
//! crate drives it but keeping no field (any options, any `Read`, constant memory), and
//! the fast path — `classify` (SIMD byte classes) under `scan` (bit-parallel
//! quote parity) under `parallel` (ranges on threads, joined in order). The fast path
//! runs for byte slices and regular files when the options allow it (no comment, no
//! escape, doubled quotes, `flexible` on) and the quotes are regular; everything else,
//! and any input it calls irregular, is counted by the streaming counter.
//!
//! Every count honours `max_record_bytes` as the reader does: the streaming counter
//! measures each record (with the reader's own record tracker) and fails at the same
//! record; the fast path hands any input that may hold a longer record to it
//! (`long_records`). With the limit off, an endless record is counted for ever, as `wc -l`
//! would.

pub(crate) mod classify;
mod long_records;
mod parallel;
pub(crate) mod scan;
mod streaming;

use std::fs::{File, Metadata};
use std::io::{Read, Seek, SeekFrom};
use std::path::Path;

pub(crate) use parallel::effective_threads;

use crate::error::Error;
use crate::input::{describe_path, is_plain, open_file, Decoded};
use crate::options::Options;

/// Counts the records of the file at `path` (the header excluded when `has_header` is on),
/// streaming it in constant memory.
///
/// ```
/// let path = std::env::temp_dir().join("csvr-doc-count-path.csv");
/// std::fs::write(&path, "a,b\n1,2\n\n3,4\n")?;
/// assert_eq!(csvr::count_path(&path, &csvr::Options::new())?, 2);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn count_path(path: impl AsRef<Path>, options: &Options) -> Result<u64, Error> {
    let path = path.as_ref();
    options.validate()?;
    let (file, meta) = open_file(path)?;
    count_file(&file, &meta, options, &describe_path(path))
}

/// Counts the records of an open file (`meta` its metadata) from its current offset to
/// its end, named `source` in messages. A regular file read from its start may take the
/// fast path, and is then left at its end, as streaming it would leave it; anything else
/// (a pipe, a device, a file read from the middle) is streamed from where it is.
pub(crate) fn count_file(
    mut file: &File,
    meta: &Metadata,
    options: &Options,
    source: &str,
) -> Result<u64, Error> {
    options.validate()?;
    let failed = |e: std::io::Error| Error::io(format_args!("cannot read {source}"), &e);
    #[cfg(unix)]
    if let Some((dialect, watch)) = fast_path(options) {
        // Positioned reads need a regular file, and count from its start; compressed
        // bytes are streamed through the decompressor.
        if meta.is_file()
            && file.stream_position().map_err(failed)? == 0
            && is_plain_file(file, options).map_err(failed)?
        {
            let fast = parallel::count_file(
                file,
                meta.len(),
                dialect,
                watch,
                options.threads(),
                parallel::FILE_BLOCK,
            )
            .map_err(failed)?;
            if let Some(records) = fast {
                file.seek(SeekFrom::End(0)).map_err(failed)?;
                return Ok(without_header(records, options));
            }
            // Stray quotes: the summaries count those exactly, and on all cores (the
            // streaming counter, on one, took 19 times as long on one `a"b` in every 100
            // records). It fails where the streaming counter does; its message is the one
            // users get, so that counter runs then.
            if let Ok(records) = crate::summary::count_file(file, meta.len(), source, options) {
                file.seek(SeekFrom::End(0)).map_err(failed)?;
                return Ok(records);
            }
            file.seek(SeekFrom::Start(0)).map_err(failed)?;
        }
    }
    #[cfg(not(unix))]
    let _ = meta;
    streaming::count(Decoded::new(file, options.decompress()), options, source)
}

/// Whether a regular file's bytes are read as they are (not decompressed).
#[cfg(unix)]
fn is_plain_file(file: &File, options: &Options) -> std::io::Result<bool> {
    let (head, len) = crate::input::file_head(file)?;
    Ok(is_plain(&head[..len], options.decompress()))
}

/// Counts the records in `data`.
///
/// ```
/// let data = b"name,note\nx,\"two\nlines\"\ny,\"a \"\"quote\"\"\"\n";
/// assert_eq!(csvr::count_bytes(data, &csvr::Options::new())?, 2);
/// # Ok::<(), csvr::Error>(())
/// ```
pub fn count_bytes(data: &[u8], options: &Options) -> Result<u64, Error> {
    options.validate()?;
    if !is_plain(data, options.decompress()) {
        let decoded = Decoded::new(data, options.decompress());
        return streaming::count(decoded, options, "the input");
    }
    if let Some((dialect, watch)) = fast_path(options) {
        if let Some(records) = parallel::count_slice(data, dialect, watch, options.threads()) {
            return Ok(without_header(records, options));
        }
        // Stray quotes: see `count_file`.
        if let Ok(records) = crate::summary::count_slice(data, options) {
            return Ok(records);
        }
    }
    streaming::count(data, options, "the input")
}

/// What the fast path needs for `options`, if it can count with them.
fn fast_path(options: &Options) -> Option<(scan::FastDialect, long_records::Watch)> {
    let dialect = scan::FastDialect::new(options)?;
    let watch = long_records::Watch::for_limit(options.max_record_bytes())?;
    Some((dialect, watch))
}

/// The header is the first record: it is not counted.
fn without_header(records: u64, options: &Options) -> u64 {
    if options.has_header() {
        records.saturating_sub(1)
    } else {
        records
    }
}

/// Counts the records read from any `Read`, in constant memory, with the streaming
/// counter (a stream cannot be re-read should the fast scanner find it irregular).
///
/// ```
/// let input = std::io::Cursor::new("x\n1\n2\n");
/// assert_eq!(csvr::count_reader(input, &csvr::Options::new())?, 2);
/// # Ok::<(), csvr::Error>(())
/// ```
pub fn count_reader<R: Read>(rdr: R, options: &Options) -> Result<u64, Error> {
    count_reader_named(rdr, options, "the input")
}

/// Like [`count_reader`], naming the input `source` in error messages.
pub(crate) fn count_reader_named<R: Read>(
    rdr: R,
    options: &Options,
    source: &str,
) -> Result<u64, Error> {
    options.validate()?;
    streaming::count(Decoded::new(rdr, options.decompress()), options, source)
}

#[cfg(test)]
mod tests {
    use super::long_records::Watch;
    use super::scan::{bom_len, count_chunked, FastDialect};
    use super::*;
    use crate::options::Terminator;
    use proptest::prelude::*;

    /// CSV-ish bytes: every byte the scanner treats specially, and text.
    fn input() -> impl Strategy<Value = Vec<u8>> {
        crate::test_input::pieces(
            &[
                b"a",
                b"bc",
                b",",
                b";",
                b"\"",
                b"\"\"",
                b"'",
                b"\n",
                b"\r",
                b"\r\n",
                b"\n\n",
                b" ",
                b"\xef\xbb\xbf",
                b"\0",
                b"\xff",
            ],
            120,
        )
    }

    /// Well-formed CSV: every quote where RFC 4180 puts it, so the scanner must not
    /// give up on it.
    fn regular_input() -> impl Strategy<Value = Vec<u8>> {
        let field = prop::sample::select(vec![
            &b""[..],
            b"a",
            b"bc d",
            b"\"\"",
            b"\"x,y\"",
            b"\"l1\nl2\r\n\"",
            b"\"q\"\"q\"",
            b"\"\"\"\"",
        ]);
        let record = prop::collection::vec(field, 1..5).prop_map(|f| f.join(&b","[..]));
        let end = prop::sample::select(vec![&b"\n"[..], b"\r\n", b"\r", b"\n\n"]);
        prop::collection::vec((record, end), 0..30).prop_map(|recs| {
            recs.into_iter()
                .flat_map(|(r, e)| [r, e.to_vec()].concat())
                .collect()
        })
    }

    fn dialect() -> impl Strategy<Value = Options> {
        (
            prop::sample::select(vec![b',', b';']),
            prop::sample::select(vec![b'"', b'\'']),
            any::<bool>(),
            prop::sample::select(vec![
                Terminator::CrlfAny,
                Terminator::Byte(b'\n'),
                Terminator::Byte(b';'),
            ]),
            any::<bool>(),
        )
            .prop_filter_map("contradictory", |(delim, quote, quoting, term, header)| {
                let mut o = Options::new();
                o.set_delimiter(delim).unwrap();
                o.set_quote(quote).unwrap();
                o.set_terminator(term).unwrap();
                o.set_quoting(quoting).set_has_header(header);
                o.validate().ok().map(|_| o)
            })
    }

    fn oracle(data: &[u8], options: &Options) -> u64 {
        streaming::count(data, options, "test").unwrap()
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 2000, ..ProptestConfig::default() })]

        #[test]
        fn every_chunking_agrees_with_the_csv_crate(
            options in dialect(), data in input(), chunk in 1usize..80,
        ) {
            let mut no_header = options.clone();
            no_header.set_has_header(false);
            let d = FastDialect::new(&options).unwrap();
            let w = Watch::for_limit(options.max_record_bytes()).unwrap();
            let body = &data[bom_len(&data)..];
            if let Some(n) = count_chunked(body, d, w, chunk) {
                prop_assert_eq!(n, oracle(&data, &no_header));
                // Every chunking of the same input makes the same call.
                prop_assert_eq!(count_chunked(body, d, w, body.len().max(1)), Some(n));
            } else {
                prop_assert_eq!(count_chunked(body, d, w, body.len().max(1)), None);
            }
            prop_assert_eq!(count_bytes(&data, &options).unwrap(), oracle(&data, &options));
        }

        #[test]
        fn regular_input_stays_on_the_fast_path(data in regular_input(), chunk in 1usize..80) {
            let options = Options::new();
            let mut no_header = options.clone();
            no_header.set_has_header(false);
            let d = FastDialect::new(&options).unwrap();
            let w = Watch::for_limit(options.max_record_bytes()).unwrap();
            prop_assert_eq!(count_chunked(&data, d, w, chunk), Some(oracle(&data, &no_header)));
        }
    }

    /// Long stretches without quotes (the scanner's quote-free step) broken by quoted
    /// fields that may span blocks and chunks.
    fn mostly_unquoted() -> impl Strategy<Value = Vec<u8>> {
        let piece = prop::sample::select(vec![
            &b"abcdefghijklmnopqrstuvwxyz,0123456789,"[..],
            b"plain,text,\n",
            b"\r\n",
            b"\n\n",
            b"\"quoted,\nfield\"",
            b"\"\"",
            b"\"",
            b"a\"b",
        ]);
        prop::collection::vec((0u8..10, piece), 0..200).prop_map(|v| {
            v.into_iter()
                .filter(|(w, p)| *w < 8 || !p.contains(&b'"') || p.len() > 3)
                .flat_map(|(_, p)| p.to_vec())
                .collect::<Vec<u8>>()
        })
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 500, ..ProptestConfig::default() })]

        #[test]
        fn quote_free_stretches_agree_with_the_csv_crate(
            data in mostly_unquoted(), chunk in prop::sample::select(vec![1usize, 63, 64, 65, 200, 1000, 100_000]),
        ) {
            let mut o = Options::new();
            o.set_has_header(false);
            let d = FastDialect::new(&o).unwrap();
            let w = Watch::for_limit(o.max_record_bytes()).unwrap();
            if let Some(n) = count_chunked(&data, d, w, chunk) {
                prop_assert_eq!(n, oracle(&data, &o));
            }
            prop_assert_eq!(count_bytes(&data, &o).unwrap(), oracle(&data, &o));
        }
    }

    #[cfg(unix)]
    proptest! {
        #![proptest_config(ProptestConfig { cases: 300, ..ProptestConfig::default() })]

        #[test]
        fn files_agree_with_the_csv_crate_for_any_threads_and_block(
            options in dialect(), data in input(), threads in 1usize..4, block in 1usize..70,
        ) {
            let mut file = tempfile();
            std::io::Write::write_all(&mut file, &data).unwrap();
            let d = FastDialect::new(&options).unwrap();
            let w = Watch::for_limit(options.max_record_bytes()).unwrap();
            let mut no_header = options.clone();
            no_header.set_has_header(false);
            let fast = parallel::count_file(&file, data.len() as u64, d, w, threads, block).unwrap();
            let body = &data[bom_len(&data)..];
            prop_assert_eq!(fast, count_chunked(body, d, w, body.len().max(1)));
            if let Some(n) = fast {
                prop_assert_eq!(n, oracle(&data, &no_header));
            }
        }
    }

    /// An unlinked temporary file, gone when closed.
    #[cfg(unix)]
    fn tempfile() -> std::fs::File {
        use std::sync::atomic::{AtomicU64, Ordering};
        static N: AtomicU64 = AtomicU64::new(0);
        let path = std::env::temp_dir().join(format!(
            "csvr-count-{}-{}",
            std::process::id(),
            N.fetch_add(1, Ordering::Relaxed)
        ));
        let file = std::fs::OpenOptions::new()
            .read(true)
            .write(true)
            .create_new(true)
            .open(&path)
            .unwrap();
        std::fs::remove_file(&path).unwrap();
        file
    }

    /// /proc files say their size is 0; a file may also grow while it is counted.
    #[cfg(target_os = "linux")]
    #[test]
    fn files_longer_than_their_size_are_read_to_the_end() {
        let mut o = Options::new();
        o.set_has_header(false);
        let data = std::fs::read("/proc/self/mounts").unwrap();
        assert!(!data.is_empty());
        let counted = count_path("/proc/self/mounts", &o).unwrap();
        assert_eq!(counted, oracle(&data, &o));
    }

    #[test]
    fn options_outside_the_fast_path_are_still_exact() {
        let data = b"h\n#c\na\\\"b,\"x\\\"y\"\n1,2\n3\n";
        let mut o = Options::new();
        o.set_comment(Some(b'#')).unwrap();
        o.set_escape(Some(b'\\')).unwrap();
        assert!(FastDialect::new(&o).is_none());
        assert_eq!(count_bytes(data, &o).unwrap(), oracle(data, &o));
    }

    #[test]
    fn irregular_quotes_fall_back_to_the_exact_count() {
        for data in [
            &b"a\"b\n\"c\n"[..],
            b"\"a\"b\nc\n",
            b" \"a\nb\"\n",
            b"x\n\"unterminated\n\n",
        ] {
            let mut o = Options::new();
            o.set_has_header(false);
            assert_eq!(count_bytes(data, &o).unwrap(), oracle(data, &o), "{data:?}");
        }
    }
}
