//! Arbitrary bytes and options: every count path (fast and parallel, streaming, in memory,
//! through a trickling `Read`) and the record reader (on any of its kernels, and in
//! batches) agree with the `csv` crate, and nothing
//! panics. Inputs that start with gzip's or zstd's magic bytes go through the decompressor
//! (`decompress` is auto, the default): arbitrary, mostly corrupt streams, where every path
//! must agree with the others and nothing may panic or loop.
#![no_main]

use std::io::Read;

use csvr::{ErrorKind, Options, Reader, Terminator, Trim};
use libfuzzer_sys::fuzz_target;

const BYTES: &[u8] = b",;\t|\"'\\#\nx\0";

/// The first bytes choose the options; the rest is the input.
fn options(control: &[u8; 4]) -> (Options, csv::ReaderBuilder) {
    let pick = |i: usize, n: usize| (control[i] as usize) % n;
    let delimiter = BYTES[pick(0, 4)];
    let quote = [b'"', b'\''][pick(1, 2)];
    let escape = [None, Some(b'\\')][(control[1] >> 1) as usize % 2];
    let comment = [None, Some(b'#')][(control[1] >> 2) as usize % 2];
    let terminator = [
        Terminator::CrlfAny,
        Terminator::Byte(b'\n'),
        Terminator::Byte(b';'),
    ][pick(2, 3)];
    let trim = [Trim::None, Trim::Headers, Trim::Fields, Trim::All][(control[2] >> 2) as usize % 4];
    let flags = control[3];
    let (double_quote, quoting, has_header, flexible) = (
        flags & 1 != 0,
        flags & 2 != 0,
        flags & 4 != 0,
        flags & 8 != 0,
    );
    let mut o = Options::new();
    o.set_delimiter(delimiter).unwrap();
    o.set_quote(quote).unwrap();
    o.set_escape(escape).unwrap();
    o.set_comment(comment).unwrap();
    o.set_terminator(terminator).unwrap();
    o.set_double_quote(double_quote)
        .set_quoting(quoting)
        .set_has_header(has_header)
        .set_flexible(flexible)
        .set_trim(trim)
        .set_read_ahead(control[2] & 0x80 != 0)
        .set_threads(1 + (flags >> 4) as usize % 3)
        .unwrap();
    // Any kernel of the record parser and the summaries this CPU runs.
    let kernels = csvr::Kernel::supported();
    let kernel = kernels[(control[0] >> 4) as usize % kernels.len()];
    o.set_kernel(Some(kernel)).unwrap();
    let mut b = csv::ReaderBuilder::new();
    b.delimiter(delimiter)
        .quote(quote)
        .escape(escape)
        .comment(comment)
        .double_quote(double_quote)
        .quoting(quoting)
        .has_headers(has_header)
        .flexible(flexible)
        .terminator(match terminator {
            Terminator::CrlfAny => csv::Terminator::CRLF,
            Terminator::Byte(t) => csv::Terminator::Any(t),
        })
        .trim(match trim {
            Trim::None => csv::Trim::None,
            Trim::Headers => csv::Trim::Headers,
            Trim::Fields => csv::Trim::Fields,
            Trim::All => csv::Trim::All,
        });
    (o, b)
}

struct Trickle<'a>(&'a [u8], usize);

impl Read for Trickle<'_> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.1.min(buf.len()).min(self.0.len());
        buf[..n].copy_from_slice(&self.0[..n]);
        self.0 = &self.0[n..];
        Ok(n)
    }
}

fuzz_target!(|input: &[u8]| {
    let Some((control, data)) = input.split_first_chunk::<4>() else {
        return;
    };
    let (opts, builder) = options(control);
    if opts.validate().is_err() {
        assert_eq!(
            csvr::count_bytes(data, &opts).unwrap_err().kind(),
            ErrorKind::Invalid
        );
        return;
    }
    if data.starts_with(&[0x1f, 0x8b]) || data.starts_with(&[0x28, 0xb5, 0x2f, 0xfd]) {
        compressed(data, control, &opts);
        return;
    }
    // The oracle: records (or the first error) as the csv crate yields them.
    let mut oracle = builder.from_reader(data);
    let mut expected = vec![];
    let mut rec = csv::ByteRecord::new();
    let oracle_count = loop {
        match oracle.read_byte_record(&mut rec) {
            Ok(true) => expected.push(rec.iter().map(<[u8]>::to_vec).collect::<Vec<_>>()),
            Ok(false) => break Ok(expected.len() as u64),
            Err(e) => break Err(e.position().map(|p| (p.byte(), p.record()))),
        }
    };
    // csvr names a record's first byte; the crate, where the record before it ended (the
    // differential tests check the exact byte; here: the same record, at or after it).
    let agrees = |r: Result<u64, csvr::Error>| match (r, oracle_count) {
        (Ok(n), Ok(m)) => n == m,
        (Err(e), Err(Some((byte, record)))) => e
            .position()
            .is_some_and(|p| p.record == record && p.byte >= byte),
        (Err(e), Err(None)) => e.position().is_none(),
        _ => false,
    };
    assert!(agrees(csvr::count_bytes(data, &opts)));
    let chunk = 1 + (control[0] as usize) % 7;
    assert!(agrees(csvr::count_reader(Trickle(data, chunk), &opts)));
    if oracle_count.is_ok() {
        let mut rdr = Reader::from_bytes(data.to_vec(), &opts).unwrap();
        let mut got = vec![];
        while rdr.next_record().unwrap() {
            got.push(
                rdr.record()
                    .unwrap()
                    .iter()
                    .map(<[u8]>::to_vec)
                    .collect::<Vec<_>>(),
            );
        }
        assert_eq!(got, expected);
        let mut rdr = Reader::from_reader(Trickle(data, chunk), &opts).unwrap();
        let mut batch = csvr::Batch::new();
        let mut batched = vec![];
        while rdr
            .read_batch(1 + control[3] as usize % 5, &mut batch)
            .unwrap()
            > 0
        {
            for i in 0..batch.len() {
                batched.push(
                    batch
                        .record(i)
                        .into_iter()
                        .map(<[u8]>::to_vec)
                        .collect::<Vec<_>>(),
                );
            }
        }
        assert_eq!(batched, expected);
    }
});

/// A (probably broken) gzip or zstd stream: the count in memory, through a trickle and the
/// reader's records agree on what the decompressed bytes hold, or fail alike.
fn compressed(data: &[u8], control: &[u8; 4], opts: &Options) {
    let kind = |r: Result<u64, csvr::Error>| r.map_err(|e| e.kind());
    let in_memory = kind(csvr::count_bytes(data, opts));
    let chunk = 1 + (control[0] as usize) % 7;
    let trickled = kind(csvr::count_reader(Trickle(data, chunk), opts));
    // A decompressor may check a frame whole before handing out any of it, or hand it out
    // as it goes, depending on how its input arrives: before a corruption (an I/O error),
    // an earlier error in its records may or may not be reached.
    let either_io = |a: Result<u64, ErrorKind>, b: Result<u64, ErrorKind>| {
        a == b || (a.is_err() && b.is_err() && (a == Err(ErrorKind::Io) || b == Err(ErrorKind::Io)))
    };
    assert!(either_io(trickled, in_memory), "{trickled:?} {in_memory:?}");
    let mut records = 0u64;
    let mut first_error = None;
    match Reader::from_bytes(data.to_vec(), opts) {
        Err(e) => first_error = Some(e),
        Ok(mut rdr) => loop {
            match rdr.next_record() {
                Ok(true) => records += 1,
                Ok(false) => break,
                // The csv crate ends a reader at its first I/O error.
                Err(e) if e.kind() == ErrorKind::Io => {
                    first_error.get_or_insert(e);
                    break;
                }
                Err(e) => {
                    first_error.get_or_insert(e);
                }
            }
        },
    }
    match (first_error, in_memory) {
        (None, counted) => assert_eq!(counted, Ok(records)),
        (Some(e), Err(counted)) if either_io(Err(e.kind()), Err(counted)) => {}
        // Only a reader holds records, and refuses one longer than max_record_bytes.
        (Some(e), _) => assert!(e.message().contains("max_record_bytes"), "{e}"),
    }
}
