//! Every input besides a path or a byte slice (a file descriptor, a read callback, a
//! gzip or zstd stream in any of them) gives exactly the records, counts and errors that
//! the `csv` crate gives for the same (decompressed) bytes; broken streams are I/O errors.
#![cfg(target_os = "linux")] // errno through __errno_location, paths through /proc/self/fd

use std::ffi::c_void;
use std::io::{self, Read, Write};
use std::os::unix::io::AsRawFd;

use csvr::ffi::*;
use csvr::{Decompress, ErrorKind, Options, Position, Reader, Terminator};
use proptest::prelude::*;

// ------------------------------------------------------------------------------------
// Inputs and options, and what the oracle (the csv crate) makes of them.

const PIECES: &[&[u8]] = &[
    b"a",
    b"bc",
    b"1",
    b" ",
    b",",
    b";",
    b"\"",
    b"'",
    b"\"\"",
    b"#",
    b"\n",
    b"\r",
    b"\r\n",
    b"\n\n",
    b"\xef\xbb\xbf",
    b"\xff",
    b"\xc3\xa9",
    b"\0",
    b"x",
];

fn input() -> impl Strategy<Value = Vec<u8>> {
    (
        any::<bool>(),
        prop::collection::vec(prop::sample::select(PIECES), 0..80),
    )
        .prop_map(|(bom, pieces)| {
            let mut data = if bom {
                b"\xef\xbb\xbf".to_vec()
            } else {
                vec![]
            };
            data.extend(pieces.concat());
            data
        })
}

/// The options the inputs are read with, as plain values for the oracle.
#[derive(Clone, Debug)]
struct Dialect {
    delimiter: u8,
    quote: u8,
    comment: Option<u8>,
    has_header: bool,
    flexible: bool,
    terminator: Terminator,
    utf8: bool,
}

fn dialect() -> impl Strategy<Value = Dialect> {
    (
        prop::sample::select(&b",;"[..]),
        prop::sample::select(&b"\"'"[..]),
        prop::option::weighted(0.2, Just(b'#')),
        any::<bool>(),
        prop::option::weighted(0.8, Just(())).prop_map(|o| o.is_some()),
        prop::sample::select(vec![
            Terminator::CrlfAny,
            Terminator::CrlfAny,
            Terminator::Byte(b'\n'),
            Terminator::Byte(b';'),
        ]),
        any::<bool>(),
    )
        .prop_map(
            |(delimiter, quote, comment, has_header, flexible, terminator, utf8)| Dialect {
                delimiter,
                quote,
                comment,
                has_header,
                flexible,
                terminator,
                utf8,
            },
        )
        .prop_filter("contradictory", |d| options(d).validate().is_ok())
}

fn options(d: &Dialect) -> Options {
    let mut o = Options::new();
    o.set_delimiter(d.delimiter).unwrap();
    o.set_quote(d.quote).unwrap();
    o.set_comment(d.comment).unwrap();
    o.set_terminator(d.terminator).unwrap();
    o.set_has_header(d.has_header)
        .set_flexible(d.flexible)
        .set_utf8(d.utf8);
    o
}

/// The same options as a `csvr_options` (freed by the caller).
fn c_options(d: &Dialect, decompress: csvr_decompress) -> *mut csvr_options {
    // SAFETY: a fresh, non-NULL options object used by this thread only.
    unsafe {
        let o = csvr_options_new();
        assert!(!o.is_null());
        csvr_options_set_delimiter(o, d.delimiter);
        csvr_options_set_quote(o, d.quote);
        csvr_options_set_comment(o, d.comment.unwrap_or(0));
        csvr_options_set_terminator(
            o,
            match d.terminator {
                Terminator::CrlfAny => 0,
                Terminator::Byte(b) => b,
            },
        );
        csvr_options_set_has_header(o, d.has_header);
        csvr_options_set_flexible(o, d.flexible);
        csvr_options_set_utf8(o, d.utf8);
        assert_eq!(
            csvr_options_set_decompress(o, decompress),
            csvr_status::CSVR_OK
        );
        o
    }
}

fn oracle_reader(d: &Dialect, data: &[u8]) -> csv::Reader<io::Cursor<Vec<u8>>> {
    csv::ReaderBuilder::new()
        .delimiter(d.delimiter)
        .quote(d.quote)
        .comment(d.comment)
        .has_headers(d.has_header)
        .flexible(d.flexible)
        .terminator(match d.terminator {
            Terminator::CrlfAny => csv::Terminator::CRLF,
            Terminator::Byte(b) => csv::Terminator::Any(b),
        })
        .from_reader(io::Cursor::new(data.to_vec()))
}

type Fields = Vec<Vec<u8>>;
/// One step of reading: a record's fields and position, or an error's kind and position.
type Step = Result<(Fields, Position), (ErrorKind, Option<Position>)>;

fn position(p: Option<&csv::Position>) -> Option<Position> {
    p.map(|p| Position {
        line: p.line(),
        byte: p.byte(),
        record: p.record(),
    })
}

fn oracle_kind(e: &csv::Error) -> ErrorKind {
    match e.kind() {
        csv::ErrorKind::Utf8 { .. } => ErrorKind::Utf8,
        csv::ErrorKind::UnequalLengths { .. } => ErrorKind::Parse,
        other => panic!("unexpected oracle error {other:?}"),
    }
}

fn fields(r: &csv::ByteRecord) -> Fields {
    r.iter().map(<[u8]>::to_vec).collect()
}

/// The header (or its error) and every step, as the csv crate reads `data`.
fn oracle_steps(d: &Dialect, data: &[u8]) -> (Option<Step>, Vec<Step>) {
    let mut rdr = oracle_reader(d, data);
    let header = d.has_header.then(|| {
        let h = if d.utf8 {
            rdr.headers().map(|h| h.as_byte_record().clone())
        } else {
            rdr.byte_headers().cloned()
        };
        h.map(|h| (fields(&h), position(h.position()).unwrap_or_default()))
            .map_err(|e| (oracle_kind(&e), position(e.position())))
    });
    if matches!(header, Some(Err(_))) {
        return (header, vec![]);
    }
    let mut steps = vec![];
    let (mut s, mut b) = (csv::StringRecord::new(), csv::ByteRecord::new());
    for _ in 0..data.len() + 2 {
        let read = if d.utf8 {
            rdr.read_record(&mut s)
                .map(|more| more.then(|| s.as_byte_record().clone()))
        } else {
            rdr.read_byte_record(&mut b)
                .map(|more| more.then(|| b.clone()))
        };
        match read {
            Ok(Some(r)) => steps.push(Ok((fields(&r), position(r.position()).unwrap()))),
            Ok(None) => break,
            Err(e) => steps.push(Err((oracle_kind(&e), position(e.position())))),
        }
    }
    (header, steps)
}

/// The oracle's count: records to the end, or the kind of the first error.
fn oracle_count(d: &Dialect, data: &[u8]) -> Result<u64, ErrorKind> {
    let mut rdr = oracle_reader(d, data);
    let mut rec = csv::ByteRecord::new();
    let mut n = 0;
    loop {
        match rdr.read_byte_record(&mut rec) {
            Ok(true) => n += 1,
            Ok(false) => return Ok(n),
            Err(e) => return Err(oracle_kind(&e)),
        }
    }
}

/// What a csvr reader yields, in the oracle's shape.
fn csvr_steps<R: Read>(
    rdr: Result<Reader<R>, csvr::Error>,
    limit: usize,
) -> (Option<Step>, Vec<Step>) {
    let mut rdr = match rdr {
        Ok(r) => r,
        Err(e) => return (Some(Err((e.kind(), e.position()))), vec![]),
    };
    let header = rdr
        .headers()
        .map(|h| Ok((fields(h), position(h.position()).unwrap_or_default())));
    let mut steps = vec![];
    while steps.len() < limit {
        match rdr.next_record() {
            Ok(true) => steps.push(Ok((fields(rdr.record().unwrap()), rdr.position().unwrap()))),
            Ok(false) => break,
            Err(e) => steps.push(Err((e.kind(), e.position()))),
        }
    }
    (header, steps)
}

/// With a one-byte terminator, csv-core's line numbers depend on where the input's pieces
/// end (see tests/differential.rs): a decompressor or a callback delivers other pieces, so
/// lines are left out of the comparison then; everything else is compared exactly.
fn without_lines(d: &Dialect, mut steps: (Option<Step>, Vec<Step>)) -> (Option<Step>, Vec<Step>) {
    if d.terminator != Terminator::CrlfAny {
        let blank = |s: &mut Step| match s {
            Ok((_, p)) | Err((_, Some(p))) => p.line = 0,
            Err((_, None)) => {}
        };
        steps.0.iter_mut().for_each(blank);
        steps.1.iter_mut().for_each(blank);
    }
    steps
}

// ------------------------------------------------------------------------------------
// The C ABI's readers, driven from Rust.

/// A record's fields through the C ABI, or the status that failed.
type FfiStep = Result<Fields, i32>;

/// Opens a reader with `open`, then reads it to the end through the C ABI.
fn ffi_steps(
    open: impl FnOnce(*mut *mut csvr_reader) -> csvr_status,
    limit: usize,
) -> Vec<FfiStep> {
    let mut r = std::ptr::null_mut();
    let opened = open(&mut r);
    if opened != csvr_status::CSVR_OK {
        assert!(r.is_null(), "out written on failure");
        return vec![Err(opened as i32)];
    }
    let mut steps = vec![];
    // SAFETY: `r` is a live reader used by this thread only, freed once below; field
    // pointers are read before the next call on it.
    unsafe {
        while steps.len() < limit {
            match csvr_reader_next(r) {
                csvr_status::CSVR_OK => {
                    let mut n = 0usize;
                    assert_eq!(csvr_reader_field_count(r, &mut n), csvr_status::CSVR_OK);
                    let mut record = vec![];
                    for i in 0..n {
                        let (mut p, mut len) = (std::ptr::null(), 0usize);
                        assert_eq!(
                            csvr_reader_field(r, i, &mut p, &mut len),
                            csvr_status::CSVR_OK
                        );
                        record.push(if len == 0 {
                            vec![]
                        } else {
                            std::slice::from_raw_parts(p, len).to_vec()
                        });
                    }
                    steps.push(Ok(record));
                }
                csvr_status::CSVR_DONE => break,
                s => steps.push(Err(s as i32)),
            }
        }
        csvr_reader_free(r);
    }
    steps
}

fn status_of(kind: ErrorKind) -> i32 {
    use csvr_status::*;
    (match kind {
        ErrorKind::Invalid => CSVR_ERR_INVALID,
        ErrorKind::Io => CSVR_ERR_IO,
        ErrorKind::Parse => CSVR_ERR_PARSE,
        ErrorKind::Utf8 => CSVR_ERR_UTF8,
        ErrorKind::Panic => CSVR_ERR_PANIC,
    }) as i32
}

/// The oracle's steps as the C ABI reports them.
fn oracle_ffi_steps(d: &Dialect, data: &[u8]) -> Vec<FfiStep> {
    match oracle_steps(d, data) {
        (Some(Err((k, _))), _) => vec![Err(status_of(k))],
        (_, steps) => steps
            .into_iter()
            .map(|s| s.map(|(f, _)| f).map_err(|(k, _)| status_of(k)))
            .collect(),
    }
}

/// A read callback's state: the bytes, and how many to hand out on each call (cycling).
struct Chunks {
    data: Vec<u8>,
    at: usize,
    sizes: Vec<usize>,
    call: usize,
    /// Every so many calls, fail with EINTR first (0: never).
    eintr_every: usize,
}

unsafe extern "C" fn read_chunks(user_data: *mut c_void, buf: *mut u8, len: usize) -> isize {
    // SAFETY: the tests pass a live, unshared `Chunks`.
    let c = unsafe { &mut *user_data.cast::<Chunks>() };
    c.call += 1;
    if c.eintr_every != 0 && c.call % c.eintr_every == 0 {
        set_errno(libc::EINTR);
        return -1;
    }
    let want = c.sizes[c.call % c.sizes.len()].max(1);
    let n = want.min(len).min(c.data.len() - c.at);
    // SAFETY: `buf` has `len` writable bytes and `n <= len`.
    unsafe { std::ptr::copy_nonoverlapping(c.data[c.at..].as_ptr(), buf, n) };
    c.at += n;
    n as isize
}

fn set_errno(code: i32) {
    // SAFETY: __errno_location returns a valid pointer to this thread's errno.
    unsafe { *libc::__errno_location() = code };
}

fn chunks(data: &[u8], sizes: &[usize], eintr_every: usize) -> Chunks {
    Chunks {
        data: data.to_vec(),
        at: 0,
        sizes: sizes.to_vec(),
        call: 0,
        eintr_every,
    }
}

fn count_status(status: csvr_status, n: u64) -> Result<u64, i32> {
    if status == csvr_status::CSVR_OK {
        Ok(n)
    } else {
        Err(status as i32)
    }
}

/// Counts and reads `input` through the callback ABI: (count, steps).
fn via_callback(
    d: &Dialect,
    input: &[u8],
    sizes: &[usize],
    decompress: csvr_decompress,
) -> (Result<u64, i32>, Vec<FfiStep>) {
    let opts = c_options(d, decompress);
    let mut src = chunks(input, sizes, 3);
    let mut n = 0u64;
    // SAFETY: `src` and `opts` outlive both calls; the readers are freed by ffi_steps.
    let count = unsafe {
        count_status(
            csvr_count_callback(
                Some(read_chunks),
                (&mut src as *mut Chunks).cast(),
                opts,
                &mut n,
            ),
            n,
        )
    };
    let mut src = chunks(input, sizes, 4);
    let steps = ffi_steps(
        // SAFETY: as above.
        |out| unsafe {
            csvr_reader_from_callback(
                Some(read_chunks),
                (&mut src as *mut Chunks).cast(),
                opts,
                out,
            )
        },
        input.len() * 64 + 8,
    );
    // SAFETY: freed once, after its last use.
    unsafe { csvr_options_free(opts) };
    (count, steps)
}

/// An unlinked temporary file holding `prefix` then `data`, at offset `prefix.len()`.
fn temp_file(prefix: &[u8], data: &[u8]) -> std::fs::File {
    use std::io::{Seek, SeekFrom};
    use std::sync::atomic::{AtomicU64, Ordering};
    static N: AtomicU64 = AtomicU64::new(0);
    let path = std::env::temp_dir().join(format!(
        "csvr-inputs-{}-{}",
        std::process::id(),
        N.fetch_add(1, Ordering::Relaxed)
    ));
    let mut f = std::fs::File::options()
        .read(true)
        .write(true)
        .create_new(true)
        .open(&path)
        .unwrap();
    std::fs::remove_file(&path).unwrap();
    f.write_all(prefix).unwrap();
    f.write_all(data).unwrap();
    f.seek(SeekFrom::Start(prefix.len() as u64)).unwrap();
    f
}

/// Counts and reads `input` through the fd ABI, from a regular file (after `prefix`) and
/// from a pipe: (count of the file, steps of the file, count of the pipe).
fn via_fd(
    d: &Dialect,
    prefix: &[u8],
    input: &[u8],
    decompress: csvr_decompress,
) -> (Result<u64, i32>, Vec<FfiStep>, Result<u64, i32>) {
    use std::io::Seek;
    let opts = c_options(d, decompress);
    let mut file = temp_file(prefix, input);
    let mut n = 0u64;
    // SAFETY: `file` and `opts` outlive each call; the reader is freed by ffi_steps.
    let count = unsafe { count_status(csvr_count_fd(file.as_raw_fd(), opts, &mut n), n) };
    if count.is_ok() {
        assert_eq!(
            file.stream_position().unwrap(),
            (prefix.len() + input.len()) as u64
        );
    }
    file.seek(io::SeekFrom::Start(prefix.len() as u64)).unwrap();
    // SAFETY: as above.
    let steps = ffi_steps(
        |out| unsafe { csvr_reader_from_fd(file.as_raw_fd(), opts, out) },
        input.len() * 64 + 8,
    );
    let mut fds = [0; 2];
    // SAFETY: `fds` has room for the two descriptors.
    assert_eq!(unsafe { libc::pipe(fds.as_mut_ptr()) }, 0);
    let writer = {
        let input = input.to_vec();
        // SAFETY: the write end is ours alone from here; File closes it when done.
        let mut w = unsafe { <std::fs::File as std::os::unix::io::FromRawFd>::from_raw_fd(fds[1]) };
        std::thread::spawn(move || {
            for piece in input.chunks(7) {
                if w.write_all(piece).is_err() {
                    break;
                }
            }
        })
    };
    // SAFETY: the read end stays open until closed below; `opts` is live.
    let piped = unsafe { count_status(csvr_count_fd(fds[0], opts, &mut n), n) };
    // SAFETY: closed once, after the count, which drops the reading side: the writer ends.
    unsafe {
        libc::close(fds[0]);
        csvr_options_free(opts);
    }
    writer.join().unwrap();
    (count, steps, piped)
}

// ------------------------------------------------------------------------------------
// Compression.

fn gzip_members(data: &[u8], cuts: &[usize]) -> Vec<u8> {
    let mut out = vec![];
    for piece in split(data, cuts) {
        let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        e.write_all(piece).unwrap();
        out.extend(e.finish().unwrap());
    }
    out
}

fn zstd_frames(data: &[u8], cuts: &[usize]) -> Vec<u8> {
    let mut out = vec![];
    for piece in split(data, cuts) {
        let mut e = zstd::stream::write::Encoder::new(Vec::new(), 1).unwrap();
        e.include_checksum(true).unwrap();
        e.write_all(piece).unwrap();
        out.extend(e.finish().unwrap());
    }
    out
}

/// `data` in consecutive pieces, cut at the given offsets (taken modulo its length).
fn split<'a>(data: &'a [u8], cuts: &[usize]) -> Vec<&'a [u8]> {
    let mut at: Vec<usize> = cuts.iter().map(|c| c % (data.len() + 1)).collect();
    at.push(0);
    at.push(data.len());
    at.sort_unstable();
    at.windows(2).map(|w| &data[w[0]..w[1]]).collect()
}

#[derive(Clone, Copy, Debug)]
enum Packing {
    Gzip,
    Zstd,
}

fn pack(p: Packing, data: &[u8], cuts: &[usize]) -> Vec<u8> {
    match p {
        Packing::Gzip => gzip_members(data, cuts),
        Packing::Zstd => zstd_frames(data, cuts),
    }
}

fn packing() -> impl Strategy<Value = Packing> {
    prop::sample::select(vec![Packing::Gzip, Packing::Zstd])
}

fn read_sizes() -> impl Strategy<Value = Vec<usize>> {
    prop::collection::vec(
        prop::sample::select(vec![1usize, 1, 2, 3, 5, 64, 4096, 100_000]),
        1..6,
    )
}

// ------------------------------------------------------------------------------------
// The properties.

proptest! {
    #![proptest_config(ProptestConfig { cases: 300, ..ProptestConfig::default() })]

    /// A callback, at any read sizes with EINTR between, is the oracle on the same bytes.
    #[test]
    fn callbacks_equal_the_csv_crate(d in dialect(), data in input(), sizes in read_sizes()) {
        let (count, steps) = via_callback(&d, &data, &sizes, CSVR_DECOMPRESS_NONE);
        prop_assert_eq!(count, oracle_count(&d, &data).map_err(status_of));
        prop_assert_eq!(steps, oracle_ffi_steps(&d, &data));
    }

    /// A file descriptor (a regular file from an offset, a pipe) is the oracle on the bytes
    /// after the offset.
    #[test]
    fn fds_equal_the_csv_crate(d in dialect(), data in input(), prefix in input()) {
        let (count, steps, piped) = via_fd(&d, &prefix, &data, CSVR_DECOMPRESS_NONE);
        let expected = oracle_count(&d, &data).map_err(status_of);
        prop_assert_eq!(count, expected);
        prop_assert_eq!(piped, expected);
        prop_assert_eq!(steps, oracle_ffi_steps(&d, &data));
    }

    /// gzip (in members) and zstd (in frames) of random CSV, through every entry point, are
    /// the oracle on the decompressed bytes: counts, records, positions, errors.
    #[test]
    fn compressed_inputs_equal_the_csv_crate_on_the_decompressed_bytes(
        d in dialect(), data in input(), p in packing(),
        cuts in prop::collection::vec(any::<usize>(), 0..3), sizes in read_sizes(),
    ) {
        let packed = pack(p, &data, &cuts);
        let opts = options(&d);
        let expected_count = oracle_count(&d, &data);
        let count = |r: Result<u64, csvr::Error>| r.map_err(|e| e.kind());
        prop_assert_eq!(count(csvr::count_bytes(&packed, &opts)), expected_count);
        let limit = data.len() + 2;
        let expected = without_lines(&d, oracle_steps(&d, &data));
        let ours = csvr_steps(Reader::from_bytes(packed.clone(), &opts), limit);
        prop_assert_eq!(without_lines(&d, ours), expected.clone());
        let mut ahead = opts.clone();
        ahead.set_read_ahead(true);
        let ours = csvr_steps(Reader::from_bytes(packed.clone(), &ahead), limit);
        prop_assert_eq!(without_lines(&d, ours), expected.clone());

        let file = temp_file(b"", &packed);
        let path = format!("/proc/self/fd/{}", file.as_raw_fd());
        prop_assert_eq!(count(csvr::count_path(&path, &opts)), expected_count);
        let ours = csvr_steps(Reader::from_path(&path, &ahead), limit);
        prop_assert_eq!(without_lines(&d, ours), expected);

        let ffi_expected = oracle_ffi_steps(&d, &data);
        let (count, steps) = via_callback(&d, &packed, &sizes, CSVR_DECOMPRESS_AUTO);
        prop_assert_eq!(count, expected_count.map_err(status_of));
        prop_assert_eq!(&steps, &ffi_expected);
        let forced = match p { Packing::Gzip => CSVR_DECOMPRESS_GZIP, Packing::Zstd => CSVR_DECOMPRESS_ZSTD };
        let (count, steps, piped) = via_fd(&d, &data, &packed, forced);
        prop_assert_eq!(count, expected_count.map_err(status_of));
        prop_assert_eq!(piped, expected_count.map_err(status_of));
        prop_assert_eq!(&steps, &ffi_expected);
    }

    /// A stream cut short anywhere after its magic bytes is an I/O error saying so, in
    /// counting and in reading (after the records that came before the cut, if any).
    #[test]
    fn truncated_streams_are_io_errors(
        data in input(), p in packing(), cut in any::<prop::sample::Index>(),
    ) {
        // One member or frame: a cut between two would leave a whole, valid stream.
        let packed = pack(p, &data, &[]);
        let magic = match p { Packing::Gzip => 2, Packing::Zstd => 4 };
        let cut = magic + cut.index(packed.len() - magic);
        let short = &packed[..cut];
        let opts = Options::new();
        let err = csvr::count_bytes(short, &opts).unwrap_err();
        prop_assert_eq!(err.kind(), ErrorKind::Io);
        prop_assert!(err.message().contains("stream is corrupt or truncated"), "{}", err);
        prop_assert_eq!(
            csvr::count_reader(io::Cursor::new(short.to_vec()), &opts).unwrap_err().kind(),
            ErrorKind::Io
        );
        let (header, steps) = csvr_steps(Reader::from_bytes(short.to_vec(), &opts), data.len() + 2);
        let first_error = header.into_iter().chain(steps).find_map(Result::err);
        prop_assert_eq!(first_error.map(|(k, _)| k), Some(ErrorKind::Io));
    }

    /// A gzip stream with a byte changed past its header (whose time and OS bytes are not
    /// checked) is never a silent wrong answer: an I/O error (the CRC-32 and length catch
    /// what deflate does not), or, where the change is in bits inflate ignores (the
    /// padding after the last block), the right answer.
    #[test]
    fn corrupt_gzip_is_an_io_error(data in input(), at in any::<prop::sample::Index>(), flip in 1u8..) {
        let mut packed = gzip_members(&data, &[]);
        let at = 10 + at.index(packed.len() - 10);
        packed[at] ^= flip;
        let mut unpacked = vec![];
        let harmless = flate2::read::MultiGzDecoder::new(&packed[..]).read_to_end(&mut unpacked).is_ok();
        match csvr::count_bytes(&packed, &Options::new()) {
            Err(err) => {
                prop_assert!(!harmless);
                prop_assert_eq!(err.kind(), ErrorKind::Io);
                prop_assert!(err.message().contains("the gzip stream is corrupt or truncated"), "{}", err);
            }
            Ok(n) => {
                prop_assert!(harmless && unpacked == data, "a corrupt stream was counted");
                prop_assert_eq!(Ok(n), csvr::count_bytes(&data, &Options::new()));
            }
        }
    }
}

// ------------------------------------------------------------------------------------
// Fixed cases.

#[test]
fn corrupt_zstd_is_an_io_error() {
    let data = b"id,name\n".repeat(3000);
    let packed = zstd_frames(&data, &[]);
    for at in [packed.len() / 3, packed.len() / 2, packed.len() - 2] {
        let mut bad = packed.clone();
        bad[at] ^= 0x5a;
        let err = csvr::count_bytes(&bad, &Options::new()).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Io, "{at}");
        assert!(
            err.message()
                .contains("the zstd stream is corrupt or truncated"),
            "{err}"
        );
    }
}

#[test]
fn forcing_a_format_that_is_not_there_is_an_io_error() {
    let plain = b"h\n1\n2\n";
    let gz = gzip_members(plain, &[]);
    let d = Dialect {
        delimiter: b',',
        quote: b'"',
        comment: None,
        has_header: true,
        flexible: true,
        terminator: Terminator::CrlfAny,
        utf8: false,
    };
    let mut o = Options::new();
    o.set_decompress(Decompress::Gzip);
    let err = csvr::count_bytes(plain, &o).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Io);
    assert!(err.message().contains("not gzip data"), "{err}");
    assert_eq!(
        Reader::from_bytes(plain.to_vec(), &o).err().unwrap().kind(),
        ErrorKind::Io
    );
    o.set_decompress(Decompress::Zstd);
    assert!(csvr::count_bytes(&gz, &o)
        .unwrap_err()
        .message()
        .contains("not zstd data"));
    // Off: the compressed bytes are read as they are.
    o.set_decompress(Decompress::None);
    assert_eq!(
        csvr::count_bytes(&gz, &o).map_err(|e| e.kind()),
        oracle_count(&d, &gz)
    );
    let (count, steps) = via_callback(&d, &gz, &[1], CSVR_DECOMPRESS_NONE);
    assert_eq!(count, oracle_count(&d, &gz).map_err(status_of));
    assert_eq!(steps, oracle_ffi_steps(&d, &gz));
    // Empty input is not gzip either.
    let (count, _) = via_callback(&d, b"", &[1], CSVR_DECOMPRESS_GZIP);
    assert_eq!(count, Err(csvr_status::CSVR_ERR_IO as i32));
}

#[test]
fn other_binary_formats_stay_bytes() {
    let d = Dialect {
        delimiter: b',',
        quote: b'"',
        comment: None,
        has_header: false,
        flexible: true,
        terminator: Terminator::CrlfAny,
        utf8: false,
    };
    for data in [
        &b"BZh91AY&SY\n1,2\n"[..], // bzip2
        b"PK\x03\x04\n\x14,\n",    // zip
        b"\xfd7zXZ\0\n",           // xz
        b"\x1f\x9d\x90\n",         // compress (.Z)
        b"\x28\xb5\x2f\n",         // zstd's magic, cut short
        b"\x1f",                   // gzip's, cut short
    ] {
        let (count, steps) = via_callback(&d, data, &[1], CSVR_DECOMPRESS_AUTO);
        assert_eq!(count, oracle_count(&d, data).map_err(status_of), "{data:?}");
        assert_eq!(steps, oracle_ffi_steps(&d, data), "{data:?}");
    }
}

#[test]
fn a_failing_callback_under_a_decompressor_keeps_its_errno() {
    struct Failing {
        data: Vec<u8>,
        at: usize,
    }
    unsafe extern "C" fn read(user_data: *mut c_void, buf: *mut u8, len: usize) -> isize {
        // SAFETY: the test passes a live, unshared `Failing`.
        let f = unsafe { &mut *user_data.cast::<Failing>() };
        if f.at == f.data.len() {
            set_errno(libc::ECONNRESET);
            return -1;
        }
        let n = len.min(f.data.len() - f.at).min(16);
        // SAFETY: `buf` has `len` writable bytes and `n <= len`.
        unsafe { std::ptr::copy_nonoverlapping(f.data[f.at..].as_ptr(), buf, n) };
        f.at += n;
        n as isize
    }
    let packed = gzip_members(&b"a,b\n".repeat(10_000), &[]);
    let mut f = Failing {
        data: packed[..packed.len() / 2].to_vec(),
        at: 0,
    };
    let mut n = 0u64;
    // SAFETY: `f` outlives the call; NULL options are the defaults.
    let status = unsafe {
        csvr_count_callback(
            Some(read),
            (&mut f as *mut Failing).cast(),
            std::ptr::null(),
            &mut n,
        )
    };
    assert_eq!(status, csvr_status::CSVR_ERR_IO);
    assert_eq!(csvr_last_error_os_error(), libc::ECONNRESET);
    // SAFETY: the message is a NUL-terminated string valid until the next csvr call.
    let message = unsafe { std::ffi::CStr::from_ptr(csvr_last_error_message()) };
    assert!(
        message
            .to_str()
            .unwrap()
            .contains("the read callback failed"),
        "{message:?}"
    );
}

#[test]
fn out_of_range_decompress_is_invalid() {
    let o = csvr_options_new();
    // SAFETY: `o` is live and freed once.
    unsafe {
        assert_eq!(
            csvr_options_set_decompress(o, 4),
            csvr_status::CSVR_ERR_INVALID
        );
        assert_eq!(
            csvr_options_set_decompress(o, -1),
            csvr_status::CSVR_ERR_INVALID
        );
        assert_eq!(
            csvr_options_set_decompress(std::ptr::null_mut(), CSVR_DECOMPRESS_AUTO),
            csvr_status::CSVR_ERR_NULL
        );
        csvr_options_free(o);
    }
}

/// Compressed files stream through a decompressor in constant memory: a reader's record
/// budget bounds what a zip bomb of one endless record can take.
#[test]
fn a_compressed_endless_record_meets_the_record_budget() {
    let bomb = zstd_frames(&vec![b'x'; 16 << 20], &[]);
    assert!(bomb.len() < 1 << 20);
    let mut o = Options::new();
    o.set_max_record_bytes(1 << 20);
    let err = Reader::from_bytes(bomb, &o).err().unwrap();
    assert_eq!(err.kind(), ErrorKind::Parse);
}
