//! The fast path of summaries: a stretch of a chunk read 64 bytes at a time with the
//! counting scanner's kernels (`count::scan`), for the states where quote parity decides
//! exactly what csv-core does.
//!
//! It applies to the options of the fast count (no comment, no escape, doubled quotes or
//! quoting off, `flexible` on: see `FastDialect::new`), where summaries keep no field
//! counts. With them, csv-core's state between two bytes is one of two kinds. *Outside
//! quotes*, the state follows from the byte before: a terminator leaves `StartRecord`, a
//! delimiter `StartField`, a quote `AfterQuote`, any other byte `InField` — unless that
//! byte was a quote read in `InField` (`a"`), which csv-core takes as data. *Inside*, it is
//! `InQuoted`. A stretch read from a state of either kind goes on like quote parity as
//! long as every quote that parity calls *opening* stands where csv-core opens a quoted
//! field: right after a delimiter, a terminator or a quote (then the state before it is
//! `StartRecord`, `StartField` or `AfterQuote`, each of which opens or re-opens quotes).
//! By induction over the bytes the two kinds then stay what parity says: from inside, a
//! quote goes to `AfterQuote` (outside, the quote before it) and every other byte stays
//! inside; from outside, a delimiter, terminator or other byte goes to the state it names,
//! whatever outside state it was read in. So a closing quote followed by other bytes
//! (`"a"b`) needs no check: csv-core reads `b` in `InField`, outside quotes, as parity does,
//! and the next quote of that field, preceded by an ordinary byte, fails the opening check.
//!
//! Outside quotes, records end at terminators and start at the first other byte after one,
//! so parity gives every record start and end. A stretch is read for the outside state the
//! byte before it names (lane 0) and for `InQuoted` (lane 1) at once; it stops before the
//! block holding a quote that breaks the rule for a lane that is needed, and says where,
//! so that the caller reads that part with the state machine instead (`summarize`).
//!
//! Records are not measured one by one: a stretch is never longer than the record limit,
//! so no record that starts and ends inside it is over the limit; the records that cross
//! a stretch's ends are measured when the outcomes are joined (`Outcome::then`).

use super::machine::State;
use super::outcome::{Mark, Outcome, NONE};
use crate::count::classify::Classifier;
use crate::count::scan::{with_kernels, BlockKernels, FastDialect, KernelUser};
use crate::options::Options;

/// The longest stretch read in one pass; the state machine takes over after it only
/// where a stretch stops early, so a longer one would save little.
const STRETCH: usize = 256 * 1024;

/// Below this record limit stretches would be so short that the state machine, which
/// measures every record, is the better tool.
const MIN_STRETCH: usize = 4 * 1024;

/// The fast path for one set of options.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Fast {
    dialect: FastDialect,
    /// A dialect whose "delimiter" is `\n`: its delimiter mask counts lines.
    newline: FastDialect,
    classifier: Classifier,
    /// The longest stretch: at most the record limit.
    stretch: usize,
}

/// The outcome of one pass over a stretch, per lane (0: outside quotes, 1: `InQuoted`).
#[derive(Clone, Copy, Debug)]
pub(crate) struct Scanned {
    /// What reading the first `len` bytes does, per lane (for lanes not asked for, junk).
    pub(crate) outcomes: [Outcome; 2],
    /// How many bytes of the stretch were read: all, or up to the block where it stopped.
    pub(crate) len: usize,
    /// The offset of the quote that stopped it, if one did.
    pub(crate) irregular_at: Option<u64>,
}

impl Fast {
    /// The fast path for `options`, if it is exact for them.
    pub(crate) fn new(options: &Options) -> Option<Fast> {
        let dialect = FastDialect::new(options)?;
        let stretch = match options.max_record_bytes() {
            0 => STRETCH,
            limit => usize::try_from(limit).unwrap_or(usize::MAX).min(STRETCH),
        };
        (stretch >= MIN_STRETCH).then_some(Fast {
            dialect,
            newline: FastDialect {
                delimiter: b'\n',
                quote: None,
                terminators: [b'\n'; 2],
            },
            classifier: options.classifier(),
            stretch,
        })
    }

    /// The longest stretch to hand to [`Fast::scan`].
    pub(crate) fn stretch(&self) -> usize {
        self.stretch
    }

    /// Reads at most `n` (> 0) bytes at a time, never more than the limit allows.
    #[cfg(test)]
    pub(crate) fn set_stretch(&mut self, n: usize) {
        assert!(n > 0);
        self.stretch = self.stretch.min(n);
    }

    /// The state outside quotes right after byte `prev`, as parity sees it.
    pub(crate) fn outside_state(&self, prev: u8) -> State {
        let d = &self.dialect;
        if d.is_terminator(prev) {
            State::StartRecord
        } else if prev == d.delimiter {
            State::StartField
        } else if Some(prev) == d.quote {
            State::AfterQuote
        } else {
            State::InField
        }
    }

    /// The lane that follows state `s` after byte `prev`, if one does exactly.
    pub(crate) fn lane_for(&self, s: State, prev: u8) -> Option<usize> {
        if s == State::InQuoted {
            Some(1)
        } else if s == self.outside_state(prev) {
            Some(0)
        } else {
            None
        }
    }

    /// Reads `bytes`, which start at offset `at` after the byte `prev`, for the lanes in
    /// `live`; stops before a block where a live lane meets a quote parity cannot follow.
    pub(crate) fn scan(&self, bytes: &[u8], at: u64, prev: u8, live: [bool; 2]) -> Scanned {
        debug_assert!(bytes.len() <= self.stretch);
        let outside = self.outside_state(prev);
        let mut pass = Pass {
            dialect: self.dialect,
            newline: self.newline,
            bytes,
            at,
            live,
            lanes: [
                LaneMarks::new(outside == State::StartRecord),
                LaneMarks::new(false),
            ],
            newlines: 0,
            parity: 0,
            last_boundary: u64::from(self.dialect.is_boundary(prev)),
            pos: 0,
            irregular_at: None,
        };
        with_kernels(self.classifier, &mut pass);
        let len = pass.pos;
        let end_state = |lane: usize| {
            if len == 0 {
                return [outside, State::InQuoted][lane];
            }
            // Lane 0 is inside quotes at the end when the parity is odd, lane 1 when even.
            let inside = (pass.parity != 0) == (lane == 0);
            if inside {
                State::InQuoted
            } else {
                self.outside_state(bytes[len - 1])
            }
        };
        let outcome = |lane: usize| {
            let l = &pass.lanes[lane];
            let end = end_state(lane);
            let mut o = Outcome::empty(end);
            o.newlines = pass.newlines;
            o.starts = l.starts;
            o.first = l.first;
            o.second = l.second;
            o.last = l.last.last_mark();
            o.lead_end = l.lead_end;
            // The records that start here and end here; with no field counts kept, each
            // adds only "an inner record of 0 fields" (and none is over the limit).
            let tail = u64::from(l.starts > 0 && end.in_record());
            if l.starts > tail {
                o.inner_fields = 0;
            }
            o
        };
        Scanned {
            outcomes: [outcome(0), outcome(1)],
            len,
            irregular_at: pass.irregular_at,
        }
    }
}

/// The record starts and the first record end one lane has seen.
#[derive(Clone, Copy, Debug)]
struct LaneMarks {
    starts: u64,
    first: Mark,
    second: Mark,
    /// The last block with a record start, from which the last start's mark is made at
    /// the end (cheaper than making it in every block).
    last: StartsBlock,
    /// Just past the lead record (the one open at the stretch's start), once it ends.
    lead_end: u64,
    /// Whether the lead record is still open.
    in_lead: bool,
    /// Bit 0: the last byte was a terminator outside quotes (a record may start next).
    last_terminator: u64,
}

/// A block's record starts, with what a mark needs: the block's offset, its newline mask
/// and the newlines and record starts before it.
#[derive(Clone, Copy, Debug, Default)]
struct StartsBlock {
    starts: u64,
    base: u64,
    nl: u64,
    newlines: u64,
    records: u64,
}

impl StartsBlock {
    /// The mark of the start at bit `bit`, the `nth` start of the block.
    #[inline(always)]
    fn mark(&self, bit: u32, nth: u64) -> Mark {
        Mark {
            offset: self.base + u64::from(bit),
            newlines: self.newlines + u64::from((self.nl & ((1u64 << bit) - 1)).count_ones()),
            records: self.records + nth,
        }
    }

    /// The mark of the block's last start, if it has one.
    fn last_mark(&self) -> Mark {
        if self.starts == 0 {
            return Mark::NONE;
        }
        let n = u64::from(self.starts.count_ones());
        self.mark(63 - self.starts.leading_zeros(), n - 1)
    }
}

impl LaneMarks {
    /// A lane at a record's boundary (`StartRecord`) or inside one.
    fn new(at_record_start: bool) -> LaneMarks {
        LaneMarks {
            starts: 0,
            first: Mark::NONE,
            second: Mark::NONE,
            last: StartsBlock::default(),
            lead_end: NONE,
            in_lead: !at_record_start,
            last_terminator: u64::from(at_record_start),
        }
    }

    /// Reads a block at offset `base` whose terminators outside quotes (for this lane)
    /// are `ends`; `high` is its last valid bit, `newlines` the newlines before it and
    /// `nl` its newline mask.
    #[inline(always)]
    fn read(&mut self, ends: u64, valid: u64, high: u32, base: u64, newlines: u64, nl: u64) {
        let starts = !ends & valid & ((ends << 1) | self.last_terminator);
        if starts != 0 {
            let block = StartsBlock {
                starts,
                base,
                nl,
                newlines,
                records: self.starts,
            };
            match self.starts {
                0 => {
                    self.first = block.mark(starts.trailing_zeros(), 0);
                    if starts & (starts - 1) != 0 {
                        self.second = block.mark((starts & (starts - 1)).trailing_zeros(), 1);
                    }
                }
                1 => self.second = block.mark(starts.trailing_zeros(), 0),
                _ => {}
            }
            self.starts += u64::from(starts.count_ones());
            self.last = block;
        }
        if ends != 0 && self.in_lead {
            self.lead_end = base + u64::from(ends.trailing_zeros()) + 1;
            self.in_lead = false;
        }
        self.last_terminator = (ends >> high) & 1;
    }
}

/// One pass over a stretch: the carried bits and each lane's marks.
struct Pass<'a> {
    dialect: FastDialect,
    newline: FastDialect,
    bytes: &'a [u8],
    at: u64,
    live: [bool; 2],
    lanes: [LaneMarks; 2],
    newlines: u64,
    /// All ones when lane 0 is inside quotes.
    parity: u64,
    /// Bit 0: the last byte may precede an opening quote.
    last_boundary: u64,
    /// The next byte to read.
    pos: usize,
    irregular_at: Option<u64>,
}

impl KernelUser for Pass<'_> {
    #[inline(always)]
    fn run(&mut self, k: &impl BlockKernels) {
        let bytes = self.bytes;
        let whole = bytes.len() - bytes.len() % 64;
        while self.pos < whole {
            let block: &[u8; 64] = bytes[self.pos..self.pos + 64].try_into().expect("64");
            let (mut quotes, mut terms) = k.quotes_terms(block, &self.dialect);
            if quotes == 0 {
                match self.quote_free(k, terms, whole) {
                    Some(masks) => (quotes, terms) = masks,
                    None => break,
                }
            }
            let block: &[u8; 64] = bytes[self.pos..self.pos + 64].try_into().expect("64");
            if !self.block(k, block, (quotes, terms), u64::MAX) {
                return;
            }
            self.pos += 64;
        }
        let tail = &bytes[whole..];
        if !tail.is_empty() {
            let mut padded = [0u8; 64];
            padded[..tail.len()].copy_from_slice(tail);
            let masks = k.quotes_terms(&padded, &self.dialect);
            if self.block(k, &padded, masks, (1u64 << tail.len()) - 1) {
                self.pos = bytes.len();
            }
        }
    }
}

impl Pass<'_> {
    /// Reads whole blocks from `self.pos` (up to `end`) while they hold no quote, the
    /// first one's terminator mask being `terms`: the hot loop of most data. Returns the
    /// masks of the block with a quote it stopped at (at `self.pos`), or `None` at `end`.
    #[inline(always)]
    fn quote_free(
        &mut self,
        k: &impl BlockKernels,
        mut terms: u64,
        end: usize,
    ) -> Option<(u64, u64)> {
        let (bytes, d) = (self.bytes, self.dialect);
        let block_at = |pos: usize| -> &[u8; 64] { bytes[pos..pos + 64].try_into().expect("64") };
        let lf_only = d.terminators == [b'\n'; 2];
        // Through such blocks the quote state stays put: only the lane outside quotes sees
        // terminators. Locals, so that the loop keeps them in registers.
        let outside = (self.parity & 1) as usize;
        let live = self.live[outside];
        let mut lane = self.lanes[outside];
        let mut newlines = self.newlines;
        let mut pos = self.pos;
        let next = loop {
            let nl = if lf_only {
                terms
            } else {
                k.delims(block_at(pos), &self.newline)
            };
            if live {
                let base = self.at + pos as u64;
                if lane.in_lead || lane.starts < 2 {
                    lane.read(terms, u64::MAX, 63, base, newlines, nl);
                } else {
                    // Past the first two starts only the last one's block is kept.
                    let starts = !terms & ((terms << 1) | lane.last_terminator);
                    if starts != 0 {
                        lane.last = StartsBlock {
                            starts,
                            base,
                            nl,
                            newlines,
                            records: lane.starts,
                        };
                        lane.starts += u64::from(starts.count_ones());
                    }
                    lane.last_terminator = terms >> 63;
                }
            }
            newlines += u64::from(nl.count_ones());
            pos += 64;
            if pos >= end {
                break None;
            }
            let (q, t) = k.quotes_terms(block_at(pos), &d);
            if q != 0 {
                break Some((q, t));
            }
            terms = t;
        };
        self.lanes[outside] = lane;
        self.newlines = newlines;
        self.pos = pos;
        self.last_boundary = u64::from(d.is_boundary(bytes[pos - 1]));
        next
    }

    /// Reads the block at `self.pos` (bits beyond `valid` are padding), whose quote and
    /// terminator masks are `masks`; false if it holds a quote parity cannot follow for a
    /// live lane, leaving everything as before it.
    #[inline(always)]
    fn block(
        &mut self,
        k: &impl BlockKernels,
        block: &[u8; 64],
        (quotes, terms): (u64, u64),
        valid: u64,
    ) -> bool {
        let d = &self.dialect;
        let (quotes, terms) = (quotes & valid, terms & valid);
        let nl = if d.terminators == [b'\n'; 2] {
            terms
        } else {
            k.delims(block, &self.newline) & valid
        };
        let high = 63 - valid.leading_zeros(); // the last valid bit
        let base = self.at + self.pos as u64;
        if quotes == 0 {
            // Most blocks hold no quote: the quote state stays put, so only the lane
            // outside quotes sees terminators, and no opening quote needs a check.
            let outside = (self.parity & 1) as usize;
            if self.live[outside] {
                self.lanes[outside].read(terms, valid, high, base, self.newlines, nl);
            }
            self.last_boundary = u64::from(d.is_boundary(block[high as usize]));
            self.newlines += u64::from(nl.count_ones());
            return true;
        }
        let boundary = (k.delims(block, d) | terms | quotes) & valid;
        // Lane 0's quote state after each byte (lane 1's is the complement), and before
        // each byte: a quote with lane 0 outside before it opens for lane 0.
        let inside = k.prefix_xor(quotes) ^ self.parity;
        let before = inside ^ quotes;
        let may_open = (boundary << 1) | self.last_boundary;
        let bad = [quotes & !before & !may_open, quotes & before & !may_open];
        let first_bad = (0..2)
            .filter(|&lane| self.live[lane] && bad[lane] != 0)
            .map(|lane| bad[lane].trailing_zeros())
            .min();
        if let Some(bit) = first_bad {
            self.irregular_at = Some(base + u64::from(bit));
            return false;
        }
        for (lane, lane_inside) in [inside, !inside].into_iter().enumerate() {
            if self.live[lane] {
                let ends = terms & !lane_inside;
                self.lanes[lane].read(ends, valid, high, base, self.newlines, nl);
            }
        }
        self.last_boundary = (boundary >> high) & 1;
        self.newlines += u64::from(nl.count_ones());
        self.parity = 0u64.wrapping_sub((inside >> high) & 1);
        true
    }
}
