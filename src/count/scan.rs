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

use super::classify::{portable_delims, portable_quotes_terms, Classifier, Masks};
use super::long_records::{RunJoin, Runs, Watch};
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
        options
            .flexible()
            .then(|| FastDialect::of_structure(options))
            .flatten()
    }

    /// Like [`FastDialect::new`] with `flexible` not asked for: the rules by which records
    /// and fields are found, for a parser that checks field counts itself.
    pub(crate) fn of_structure(options: &Options) -> Option<FastDialect> {
        let simple = options.comment().is_none()
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

    pub(crate) fn is_terminator(&self, b: u8) -> bool {
        self.terminators.contains(&b)
    }

    /// May this byte stand right before an opening quote (or after a closing one)?
    pub(crate) fn is_boundary(&self, b: u8) -> bool {
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
    /// The windows without a record start (see `long_records`).
    pub(crate) runs: Runs,
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
/// lane 1 costs a few bit operations per block, not a second pass. A lane that meets an
/// irregular quote is dropped: if the chunk really starts in that state the whole count
/// goes to the streaming counter anyway, so nothing more about that lane is needed. Real
/// data with quotes drops the wrong lane within a few fields, which halves the work in
/// quoted text; when both lanes are dropped the chunk needs no more scanning at all.
pub(crate) struct Scanner {
    dialect: FastDialect,
    classifier: Classifier,
    lanes: Lanes,
    first_byte: Option<u8>,
    watch: Watch,
    runs: [Runs; 2],
}

/// The bits carried from block to block. Kept apart from the rest of the scanner so the
/// hot loop can hold a copy in registers.
#[derive(Clone, Copy)]
struct Lanes {
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
}

/// Which lanes are still followed, as a bit set (bit `l`: lane `l`); a const parameter of
/// the hot loop, so each combination compiles to straight-line code.
const BOTH: u8 = 0b11;
const LANE_0: u8 = 0b01;
const LANE_1: u8 = 0b10;

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

/// The CPU-specific pieces of a block loop: the classification of 64 bytes and the
/// quote parity. A loop written against this trait and run through [`with_kernels`] is
/// compiled once per CPU feature set, with the kernels inlined into it; the counting
/// scanner and the summaries' fast path both run this way.
pub(crate) trait BlockKernels {
    /// The quote and terminator masks: all a block without quotes needs.
    fn quotes_terms(&self, block: &[u8; 64], d: &FastDialect) -> (u64, u64);
    /// The delimiter mask (with another `FastDialect`, the mask of any one byte).
    fn delims(&self, block: &[u8; 64], d: &FastDialect) -> u64;
    /// Inclusive prefix XOR: bit i is the parity of the set bits at positions 0..=i.
    fn prefix_xor(&self, x: u64) -> u64;
}

/// A block loop, run with the kernels of the CPU it runs on.
pub(crate) trait KernelUser {
    fn run(&mut self, k: &impl BlockKernels);
}

/// Runs `user` with the kernels of `classifier`, inside a function compiled for its CPU
/// features, so that the kernels inline into the user's loop.
pub(crate) fn with_kernels(classifier: Classifier, user: &mut impl KernelUser) {
    match classifier {
        Classifier::Portable => user.run(&Kernel {
            quotes_terms: portable_quotes_terms,
            delims: portable_delims,
            prefix_xor,
        }),
        #[cfg(target_arch = "x86_64")]
        // SAFETY: SSE2 is part of the x86-64 baseline.
        Classifier::Sse2 => unsafe { run_sse2(user) },
        #[cfg(target_arch = "x86_64")]
        // SAFETY: `Classifier::detect` picks Avx2 only when the CPU reports AVX2,
        // PCLMULQDQ, POPCNT, BMI1 and BMI2.
        Classifier::Avx2 => unsafe { run_avx2(user) },
        #[cfg(target_arch = "aarch64")]
        // SAFETY: `Classifier::detect` picks Neon only when the CPU reports NEON.
        Classifier::Neon => unsafe { run_neon(user) },
    }
}

/// The kernels as closures, built inside each CPU-specific `run_*`.
struct Kernel<QT, D, X> {
    quotes_terms: QT,
    delims: D,
    prefix_xor: X,
}

impl<QT, D, X> BlockKernels for Kernel<QT, D, X>
where
    QT: Fn(&[u8; 64], &FastDialect) -> (u64, u64),
    D: Fn(&[u8; 64], &FastDialect) -> u64,
    X: Fn(u64) -> u64,
{
    #[inline(always)]
    fn quotes_terms(&self, block: &[u8; 64], d: &FastDialect) -> (u64, u64) {
        (self.quotes_terms)(block, d)
    }
    #[inline(always)]
    fn delims(&self, block: &[u8; 64], d: &FastDialect) -> u64 {
        (self.delims)(block, d)
    }
    #[inline(always)]
    fn prefix_xor(&self, x: u64) -> u64 {
        (self.prefix_xor)(x)
    }
}

/// # Safety
/// The CPU supports SSE2.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "sse2")]
unsafe fn run_sse2(user: &mut impl KernelUser) {
    use super::classify::x86::{sse2_delims, sse2_quotes_terms};
    user.run(&Kernel {
        // SAFETY: this function only runs where SSE2 is available.
        quotes_terms: |b: &[u8; 64], d: &FastDialect| unsafe { sse2_quotes_terms(b, d) },
        // SAFETY: as above.
        delims: |b: &[u8; 64], d: &FastDialect| unsafe { sse2_delims(b, d) },
        prefix_xor,
    })
}

/// # Safety
/// The CPU supports AVX2, PCLMULQDQ, POPCNT, BMI1 and BMI2.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,pclmulqdq,popcnt,bmi1,bmi2")]
unsafe fn run_avx2(user: &mut impl KernelUser) {
    use super::classify::x86::{avx2_delims, avx2_quotes_terms, prefix_xor_clmul};
    user.run(&Kernel {
        // SAFETY: this function only runs where AVX2 is available.
        quotes_terms: |b: &[u8; 64], d: &FastDialect| unsafe { avx2_quotes_terms(b, d) },
        // SAFETY: as above.
        delims: |b: &[u8; 64], d: &FastDialect| unsafe { avx2_delims(b, d) },
        // SAFETY: this function only runs where PCLMULQDQ is available.
        prefix_xor: |x| unsafe { prefix_xor_clmul(x) },
    })
}

/// # Safety
/// The CPU supports NEON.
#[cfg(target_arch = "aarch64")]
#[target_feature(enable = "neon")]
unsafe fn run_neon(user: &mut impl KernelUser) {
    use super::classify::arm::{neon_delims, neon_quotes_terms};
    user.run(&Kernel {
        // SAFETY: this function only runs where NEON is available.
        quotes_terms: |b: &[u8; 64], d: &FastDialect| unsafe { neon_quotes_terms(b, d) },
        // SAFETY: as above.
        delims: |b: &[u8; 64], d: &FastDialect| unsafe { neon_delims(b, d) },
        prefix_xor,
    })
}

impl Scanner {
    /// A scanner for a chunk whose preceding byte is `prev` (`None`: the input's start),
    /// watching for long records with `watch`.
    pub(crate) fn new(dialect: FastDialect, watch: Watch, prev: Option<u8>) -> Scanner {
        Scanner {
            dialect,
            classifier: Classifier::detect(),
            lanes: Lanes {
                starts: [0; 2],
                irregular: [0; 2],
                last_terminator: [0; 2],
                last_closing: [0; 2],
                parity: 0,
                last_boundary: prev.is_none_or(|b| dialect.is_boundary(b)) as u64,
            },
            first_byte: None,
            watch,
            runs: [Runs::default(); 2],
        }
    }

    /// Whether the chunk is irregular whatever its starting state: scanning more of it
    /// cannot change the answer, so readers of a file may stop early.
    pub(crate) fn is_settled(&self) -> bool {
        self.lanes.live() == 0
    }

    /// Scans the next piece of the chunk.
    pub(crate) fn feed(&mut self, bytes: &[u8]) {
        let Some(window) = self.watch.window() else {
            return self.feed_blocks(bytes);
        };
        for piece in bytes.chunks(window) {
            let before = self.lanes.starts;
            self.feed_blocks(piece);
            for (lane, runs) in self.runs.iter_mut().enumerate() {
                runs.window(piece.len(), self.lanes.starts[lane] != before[lane]);
            }
        }
    }

    fn feed_blocks(&mut self, bytes: &[u8]) {
        /// The scanner's loop as a user of the kernels.
        struct Feed<'s, 'b> {
            scanner: &'s mut Scanner,
            bytes: &'b [u8],
        }
        impl KernelUser for Feed<'_, '_> {
            #[inline(always)]
            fn run(&mut self, k: &impl BlockKernels) {
                self.scanner.feed_with(self.bytes, k);
            }
        }
        with_kernels(
            self.classifier,
            &mut Feed {
                scanner: self,
                bytes,
            },
        );
    }

    /// The loop itself, inlined into each CPU-specific kernel user (`with_kernels`): it
    /// runs whole blocks in the loop compiled for the lanes still live, switching when a
    /// lane drops out.
    #[inline(always)]
    fn feed_with(&mut self, bytes: &[u8], k: &impl BlockKernels) {
        if self.first_byte.is_none() {
            self.first_byte = bytes.first().copied();
        }
        let whole = bytes.len() - bytes.len() % 64;
        let mut pos = 0;
        while pos < whole {
            pos = match self.lanes.live() {
                BOTH => self.run::<BOTH>(bytes, pos, whole, k),
                LANE_0 => self.run::<LANE_0>(bytes, pos, whole, k),
                LANE_1 => self.run::<LANE_1>(bytes, pos, whole, k),
                _ => return,
            };
        }
        let tail = &bytes[whole..];
        if !tail.is_empty() {
            let mut padded = [0u8; 64];
            padded[..tail.len()].copy_from_slice(tail);
            let valid = (1u64 << tail.len()) - 1;
            let (quotes, terms) = k.quotes_terms(&padded, &self.dialect);
            let m = Masks {
                quotes,
                delims: k.delims(&padded, &self.dialect),
                terms,
            };
            let lanes = &mut self.lanes;
            let prefix_xor = |x| k.prefix_xor(x);
            match lanes.live() {
                BOTH => lanes.step::<BOTH>(m, valid, &prefix_xor),
                LANE_0 => lanes.step::<LANE_0>(m, valid, &prefix_xor),
                LANE_1 => lanes.step::<LANE_1>(m, valid, &prefix_xor),
                _ => {}
            }
        }
    }

    /// Scans the whole blocks of `bytes[pos..end]` while the live lanes are `LIVE`;
    /// returns where it stopped (`end`, or just after the block that dropped a lane).
    #[inline(always)]
    fn run<const LIVE: u8>(
        &mut self,
        bytes: &[u8],
        mut pos: usize,
        end: usize,
        k: &impl BlockKernels,
    ) -> usize {
        let dialect = self.dialect;
        let block_at = |pos: usize| -> &[u8; 64] { bytes[pos..pos + 64].try_into().expect("64") };
        // A local copy, so that the carried bits live in registers, not behind `self`.
        let mut lanes = self.lanes;
        while pos < end {
            let (quotes, terms) = k.quotes_terms(block_at(pos), &dialect);
            let (quotes, terms) =
                if quotes == 0 && (lanes.last_closing[0] | lanes.last_closing[1]) == 0 {
                    // Outside quoted text most blocks hold no quote. Through a run of them
                    // the quote state stays put, so only the lane outside quotes sees
                    // terminators, and delimiters matter only at the run's end.
                    let outside = (lanes.parity & 1) as usize;
                    let mut after_terminator = lanes.last_terminator[outside];
                    let mut records = 0u64;
                    let mut terms = terms;
                    let next = loop {
                        let starts = !terms & ((terms << 1) | after_terminator);
                        records += u64::from(starts.count_ones());
                        after_terminator = terms >> 63;
                        pos += 64;
                        if pos >= end {
                            break None;
                        }
                        let (q, t) = k.quotes_terms(block_at(pos), &dialect);
                        if q != 0 {
                            break Some((q, t));
                        }
                        terms = t;
                    };
                    lanes.starts[outside] += records;
                    lanes.last_terminator[outside] = after_terminator;
                    lanes.last_terminator[1 - outside] = 0;
                    lanes.last_boundary =
                        after_terminator | u64::from(bytes[pos - 1] == dialect.delimiter);
                    match next {
                        Some(masks) => masks,
                        None => break,
                    }
                } else {
                    (quotes, terms)
                };
            // A block with quotes (or right after a closing one): the full step.
            let delims = k.delims(block_at(pos), &dialect);
            let m = Masks {
                quotes,
                delims,
                terms,
            };
            lanes.step::<LIVE>(m, u64::MAX, &|x| k.prefix_xor(x));
            pos += 64;
            if lanes.live() != LIVE {
                break;
            }
        }
        self.lanes = lanes;
        pos
    }
}

impl Lanes {
    /// The lanes still worth following.
    #[inline(always)]
    fn live(&self) -> u8 {
        u8::from(self.irregular[0] == 0) | u8::from(self.irregular[1] == 0) << 1
    }

    /// Folds one block of masks (bits beyond `valid` are padding) into the live lanes.
    #[inline(always)]
    fn step<const LIVE: u8>(&mut self, m: Masks, valid: u64, prefix_xor: &impl Fn(u64) -> u64) {
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
            if LIVE & (1 << lane) == 0 {
                // A dropped lane must not keep the quote-free step away.
                self.last_closing[lane] = 0;
                continue;
            }
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
}

impl Scanner {
    /// Ends the chunk; `next` is the byte after it (`None`: the input's end).
    pub(crate) fn finish(self, next: Option<u8>) -> ChunkScan {
        let next_ok = next.is_none_or(|b| self.dialect.is_boundary(b));
        // The first byte starts a record (if the previous chunk ended one) unless it is a
        // terminator outside quotes: never a quote, so outside quotes exactly in lane 0.
        let first_is_terminator = self
            .first_byte
            .is_some_and(|b| self.dialect.is_terminator(b));
        let summary = |lane: usize| Summary {
            interior_starts: self.lanes.starts[lane],
            first_is_content: lane == 1 || !first_is_terminator,
            last_is_terminator: self.lanes.last_terminator[lane] != 0,
            irregular: self.lanes.irregular[lane] != 0
                || (self.lanes.last_closing[lane] != 0 && !next_ok),
            runs: self.runs[lane].finish(),
        };
        ChunkScan {
            by_start: [summary(0), summary(1)],
            flips: self.lanes.parity != 0,
            empty: self.first_byte.is_none(),
        }
    }
}

/// Joins chunk scans in input order into a record count, or `None` if any chunk is
/// irregular under the quote state it really starts in, or a record may be longer than
/// `watch` allows (the streaming counter then finds which, and fails there).
pub(crate) fn join(chunks: impl IntoIterator<Item = ChunkScan>, watch: Watch) -> Option<u64> {
    let mut runs = RunJoin::new(watch);
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
        runs.push(&s.runs);
    }
    (!runs.may_be_too_long()).then_some(records)
}

/// Counts the records of `data` (after any BOM) split into chunks of `chunk_len` bytes,
/// scanned one after another; `None` if the input is irregular. The parallel counter
/// scans such chunks on several threads; this lets tests put boundaries anywhere.
#[cfg(test)]
pub(crate) fn count_chunked(
    data: &[u8],
    dialect: FastDialect,
    watch: Watch,
    chunk_len: usize,
) -> Option<u64> {
    let chunk_len = chunk_len.max(1);
    let scans = (0..data.len().div_ceil(chunk_len))
        .map(|i| scan_chunk(data, i * chunk_len, chunk_len, dialect, watch));
    join(scans, watch)
}

/// Scans `data[start..start + len]` with its neighbours as context.
pub(crate) fn scan_chunk(
    data: &[u8],
    start: usize,
    len: usize,
    dialect: FastDialect,
    watch: Watch,
) -> ChunkScan {
    let end = (start + len).min(data.len());
    let prev = start.checked_sub(1).map(|i| data[i]);
    let mut scanner = Scanner::new(dialect, watch, prev);
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
