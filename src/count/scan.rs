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

use super::classify::{portable, Classifier, Masks};
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

/// Scans a chunk fed in pieces of any size, keeping only a few carried bits between them.
///
/// Both starting quote states are followed at once: lane 0 assumes the chunk starts
/// outside quotes, lane 1 inside. Quote parity is the same mask for both, complemented, so
/// lane 1 costs a few bit operations per block, not a second pass.
pub(crate) struct Scanner {
    dialect: FastDialect,
    classifier: Classifier,
    /// Records started inside the chunk, per lane.
    starts: [u64; 2],
    /// Per lane: any quote csv-core would read differently (as a mask of offenders).
    irregular: [u64; 2],
    /// Per lane, bit 0: the last byte was a terminator outside quotes.
    last_terminator: [u64; 2],
    /// Per lane, bit 0: the last byte was a closing quote.
    last_closing: [u64; 2],
    /// All ones when an odd number of quotes has been seen (lane 0's quote state).
    parity: u64,
    /// Bit 0: the last byte may precede an opening quote (true at the input's start).
    last_boundary: u64,
    first_byte: Option<u8>,
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
            starts: [0; 2],
            irregular: [0; 2],
            last_terminator: [0; 2],
            last_closing: [0; 2],
            parity: 0,
            last_boundary: prev.is_none_or(|b| dialect.is_boundary(b)) as u64,
            first_byte: None,
        }
    }

    /// Scans the next piece of the chunk.
    pub(crate) fn feed(&mut self, bytes: &[u8]) {
        match self.classifier {
            Classifier::Portable => self.feed_with(bytes, portable, prefix_xor),
            #[cfg(target_arch = "x86_64")]
            // SAFETY: SSE2 is part of the x86-64 baseline.
            Classifier::Sse2 => unsafe { self.feed_sse2(bytes) },
            #[cfg(target_arch = "x86_64")]
            // SAFETY: `Classifier::detect` picks Avx2 only when the CPU reports AVX2 and
            // PCLMULQDQ.
            Classifier::Avx2 => unsafe { self.feed_avx2(bytes) },
        }
    }

    /// # Safety
    /// The CPU supports SSE2.
    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "sse2")]
    unsafe fn feed_sse2(&mut self, bytes: &[u8]) {
        use super::classify::x86::sse2;
        // SAFETY: this function only runs where SSE2 is available.
        self.feed_with(bytes, |b, d| unsafe { sse2(b, d) }, prefix_xor)
    }

    /// # Safety
    /// The CPU supports AVX2 and PCLMULQDQ.
    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "avx2,pclmulqdq")]
    unsafe fn feed_avx2(&mut self, bytes: &[u8]) {
        use super::classify::x86::{avx2, prefix_xor_clmul};
        self.feed_with(
            bytes,
            // SAFETY: this function only runs where AVX2 is available.
            |b, d| unsafe { avx2(b, d) },
            // SAFETY: this function only runs where PCLMULQDQ is available.
            |x| unsafe { prefix_xor_clmul(x) },
        )
    }

    /// The loop itself, inlined into each CPU-specific `feed_*` so that the classifier
    /// and the prefix XOR inline into it.
    #[inline(always)]
    fn feed_with(
        &mut self,
        bytes: &[u8],
        classify: impl Fn(&[u8; 64], &FastDialect) -> Masks,
        prefix_xor: impl Fn(u64) -> u64,
    ) {
        if self.first_byte.is_none() {
            self.first_byte = bytes.first().copied();
        }
        let dialect = self.dialect;
        let mut blocks = bytes.chunks_exact(64);
        for block in &mut blocks {
            let block: &[u8; 64] = block.try_into().expect("chunks_exact(64)");
            let masks = classify(block, &dialect);
            // Outside quoted text most blocks hold no quote: a cheaper step for them.
            if masks.quotes == 0 && (self.last_closing[0] | self.last_closing[1]) == 0 {
                self.step_quote_free(masks);
            } else {
                self.step(masks, u64::MAX, &prefix_xor);
            }
        }
        let tail = blocks.remainder();
        if !tail.is_empty() {
            let mut padded = [0u8; 64];
            padded[..tail.len()].copy_from_slice(tail);
            let valid = (1u64 << tail.len()) - 1;
            self.step(classify(&padded, &dialect), valid, &prefix_xor);
        }
    }

    /// [`Scanner::step`] for a full block known to hold no quote, with no quote closed
    /// right before it: the quote state is the same for every byte, so there is no parity
    /// to compute and no quote to check.
    #[inline(always)]
    fn step_quote_free(&mut self, m: Masks) {
        let terms = m.terms;
        for (lane, inside) in [(0, self.parity), (1, !self.parity)] {
            let ends = terms & !inside;
            let starts = !ends & ((ends << 1) | self.last_terminator[lane]);
            self.starts[lane] += u64::from(starts.count_ones());
            self.last_terminator[lane] = ends >> 63;
        }
        self.last_boundary = ((m.delims | m.terms) >> 63) & 1;
    }

    /// Folds one block of masks (bits beyond `valid` are padding) into both lanes.
    #[inline(always)]
    fn step(&mut self, m: Masks, valid: u64, prefix_xor: &impl Fn(u64) -> u64) {
        let quotes = m.quotes & valid;
        let terms = m.terms & valid;
        let boundary = (m.delims | m.terms | m.quotes) & valid;
        let high = 63 - valid.leading_zeros(); // the last valid bit

        // Lane 0's quote state after each byte; lane 1's is the complement. Terminators
        // are never quotes, so at a terminator this is also the state before it.
        let inside = prefix_xor(quotes) ^ self.parity;
        let outside_terms = [terms & !inside, terms & inside];
        // Opening quotes of lane 0 are closing quotes of lane 1, and vice versa.
        let before = inside ^ quotes;
        let closing = [quotes & before, quotes & !before];
        let may_open = (boundary << 1) | self.last_boundary;
        let may_follow_closing = boundary | !valid;
        for lane in 0..2 {
            let ends = outside_terms[lane];
            let starts = !ends & valid & ((ends << 1) | self.last_terminator[lane]);
            self.starts[lane] += u64::from(starts.count_ones());
            let opening = closing[1 - lane];
            let after_closing = (closing[lane] << 1) | self.last_closing[lane];
            self.irregular[lane] |= (opening & !may_open) | (after_closing & !may_follow_closing);
            self.last_terminator[lane] = (ends >> high) & 1;
            self.last_closing[lane] = (closing[lane] >> high) & 1;
        }
        self.parity = 0u64.wrapping_sub((inside >> high) & 1);
        self.last_boundary = (boundary >> high) & 1;
    }

    /// Ends the chunk; `next` is the byte after it (`None`: the input's end).
    pub(crate) fn finish(self, next: Option<u8>) -> ChunkScan {
        let next_ok = next.is_none_or(|b| self.dialect.is_boundary(b));
        // The first byte starts a record (if the previous chunk ended one) unless it is a
        // terminator outside quotes: never a quote, so outside quotes exactly in lane 0.
        let first_is_terminator = self
            .first_byte
            .is_some_and(|b| self.dialect.is_terminator(b));
        let summary = |lane: usize| Summary {
            interior_starts: self.starts[lane],
            first_is_content: lane == 1 || !first_is_terminator,
            last_is_terminator: self.last_terminator[lane] != 0,
            irregular: self.irregular[lane] != 0 || (self.last_closing[lane] != 0 && !next_ok),
        };
        ChunkScan {
            by_start: [summary(0), summary(1)],
            flips: self.parity != 0,
            empty: self.first_byte.is_none(),
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
