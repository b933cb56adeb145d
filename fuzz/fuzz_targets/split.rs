//! Arbitrary bytes cut at arbitrary points: the fold of the pieces' summaries equals the
//! serial count and record starts (or fails as the count does), and the range readers of
//! the fold, one after another, read what the whole reader reads. Nothing panics.
#![no_main]

use csvr::{fold, summarize_bytes, Options, Reader, Terminator};
use libfuzzer_sys::fuzz_target;

/// The first byte chooses the options, the next the cuts; the rest is the input.
fn options(control: u8, limit: u8) -> Options {
    let mut o = Options::new();
    o.set_delimiter([b',', b';'][(control & 1) as usize])
        .unwrap();
    o.set_quote([b'"', b'\''][(control >> 1 & 1) as usize])
        .unwrap();
    o.set_escape([None, Some(b'\\')][(control >> 2 & 1) as usize])
        .unwrap();
    o.set_comment([None, Some(b'#')][(control >> 3 & 1) as usize])
        .unwrap();
    o.set_terminator(
        [
            Terminator::CrlfAny,
            Terminator::Byte(b'\n'),
            Terminator::Byte(b';'),
        ][(control >> 4 & 3) as usize % 3],
    )
    .unwrap();
    o.set_quoting(control & 0x40 == 0)
        .set_has_header(control & 0x80 == 0)
        .set_flexible(limit & 1 == 0)
        .set_max_record_bytes(u64::from(limit >> 1))
        .set_decompress(csvr::Decompress::None);
    o
}

fn records<R: std::io::Read>(mut r: Reader<R>) -> Vec<(Vec<Vec<u8>>, Option<csvr::Position>)> {
    let mut out = vec![];
    while let Ok(true) = r.next_record() {
        out.push((
            r.record().unwrap().iter().map(<[u8]>::to_vec).collect(),
            r.position(),
        ));
    }
    out
}

fuzz_target!(|input: &[u8]| {
    let [control, limit, cuts_seed, data @ ..] = input else {
        return;
    };
    let o = options(*control, *limit);
    if o.validate().is_err() {
        return;
    }
    // Cut points from a tiny generator seeded by the input, so every cut is reachable.
    let mut bounds = vec![0, data.len()];
    let mut x = u32::from(*cuts_seed) | 1;
    for _ in 0..(cuts_seed % 8) {
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        bounds.push(x as usize % (data.len() + 1));
    }
    bounds.sort_unstable();
    let summaries: Vec<_> = bounds
        .windows(2)
        .map(|w| summarize_bytes(&data[w[0]..w[1]], w[0] as u64, &o).unwrap())
        .collect();
    let folded = fold(&summaries, &o);
    match csvr::count_bytes(data, &o) {
        Ok(n) => {
            let (ranges, total) = folded.expect("the count succeeded, so must the fold");
            assert_eq!(total, n);
            let mut lenient = o.clone();
            lenient.set_max_record_bytes(0).set_flexible(true);
            let whole = records(Reader::from_bytes(data.to_vec(), &lenient).unwrap());
            let mut joined = vec![];
            for r in &ranges {
                let got = records(Reader::from_bytes_range(data, &lenient, r).unwrap());
                assert_eq!(got.len() as u64, r.records);
                joined.extend(got);
            }
            assert_eq!(joined, whole);
        }
        Err(e) => {
            let f = folded.expect_err("the count failed, so must the fold");
            assert_eq!((f.kind(), f.position()), (e.kind(), e.position()));
        }
    }
});
