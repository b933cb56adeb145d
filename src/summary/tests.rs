//! The fold of any chunking equals the serial reading: count, record starts, lines,
//! record numbers and the errors of the strict options.

use proptest::prelude::*;

use super::*;
use crate::options::Trim;
use crate::{count_bytes, ErrorKind, Reader};

/// Bytes with every special byte of the dialects below, and text.
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
        ],
        60,
    )
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

/// The chunk bounds `cuts` make of `data` (taken modulo its length, with its ends), in
/// order.
fn bounds(data: &[u8], cuts: &[usize]) -> Vec<usize> {
    let mut bounds: Vec<usize> = cuts.iter().map(|&c| c % (data.len() + 1)).collect();
    bounds.extend([0, data.len()]);
    bounds.sort();
    bounds
}

fn folded(data: &[u8], cuts: &[usize], options: &Options) -> Result<(Vec<Range>, u64), Error> {
    let bounds = bounds(data, cuts);
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

/// The plans a [`fold::Folder`] hands out for the chunks `data` is cut into at `cuts`, one
/// per chunk, checked to come in chunk order.
fn planned(data: &[u8], cuts: &[usize], options: &Options) -> Vec<fold::Planned> {
    let bounds = bounds(data, cuts);
    let mut folder = fold::Folder::new(options);
    let mut out = vec![];
    let len = data.len() as u64;
    for w in bounds.windows(2) {
        let s = summarize_bytes(&data[w[0]..w[1]], w[0] as u64, options).unwrap();
        folder.push(&s, len, &mut out).unwrap();
    }
    folder.finish(&mut out);
    let chunks = bounds.len() - 1;
    let mut plans = vec![fold::Planned::Nothing; chunks];
    for (i, &(chunk, plan)) in out.iter().enumerate() {
        assert_eq!(chunk, i, "plans come in chunk order, one per chunk");
        plans[chunk] = plan;
    }
    assert!(
        out.len() == chunks || matches!(out.last(), Some((_, fold::Planned::Rest(_)))),
        "every chunk is planned, or a rest ends the plans"
    );
    plans
}

/// The folder hands out the fold's ranges; where a serial reading refuses a record, the
/// ranges before it and then one rest from a record start at or before that record.
fn assert_folder_agrees(
    data: &[u8],
    cuts: &[usize],
    options: &Options,
) -> Result<(), TestCaseError> {
    let plans = planned(data, cuts, options);
    let mut relaxed = options.clone();
    relaxed.set_flexible(true).set_max_record_bytes(0);
    let (structure, _) = folded(data, cuts, &relaxed).unwrap();
    match folded(data, cuts, options) {
        Ok((ranges, _)) => {
            let expected: Vec<_> = ranges.into_iter().map(fold::Planned::Range).collect();
            prop_assert_eq!(plans, expected);
        }
        Err(e) => {
            let refused = e.position().expect("a refused record has a place").byte;
            let rest = plans
                .iter()
                .position(|p| matches!(p, fold::Planned::Rest(_)))
                .expect("a rest after a refused record");
            for (i, plan) in plans.iter().enumerate() {
                match *plan {
                    fold::Planned::Range(r) => {
                        prop_assert!(i < rest);
                        prop_assert_eq!(r, structure[i]);
                    }
                    fold::Planned::Rest(r) => {
                        prop_assert!(r.start == 0 || r.start == structure[i].start);
                        prop_assert!(r.start <= refused);
                        prop_assert_eq!(r.end, data.len() as u64);
                    }
                    fold::Planned::Nothing => prop_assert!(i > rest),
                }
            }
        }
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 2000, ..ProptestConfig::default() })]

    #[test]
    fn the_folder_hands_out_the_folds_ranges(
        options in options(),
        data in input(),
        cuts in prop::collection::vec(any::<usize>(), 0..8),
    ) {
        assert_folder_agrees(&data, &cuts, &options)?;
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

/// Records of a dialect the fast path takes: plain, empty and quoted fields (with
/// delimiters, terminators and doubled quotes inside), blank lines, CRLF, and now and then
/// a quote parity cannot follow (`a"b`, `"a"b`), so that the state machine takes over in
/// the middle of a chunk and hands back.
fn csv_like(quote: u8) -> impl Strategy<Value = Vec<u8>> {
    let q = quote as char;
    let field = prop::sample::select(vec![
        "1".to_string(),
        "abc".into(),
        "".into(),
        "0123456789012345678901234567890123456789012345678901234567890123456789".into(),
        format!("{q}x,y{q}"),
        format!("{q}a{q}{q}b{q}"),
        format!("{q}multi\nline\r\n{q}"),
        format!("{q}{q}"),
        format!("{q}{}{q}", "long quoted, with, commas ".repeat(5)),
        format!("a{q}b"),
        format!("{q}a{q}b"),
        format!("{q}a{q}{q}"),
    ]);
    let record = (
        prop::collection::vec(field, 1..6),
        prop::sample::select(vec!["\n", "\r\n", "\n\n", "\r"]),
    )
        .prop_map(|(fields, end)| fields.join(",") + end);
    (prop::collection::vec(record, 0..80), any::<bool>()).prop_map(|(records, last)| {
        let mut v = records.concat().into_bytes();
        if last {
            v.extend(b"tail,without,end");
        }
        v
    })
}

/// Options the fast path takes (and, with `flexible` off or a small limit, ones it
/// leaves to the state machine).
fn fast_options() -> impl Strategy<Value = Options> {
    (
        prop::sample::select(vec![b'"', b'\'']),
        any::<bool>(),
        prop::sample::select(vec![Terminator::CrlfAny, Terminator::Byte(b'\n')]),
        any::<bool>(),
        prop::sample::select(vec![0u64, 40, 4096, 5000, 1 << 20]),
        0u8..8,
    )
        .prop_map(|(quote, quoting, term, header, limit, strict)| {
            let mut o = Options::new();
            o.set_quote(quote).unwrap();
            o.set_terminator(term).unwrap();
            o.set_quoting(quoting)
                .set_has_header(header)
                .set_flexible(strict != 0)
                .set_max_record_bytes(limit)
                .set_decompress(crate::Decompress::None);
            o
        })
}

/// The summary of `data[a..b]` fed in pieces of `piece` bytes, by the fast path reading
/// at most `stretch` bytes at a time, or by the state machine alone; and the bytes the
/// fast path read.
fn summarize_by(
    data: &[u8],
    (a, b): (usize, usize),
    options: &Options,
    piece: usize,
    stretch: Option<usize>,
) -> (Summary, u64) {
    let mut s = match stretch {
        Some(n) => {
            let mut s = summarize::Summarizer::new(options, a as u64);
            s.set_stretch(n);
            s
        }
        None => summarize::Summarizer::mirror_only(options, a as u64),
    };
    for p in data[a..b].chunks(piece.max(1)) {
        s.feed(p);
    }
    let fast = s.fast_bytes();
    (s.finish((b - a) as u64, outcome::NONE), fast)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 2000, ..ProptestConfig::default() })]

    /// The fast path's summary of any chunk, fed in any pieces, read in stretches of any
    /// length, is the state machine's, word for word; and folds to the serial reading.
    #[test]
    fn the_fast_path_summarizes_as_the_state_machine(
        options in fast_options(),
        data in csv_like(b'"'),
        cuts in prop::collection::vec(any::<usize>(), 0..4),
        piece in prop::sample::select(vec![1usize, 7, 63, 64, 65, 1000, 1 << 20]),
        stretch in prop::sample::select(vec![1usize, 63, 64, 65, 130, 4096]),
    ) {
        let mut bounds: Vec<usize> = cuts.iter().map(|&c| c % (data.len() + 1)).collect();
        bounds.extend([0, data.len()]);
        bounds.sort();
        for w in bounds.windows(2) {
            let (fast, _) = summarize_by(&data, (w[0], w[1]), &options, piece, Some(stretch));
            let (slow, _) = summarize_by(&data, (w[0], w[1]), &options, piece, None);
            prop_assert_eq!(fast, slow, "chunk {:?}", w);
        }
        assert_agrees(&data, &cuts, &options)?;
    }

    /// The same with single quotes for quotes (double quotes are then data).
    #[test]
    fn the_fast_path_follows_the_quote_byte(
        options in fast_options(),
        data in csv_like(b'\''),
        cut in any::<usize>(),
    ) {
        let cut = cut % (data.len() + 1);
        for chunk in [(0, cut), (cut, data.len())] {
            let (fast, _) = summarize_by(&data, chunk, &options, 1 << 20, Some(64));
            let (slow, _) = summarize_by(&data, chunk, &options, 1 << 20, None);
            prop_assert_eq!(fast, slow);
        }
        assert_agrees(&data, &[cut], &options)?;
    }
}

/// Chunk ends at 63, 64 and 65 bytes and at larger sizes, inside and outside quoted
/// fields that span blocks, agree with the serial reading.
#[test]
fn chunks_ending_around_blocks_fold_to_the_serial_reading() {
    let mut data = b"id,text\n".to_vec();
    for i in 0..300 {
        let text = "x".repeat(i % 150);
        data.extend(format!("{i},\"{text},\n\"\"{text}\"\"\",{}\n", i * 7).as_bytes());
        if i % 50 == 0 {
            data.extend(b"\n\r\n");
        }
    }
    let o = Options::new();
    for len in [
        1, 2, 63, 64, 65, 127, 128, 129, 4095, 4096, 4097, 65535, 65536, 65537,
    ] {
        let cuts: Vec<usize> = (1..)
            .map(|i| i * len)
            .take_while(|&c| c < data.len())
            .collect();
        assert_agrees(&data, &cuts, &o).unwrap();
        for &c in cuts.iter().take(40) {
            let a = c.saturating_sub(len);
            let fast = summarize_by(&data, (a, c), &o, 1 << 20, Some(64 * 1024)).0;
            assert_eq!(fast, summarize_by(&data, (a, c), &o, 1 << 20, None).0);
        }
    }
}

/// Regular input, quoted or not, is read by the fast path but for a few bytes at each
/// chunk's start: the speed-up cannot vanish unnoticed.
#[test]
fn regular_input_takes_the_fast_path() {
    let mut plain = b"a,b,c\n".to_vec();
    let mut quoted = b"a,b,c\r\n".to_vec();
    for i in 0..20_000 {
        plain.extend(format!("{i},{},x{i}\n", i * 3).as_bytes());
        quoted.extend(format!("{i},\"q, {i}\n\"\"x\"\"\",\"\"\r\n").as_bytes());
    }
    let mut limited = Options::new();
    limited.set_max_record_bytes(10_000);
    for data in [&plain, &quoted] {
        for o in [Options::new(), limited.clone()] {
            let n = data.len();
            for chunk in [(0, n / 3), (n / 3, n / 3 * 2 + 17), (n / 3 * 2 + 17, n)] {
                let len = (chunk.1 - chunk.0) as u64;
                let (fast_summary, fast) = summarize_by(data, chunk, &o, 1 << 18, Some(1 << 16));
                assert!(fast + 1000 >= len, "{fast} of {len} bytes on the fast path");
                assert_eq!(fast_summary, summarize_by(data, chunk, &o, 1 << 18, None).0);
            }
        }
    }
}
