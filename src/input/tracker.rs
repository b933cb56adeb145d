//! The record tracker: where each record really starts, and how long the one being read is.
//!
//! The `csv` crate starts a record's `Position` where the previous record ended, so blank
//! lines, comment lines and the `\n` of a `\r\n` before a record fall inside it. Users
//! want the record's own first byte and its line. csv-core skips exactly three things
//! between records: terminator bytes, comment lines (from the comment byte through the
//! next `\n`) and, at the very start, a UTF-8 byte order mark. So the true start is the
//! first byte after the previous record's end that is none of those, which this layer
//! finds by looking at the bytes it hands to the parser. (One oddity: a comment that the
//! input's end cuts off before its `\n` is a record of one empty field in csv-core; that
//! record starts at its comment byte.)
//!
//! It also keeps the record budget: the `csv` crate holds a whole record in memory, so an
//! endless one (`/dev/zero`, an unterminated quote in a huge file) would grow without
//! bound. A record is too long when the bytes from its first byte to its end (the end
//! the parser reports, its terminator included) are more than `max_record_bytes`; the
//! same rule holds for the reader and for every counter, so they fail at the same record.
//!
//! Why looking at the delivered bytes is enough: a parser reads through a `BufReader`
//! that only refills once it has used up everything delivered before. So when a record
//! ends, the bytes after its end are all in the last piece delivered, which is kept here,
//! and whatever comes after is seen here before the parser sees it.

use std::io::{self, Read};

use crate::error::{Position, RecordTooLong};
use crate::options::{Options, Terminator};

/// The bytes csv-core skips between records.
#[derive(Clone, Copy, Debug)]
struct Skipped {
    terminator: Terminator,
    comment: Option<u8>,
    /// Whether a comment line ends at `\n`. csv-core's DFA gives each special byte a
    /// class of its own and all other bytes one shared class, whose transitions are those
    /// of byte 255; so where `\n` is no special byte (a one-byte terminator other than
    /// `\n`), a comment runs on to the end of the input.
    comment_ends_at_newline: bool,
}

impl Skipped {
    fn is_terminator(&self, b: u8) -> bool {
        match self.terminator {
            Terminator::CrlfAny => b == b'\r' || b == b'\n',
            Terminator::Byte(t) => b == t,
        }
    }
}

/// Where the search for the next record's first byte stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Start {
    /// The record being read starts at this byte, on this line.
    Found { byte: u64, line: u64 },
    /// Not found yet: looking from byte `from` on (at byte 0, past a byte order mark),
    /// maybe inside a comment line that began at `comment`.
    Seeking { from: u64, comment: Option<Comment> },
}

/// Where a comment line began.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Comment {
    byte: u64,
    line: u64,
}

/// A `Read` layer that tracks where records start and enforces `max_record_bytes`.
///
/// The parser above it reports each record's end with [`RecordTracker::record_ended`];
/// [`RecordTracker::start`] then names the first byte of the record being read.
pub(crate) struct RecordTracker<R> {
    inner: R,
    skipped: Skipped,
    /// `None`: no limit.
    limit: Option<u64>,
    /// The last piece delivered, and the offset of its first byte.
    window: Vec<u8>,
    window_start: u64,
    /// Newlines are counted up to `line_cursor`: `lines` of them.
    line_cursor: u64,
    lines: u64,
    start: Start,
}

impl<R> RecordTracker<R> {
    /// Tracks the records read from `inner` with `options`' dialect and record limit.
    pub(crate) fn new(inner: R, options: &Options) -> Self {
        let limit = options.max_record_bytes();
        RecordTracker {
            inner,
            skipped: Skipped {
                terminator: options.terminator(),
                comment: options.comment(),
                comment_ends_at_newline: options.is_special(b'\n'),
            },
            limit: (limit != 0).then_some(limit),
            window: Vec::new(),
            window_start: 0,
            line_cursor: 0,
            lines: 0,
            start: Start::Seeking {
                from: 0,
                comment: None,
            },
        }
    }

    /// Where the record being read starts, as record `number`: its first byte and that
    /// byte's 1-based line, once the byte has been delivered (it always has when the
    /// parser returns the record; `None` only if the input ended or failed before it).
    pub(crate) fn start(&self, number: u64) -> Option<Position> {
        match self.start {
            Start::Found { byte, line } => Some(Position {
                line,
                byte,
                record: number,
            }),
            Start::Seeking { .. } => None,
        }
    }

    /// The record being read ends at byte `end` (as the parser counts: just past the byte
    /// that ended it). Fails if it was longer than the limit; then looks for the next one.
    pub(crate) fn record_ended(&mut self, end: u64) -> Result<(), RecordTooLong> {
        let too_long = match (self.start, self.limit) {
            (Start::Found { byte, .. }, Some(limit)) if end.saturating_sub(byte) > limit => {
                Some(RecordTooLong { limit })
            }
            _ => None,
        };
        self.start = Start::Seeking {
            from: end,
            comment: None,
        };
        self.seek();
        too_long.map_or(Ok(()), Err)
    }

    /// Looks for the next record's first byte in the bytes delivered so far.
    fn seek(&mut self) {
        let Start::Seeking { from, mut comment } = self.start else {
            return;
        };
        // The parser has used every byte before the window; `from` cannot lie before it.
        let mut i = from.saturating_sub(self.window_start) as usize;
        if from == 0 && i == 0 && self.window.starts_with(b"\xef\xbb\xbf") {
            // csv-core drops a BOM at the start (the BOM layer below makes sure the first
            // piece holds all of it).
            i = 3;
        }
        while i < self.window.len() {
            if comment.is_some() {
                let end = match self.skipped.comment_ends_at_newline {
                    true => memchr::memchr(b'\n', &self.window[i..]),
                    false => None,
                };
                match end {
                    Some(n) => {
                        i += n + 1;
                        comment = None;
                    }
                    None => i = self.window.len(),
                }
                continue;
            }
            let b = self.window[i];
            if self.skipped.is_terminator(b) {
                i += 1;
            } else if self.skipped.comment == Some(b) {
                let byte = self.window_start + i as u64;
                let line = self.line_at(byte);
                comment = Some(Comment { byte, line });
                i += 1;
            } else {
                let byte = self.window_start + i as u64;
                let line = self.line_at(byte);
                self.start = Start::Found { byte, line };
                return;
            }
        }
        self.start = Start::Seeking {
            from: self.window_start + i as u64,
            comment,
        };
    }

    /// The 1-based line of byte `offset`, which lies in the window at or after the cursor.
    fn line_at(&mut self, offset: u64) -> u64 {
        let from = self.line_cursor.saturating_sub(self.window_start) as usize;
        let to = (offset.saturating_sub(self.window_start) as usize).min(self.window.len());
        if from < to {
            self.lines += count_newlines(&self.window[from..to]);
            self.line_cursor = self.window_start + to as u64;
        }
        self.lines + 1
    }
}

/// The `\n` bytes in `bytes`. Called once per record on the bytes since the last one.
/// Byte-wide counters over runs of at most 255 bytes let the compiler compare 16 or 32
/// bytes a step; counting into a `u64` (or setting up a `memchr` search per record)
/// made this a fifth of a reader's time.
pub(crate) fn count_newlines(bytes: &[u8]) -> u64 {
    bytes
        .chunks(255)
        .map(|run| u64::from(run.iter().fold(0u8, |n, &b| n + u8::from(b == b'\n'))))
        .sum()
}

impl<R: Read> Read for RecordTracker<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let delivered = self.window_start + self.window.len() as u64;
        if let (Some(limit), Start::Found { byte, .. }) = (self.limit, self.start) {
            // Everything delivered so far is used up and belongs to the open record.
            if delivered - byte > limit {
                return Err(io::Error::other(RecordTooLong { limit }));
            }
        }
        let n = self.inner.read(buf)?;
        if n == 0 {
            if let Start::Seeking {
                comment: Some(Comment { byte, line }),
                ..
            } = self.start
            {
                // The end cut a comment short: csv-core makes that a record.
                self.start = Start::Found { byte, line };
            }
            return Ok(0);
        }
        // Lines in the old window are counted before it goes.
        self.line_at(delivered);
        self.window.clear();
        self.window.extend_from_slice(&buf[..n]);
        self.window_start = delivered;
        self.seek();
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::input::{BomSafe, Pieces};

    /// Feeds `data` in pieces of `piece` bytes, ending records where `ends` says, and
    /// returns the start found for each record.
    fn starts(data: &[u8], ends: &[u64], piece: usize, options: &Options) -> Vec<(u64, u64)> {
        let at = |t: &RecordTracker<_>| t.start(0).map(|p| (p.byte, p.line));
        let mut t = RecordTracker::new(BomSafe::new(Pieces(data, piece)), options);
        let mut buf = [0u8; 64];
        let mut delivered = 0u64;
        let mut out = vec![];
        for &end in ends {
            while delivered < end {
                delivered += t.read(&mut buf).unwrap() as u64;
            }
            out.push(at(&t).unwrap());
            t.record_ended(end).unwrap();
        }
        out
    }

    #[test]
    fn blank_lines_crlf_and_a_bom_are_not_part_of_a_record() {
        let data = b"\xef\xbb\xbf\n\na,b\r\n1,2\r\n\r\n3,4";
        for piece in [1, 2, 5, 64] {
            let got = starts(data, &[9, 14, data.len() as u64], piece, &Options::new());
            assert_eq!(got, vec![(5, 3), (10, 4), (17, 6)], "piece {piece}");
        }
    }

    #[test]
    fn comment_lines_are_skipped_up_to_their_newline() {
        let mut o = Options::new();
        o.set_comment(Some(b'#')).unwrap();
        let data = b"a\n#x,\"y\r\n#z\nb\n";
        assert_eq!(starts(data, &[2, 14], 3, &o), vec![(0, 1), (12, 4)]);
    }

    #[test]
    fn a_record_longer_than_the_limit_fails_at_its_end() {
        let mut o = Options::new();
        o.set_max_record_bytes(4);
        let mut t = RecordTracker::new(&b"\n\n\nabc\nabcde\n"[..], &o);
        let mut buf = [0u8; 64];
        assert_eq!(t.read(&mut buf).unwrap(), 13);
        let at = |t: &RecordTracker<_>| t.start(0).map(|p| (p.byte, p.line));
        assert_eq!(at(&t), Some((3, 4)));
        t.record_ended(7).unwrap(); // "abc\n": 4 bytes
        assert_eq!(at(&t), Some((7, 5)));
        assert!(t.record_ended(13).is_err()); // "abcde\n": 6 bytes
    }

    #[test]
    fn newlines_are_counted_past_a_byte_counters_range() {
        for len in [0, 1, 254, 255, 256, 1000] {
            assert_eq!(count_newlines(&vec![b'\n'; len]), len as u64);
            let mixed: Vec<u8> = (0..len)
                .map(|i| if i % 3 == 0 { b'\n' } else { b'x' })
                .collect();
            assert_eq!(count_newlines(&mixed), len.div_ceil(3) as u64);
        }
    }
}
