//! The fast exact scanner: counts records 64 bytes at a time with bitmasks.
//!
//! For the options it accepts (see [`FastDialect::new`]), a record in the `csv` crate is
//! a non-empty run of bytes between terminators that lie outside quotes; blank lines are
//! empty runs. Which terminators lie outside quotes follows from the parity of the quotes
//! before them (a prefix XOR over the quote mask, as in simdjson and simdcsv), provided
//! every quote sits where csv-core would treat it as a quote: an *opening* quote (even
//! parity before it) at the start of a field, a *closing* one (odd parity) followed by a
//! quote, delimiter, terminator or the end. The scanner checks both; input where a quote
//! breaks them (`a"b`, `"a"b`) is reported as [`Summary::irregular`] and counted by the
//! streaming counter instead, so the fast count is exact on every input.
//!
//! A chunk of a larger input is scanned for both possible quote states at its start, so
//! that chunks can be scanned in parallel and joined in order (see `parallel`).

use super::classify::{classify, Classifier, Masks};
use crate::options::{Options, Terminator};

/// The options the fast scanner supports, as the bytes it looks for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct FastDialect {
    pub(crate) delimiter: u8,
    /// `None` when quoting is off.
    pub(crate) quote: Option<u8>,
    /// The terminator bytes: `\r` and `\n`, or one byte twice.
    pub(crate) terminators: [u8; 2],
}

impl FastDialect {
    /// The fast dialect for `options`, or `None` where the scanner would not be exact:
    /// comments, escapes, quotes without doubling, and strict field counts (`flexible`
    /// off) change what a record is in ways bit-parallel parity cannot follow.
    pub(crate) fn new(options: &Options) -> Option<FastDialect> {
        let simple = options.comment().is_none()
            && options.flexible()
            && (!options.quoting() || (options.escape().is_none() && options.double_quote()));
        simple.then(|| FastDialect {
            delimiter: options.delimiter(),
            quote: options.quoting().then_some(options.quote()),
            terminators: match options.terminator() {
                Terminator::CrlfAny => [b'\r', b'\n'],
                Terminator::Byte(t) => [t, t],
            },
        })
    }

    fn is_terminator(&self, b: u8) -> bool {
        self.terminators.contains(&b)
    }

    /// May this byte stand right before an opening quote (or after a closing one)?
    fn is_boundary(&self, b: u8) -> bool {
        b == self.delimiter || self.is_terminator(b) || Some(b) == self.quote
    }
}

/// What a chunk holds, for one assumed quote state at its start.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct Summary {
    /// Records that start inside the chunk, not counting one at its first byte.
    pub(crate) interior_starts: u64,
    /// Whether the chunk's first byte is record content (not a terminator outside quotes):
    /// then a record starts there if the previous chunk ended with a terminator.
    pub(crate) first_is_content: bool,
    /// Whether the chunk's last byte is a terminator outside quotes.
    pub(crate) last_is_terminator: bool,
    /// A quote csv-core would read differently from its parity: count another way.
    pub(crate) irregular: bool,
}

/// A scanned chunk: its summary under each starting quote state (index 1: inside quotes).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct ChunkScan {
    pub(crate) by_start: [Summary; 2],
    /// Whether the chunk holds an odd number of quotes (it flips the quote state).
    pub(crate) flips: bool,
    /// Whether the chunk is empty (it then changes nothing when joined).
    pub(crate) empty: bool,
}

/// Running state of one assumed starting quote state.
#[derive(Clone, Copy, Default)]
struct Lane {
    starts: u64,
    first_is_content: bool,
    last_is_terminator: bool,
    last_is_closing: bool,
    irregular: bool,
}

/// Scans a chunk fed in pieces of any size, keeping only a few carried bits between them.
pub(crate) struct Scanner {
    dialect: FastDialect,
    classifier: Classifier,
    lanes: [Lane; 2],
    /// Parity of the quotes seen so far (for lane 0; lane 1 is its complement).
    parity: bool,
    /// Whether the last byte seen may precede an opening quote (true at input start).
    last_is_boundary: bool,
    seen_any: bool,
}

/// Inclusive prefix XOR: bit i is the parity of the set bits at positions 0..=i.
#[inline(always)]
fn prefix_xor(mut x: u64) -> u64 {
    x ^= x << 1;
    x ^= x << 2;
    x ^= x << 4;
    x ^= x << 8;
    x ^= x << 16;
    x ^= x << 32;
    x
}

impl Scanner {
    /// A scanner for a chunk whose preceding byte is `prev` (`None`: the input's start).
    pub(crate) fn new(dialect: FastDialect, prev: Option<u8>) -> Scanner {
        Scanner {
            dialect,
            classifier: Classifier::detect(),
            lanes: [Lane::default(); 2],
            parity: false,
            last_is_boundary: prev.is_none_or(|b| dialect.is_boundary(b)),
            seen_any: false,
        }
    }

    /// Scans the next piece of the chunk.
    pub(crate) fn feed(&mut self, bytes: &[u8]) {
        let mut blocks = bytes.chunks_exact(64);
        for block in &mut blocks {
            let block: &[u8; 64] = block.try_into().expect("chunks_exact(64)");
            let masks = classify(self.classifier, block, &self.dialect);
            self.step(masks, u64::MAX);
        }
        let tail = blocks.remainder();
        if !tail.is_empty() {
            let mut padded = [0u8; 64];
            padded[..tail.len()].copy_from_slice(tail);
            let valid = (1u64 << tail.len()) - 1;
            let masks = classify(self.classifier, &padded, &self.dialect);
            self.step(masks, valid);
        }
    }

    /// Folds one block of masks (bits beyond `valid` are padding) into both lanes.
    #[inline(always)]
    fn step(&mut self, m: Masks, valid: u64) {
        let (quotes, delims, terms) = (m.quotes & valid, m.delims & valid, m.terms & valid);
        let boundary = delims | terms | quotes;
        let high = 63 - valid.leading_zeros(); // index of the last valid bit
        let inside0 = prefix_xor(quotes) ^ if self.parity { u64::MAX } else { 0 };
        let first_block = !self.seen_any;
        for (k, lane) in self.lanes.iter_mut().enumerate() {
            // Quote state after each byte (terminators are never quotes, so this is also
            // the state at each terminator).
            let inside = if k == 0 { inside0 } else { !inside0 };
            let outside_terms = terms & !inside;
            let content = valid & !outside_terms;
            let after_term = (outside_terms << 1) | lane.last_is_terminator as u64;
            lane.starts += (content & after_term & !(first_block as u64)).count_ones() as u64;
            if first_block {
                lane.first_is_content = content & 1 != 0;
            }
            let before = inside ^ quotes; // state before each byte
            let opening = quotes & !before;
            let closing = quotes & before;
            let may_open = (boundary << 1) | self.last_is_boundary as u64;
            let after_closing = ((closing << 1) | lane.last_is_closing as u64) & valid;
            if (opening & !may_open) | (after_closing & !boundary) != 0 {
                lane.irregular = true;
            }
            lane.last_is_terminator = outside_terms >> high & 1 != 0;
            lane.last_is_closing = closing >> high & 1 != 0;
        }
        self.parity ^= quotes.count_ones() & 1 != 0;
        self.last_is_boundary = boundary >> high & 1 != 0;
        self.seen_any = true;
    }

    /// Ends the chunk; `next` is the byte after it (`None`: the input's end).
    pub(crate) fn finish(self, next: Option<u8>) -> ChunkScan {
        let next_ok = next.is_none_or(|b| self.dialect.is_boundary(b));
        let summary = |lane: &Lane| Summary {
            interior_starts: lane.starts,
            first_is_content: lane.first_is_content,
            last_is_terminator: lane.last_is_terminator,
            irregular: lane.irregular || (lane.last_is_closing && !next_ok),
        };
        ChunkScan {
            by_start: [summary(&self.lanes[0]), summary(&self.lanes[1])],
            flips: self.parity,
            empty: !self.seen_any,
        }
    }
}

/// Joins chunk scans in input order into a record count, or `None` if any chunk is
/// irregular under the quote state it really starts in.
pub(crate) fn join(chunks: impl IntoIterator<Item = ChunkScan>) -> Option<u64> {
    let mut inside = false;
    let mut after_terminator = true; // the input's start begins a record
    let mut records = 0u64;
    for chunk in chunks {
        if chunk.empty {
            continue;
        }
        let s = chunk.by_start[inside as usize];
        if s.irregular {
            return None;
        }
        records += s.interior_starts + (s.first_is_content && after_terminator) as u64;
        after_terminator = s.last_is_terminator;
        inside ^= chunk.flips;
    }
    Some(records)
}

/// Counts the records of `data` (after any BOM) split into chunks of `chunk_len` bytes,
/// scanned one after another; `None` if the input is irregular. The parallel counter
/// scans such chunks on several threads; this lets tests put boundaries anywhere.
#[cfg(test)]
pub(crate) fn count_chunked(data: &[u8], dialect: FastDialect, chunk_len: usize) -> Option<u64> {
    let chunk_len = chunk_len.max(1);
    let scans = (0..data.len().div_ceil(chunk_len))
        .map(|i| scan_chunk(data, i * chunk_len, chunk_len, dialect));
    join(scans)
}

/// Scans `data[start..start + len]` with its neighbours as context.
pub(crate) fn scan_chunk(data: &[u8], start: usize, len: usize, dialect: FastDialect) -> ChunkScan {
    let end = (start + len).min(data.len());
    let prev = start.checked_sub(1).map(|i| data[i]);
    let mut scanner = Scanner::new(dialect, prev);
    scanner.feed(&data[start..end]);
    scanner.finish(data.get(end).copied())
}

/// The length of a UTF-8 byte order mark at the start of `data`, which is not data.
pub(crate) fn bom_len(data: &[u8]) -> usize {
    if data.starts_with(b"\xef\xbb\xbf") {
        3
    } else {
        0
    }
}
