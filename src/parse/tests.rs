//! The fast engine against the `csv` crate's engine (itself held to the crate by the
//! integration tests): every record, field, position and error, read one record at a
//! time, in batches and by counting, through every kernel and any read sizes.

use proptest::prelude::*;

use crate::batch::Batch;
use crate::count::classify::Classifier;
use crate::input::Pieces;
use crate::options::{Options, Terminator, Trim};
use crate::reader::Parser;
use crate::{ErrorKind, Position};

/// Bytes with every special byte of the dialects below, stray and doubled quotes, long
/// runs (fields across blocks), blank lines, separators and bytes that are not UTF-8.
fn input() -> impl Strategy<Value = Vec<u8>> {
    crate::test_input::pieces(
        &[
            b"a",
            b"bc",
            b"0123456789abcdefghijklmnopqrstuvwxyz0123456789",
            b",",
            b";",
            b"\t",
            b"\"",
            b"\"\"",
            b"\"x,y\"",
            b"\"a\"\"b\"",
            b"'",
            b"\\",
            b"\n",
            b"\r",
            b"\r\n",
            b"\n\n",
            b" ",
            b"\x1f",
            b"\xff",
            b"\xc3\xa9",
            b"\xef\xbb\xbf",
        ],
        90,
    )
}

/// Options the fast engine supports, with every dialect byte and limit that matters,
/// `flexible` off and on, and column selections (empty: every field).
fn options() -> impl Strategy<Value = Options> {
    (
        prop::sample::select(vec![b',', b';', b'\t']),
        prop::sample::select(vec![b'"', b'\'']),
        any::<bool>(),
        prop::sample::select(vec![
            Terminator::CrlfAny,
            Terminator::Byte(b'\n'),
            Terminator::Byte(b';'),
        ]),
        any::<bool>(),
        any::<bool>(),
        prop::sample::select(vec![0u64, 3, 8, 40, 1 << 20]),
        any::<bool>(),
        prop::sample::select(vec![vec![], vec![0], vec![2, 0], vec![1, 5, 1]]),
    )
        .prop_filter_map(
            "contradictory",
            |(delim, quote, quoting, term, header, utf8, limit, flexible, columns)| {
                let mut o = Options::new();
                o.set_delimiter(delim).ok()?;
                o.set_quote(quote).ok()?;
                o.set_terminator(term).ok()?;
                o.set_quoting(quoting)
                    .set_has_header(header)
                    .set_utf8(utf8)
                    .set_max_record_bytes(limit)
                    .set_flexible(flexible)
                    .set_columns(crate::Columns::indexes(columns))
                    .set_trim(Trim::None)
                    .set_decompress(crate::Decompress::None);
                o.validate().ok()?;
                crate::parse::supports(&o).then_some(o)
            },
        )
}

type Fields = Vec<Vec<u8>>;
type Failure = (ErrorKind, String, Option<Position>);

/// What a parser yields: the header, then each call's record (fields and position) or
/// error, up to the end (or a bound, for readers that stop on errors only at the end).
#[derive(Debug, PartialEq)]
struct Reading {
    header: Result<Option<(Fields, Option<Position>)>, Failure>,
    steps: Vec<Result<Option<(Fields, Position)>, Failure>>,
}

fn failure(e: crate::Error) -> Failure {
    (e.kind(), e.message().to_string(), e.position())
}

fn parser<'a>(
    data: &'a [u8],
    piece: usize,
    o: &Options,
    fast: bool,
) -> Result<Parser<Pieces<'a>>, crate::Error> {
    Parser::with_engine_for_tests(Pieces(data, piece), o, fast)
}

/// Reads record by record (`batch` 0) or in batches of `batch` records.
fn read(data: &[u8], piece: usize, o: &Options, fast: Option<Classifier>, batch: usize) -> Reading {
    let mut p = match parser(data, piece, o, fast.is_some()) {
        Ok(p) => p,
        Err(e) => {
            return Reading {
                header: Err(failure(e)),
                steps: vec![],
            }
        }
    };
    if let Some(c) = fast {
        p.set_classifier_for_tests(c);
    }
    let header = Ok(p.headers_for_tests().map(|h| {
        let position = h.position().map(Position::from);
        (h.iter().map(<[u8]>::to_vec).collect(), position)
    }));
    let mut steps = vec![];
    let mut b = Batch::new();
    for _ in 0..100_000 {
        let step = if batch == 0 {
            p.next_record_for_tests().map(|r| {
                r.map(|r| {
                    let position = r.position().map(Position::from).unwrap();
                    (r.iter().map(<[u8]>::to_vec).collect::<Fields>(), position)
                })
            })
        } else {
            match p.read_batch(batch, &mut b) {
                Ok(0) => Ok(None),
                Ok(n) => {
                    for i in 0..n - 1 {
                        let fields = b.record(i).iter().map(|f| f.to_vec()).collect();
                        steps.push(Ok(Some((fields, b.positions()[i]))));
                    }
                    let fields = b.record(n - 1).iter().map(|f| f.to_vec()).collect();
                    Ok(Some((fields, b.positions()[n - 1])))
                }
                Err(e) => Err(e),
            }
        };
        let end = matches!(step, Ok(None));
        steps.push(step.map_err(failure));
        if end {
            break;
        }
    }
    Reading { header, steps }
}

fn count(data: &[u8], piece: usize, o: &Options, fast: bool) -> Vec<Result<u64, Failure>> {
    let Ok(mut p) = parser(data, piece, o, fast) else {
        return vec![];
    };
    let mut counts = vec![];
    for _ in 0..50 {
        let n = p.count_for_tests().map_err(failure);
        let end = n == Ok(0);
        counts.push(n);
        if end {
            break;
        }
    }
    counts
}

/// Whether `got` reads as `expected` does. Past a record over `max_record_bytes` the two
/// may part: which error a record that is too long *and* not UTF-8 (or of the wrong field
/// count, with `flexible` off) gets, and whether
/// reading goes on after it, depend on how much of it had been read when it was refused
/// (both engines stop if the record had not ended yet). So from the first such record on,
/// only the error's place must agree.
fn agree(got: &Reading, expected: &Reading) -> Result<(), TestCaseError> {
    fn too_long<T>(s: &Result<T, Failure>) -> bool {
        matches!(s, Err((_, m, _)) if m.contains("max_record_bytes"))
    }
    if too_long(&got.header) || too_long(&expected.header) {
        let place = |r: &Reading| r.header.as_ref().err().map(|e| e.2);
        prop_assert!(place(got).is_some());
        prop_assert_eq!(place(got), place(expected));
        return Ok(());
    }
    let cut = got
        .steps
        .iter()
        .position(too_long)
        .into_iter()
        .chain(expected.steps.iter().position(too_long))
        .min();
    let Some(i) = cut else {
        prop_assert_eq!(got, expected);
        return Ok(());
    };
    prop_assert_eq!(&got.header, &expected.header);
    prop_assert_eq!(&got.steps[..i], &expected.steps[..i]);
    let place = |r: &Reading| r.steps.get(i).and_then(|s| s.as_ref().err().map(|e| e.2));
    prop_assert!(place(got).is_some(), "{:?}", got.steps.get(i));
    prop_assert_eq!(place(got), place(expected));
    Ok(())
}

/// Whether counts agree: as [`agree`] says, a final error of a record over the limit
/// need only be at the same place.
fn agree_counts(
    got: &[Result<u64, Failure>],
    expected: &[Result<u64, Failure>],
) -> Result<(), TestCaseError> {
    let too_long = |c: &[Result<u64, Failure>]| matches!(c.last(), Some(Err((_, m, _))) if m.contains("max_record_bytes"));
    if !(too_long(got) || too_long(expected)) || got.len() != expected.len() {
        prop_assert_eq!(got, expected);
        return Ok(());
    }
    let last = got.len() - 1;
    prop_assert_eq!(&got[..last], &expected[..last]);
    let place = |c: &[Result<u64, Failure>]| c[last].as_ref().err().map(|e| e.2);
    prop_assert_eq!(place(got), place(expected));
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 1500, ..ProptestConfig::default() })]

    #[test]
    fn the_fast_engine_reads_as_the_crates_does(
        o in options(),
        data in input(),
        piece in prop::sample::select(vec![1usize, 2, 5, 63, 64, 65, 1 << 20]),
        batch in prop::sample::select(vec![0usize, 1, 3, 1000]),
    ) {
        let expected = read(&data, 1 << 20, &o, None, 0);
        for c in Classifier::all_supported() {
            agree(&read(&data, piece, &o, Some(c), 0), &expected)?;
        }
        let expected = read(&data, 1 << 20, &o, None, batch);
        agree(&read(&data, piece, &o, Some(Classifier::detect()), batch), &expected)?;
        let counts = |piece, fast| {
            let mut c = count(&data, piece, &o, fast);
            if let Some(i) = c.iter().position(Result::is_err) {
                c.truncate(i + 1);
            }
            c
        };
        agree_counts(&counts(piece, true), &counts(1 << 20, false))?;
    }
}

/// Records longer than the buffer, fields across many blocks, and a stray quote that
/// sends one record in the middle of a large input to csv-core.
#[test]
fn long_records_and_a_stray_quote_in_a_large_input() {
    let mut data = Vec::new();
    for i in 0..20_000 {
        data.extend_from_slice(format!("{i},\"q{i}\"\"x\",plain\r\n").as_bytes());
        if i % 997 == 0 {
            data.extend_from_slice(b"a\"b,\"c\"d,\n");
        }
        if i % 4999 == 0 {
            data.extend(std::iter::repeat_n(b'z', 200_000));
            data.extend_from_slice(b",\"");
            data.extend(std::iter::repeat_n(b'\n', 70_000));
            data.extend_from_slice(b"\"\n");
        }
    }
    let mut o = Options::new();
    o.set_has_header(false).set_max_record_bytes(0);
    for piece in [7_777, 1 << 20] {
        for batch in [0, 100] {
            let expected = read(&data, 1 << 20, &o, None, batch);
            let got = read(&data, piece, &o, Some(Classifier::detect()), batch);
            assert_eq!(got.steps.len(), expected.steps.len());
            assert!(got == expected, "piece {piece} batch {batch}");
        }
    }
}

/// Each tricky sequence at every offset around the first two block edges (bytes 64 and
/// 128), through every kernel and the read sizes that cut blocks: a quote as byte 63 or
/// 64 of a block, `""` straddling blocks, `\r` at a block's end and `\n` at the next one's
/// start, fields longer than a block, stray quotes, a BOM-like run, and 1-byte reads.
#[test]
fn sequences_at_block_edges_read_as_the_crates_engine_does() {
    let sequences: &[&[u8]] = &[
        b"\"",
        b"\"\"",
        b",\"a\"\"b\",",
        b"\"x,y\"",
        b"\r\n",
        b"\r",
        b"\n\n",
        b"a\"b",
        b"\"a\"b,",
        b",\"\n\",",
    ];
    let long_field = vec![b'z'; 150];
    let mut options = vec![];
    for header in [false, true] {
        for term in [Terminator::CrlfAny, Terminator::Byte(b'\n')] {
            let mut o = Options::new();
            o.set_has_header(header).set_terminator(term).unwrap();
            options.push(o);
        }
    }
    for seq in sequences {
        for at in (56..72).chain(120..136) {
            // Records of short fields before the sequence, so that it lands at `at`.
            let mut data = Vec::new();
            while data.len() + 4 <= at {
                data.extend_from_slice(b"ab,\n");
            }
            data.extend(std::iter::repeat_n(b'c', at - data.len()));
            data.extend_from_slice(seq);
            data.extend_from_slice(b",d\n");
            data.extend_from_slice(&long_field);
            data.extend_from_slice(b",\"q\"\"\"\r\ne,f\n");
            for o in &options {
                let expected = read(&data, 1 << 20, o, None, 0);
                for c in Classifier::all_supported() {
                    for piece in [1, 63, 64, 65, 1 << 20] {
                        for batch in [0, 3] {
                            let got = read(&data, piece, o, Some(c), batch);
                            let expected = match batch {
                                0 => &expected,
                                _ => &read(&data, 1 << 20, o, None, batch),
                            };
                            assert!(
                                got == *expected,
                                "{:?} at {at}, {c:?}, piece {piece}, batch {batch}",
                                String::from_utf8_lossy(seq)
                            );
                        }
                    }
                }
            }
        }
    }
}
