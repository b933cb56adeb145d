//! The structural index: where the fields and records of a buffer end, 64 bytes at a time.
//!
//! As in simdjson's stage 1, each block of 64 bytes becomes bitmasks (quotes, delimiters,
//! terminators; see `count::classify`), the quote parity carried from block to block tells
//! which bytes lie inside quotes, and the delimiters and terminators outside quotes (the
//! *structurals*) are taken one by one with `trailing_zeros`. With each structural comes
//! the number of quotes since the one before, which is all it takes to check a field:
//!
//! - no quote: the field is the bytes between the structurals, as csv-core reads them;
//! - a quote first and last and exactly two: the bytes inside them;
//! - a quote first and last and more: the bytes inside, where every other quote must be
//!   half of a `""` pair (it is then unescaped);
//! - anything else (`a"b`, `"a"b`, an unclosed quote at the input's end) is *irregular*:
//!   csv-core reads such a quote differently from its parity, so the record goes to
//!   csv-core from its first byte (see `parse`).
//!
//! Why that is exact: a record start is a state csv-core and this index agree on (outside
//! quotes, a new record). If every field of a record passes, each quoted field holds an
//! even number of quotes, so parity and csv-core agree on which bytes are inside quotes up
//! to the record's terminator, and csv-core splits the record exactly there. If a field
//! fails, nothing of its record is used.

use crate::count::scan::{BlockKernels, FastDialect};

/// Where a field's bytes are: a range of the input buffer, or (with [`Span::SCRATCH`]
/// set in `start`) of the scratch buffer that holds unescaped fields.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Span {
    pub(crate) start: usize,
    pub(crate) end: usize,
}

impl Span {
    /// Marks a span of the scratch buffer (no buffer is that large).
    pub(crate) const SCRATCH: usize = 1 << (usize::BITS - 1);

    /// The bytes of the span.
    #[inline(always)]
    pub(crate) fn resolve<'a>(self, buf: &'a [u8], scratch: &'a [u8]) -> &'a [u8] {
        if self.start & Span::SCRATCH == 0 {
            &buf[self.start..self.end]
        } else {
            &scratch[self.start & !Span::SCRATCH..self.end]
        }
    }
}

/// The walk over one buffer's blocks: the current block's structurals not yet taken and
/// the bits carried to the next block. It stays valid as long as the buffer's bytes do
/// not move, so one walk serves many records.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct Walk {
    /// Where the current block starts in the buffer.
    block: usize,
    /// Whether the block at `block` has been classified.
    loaded: bool,
    /// The block's structurals not taken yet.
    structurals: u64,
    /// The block's quotes after the last structural taken.
    quotes: u64,
    /// All ones when the byte before the next block lies inside quotes.
    inside: u64,
    /// The quotes met since the last structural, in blocks before the current one.
    pending: u32,
    /// The current block's newlines, and those of the blocks before it since the walk
    /// began (lines are counted by `\n`, whatever the terminator).
    newlines: u64,
    lines: u64,
}

impl Walk {
    /// A walk from buffer offset `at`, which lies outside quotes (a record start).
    pub(crate) fn at(at: usize) -> Walk {
        Walk {
            block: at,
            ..Walk::default()
        }
    }

    /// The next structural at or after where the walk stands, with the number of quotes
    /// since the previous one; `None` at the end of `buf` (the quotes since the last
    /// structural are then [`Walk::pending`]).
    #[inline(always)]
    fn next(&mut self, k: &impl BlockKernels, buf: &[u8], d: &Dialect) -> Option<(usize, u32)> {
        loop {
            if self.loaded {
                if self.structurals != 0 {
                    let i = self.structurals.trailing_zeros();
                    let below = (1u64 << i) - 1;
                    let quotes = self.pending + (self.quotes & below).count_ones();
                    // A structural is never a quote: clearing the bits below it is enough.
                    self.quotes &= !below;
                    self.structurals &= self.structurals - 1;
                    self.pending = 0;
                    return Some((self.block + i as usize, quotes));
                }
                self.pending += self.quotes.count_ones();
                self.lines += u64::from(self.newlines.count_ones());
                self.block += 64;
                self.loaded = false;
            }
            if self.block >= buf.len() {
                return None;
            }
            self.load(k, buf, d);
        }
    }

    /// The newlines from where the walk began to buffer offset `at`, which is at most one
    /// past the last structural taken, and not before the current block.
    #[inline(always)]
    fn lines_before(&self, at: usize) -> u64 {
        if !self.loaded {
            return self.lines;
        }
        let below = match at - self.block {
            n if n >= 64 => self.newlines,
            n => self.newlines & ((1u64 << n) - 1),
        };
        self.lines + u64::from(below.count_ones())
    }

    /// The quotes since the last structural, once [`Walk::next`] has said `None`.
    fn pending(&self) -> u32 {
        self.pending
    }

    /// Classifies the block at `self.block` (the last one padded with a byte that is none
    /// of the dialect's, so that it adds no bits).
    #[inline(always)]
    fn load(&mut self, k: &impl BlockKernels, buf: &[u8], d: &Dialect) {
        let rest = &buf[self.block..];
        let mut padded = [d.pad; 64];
        let block: &[u8; 64] = match rest.get(..64) {
            Some(b) => b.try_into().expect("64 bytes"),
            None => {
                padded[..rest.len()].copy_from_slice(rest);
                &padded
            }
        };
        let (quotes, terms) = k.quotes_terms(block, &d.fast);
        let delims = k.delims(block, &d.fast);
        self.newlines = k.delims(block, &d.newline);
        let inside = match quotes {
            0 => self.inside,
            q => k.prefix_xor(q) ^ self.inside,
        };
        self.inside = ((inside as i64) >> 63) as u64;
        self.structurals = (delims | terms) & !inside;
        self.quotes = quotes;
        self.loaded = true;
    }
}

/// The dialect as the index needs it.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Dialect {
    pub(crate) fast: FastDialect,
    /// `\n` as a delimiter: the newline mask is the delimiter mask of this one.
    newline: FastDialect,
    /// A byte that is none of the dialect's special bytes, to pad the last block with.
    pad: u8,
}

impl Dialect {
    pub(crate) fn new(fast: FastDialect) -> Dialect {
        let special = |b: u8| b == fast.delimiter || fast.is_terminator(b) || Some(b) == fast.quote;
        // At most four bytes are special, so one of the first five is not.
        let pad = (0..=4u8)
            .find(|&b| !special(b))
            .expect("a byte that is not special");
        let newline = FastDialect {
            delimiter: b'\n',
            ..fast
        };
        Dialect { fast, newline, pad }
    }
}

/// What [`parse_record`] found.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Parsed {
    /// A record from `start` (its first byte) to `end` (just past the terminator that
    /// ended it, as csv-core counts, or the buffer's end at the input's end). Its fields
    /// are in the spans; `plain`: none is quoted, so they lie back to back in the buffer
    /// from `start` on, one delimiter apart.
    /// `lines`, here and below: the newlines from where the walk began to `start`.
    Record {
        start: usize,
        end: usize,
        plain: bool,
        lines: u64,
    },
    /// Nothing but terminators up to the input's end: no more records.
    End,
    /// The buffer ends before the record does (the record's first byte is at `start`, or
    /// `start` is the buffer's end if no byte of it has come yet).
    NeedMore { start: usize, lines: u64 },
    /// The record at `start` holds a quote these rules do not cover: csv-core must read it.
    Irregular { start: usize, lines: u64 },
    /// The walk does not stand where the parse does (a bug): the parse is to start over
    /// at the same place with a new walk.
    Lost,
}

/// Parses the record at `pos` of `buf` (the terminators before it are skipped), with
/// `walk` standing at `pos`; `eof` tells whether the input ends with `buf`. The fields go
/// to `spans`, unescaped ones into `scratch`; on return the walk stands after the record.
#[inline(always)]
#[allow(clippy::too_many_arguments)]
pub(crate) fn parse_record(
    k: &impl BlockKernels,
    d: &Dialect,
    buf: &[u8],
    eof: bool,
    mut pos: usize,
    walk: &mut Walk,
    spans: &mut Vec<Span>,
    scratch: &mut Vec<u8>,
) -> Parsed {
    let terminator = |b: u8| b == d.fast.terminators[0] || b == d.fast.terminators[1];
    // Blank lines: each terminator outside quotes is a structural, taken here.
    while pos < buf.len() && terminator(buf[pos]) {
        match walk.next(k, buf, d) {
            Some((at, _)) if at == pos => pos += 1,
            // Not where the walk stands (it cannot happen): stop trusting the walk.
            _ => return Parsed::Lost,
        }
    }
    let lines = walk.lines_before(pos);
    if pos == buf.len() {
        return match eof {
            true => Parsed::End,
            false => Parsed::NeedMore { start: pos, lines },
        };
    }
    let start = pos;
    spans.clear();
    let quote = d.fast.quote.unwrap_or(0);
    let mut field_start = start;
    let mut plain = true;
    loop {
        let (end, quotes, ends_record) = match walk.next(k, buf, d) {
            Some((at, quotes)) => (at, quotes, terminator(buf[at])),
            None if eof => (buf.len(), walk.pending(), true),
            None => return Parsed::NeedMore { start, lines },
        };
        if quotes == 0 {
            spans.push(Span {
                start: field_start,
                end,
            });
        } else {
            plain = false;
            if !quoted_field(buf, field_start, end, quotes, quote, spans, scratch) {
                return Parsed::Irregular { start, lines };
            }
        }
        if ends_record {
            let end = if end == buf.len() { end } else { end + 1 };
            return Parsed::Record {
                start,
                end,
                plain,
                lines,
            };
        }
        field_start = end + 1;
    }
}

/// Adds the field `buf[start..end]`, which holds `quotes` quotes (at least one), to
/// `spans`; false if it is irregular (see the module's documentation).
#[inline(always)]
fn quoted_field(
    buf: &[u8],
    start: usize,
    end: usize,
    quotes: u32,
    quote: u8,
    spans: &mut Vec<Span>,
    scratch: &mut Vec<u8>,
) -> bool {
    if end - start < 2 || buf[start] != quote || buf[end - 1] != quote {
        return false;
    }
    if quotes == 2 {
        spans.push(Span {
            start: start + 1,
            end: end - 1,
        });
        return true;
    }
    match unescape(&buf[start + 1..end - 1], quote, scratch) {
        Some(span) => {
            spans.push(span);
            true
        }
        None => false,
    }
}

/// Appends `inner` (a quoted field's bytes inside its quotes) to `scratch` with each `""`
/// made one quote, and returns where it went; `None` if a quote is not half of a pair.
fn unescape(inner: &[u8], quote: u8, scratch: &mut Vec<u8>) -> Option<Span> {
    let from = scratch.len();
    let mut i = 0;
    while let Some(j) = memchr::memchr(quote, &inner[i..]) {
        let j = i + j;
        if inner.get(j + 1) != Some(&quote) {
            scratch.truncate(from);
            return None;
        }
        scratch.extend_from_slice(&inner[i..=j]);
        i = j + 2;
    }
    scratch.extend_from_slice(&inner[i..]);
    Some(Span {
        start: from | Span::SCRATCH,
        end: scratch.len(),
    })
}
