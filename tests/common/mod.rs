//! The oracle the differential tests share: random CSV-ish inputs, options as plain
//! values, what the `csv` crate yields for them (with each record's true start worked out
//! from the bytes) and what csvr's reader yields, in one comparable shape.
#![allow(dead_code)] // each test binary uses its own part of it

use std::io::{self, Read};

use csvr::{ErrorKind, Options, Position, Reader, Terminator, Trim};
use proptest::prelude::*;

/// Pieces that random inputs are made of: every byte that can change a parser's state,
/// plus ordinary text, multibyte UTF-8, Unicode whitespace and invalid UTF-8.
pub const PIECES: &[&[u8]] = &[
    b"a",
    b"bc",
    b"1",
    b" ",
    b"  ",
    b",",
    b";",
    b"\t",
    b"|",
    b"\"",
    b"'",
    b"\"\"",
    b"\\",
    b"#",
    b"\n",
    b"\r",
    b"\r\n",
    b"\n\n",
    b"\xef\xbb\xbf",
    b"\xff",
    b"\xc3\xa9",
    b"\xc2\xa0",
    b"\0",
    b"x",
];

pub fn input() -> impl Strategy<Value = Vec<u8>> {
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
            for p in pieces {
                data.extend_from_slice(p);
            }
            data
        })
}

/// Options as plain values, so that the oracle can be configured without csvr's code.
#[derive(Clone, Debug)]
pub struct Dialect {
    pub delimiter: u8,
    pub quote: u8,
    pub escape: Option<u8>,
    pub double_quote: bool,
    pub quoting: bool,
    pub comment: Option<u8>,
    pub has_header: bool,
    pub flexible: bool,
    pub trim: Trim,
    pub terminator: Terminator,
    pub utf8: bool,
}

/// csvr's defaults, as the oracle needs them spelled out (checked against `Options::new`
/// in `the_default_dialect_is_csvrs_default`).
impl Default for Dialect {
    fn default() -> Self {
        Dialect {
            delimiter: b',',
            quote: b'"',
            escape: None,
            double_quote: true,
            quoting: true,
            comment: None,
            has_header: true,
            flexible: true,
            trim: Trim::None,
            terminator: Terminator::CrlfAny,
            utf8: false,
        }
    }
}

pub fn options(d: &Dialect) -> Options {
    let mut o = Options::new();
    o.set_delimiter(d.delimiter).unwrap();
    o.set_quote(d.quote).unwrap();
    o.set_escape(d.escape).unwrap();
    o.set_comment(d.comment).unwrap();
    o.set_terminator(d.terminator).unwrap();
    o.set_double_quote(d.double_quote)
        .set_quoting(d.quoting)
        .set_has_header(d.has_header)
        .set_flexible(d.flexible)
        .set_trim(d.trim)
        .set_utf8(d.utf8);
    o
}

pub fn oracle_reader(d: &Dialect, data: &[u8]) -> csv::Reader<io::Cursor<Vec<u8>>> {
    csv::ReaderBuilder::new()
        .delimiter(d.delimiter)
        .quote(d.quote)
        .escape(d.escape)
        .double_quote(d.double_quote)
        .quoting(d.quoting)
        .comment(d.comment)
        .has_headers(d.has_header)
        .flexible(d.flexible)
        .trim(match d.trim {
            Trim::None => csv::Trim::None,
            Trim::Headers => csv::Trim::Headers,
            Trim::Fields => csv::Trim::Fields,
            Trim::All => csv::Trim::All,
        })
        .terminator(match d.terminator {
            Terminator::CrlfAny => csv::Terminator::CRLF,
            Terminator::Byte(b) => csv::Terminator::Any(b),
        })
        .from_reader(io::Cursor::new(data.to_vec()))
}

/// One step of reading: a record with its position, or an error kind with its position.
pub type Step = Result<(Fields, Position), (ErrorKind, Option<Position>)>;

/// A record's fields.
pub type Fields = Vec<Vec<u8>>;

pub fn position(p: Option<&csv::Position>) -> Option<Position> {
    p.map(|p| Position {
        line: p.line(),
        byte: p.byte(),
        record: p.record(),
    })
}

/// Where a record really starts, worked out from the bytes alone: the `csv` crate says
/// where the previous record ended (`crate_position.byte`); before its first byte come
/// only a BOM (at the very start), terminators and comment lines (through their `\n`).
/// Its line is one more than the `\n` bytes before it. Nothing here asks csv-core.
pub fn true_start(d: &Dialect, data: &[u8], crate_position: Position) -> Position {
    let is_terminator = |b: u8| match d.terminator {
        Terminator::CrlfAny => b == b'\r' || b == b'\n',
        Terminator::Byte(t) => b == t,
    };
    let mut i = crate_position.byte as usize;
    if i == 0 && data.starts_with(b"\xef\xbb\xbf") {
        i = 3;
    }
    while i < data.len() {
        if is_terminator(data[i]) {
            i += 1;
        } else if d.comment == Some(data[i]) {
            // csv-core ends a comment at `\n` only where `\n` is a special byte; elsewhere
            // its DFA treats `\n` as it treats byte 255, and the comment never ends.
            let special = |b: u8| {
                is_terminator(b)
                    || b == d.delimiter
                    || d.comment == Some(b)
                    || (d.quoting && (b == d.quote || d.escape == Some(b)))
            };
            let end = match special(b'\n') {
                true => data[i..].iter().position(|&b| b == b'\n'),
                false => None,
            };
            match end {
                Some(n) => i += n + 1,
                // csv-core makes a comment cut short by the end a record of one empty
                // field: it starts at its comment byte.
                None => break,
            }
        } else {
            break;
        }
    }
    assert!(i < data.len(), "a record has a first byte");
    Position {
        line: 1 + data[..i].iter().filter(|&&b| b == b'\n').count() as u64,
        byte: i as u64,
        record: crate_position.record,
    }
}

pub fn oracle_error(d: &Dialect, data: &[u8], e: &csv::Error) -> (ErrorKind, Option<Position>) {
    let kind = match e.kind() {
        csv::ErrorKind::Utf8 { .. } => ErrorKind::Utf8,
        csv::ErrorKind::UnequalLengths { .. } => ErrorKind::Parse,
        other => panic!("unexpected oracle error {other:?}"),
    };
    (kind, position(e.position()).map(|p| true_start(d, data, p)))
}

/// What the `csv` crate yields: the header (or its error) and up to `limit` steps.
pub fn oracle_steps(d: &Dialect, data: &[u8], limit: usize) -> (Option<Step>, Vec<Step>) {
    let mut rdr = oracle_reader(d, data);
    let fields = |r: &csv::ByteRecord| r.iter().map(<[u8]>::to_vec).collect::<Vec<_>>();
    let header = d.has_header.then(|| {
        let h = if d.utf8 {
            rdr.headers().map(|h| h.as_byte_record().clone())
        } else {
            rdr.byte_headers().cloned()
        };
        // An empty input has an empty header, which starts nowhere: (0, 0, 0) then.
        h.map(|h| {
            let at = position(h.position()).unwrap_or_default();
            let at = if data.is_empty() || h.is_empty() {
                at
            } else {
                true_start(d, data, at)
            };
            (fields(&h), at)
        })
        .map_err(|e| oracle_error(d, data, &e))
    });
    if matches!(header, Some(Err(_))) {
        return (header, vec![]);
    }
    let mut steps = vec![];
    let mut srec = csv::StringRecord::new();
    let mut brec = csv::ByteRecord::new();
    while steps.len() < limit {
        let read = if d.utf8 {
            rdr.read_record(&mut srec)
                .map(|more| more.then(|| srec.as_byte_record().clone()))
        } else {
            rdr.read_byte_record(&mut brec)
                .map(|more| more.then(|| brec.clone()))
        };
        match read {
            Ok(Some(r)) => {
                let at = true_start(d, data, position(r.position()).unwrap());
                steps.push(Ok((fields(&r), at)));
            }
            Ok(None) => break,
            Err(e) => steps.push(Err(oracle_error(d, data, &e))),
        }
    }
    (header, steps)
}

/// What csvr's reader yields, in the same shape.
pub fn csvr_steps<R: Read>(
    rdr: Result<Reader<R>, csvr::Error>,
    has_header: bool,
    limit: usize,
) -> (Option<Step>, Vec<Step>) {
    let mut rdr = match rdr {
        Ok(r) => r,
        Err(e) => return (Some(Err((e.kind(), e.position()))), vec![]),
    };
    let fields = |r: &csv::ByteRecord| r.iter().map(<[u8]>::to_vec).collect::<Vec<_>>();
    let header = rdr
        .headers()
        .map(|h| Ok((fields(h), position(h.position()).unwrap_or_default())));
    assert_eq!(header.is_some(), has_header);
    let mut steps = vec![];
    while steps.len() < limit {
        match rdr.next_record() {
            Ok(true) => {
                let r = rdr.record().unwrap();
                assert_eq!(rdr.position(), position(r.position()));
                steps.push(Ok((fields(r), rdr.position().unwrap())));
            }
            Ok(false) => {
                assert!(rdr.record().is_none());
                break;
            }
            Err(e) => {
                assert!(rdr.record().is_none());
                steps.push(Err((e.kind(), e.position())));
            }
        }
    }
    (header, steps)
}

/// The oracle's count: records until the end, or the first error.
pub fn oracle_count(d: &Dialect, data: &[u8]) -> Result<u64, (ErrorKind, Option<Position>)> {
    let mut rdr = oracle_reader(d, data);
    let mut rec = csv::ByteRecord::new();
    let mut n = 0;
    loop {
        match rdr.read_byte_record(&mut rec) {
            Ok(true) => n += 1,
            Ok(false) => return Ok(n),
            Err(e) => return Err(oracle_error(d, data, &e)),
        }
    }
}

/// A `Read` that hands out at most `chunk` bytes per call, to move every buffer boundary.
pub struct Trickle<'a> {
    pub data: &'a [u8],
    pub chunk: usize,
}

impl Read for Trickle<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.chunk.min(buf.len()).min(self.data.len());
        buf[..n].copy_from_slice(&self.data[..n]);
        self.data = &self.data[n..];
        Ok(n)
    }
}

pub fn status_of(kind: ErrorKind) -> i32 {
    use csvr::ffi::csvr_status::*;
    (match kind {
        ErrorKind::Invalid => CSVR_ERR_INVALID,
        ErrorKind::Io => CSVR_ERR_IO,
        ErrorKind::Parse => CSVR_ERR_PARSE,
        ErrorKind::Utf8 => CSVR_ERR_UTF8,
        ErrorKind::Panic => CSVR_ERR_PANIC,
    }) as i32
}

/// The oracle's column selection: the fields at `columns` of `fields`, in that order, a
/// field past the end as empty, and for each whether it was past the end (missing).
pub fn project(fields: &Fields, columns: &[usize]) -> (Fields, Vec<bool>) {
    columns
        .iter()
        .map(|&i| match fields.get(i) {
            Some(f) => (f.clone(), false),
            None => (vec![], true),
        })
        .unzip()
}

/// The corpus of real CSV files beside the checkout (`../shared/corpus`), or the folder
/// `CSVR_CORPUS` names; the tests that read it skip, saying so, where it is absent.
pub fn corpus_dir() -> std::path::PathBuf {
    match std::env::var_os("CSVR_CORPUS") {
        Some(dir) => std::path::PathBuf::from(dir),
        None => std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/corpus"),
    }
}

/// Every `.csv` file under `dir`, sorted.
pub fn csv_files(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    fn walk(dir: &std::path::Path, out: &mut Vec<std::path::PathBuf>) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                walk(&path, out);
            } else if path.extension().is_some_and(|e| e == "csv") {
                out.push(path);
            }
        }
    }
    let mut files = vec![];
    walk(dir, &mut files);
    files.sort();
    files
}
