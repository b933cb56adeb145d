//! The fold of any chunking equals the serial reading: count, record starts, lines,
//! record numbers and the errors of the strict options.

use proptest::prelude::*;

use super::*;
use crate::options::Trim;
use crate::{count_bytes, ErrorKind, Reader};

/// Bytes with every special byte of the dialects below, and text.
fn input() -> impl Strategy<Value = Vec<u8>> {
    let pieces: &[&[u8]] = &[
        b"a",
        b"bc",
        b",",
        b";",
        b"\"",
        b"\"\"",
        b"'",
        b"\\",
        b"#",
        b"\n",
        b"\r",
        b"\r\n",
        b"\n\n",
        b" ",
        b"\xef\xbb\xbf",
        b"\xef",
        b"\xbb",
        b"\xbf",
    ];
    (
        0u8..4,
        prop::collection::vec(prop::sample::select(pieces), 0..60),
    )
        .prop_map(|(bom, p)| {
            let mut v = match bom {
                0 => b"\xef\xbb\xbf".to_vec(),
                1 => b"\xef\xbb".to_vec(),
                _ => vec![],
            };
            v.extend(p.concat());
            v
        })
}

fn options() -> impl Strategy<Value = Options> {
    (
        prop::sample::select(vec![b',', b';']),
        prop::sample::select(vec![b'"', b'\'']),
        any::<bool>(),
        prop::sample::select(vec![None, Some(b'\\')]),
        prop::sample::select(vec![None, Some(b'#')]),
        any::<bool>(),
        prop::sample::select(vec![
            Terminator::CrlfAny,
            Terminator::Byte(b'\n'),
            Terminator::Byte(b';'),
        ]),
        any::<bool>(),
        any::<bool>(),
        prop::sample::select(vec![0u64, 3, 8, 1 << 20]),
    )
        .prop_filter_map(
            "contradictory",
            |(delim, quote, quoting, escape, comment, dq, term, header, flexible, limit)| {
                let mut o = Options::new();
                o.set_delimiter(delim).ok()?;
                o.set_quote(quote).ok()?;
                o.set_escape(escape).ok()?;
                o.set_comment(comment).ok()?;
                o.set_terminator(term).ok()?;
                o.set_quoting(quoting)
                    .set_double_quote(dq)
                    .set_has_header(header)
                    .set_flexible(flexible)
                    .set_max_record_bytes(limit)
                    .set_trim(Trim::None)
                    .set_decompress(crate::Decompress::None);
                o.validate().ok().map(|_| o)
            },
        )
}

/// The serial reading: every data record's position, or the error the count stops at.
fn serial(
    data: &[u8],
    options: &Options,
) -> Result<Vec<crate::Position>, (ErrorKind, Option<crate::Position>)> {
    let err = |e: Error| (e.kind(), e.position());
    let n = count_bytes(data, options).map_err(err)?;
    let mut o = options.clone();
    o.set_flexible(true).set_max_record_bytes(0);
    let mut r = Reader::from_bytes(data.to_vec(), &o).unwrap();
    let mut out = vec![];
    while r.next_record().unwrap() {
        out.push(r.position().unwrap());
    }
    assert_eq!(out.len() as u64, n);
    Ok(out)
}

/// Every record with its position, the header first, until the end or an error.
fn records<R: std::io::Read>(mut rdr: Reader<R>) -> Vec<(Vec<Vec<u8>>, Option<crate::Position>)> {
    let mut out = vec![];
    while let Ok(true) = rdr.next_record() {
        let fields = rdr.record().unwrap().iter().map(<[u8]>::to_vec).collect();
        out.push((fields, rdr.position()));
    }
    out
}

fn folded(data: &[u8], cuts: &[usize], options: &Options) -> Result<(Vec<Range>, u64), Error> {
    let mut bounds: Vec<usize> = cuts.iter().map(|&c| c % (data.len() + 1)).collect();
    bounds.push(0);
    bounds.push(data.len());
    bounds.sort();
    let summaries: Vec<Summary> = bounds
        .windows(2)
        .map(|w| summarize_bytes(&data[w[0]..w[1]], w[0] as u64, options).unwrap())
        .collect();
    // Every summary survives the trip through bytes.
    for s in &summaries {
        assert_eq!(&Summary::from_bytes(&s.to_bytes()).unwrap(), s);
    }
    fold(&summaries, options)
}

fn assert_agrees(data: &[u8], cuts: &[usize], options: &Options) -> Result<(), TestCaseError> {
    let got = folded(data, cuts, options);
    match serial(data, options) {
        Ok(positions) => {
            let (ranges, total) =
                got.map_err(|e| TestCaseError::fail(format!("fold failed: {e}")))?;
            prop_assert_eq!(total, positions.len() as u64);
            let mut i = 0usize;
            let mut expected_start = ranges.first().map(|r| r.start);
            for r in &ranges {
                prop_assert_eq!(Some(r.start), expected_start, "ranges are contiguous");
                prop_assert!(r.start <= r.end);
                if r.records > 0 {
                    let p = positions[i];
                    prop_assert_eq!(
                        (r.start, r.first_line, r.first_record),
                        (p.byte, p.line, p.record)
                    );
                    if let Some(next) = positions.get(i + r.records as usize) {
                        prop_assert!(r.end <= next.byte);
                    }
                    prop_assert!(positions[i + r.records as usize - 1].byte < r.end);
                }
                i += r.records as usize;
                expected_start = Some(r.end);
            }
            prop_assert_eq!(i, positions.len());
            if let Some(last) = ranges.last() {
                prop_assert_eq!(last.end, data.len() as u64);
            }
            // The ranges' readers, one after another, read what the whole reader reads.
            let whole = Reader::from_bytes(data.to_vec(), options).unwrap();
            let headers = whole.headers().cloned();
            let whole = records(whole);
            let mut joined = vec![];
            for r in &ranges {
                let rdr = Reader::from_bytes_range(data, options, r).unwrap();
                prop_assert_eq!(rdr.headers(), headers.as_ref());
                let got = records(rdr);
                prop_assert_eq!(got.len() as u64, r.records);
                joined.extend(got);
            }
            prop_assert_eq!(joined, whole);
        }
        Err((kind, position)) => {
            let e = got.expect_err("the serial reading failed");
            prop_assert_eq!(e.kind(), kind);
            prop_assert_eq!(e.position(), position, "{}", e);
        }
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 3000, ..ProptestConfig::default() })]

    #[test]
    fn any_chunking_folds_to_the_serial_reading(
        options in options(),
        data in input(),
        cuts in prop::collection::vec(any::<usize>(), 0..6),
    ) {
        assert_agrees(&data, &cuts, &options)?;
    }

    #[test]
    fn one_byte_chunks_fold_to_the_serial_reading(options in options(), data in input()) {
        let cuts: Vec<usize> = (0..data.len()).collect();
        assert_agrees(&data, &cuts, &options)?;
    }
}

#[test]
fn summaries_out_of_order_or_of_other_options_are_refused() {
    let data = b"a,b\n1,2\n3,4\n";
    let o = Options::new();
    let a = summarize_bytes(&data[..5], 0, &o).unwrap();
    let b = summarize_bytes(&data[5..], 5, &o).unwrap();
    assert!(fold(&[a, b], &o).is_ok());
    assert_eq!(fold(&[b, a], &o).unwrap_err().kind(), ErrorKind::Invalid);
    assert_eq!(fold(&[b], &o).unwrap_err().kind(), ErrorKind::Invalid);
    assert_eq!(fold(&[a, a], &o).unwrap_err().kind(), ErrorKind::Invalid);
    let mut other = Options::new();
    other.set_delimiter(b';').unwrap();
    assert_eq!(
        fold(&[a, b], &other).unwrap_err().kind(),
        ErrorKind::Invalid
    );
    assert_eq!(fold(&[], &o).unwrap(), (vec![], 0));
}

#[test]
fn splits_cover_every_record_once() {
    let mut data = b"h1,h2\n".to_vec();
    for i in 0..1000 {
        data.extend(format!("{i},\"x\n{i}\"\n").as_bytes());
    }
    let o = Options::new();
    for n in [1, 2, 3, 7, 16, 64, 5000] {
        let ranges = split_bytes(&data, n, &o).unwrap();
        assert!(ranges.len() <= n);
        assert_eq!(ranges.iter().map(|r| r.records).sum::<u64>(), 1000);
        assert_eq!(ranges[0].first_record, 1);
        assert!(ranges.iter().all(|r| r.records > 0));
    }
    assert_eq!(
        split_bytes(&data, 0, &o).unwrap_err().kind(),
        ErrorKind::Invalid
    );
    assert!(split_bytes(b"", 4, &o).unwrap().is_empty());
    assert!(split_bytes(b"only,a,header\n", 4, &o).unwrap().is_empty());
}

#[test]
fn files_split_and_read_by_range_as_a_whole() {
    let path = std::env::temp_dir().join(format!("csvr-split-{}.csv", std::process::id()));
    let mut data = b"\xef\xbb\xbfa,b\r\n".to_vec();
    for i in 0..3000 {
        data.extend(format!("{i},\"q\r\n{i}\"\r\n\r\n").as_bytes());
    }
    std::fs::write(&path, &data).unwrap();
    let mut o = Options::new();
    o.set_flexible(false);
    let whole = records(Reader::from_path(&path, &o).unwrap());
    for n in [1, 5, 64] {
        let ranges = split_path(&path, n, &o).unwrap();
        assert_eq!(ranges, split_bytes(&data, n, &o).unwrap());
        let mut joined = vec![];
        for r in &ranges {
            let mut ahead = o.clone();
            ahead.set_read_ahead(n == 5);
            joined.extend(records(Reader::from_path_range(&path, &ahead, r).unwrap()));
        }
        assert_eq!(joined, whole);
        let s = summarize_path(&path, 0, data.len() as u64, &o).unwrap();
        assert_eq!(fold(&[s], &o).unwrap().1, 3000);
    }
    let past = Range {
        start: 0,
        end: data.len() as u64 + 1,
        ..Range::default()
    };
    assert_eq!(
        Reader::from_path_range(&path, &o, &past)
            .err()
            .unwrap()
            .kind(),
        ErrorKind::Invalid
    );
    assert_eq!(
        summarize_path(&path, 5, data.len() as u64 + 1, &o)
            .unwrap_err()
            .kind(),
        ErrorKind::Invalid
    );
    // Summaries of a file remember its size: a fold that ends short of it fails.
    let a = summarize_path(&path, 0, 10, &o).unwrap();
    let other = summarize_bytes(&data[10..20], 10, &o).unwrap();
    assert!(fold(&[a, other], &o).is_err());
    std::fs::remove_file(&path).unwrap();
}

#[test]
fn a_changed_summary_is_refused() {
    let data = b"id,x\n1,a\n2,\"b\nc\"\n3,d\n";
    let s = summarize_bytes(&data[5..], 5, &Options::new()).unwrap();
    let words = s.to_words();
    for i in 0..words.len() {
        for bit in [0, 17, 63] {
            let mut changed = words;
            changed[i] ^= 1 << bit;
            assert_eq!(
                Summary::from_words(&changed).unwrap_err().kind(),
                ErrorKind::Invalid,
                "word {i}, bit {bit}"
            );
        }
    }
    assert_eq!(Summary::from_words(&words).unwrap(), s);
}
