//! Differential tests: every count and every record csvr produces equals what the `csv`
//! crate yields for the same options, on random bytes built from CSV's hard parts
//! (quotes, delimiters, CR, LF, blank lines, BOM, invalid UTF-8, NUL) and random options.

mod common;

use std::io::Read;

use common::*;
use csvr::{ErrorKind, Options, Position, Reader, Terminator, Trim};
use proptest::prelude::*;

#[test]
fn the_default_dialect_is_csvrs_default() {
    assert_eq!(options(&Dialect::default()), Options::new());
}

fn dialect() -> impl Strategy<Value = Dialect> {
    let byte = |choices: &'static [u8]| prop::sample::select(choices);
    (
        (
            byte(b",;\t|"),
            byte(b"\"'"),
            prop::option::weighted(0.3, byte(b"\\'")),
            any::<bool>(),
            prop::option::weighted(0.9, Just(())).prop_map(|o| o.is_some()),
            prop::option::weighted(0.3, byte(b"#;")),
        ),
        (
            any::<bool>(),
            prop::option::weighted(0.8, Just(())).prop_map(|o| o.is_some()),
            prop::sample::select(vec![Trim::None, Trim::Headers, Trim::Fields, Trim::All]),
            prop::sample::select(vec![
                Terminator::CrlfAny,
                Terminator::CrlfAny,
                Terminator::Byte(b'\n'),
                Terminator::Byte(b';'),
                Terminator::Byte(b'x'),
            ]),
            any::<bool>(),
        ),
    )
        .prop_map(
            |(
                (delimiter, quote, escape, double_quote, quoting, comment),
                (has_header, flexible, trim, terminator, utf8),
            )| Dialect {
                delimiter,
                quote,
                escape,
                double_quote,
                quoting,
                comment,
                has_header,
                flexible,
                trim,
                terminator,
                utf8,
            },
        )
}

fn counted(r: Result<u64, csvr::Error>) -> Result<u64, (ErrorKind, Option<Position>)> {
    r.map_err(|e| (e.kind(), e.position()))
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 3000, ..ProptestConfig::default() })]

    #[test]
    fn counts_equal_the_csv_crate(d in dialect(), data in input(), chunk in 1usize..17) {
        let opts = options(&d);
        if let Err(e) = opts.validate() {
            prop_assert_eq!(e.kind(), ErrorKind::Invalid);
            prop_assert_eq!(csvr::count_bytes(&data, &opts).unwrap_err().kind(), ErrorKind::Invalid);
            return Ok(());
        }
        let expected = oracle_count(&d, &data);
        prop_assert_eq!(counted(csvr::count_bytes(&data, &opts)), expected);
        let trickle = Trickle { data: &data, chunk };
        prop_assert_eq!(counted(csvr::count_reader(trickle, &opts)), expected);
    }

    #[test]
    fn records_equal_the_csv_crate(d in dialect(), data in input(), chunk in 1usize..17) {
        let opts = options(&d);
        prop_assume!(opts.validate().is_ok());
        let limit = data.len() + 2;
        let expected = oracle_steps(&d, &data, limit);
        let ours = csvr_steps(Reader::from_bytes(data.clone(), &opts), d.has_header, limit);
        prop_assert_eq!(&ours, &expected);
        let trickle = Trickle { data: &data, chunk };
        let ours = csvr_steps(Reader::from_reader(trickle, &opts), d.has_header, limit);
        prop_assert_eq!(ours, expected);
    }

    #[test]
    fn reader_count_after_partial_reads_is_the_rest(
        d in dialect(), data in input(), skip in 0usize..5,
    ) {
        let mut d = d;
        d.flexible = true; // with errors, "the rest" has no single meaning
        d.utf8 = false;
        let opts = options(&d);
        prop_assume!(opts.validate().is_ok());
        let total = oracle_count(&d, &data).unwrap();
        let mut rdr = Reader::from_bytes(data.clone(), &opts).unwrap();
        let mut read = 0u64;
        while (read as usize) < skip && rdr.next_record().unwrap() {
            read += 1;
        }
        prop_assert_eq!(read + rdr.count_remaining().unwrap(), total);
        prop_assert!(!rdr.next_record().unwrap());
    }
}

#[test]
fn count_path_equals_count_bytes_on_a_file() {
    let data = b"h1,h2\n\"a\nb\",c\r\n\r\n\"x\"\"y\",z\rlast,1";
    let path = std::env::temp_dir().join(format!("csvr-diff-{}.csv", std::process::id()));
    std::fs::write(&path, data).unwrap();
    let opts = Options::new();
    let from_file = csvr::count_path(&path, &opts).unwrap();
    std::fs::remove_file(&path).unwrap();
    assert_eq!(from_file, csvr::count_bytes(data, &opts).unwrap());
    assert_eq!(from_file, 3);
}

fn big_input() -> impl Strategy<Value = Vec<u8>> {
    prop::collection::vec(prop::sample::select(PIECES), 4000..9000).prop_map(|p| p.concat())
}

/// A record's fields through the C ABI, or the status that failed.
type FfiStep = Result<(Vec<Vec<u8>>, Position), (i32, Option<Position>)>;

/// The C ABI's results for the same input: counts and records through `csvr::ffi`.
fn ffi_steps(
    d: &Dialect,
    data: &[u8],
    limit: usize,
    read_ahead: bool,
) -> (Result<u64, i32>, Vec<FfiStep>) {
    use csvr::ffi::*;
    // SAFETY: every pointer passed below is either NULL where allowed, or points to live
    // locals / buffers that outlive the call; the reader is freed exactly once.
    unsafe {
        let opts = csvr_options_new();
        assert!(!opts.is_null());
        assert_eq!(
            csvr_options_set_delimiter(opts, d.delimiter),
            csvr_status::CSVR_OK
        );
        csvr_options_set_quote(opts, d.quote);
        csvr_options_set_escape(opts, d.escape.unwrap_or(0));
        csvr_options_set_comment(opts, d.comment.unwrap_or(0));
        csvr_options_set_double_quote(opts, d.double_quote);
        csvr_options_set_quoting(opts, d.quoting);
        csvr_options_set_has_header(opts, d.has_header);
        csvr_options_set_flexible(opts, d.flexible);
        csvr_options_set_utf8(opts, d.utf8);
        csvr_options_set_read_ahead(opts, read_ahead);
        csvr_options_set_trim(
            opts,
            match d.trim {
                Trim::None => CSVR_TRIM_NONE,
                Trim::Headers => CSVR_TRIM_HEADERS,
                Trim::Fields => CSVR_TRIM_FIELDS,
                Trim::All => CSVR_TRIM_ALL,
            },
        );
        csvr_options_set_terminator(
            opts,
            match d.terminator {
                Terminator::CrlfAny => 0,
                Terminator::Byte(b) => b,
            },
        );
        let mut n = 0u64;
        let count = match csvr_count_bytes(data.as_ptr(), data.len(), opts, &mut n) {
            csvr_status::CSVR_OK => Ok(n),
            s => Err(s as i32),
        };
        let mut steps = vec![];
        let mut rdr = std::ptr::null_mut();
        let opened = csvr_reader_from_bytes(data.as_ptr(), data.len(), opts, &mut rdr);
        csvr_options_free(opts);
        if opened != csvr_status::CSVR_OK {
            steps.push(Err((opened as i32, last_error_position())));
            return (count, steps);
        }
        while steps.len() < limit {
            match csvr_reader_next(rdr) {
                csvr_status::CSVR_OK => {
                    let mut nfields = 0usize;
                    assert_eq!(
                        csvr_reader_field_count(rdr, &mut nfields),
                        csvr_status::CSVR_OK
                    );
                    let mut fields = vec![];
                    for i in 0..nfields {
                        let (mut p, mut len) = (std::ptr::null(), 0usize);
                        assert_eq!(
                            csvr_reader_field(rdr, i, &mut p, &mut len),
                            csvr_status::CSVR_OK
                        );
                        fields.push(if len == 0 {
                            vec![]
                        } else {
                            std::slice::from_raw_parts(p, len).to_vec()
                        });
                    }
                    let (mut p, mut len) = (std::ptr::null(), 0usize);
                    assert_eq!(
                        csvr_reader_field(rdr, nfields, &mut p, &mut len),
                        csvr_status::CSVR_ERR_INVALID,
                        "one past the last field"
                    );
                    let mut at = Position::default();
                    assert_eq!(
                        csvr_reader_position(rdr, &mut at.line, &mut at.byte, &mut at.record),
                        csvr_status::CSVR_OK
                    );
                    steps.push(Ok((fields, at)));
                }
                csvr_status::CSVR_DONE => break,
                s => steps.push(Err((s as i32, last_error_position()))),
            }
        }
        if steps.len() < limit {
            // After CSVR_DONE there is no current record, read ahead or not.
            let (mut p, mut len) = (std::ptr::null(), 0usize);
            assert_eq!(
                csvr_reader_field(rdr, 0, &mut p, &mut len),
                csvr_status::CSVR_ERR_INVALID
            );
        }
        csvr_reader_free(rdr);
        (count, steps)
    }
}

/// The position `csvr_last_error_position` reports, if any.
fn last_error_position() -> Option<Position> {
    let mut at = Position::default();
    // SAFETY: the three pointers are live, writable locals.
    let found =
        unsafe { csvr::ffi::csvr_last_error_position(&mut at.line, &mut at.byte, &mut at.record) };
    found.then_some(at)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 1000, ..ProptestConfig::default() })]

    #[test]
    fn the_c_abi_agrees_with_the_csv_crate(d in dialect(), data in input(), ahead in any::<bool>()) {
        prop_assume!(options(&d).validate().is_ok());
        let limit = data.len() + 2;
        let (header, steps) = oracle_steps(&d, &data, limit);
        let expected_count = oracle_count(&d, &data).map_err(|(k, _)| status_of(k));
        let mut expected: Vec<FfiStep> = vec![];
        if let Some(Err((k, at))) = header {
            expected.push(Err((status_of(k), at)));
        } else {
            expected.extend(steps.into_iter().map(|s| s.map_err(|(k, at)| (status_of(k), at))));
        }
        let (count, records) = ffi_steps(&d, &data, limit, ahead);
        prop_assert_eq!(count, expected_count);
        prop_assert_eq!(records, expected);
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    /// Inputs larger than the reader's buffer, so records straddle buffer refills.
    #[test]
    fn large_inputs_equal_the_csv_crate(d in dialect(), data in big_input()) {
        let opts = options(&d);
        prop_assume!(opts.validate().is_ok());
        prop_assert_eq!(counted(csvr::count_bytes(&data, &opts)), oracle_count(&d, &data));
        let limit = data.len() + 2;
        let ours = csvr_steps(Reader::from_bytes(data.clone(), &opts), d.has_header, limit);
        prop_assert_eq!(ours, oracle_steps(&d, &data, limit));
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 1000, ..ProptestConfig::default() })]

    /// Batches hold exactly the records (and errors, in order) that `next_record` gives.
    #[test]
    fn batches_equal_record_by_record_reading(d in dialect(), data in input(), max in 1usize..6) {
        let opts = options(&d);
        prop_assume!(opts.validate().is_ok());
        let limit = data.len() + 2;
        let (_, expected) = csvr_steps(Reader::from_bytes(data.clone(), &opts), d.has_header, limit);
        let Ok(mut rdr) = Reader::from_bytes(data.clone(), &opts) else {
            return Ok(());
        };
        let mut batch = csvr::Batch::new();
        let mut got: Vec<Step> = vec![];
        while got.len() < limit {
            match rdr.read_batch(max, &mut batch) {
                Ok(0) => break,
                Ok(n) => {
                    prop_assert!(n <= max);
                    for i in 0..n {
                        let fields: Vec<Vec<u8>> = batch.record(i).into_iter().map(<[u8]>::to_vec).collect();
                        got.push(Ok((fields, batch.positions()[i])));
                        let framed: Vec<&[u8]> = batch.data().split(|&b| b == csvr::RECORD_SEPARATOR).collect();
                        if batch.is_framed() {
                            let split: Vec<Vec<u8>> = framed[i].split(|&b| b == csvr::FIELD_SEPARATOR).map(<[u8]>::to_vec).collect();
                            prop_assert_eq!(&split, &batch.record(i).into_iter().map(<[u8]>::to_vec).collect::<Vec<_>>());
                        }
                    }
                    prop_assert_eq!(batch.positions().len(), n);
                }
                Err(e) => got.push(Err((e.kind(), e.position()))),
            }
        }
        prop_assert_eq!(got, expected);
    }
}

/// One step of a reader driven by a random mix of calls, in comparable form.
#[derive(Debug, PartialEq)]
enum Call {
    Next(Result<Option<(Fields, Option<Position>)>, Failed>),
    /// The records and whether the batch was framed.
    Batch(Result<(Vec<(Fields, Position)>, bool), Failed>),
    Count(Result<u64, Failed>),
}

type Failed = (ErrorKind, Option<Position>);

fn call<R: Read>(rdr: &mut Reader<R>, op: usize, batch: &mut csvr::Batch) -> Call {
    let fields = |r: &csv::ByteRecord| r.iter().map(<[u8]>::to_vec).collect::<Vec<_>>();
    let err = |e: csvr::Error| (e.kind(), e.position());
    match op {
        0..=1 => Call::Next(
            rdr.next_record()
                .map(|more| more.then(|| (fields(rdr.record().unwrap()), rdr.position())))
                .map_err(err),
        ),
        // The same through field access, which never builds a record (when reading
        // ahead, the fields are read in the worker's batch).
        2..=3 => Call::Next(
            rdr.next_record()
                .map(|more| {
                    let n = rdr.field_count();
                    assert_eq!(n.is_some(), more);
                    assert_eq!(rdr.field(n.unwrap_or(0)), None);
                    more.then(|| {
                        let fields = (0..n.unwrap()).map(|i| rdr.field(i).unwrap().to_vec());
                        (fields.collect(), rdr.position())
                    })
                })
                .map_err(|e| {
                    assert_eq!((rdr.field_count(), rdr.field(0)), (None, None));
                    err(e)
                }),
        ),
        4..=8 => Call::Batch(
            rdr.read_batch(op - 3, batch)
                .map(|n| {
                    assert!(n <= op - 3);
                    let records = (0..n)
                        .map(|i| {
                            let f = batch.record(i).into_iter().map(<[u8]>::to_vec).collect();
                            (f, batch.positions()[i])
                        })
                        .collect();
                    (records, batch.is_framed())
                })
                .map_err(err),
        ),
        _ => Call::Count(rdr.count_remaining().map_err(err)),
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 1000, ..ProptestConfig::default() })]

    /// A reader that parses ahead on a worker thread answers every mix of calls exactly as
    /// one that parses on the caller's thread: records, positions, errors, batches, counts.
    #[test]
    fn reading_ahead_changes_nothing(
        d in dialect(), data in input(), ops in prop::collection::vec(0usize..10, 0..24),
    ) {
        reads_ahead_like_here(&d, &data, ops)?;
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    /// The same over inputs of many batches.
    #[test]
    fn reading_ahead_large_inputs_changes_nothing(
        d in dialect(), data in big_input(), ops in prop::collection::vec(0usize..10, 0..24),
    ) {
        reads_ahead_like_here(&d, &data, ops)?;
    }
}

fn reads_ahead_like_here(d: &Dialect, data: &[u8], ops: Vec<usize>) -> Result<(), TestCaseError> {
    let opts = options(d);
    if opts.validate().is_err() {
        return Ok(());
    }
    let mut ahead_opts = opts.clone();
    ahead_opts.set_read_ahead(true);
    let here = Reader::from_bytes(data.to_vec(), &opts);
    let ahead = Reader::from_bytes(data.to_vec(), &ahead_opts);
    let (mut here, mut ahead) = match (here, ahead) {
        (Ok(h), Ok(a)) => (h, a),
        (h, a) => {
            prop_assert_eq!(h.err().map(|e| e.kind()), a.err().map(|e| e.kind()));
            return Ok(());
        }
    };
    prop_assert_eq!(here.headers(), ahead.headers());
    let (mut b1, mut b2) = (csvr::Batch::new(), csvr::Batch::new());
    // The given calls, then single reads to the end.
    for op in ops {
        prop_assert_eq!(
            call(&mut here, op, &mut b1),
            call(&mut ahead, op, &mut b2),
            "op {}",
            op
        );
    }
    // Alternating between reading records whole and field by field.
    for op in [0, 2].into_iter().cycle() {
        let step = call(&mut here, op, &mut b1);
        prop_assert_eq!(&step, &call(&mut ahead, op, &mut b2));
        if step == Call::Next(Ok(None)) {
            break;
        }
    }
    Ok(())
}

/// Files read ahead (a worker per reader) give the same records, and freeing a reader
/// mid-file stops its worker and closes the file.
#[cfg(target_os = "linux")]
#[test]
fn read_ahead_files_agree_and_free_closes_them() {
    let dir = std::env::temp_dir().join(format!("csvr-ahead-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("a.csv");
    let mut data = b"id,text\n".to_vec();
    for i in 0..20_000 {
        data.extend_from_slice(format!("{i},\"line {i}\nwith, comma\"\n").as_bytes());
    }
    std::fs::write(&path, &data).unwrap();
    let mut opts = Options::new();
    opts.set_read_ahead(true);
    let d = Dialect::default();
    let (_, expected) = oracle_steps(&d, &data, usize::MAX);
    let ours = csvr_steps(Reader::from_path(&path, &opts), true, usize::MAX);
    assert_eq!(ours.1, expected);
    let fds = || std::fs::read_dir("/proc/self/fd").unwrap().count();
    let before = fds();
    for _ in 0..200 {
        let mut rdr = Reader::from_path(&path, &opts).unwrap();
        let mut batch = csvr::Batch::new();
        assert_eq!(rdr.read_batch(100, &mut batch).unwrap(), 100);
        drop(rdr);
    }
    assert_eq!(fds(), before);
    std::fs::remove_dir_all(&dir).unwrap();
}

/// Records of lengths around a limit: plain, quoted with newlines inside, and runs of
/// blank lines, so that some records are just under, at and just over it.
fn records_near(limit: usize) -> impl Strategy<Value = Vec<u8>> {
    let lengths = prop::sample::select(vec![
        1,
        10,
        limit / 3,
        limit - 2,
        limit - 1,
        limit,
        limit + 1,
        limit * 2,
    ]);
    let record = (lengths, 0u8..4).prop_map(|(len, kind)| match kind {
        0 => vec![b'a'; len],
        1 => {
            let mut r = b"\"".to_vec();
            r.extend((0..len.saturating_sub(2)).map(|i| if i % 97 == 0 { b'\n' } else { b'q' }));
            r.push(b'"');
            r
        }
        2 => vec![b'\n'; len],
        _ => [&b"x,"[..], &vec![b'y'; len.saturating_sub(2)]].concat(),
    });
    let end = prop::sample::select(vec![&b"\n"[..], b"\r\n", b""]);
    prop::collection::vec((record, end), 1..6).prop_map(|recs| {
        recs.into_iter()
            .flat_map(|(r, e)| [r, e.to_vec()].concat())
            .collect()
    })
}

/// What a reader does with the whole input: the number of records, or its first error.
fn reader_outcome<R: Read>(rdr: Result<Reader<R>, csvr::Error>) -> Result<u64, Failure> {
    let mut rdr = rdr.map_err(failure)?;
    let mut n = 0;
    while rdr.next_record().map_err(failure)? {
        n += 1;
    }
    Ok(n)
}

type Failure = (ErrorKind, String, Option<Position>);

fn failure(e: csvr::Error) -> Failure {
    (e.kind(), e.message().to_string(), e.position())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 200, ..ProptestConfig::default() })]

    /// Every count refuses a record over `max_record_bytes` exactly where the reader does,
    /// with the same message and position: the fast path (bytes and files, any threads)
    /// as well as the streaming counter (any read sizes).
    #[test]
    fn counts_stop_at_the_record_the_reader_refuses(
        data in records_near(16 * 1024),
        has_header in any::<bool>(),
        limit in prop::sample::select(vec![16 * 1024u64, 16 * 1024 + 1, 20 * 1024, 40_000]),
        chunk in prop::sample::select(vec![1usize, 7, 4096, 100_000]),
        threads in 1usize..4,
    ) {
        let mut o = Options::new();
        o.set_has_header(has_header).set_max_record_bytes(limit);
        o.set_threads(threads).unwrap();
        let expected = reader_outcome(Reader::from_bytes(data.clone(), &o));
        prop_assert_eq!(csvr::count_bytes(&data, &o).map_err(failure), expected.clone());
        let trickle = Trickle { data: &data, chunk };
        prop_assert_eq!(csvr::count_reader(trickle, &o).map_err(failure), expected.clone());
        let path = std::env::temp_dir().join(format!("csvr-limit-{}.csv", std::process::id()));
        std::fs::write(&path, &data).unwrap();
        let counted = csvr::count_path(&path, &o).map_err(failure);
        std::fs::remove_file(&path).unwrap();
        prop_assert_eq!(counted, expected);
    }

    /// With a tiny limit (below what the fast path watches) counts stream, still exactly.
    #[test]
    fn tiny_limits_count_like_the_reader(data in input(), limit in 1u64..12) {
        let mut o = Options::new();
        o.set_max_record_bytes(limit);
        let expected = reader_outcome(Reader::from_bytes(data.clone(), &o));
        prop_assert_eq!(csvr::count_bytes(&data, &o).map_err(failure), expected);
    }
}

/// A record as a reader with a column selection yields it: its fields, which of them are
/// missing, and where it starts; or the error in its place.
type Selected = Result<(Fields, Vec<bool>, Position), Failed>;

/// The oracle's header and records, projected onto `columns`.
fn oracle_selected(
    d: &Dialect,
    data: &[u8],
    columns: &[usize],
) -> (Option<(Fields, Vec<bool>)>, Vec<Selected>) {
    let (header, steps) = oracle_steps(d, data, data.len() + 2);
    let header = header.map(|h| project(&h.expect("an oracle header").0, columns));
    let steps = steps
        .into_iter()
        .map(|s| {
            s.map(|(fields, at)| {
                let (fields, missing) = project(&fields, columns);
                (fields, missing, at)
            })
        })
        .collect();
    (header, steps)
}

/// The header of a reader with a column selection, with its missing flags.
fn selected_header<R: Read>(rdr: &Reader<R>) -> Option<(Fields, Vec<bool>)> {
    rdr.headers().map(|h| {
        assert!(!rdr.is_header_missing(h.len()));
        let missing = (0..h.len()).map(|i| rdr.is_header_missing(i)).collect();
        (h.iter().map(<[u8]>::to_vec).collect(), missing)
    })
}

/// Every record, one at a time.
fn selected_records<R: Read>(rdr: &mut Reader<R>, limit: usize) -> Vec<Selected> {
    let mut got = vec![];
    while got.len() < limit {
        match rdr.next_record() {
            Ok(true) => {
                let r = rdr.record().unwrap();
                assert!(!rdr.is_missing(r.len()));
                let missing = (0..r.len()).map(|i| rdr.is_missing(i)).collect();
                let fields = r.iter().map(<[u8]>::to_vec).collect();
                got.push(Ok((fields, missing, rdr.position().unwrap())));
            }
            Ok(false) => {
                assert!(!rdr.is_missing(0));
                break;
            }
            Err(e) => got.push(Err((e.kind(), e.position()))),
        }
    }
    got
}

/// Every record, in batches of up to `max`; checks the batch's own view of the flags.
fn selected_batches<R: Read>(rdr: &mut Reader<R>, max: usize, limit: usize) -> Vec<Selected> {
    let mut batch = csvr::Batch::new();
    let mut got = vec![];
    while got.len() < limit {
        match rdr.read_batch(max, &mut batch) {
            Ok(0) => break,
            Ok(n) => {
                let fields = batch.field_ends().len();
                let flags: Vec<bool> = (0..fields).map(|f| batch.is_missing(f)).collect();
                match batch.missing() {
                    None => assert!(!flags.contains(&true)),
                    Some(m) => assert_eq!(m, &flags[..]),
                }
                let mut first = 0;
                for i in 0..n {
                    let end = batch.record_ends()[i];
                    let record = batch.record(i).into_iter().map(<[u8]>::to_vec).collect();
                    got.push(Ok((
                        record,
                        flags[first..end].to_vec(),
                        batch.positions()[i],
                    )));
                    first = end;
                }
            }
            Err(e) => got.push(Err((e.kind(), e.position()))),
        }
    }
    got
}

/// Reads `data` with `columns` selected by `select`, per record and in batches, here and
/// reading ahead, and checks each against the oracle's projection onto `indexes`.
fn selection_equals_the_oracle(
    d: &Dialect,
    data: &[u8],
    select: csvr::Columns,
    indexes: &[usize],
    max: usize,
) -> Result<(), TestCaseError> {
    let (header, records) = oracle_selected(d, data, indexes);
    let limit = data.len() + 2;
    for ahead in [false, true] {
        let mut opts = options(d);
        opts.set_columns(select.clone()).set_read_ahead(ahead);
        for batches in [false, true] {
            let mut rdr = Reader::from_bytes(data.to_vec(), &opts).unwrap();
            prop_assert_eq!(&selected_header(&rdr), &header);
            let got = match batches {
                false => selected_records(&mut rdr, limit),
                true => selected_batches(&mut rdr, max, limit),
            };
            prop_assert_eq!(&got, &records, "ahead {} batches {}", ahead, batches);
        }
        // Counting ignores the selection.
        prop_assert_eq!(
            counted(csvr::count_bytes(data, &opts)),
            oracle_count(d, data)
        );
    }
    Ok(())
}

/// Checks a selection by index and, where the header allows, the same one by name.
fn columns_equal_the_oracle(
    d: &Dialect,
    data: &[u8],
    columns: Vec<usize>,
    max: usize,
) -> Result<(), TestCaseError> {
    let opts = options(d);
    if opts.validate().is_err() {
        return Ok(());
    }
    let header = match oracle_steps(d, data, 0).0 {
        Some(Err(_)) => return Ok(()), // the reader fails to open, selection or not
        Some(Ok((h, _))) => Some(h),
        None => None,
    };
    selection_equals_the_oracle(
        d,
        data,
        csvr::Columns::indexes(columns.clone()),
        &columns,
        max,
    )?;
    // By name: the UTF-8 names among the selected header fields, each meaning the first
    // field of that name.
    let Some(header) = header else {
        return Ok(());
    };
    let names: Vec<String> = columns
        .iter()
        .filter_map(|&i| header.get(i))
        .filter_map(|h| String::from_utf8(h.clone()).ok())
        .collect();
    if names.is_empty() {
        return Ok(());
    }
    let indexes: Vec<usize> = names
        .iter()
        .map(|n| header.iter().position(|h| h == n.as_bytes()).unwrap())
        .collect();
    selection_equals_the_oracle(d, data, csvr::Columns::names(names), &indexes, max)
}

fn columns() -> impl Strategy<Value = Vec<usize>> {
    prop::collection::vec(0usize..6, 1..6)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 1000, ..ProptestConfig::default() })]

    /// A column selection yields the oracle's records projected onto it, missing fields
    /// flagged, one at a time and in batches, with and without reading ahead; counts are
    /// unchanged.
    #[test]
    fn columns_are_the_oracles_projection(
        d in dialect(), data in input(), columns in columns(), max in 1usize..6,
    ) {
        columns_equal_the_oracle(&d, &data, columns, max)?;
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 32, ..ProptestConfig::default() })]

    /// The same over inputs of many batches.
    #[test]
    fn columns_over_large_inputs_are_the_oracles_projection(
        d in dialect(), data in big_input(), columns in columns(), max in 1usize..300,
    ) {
        columns_equal_the_oracle(&d, &data, columns, max)?;
    }
}

#[test]
fn names_need_a_header_and_must_be_in_it() {
    let mut opts = Options::new();
    opts.set_columns(csvr::Columns::names(["b", "nope"]));
    let err = Reader::from_bytes(b"a,b\n1,2\n".to_vec(), &opts)
        .err()
        .unwrap();
    assert_eq!(err.kind(), ErrorKind::Invalid);
    assert!(err.to_string().contains("\"nope\""), "{err}");
    opts.set_has_header(false);
    let err = Reader::from_bytes(b"a,b\n".to_vec(), &opts).err().unwrap();
    assert_eq!(err.kind(), ErrorKind::Invalid);
    assert!(err.to_string().contains("has_header"), "{err}");
    // Counting ignores the selection, even one that could not be read.
    assert_eq!(csvr::count_bytes(b"a,b\n", &opts).unwrap(), 1);
}
