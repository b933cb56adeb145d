//! The structural index: where the fields and records of a buffer end, 64 bytes at a time.
//!
//! As in simdjson's stage 1, each block of 64 bytes becomes bitmasks (quotes, delimiters,
//! terminators; see `count::classify`), the quote parity carried from block to block tells
//! which bytes lie inside quotes, and the delimiters and terminators outside quotes (the
//! *structurals*) are written out as a list of offsets. With each structural comes whether
//! a quote came since the one before, which is all it takes to check a field:
//!
//! - no quote: the field is the bytes between the structurals, as csv-core reads them;
//! - a quote first and last and none between: the bytes inside them;
//! - a quote first and last and others between: the bytes inside, where every quote must
//!   be half of a `""` pair (it is then unescaped);
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
use crate::input::count_newlines;

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

/// How many blocks stage 1 classifies at a time: enough that its loop runs on, few enough
/// that starting over after a record csv-core read wastes little.
const STAGE_1_BLOCKS: usize = 64;

/// Marks a structural in [`Walk`]'s list that ends a field holding a quote.
const QUOTED: usize = 1 << (usize::BITS - 1);

/// The walk over one buffer, in two stages as in simdjson: stage 1 classifies a run of
/// blocks and writes the offset of every structural into a list (eight at a time, without
/// a branch per bit), marking those that end a field with a quote in it; stage 2 (the
/// records' parse) takes them in order. It stays valid as long as the buffer's bytes do
/// not move, so one walk serves many records.
#[derive(Debug, Default)]
pub(crate) struct Walk {
    /// Structurals found (buffer offsets, with [`QUOTED`]); `ends[taken..]` not taken yet.
    ends: Vec<usize>,
    taken: usize,
    /// The next block stage 1 classifies.
    block: usize,
    /// All ones when the byte before `block` lies inside quotes.
    inside: u64,
    /// Whether a quote came after the last structural found.
    pending: bool,
    /// Newlines in the bytes the structurals taken so far cover, since the walk began.
    lines: u64,
    /// The first structural of the record being parsed: the list keeps it and those after.
    record_first: usize,
}

impl Walk {
    /// Starts over at buffer offset `at`, which lies outside quotes (a record start).
    pub(crate) fn reset(&mut self, at: usize) {
        self.ends.clear();
        self.taken = 0;
        self.block = at;
        self.inside = 0;
        self.pending = false;
        self.lines = 0;
        self.record_first = 0;
    }

    /// The field ends of a record parsed with [`FieldsAt::Plain`].
    #[inline(always)]
    pub(crate) fn plain_ends(&self, first: usize, end: usize) -> &[usize] {
        &self.ends[first..end]
    }

    /// The next structural (with [`QUOTED`] if the field it ends holds a quote); `None`
    /// at the end of `buf` (whether the last field holds a quote is then `pending`).
    #[inline(always)]
    fn next(&mut self, k: &impl BlockKernels, buf: &[u8], d: &Dialect) -> Option<usize> {
        while self.taken == self.ends.len() {
            if self.block >= buf.len() {
                return None;
            }
            self.stage_1(k, buf, d);
        }
        let end = self.ends[self.taken];
        self.taken += 1;
        Some(end)
    }

    /// Classifies up to [`STAGE_1_BLOCKS`] blocks from `block` into the list (every
    /// structural in it was taken; those of the record being parsed are kept).
    #[inline(always)]
    fn stage_1(&mut self, k: &impl BlockKernels, buf: &[u8], d: &Dialect) {
        self.ends.drain(..self.record_first);
        self.taken -= self.record_first;
        self.record_first = 0;
        for _ in 0..STAGE_1_BLOCKS {
            if self.block >= buf.len() {
                break;
            }
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
            let inside = match quotes {
                0 => self.inside,
                q => k.prefix_xor(q) ^ self.inside,
            };
            self.inside = ((inside as i64) >> 63) as u64;
            let structurals = (delims | terms) & !inside;
            if quotes == 0 && !self.pending {
                flatten::<false>(&mut self.ends, structurals, 0, self.block);
            } else {
                let quoted = self.quoted_ends(structurals, quotes);
                flatten::<true>(&mut self.ends, structurals, quoted, self.block);
            }
            self.block += 64;
        }
    }

    /// The structurals that end a field holding a quote, by carry propagation: in the
    /// bits that are not structurals, adding a quote carries from it up to the next
    /// structural, which the carry sets; a run with no quote is left as it was. A quote
    /// after the block's last structural carries out of the block (`pending`), and one
    /// from before carries in at bit 0.
    #[inline(always)]
    fn quoted_ends(&mut self, structurals: u64, quotes: u64) -> u64 {
        let (sum, out_1) = (!structurals).overflowing_add(quotes);
        let (sum, out_2) = sum.overflowing_add(u64::from(self.pending));
        self.pending = out_1 | out_2;
        sum & structurals
    }
}

/// Appends `base + i` for each set bit `i` of `bits`, with [`QUOTED`] where `quoted` has
/// bit `i`, eight at a time, without a branch per bit (simdjson's `flatten_bits`): a
/// round writes eight slots, those past the count into reserved room that is not kept.
/// `FLAGS` off: `quoted` is 0 (a block without quotes), and the flags are not computed.
#[inline(always)]
fn flatten<const FLAGS: bool>(ends: &mut Vec<usize>, mut bits: u64, quoted: u64, base: usize) {
    let count = bits.count_ones() as usize;
    ends.reserve(64);
    let len = ends.len();
    let ptr = ends.as_mut_ptr();
    let mut written = 0;
    while written < count {
        for j in 0..8 {
            let i = bits.trailing_zeros();
            // Bit 64 is no bit: a slot past the count takes a flag of 0.
            let flag = match FLAGS {
                true => ((quoted.checked_shr(i).unwrap_or(0) & 1) as usize) << (usize::BITS - 1),
                false => 0,
            };
            // SAFETY: rounds of 8 run while `written < count <= 64`, so `written + j` stays
            // below `count` rounded up to a multiple of 8, which is at most 64: inside the
            // room reserved above.
            unsafe { ptr.add(len + written + j).write((base + i as usize) | flag) };
            bits &= bits.wrapping_sub(1);
        }
        written += 8;
    }
    // SAFETY: the first `count` slots after `len` were written above.
    unsafe { ends.set_len(len + count) };
}

/// The dialect as the index needs it.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Dialect {
    pub(crate) fast: FastDialect,
    /// Whether `\n` is no delimiter or terminator: then newlines are counted in every
    /// field (otherwise those outside quotes are structurals, counted as they are taken,
    /// and only quoted fields are looked into).
    newline_is_text: bool,
    /// Whether `\n` is a terminator, or no special byte at all: then the fields between
    /// the terminators take no newline counting (see [`parse_record`]'s hot loop).
    skim: bool,
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
        let newline_is_text = fast.delimiter != b'\n' && !fast.is_terminator(b'\n');
        Dialect {
            fast,
            newline_is_text,
            skim: !newline_is_text && fast.delimiter != b'\n',
            pad,
        }
    }
}

/// Where a record's fields are.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum FieldsAt {
    /// In the spans.
    Spans,
    /// No field is quoted: they lie back to back from the record's start, one delimiter
    /// apart, and end where the walk's structurals `first..end` are
    /// ([`Walk::plain_ends`]).
    Plain { first: usize, end: usize },
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
        fields: FieldsAt,
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
    walk.record_first = walk.taken;
    // Blank lines: each terminator outside quotes is a structural, taken here.
    while pos < buf.len() && terminator(buf[pos]) {
        match walk.next(k, buf, d) {
            Some(at) if at == pos => {
                walk.lines += u64::from(buf[pos] == b'\n');
                pos += 1;
            }
            // Not where the walk stands (it cannot happen): stop trusting the walk.
            _ => return Parsed::Lost,
        }
    }
    let lines = walk.lines;
    if pos == buf.len() {
        return match eof {
            true => Parsed::End,
            false => Parsed::NeedMore { start: pos, lines },
        };
    }
    let start = pos;
    walk.record_first = walk.taken;
    spans.clear();
    let quote = d.fast.quote.unwrap_or(0);
    let mut field_start = start;
    // Until a field is quoted, fields are only counted: their ends are the structurals.
    let mut plain = true;
    loop {
        if plain && d.skim {
            // The hot loop: fields without quotes need nothing but their end, which the
            // list holds. It stops before a quoted field or the record's terminator.
            let mut t = walk.taken;
            while let Some(&at) = walk.ends.get(t) {
                if at & QUOTED != 0 || terminator(buf[at]) {
                    break;
                }
                field_start = at + 1;
                t += 1;
            }
            walk.taken = t;
        }
        let (end, quoted, ends_record) = match walk.next(k, buf, d) {
            Some(at) => {
                let end = at & !QUOTED;
                let byte = buf[end];
                walk.lines += u64::from(byte == b'\n');
                (end, at & QUOTED != 0, terminator(byte))
            }
            None if eof => (buf.len(), walk.pending, true),
            None => return Parsed::NeedMore { start, lines },
        };
        if d.newline_is_text {
            walk.lines += count_newlines(&buf[field_start..end]);
        }
        if plain && (quoted || end == buf.len()) {
            // Spans from here on: first those of the fields before this one.
            plain = false;
            let before = walk.taken - walk.record_first - usize::from(end != buf.len());
            let mut from = start;
            for &e in &walk.ends[walk.record_first..walk.record_first + before] {
                spans.push(Span {
                    start: from,
                    end: e,
                });
                from = e + 1;
            }
        }
        if !quoted {
            if !plain {
                spans.push(Span {
                    start: field_start,
                    end,
                });
            }
        } else {
            if !quoted_field(buf, field_start, end, quote, spans, scratch) {
                return Parsed::Irregular { start, lines };
            }
            if !d.newline_is_text {
                walk.lines += count_newlines(&buf[field_start..end]);
            }
        }
        if ends_record {
            let fields = match plain {
                true => FieldsAt::Plain {
                    first: walk.record_first,
                    end: walk.taken,
                },
                false => FieldsAt::Spans,
            };
            let end = if end == buf.len() { end } else { end + 1 };
            return Parsed::Record {
                start,
                end,
                fields,
                lines,
            };
        }
        field_start = end + 1;
    }
}

/// Adds the field `buf[start..end]`, which holds a quote, to `spans`; false if it is
/// irregular (see the module's documentation).
#[inline(always)]
fn quoted_field(
    buf: &[u8],
    start: usize,
    end: usize,
    quote: u8,
    spans: &mut Vec<Span>,
    scratch: &mut Vec<u8>,
) -> bool {
    if end - start < 2 || buf[start] != quote || buf[end - 1] != quote {
        return false;
    }
    let inner = &buf[start + 1..end - 1];
    if !holds(inner, quote) {
        spans.push(Span {
            start: start + 1,
            end: end - 1,
        });
        return true;
    }
    match unescape(inner, quote, scratch) {
        Some(span) => {
            spans.push(span);
            true
        }
        None => false,
    }
}

/// Whether `bytes` holds `byte`. Quoted fields are mostly short, and for them a loop
/// without an early exit (which the compiler vectorizes) beats a call to `memchr` (a
/// profile of the quoted corpus had 14% in those calls).
#[inline(always)]
fn holds(bytes: &[u8], byte: u8) -> bool {
    match bytes.len() <= 64 {
        true => bytes.iter().fold(false, |seen, &b| seen | (b == byte)),
        false => memchr::memchr(byte, bytes).is_some(),
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
