//! Mergeable chunk summaries: cut an input into chunks anywhere, summarize each on its own
//! (on any thread, in any process), fold the summaries in order, and get exactly what one
//! serial reading gives: the record count and record-aligned [`Range`]s.
//!
//! A chunk's [`Summary`] holds, for every state csv-core's parser may be in at the chunk's
//! first byte, what reading the chunk from that state does (`outcome`). The states are few
//! (`machine`), so a summary is a small fixed-size value of plain integers. Folding follows
//! the real state from the input's start: the first chunk starts in the start state, and
//! each chunk's outcome for the state it really starts in says the state the next starts
//! in. Every rule the `csv` crate applies to records is in the summary: blank lines,
//! comments, escapes, quotes anywhere (`a"b`), CRLF and BOMs split across chunks, strict
//! field counts (`flexible` off) and the record limit. Only the speed differs by input.
//!
//! ```
//! let data = b"id,name\n1,\"a\nb\"\n2,c\n";
//! let opts = csvr::Options::new();
//! // Cut anywhere, even inside the quoted field.
//! let cut = 12;
//! let summaries = [
//!     csvr::summarize_bytes(&data[..cut], 0, &opts)?,
//!     csvr::summarize_bytes(&data[cut..], cut as u64, &opts)?,
//! ];
//! let (ranges, total) = csvr::fold(&summaries, &opts)?;
//! assert_eq!(total, 2);
//! assert_eq!((ranges[0].start, ranges[0].records), (8, 1));
//! assert_eq!((ranges[1].start, ranges[1].records, ranges[1].first_line), (16, 1, 4));
//! # Ok::<(), csvr::Error>(())
//! ```

mod fast;
mod fold;
mod machine;
mod outcome;
mod summarize;

use std::path::Path;

pub use fold::fold;
pub(crate) use fold::{Folder, Planned};
pub(crate) use machine::State;
pub(crate) use summarize::{chunk_bounds, count_file, count_slice, summarize_chunk};
pub use summarize::{split_bytes, split_path, summarize_bytes, summarize_path};

use crate::error::Error;
use crate::options::{Options, Terminator};
use outcome::Outcome;

/// Identifies a summary's layout ("csvrSum" and a layout number), so that other bytes, or
/// bytes of the other byte order, are refused.
const MAGIC: u64 = u64::from_le_bytes(*b"csvrSum1");

/// The words of a summary: the header, then one outcome per state.
pub(crate) const SUMMARY_WORDS: usize = HEADER_WORDS + machine::STATES * OUTCOME_WORDS;
const HEADER_WORDS: usize = 8;
const OUTCOME_WORDS: usize = std::mem::size_of::<Outcome>() / 8;

/// What one chunk of an input does, for every state the parser may be in at its start.
///
/// Made by [`summarize_bytes`] or [`summarize_path`], combined in order by [`fold`]. It is
/// a fixed-size value of plain integers: copy it, store it, or send it as
/// [`Summary::to_bytes`] to another process running the same version of csvr. It names its
/// chunk's place in the input, the options it was made with and the input's size (when it
/// was known), so that a fold of summaries out of order, of another input, or with other
/// options fails instead of answering wrongly.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(C)]
pub struct Summary {
    magic: u64,
    /// The crate version that made it.
    version: u64,
    /// The options that decide records (see `fingerprint`).
    options: u64,
    offset: u64,
    len: u64,
    /// The whole input's length, or `NONE` when the summarizer could not know it.
    input_len: u64,
    /// Bit `s` set: `outcomes[s]` was computed (the state may start the chunk).
    states: u64,
    outcomes: [Outcome; machine::STATES],
}

impl Summary {
    /// The offset of the chunk's first byte in the input.
    pub fn offset(&self) -> u64 {
        self.offset
    }

    /// The chunk's length in bytes.
    pub fn len(&self) -> u64 {
        self.len
    }

    /// Whether the chunk is empty.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The summary as [`SUMMARY_WORDS`] native-endian 64-bit words.
    pub fn to_words(&self) -> [u64; SUMMARY_WORDS] {
        // Built field by field, so that no `unsafe` reinterpretation is needed.
        let mut words = [0u64; SUMMARY_WORDS];
        words[..HEADER_WORDS].copy_from_slice(&[
            self.magic,
            self.version,
            self.options,
            self.offset,
            self.len,
            self.input_len,
            self.states,
            0,
        ]);
        for (o, chunk) in self
            .outcomes
            .iter()
            .zip(words[HEADER_WORDS..].chunks_mut(OUTCOME_WORDS))
        {
            chunk.copy_from_slice(&o.to_words());
        }
        words[CHECKSUM_WORD] = checksum(&words);
        words
    }

    /// The summary held in `words`; fails unless they are one, made by this version.
    pub fn from_words(words: &[u64]) -> Result<Summary, Error> {
        if words.len() != SUMMARY_WORDS || words[0] != MAGIC {
            return Err(Error::invalid("not a csvr summary"));
        }
        if words[1] != version() {
            return Err(Error::invalid(
                "the summary was made by another version of csvr",
            ));
        }
        if words[CHECKSUM_WORD] != checksum(words) {
            return Err(Error::invalid(
                "the summary was changed after it was made (its checksum does not match)",
            ));
        }
        let mut outcomes = [Outcome::empty(State::StartRecord); machine::STATES];
        for (o, chunk) in outcomes
            .iter_mut()
            .zip(words[HEADER_WORDS..].chunks(OUTCOME_WORDS))
        {
            *o = Outcome::from_words(chunk);
        }
        let s = Summary {
            magic: words[0],
            version: words[1],
            options: words[2],
            offset: words[3],
            len: words[4],
            input_len: words[5],
            states: words[6],
            outcomes,
        };
        if s.offset.checked_add(s.len).is_none() {
            return Err(Error::invalid("not a csvr summary"));
        }
        Ok(s)
    }

    /// The summary as bytes (its words, native-endian): what [`Summary::from_bytes`] reads.
    pub fn to_bytes(&self) -> Vec<u8> {
        self.to_words()
            .iter()
            .flat_map(|w| w.to_ne_bytes())
            .collect()
    }

    /// The summary held in `bytes`, as [`Summary::to_bytes`] wrote it.
    ///
    /// ```
    /// let opts = csvr::Options::new();
    /// let s = csvr::summarize_bytes(b"a\n1\n", 0, &opts)?;
    /// assert_eq!(csvr::Summary::from_bytes(&s.to_bytes())?, s);
    /// assert!(csvr::Summary::from_bytes(b"junk").is_err());
    /// # Ok::<(), csvr::Error>(())
    /// ```
    pub fn from_bytes(bytes: &[u8]) -> Result<Summary, Error> {
        if bytes.len() != SUMMARY_WORDS * 8 {
            return Err(Error::invalid(format!(
                "a csvr summary is {} bytes, not {}",
                SUMMARY_WORDS * 8,
                bytes.len()
            )));
        }
        let words: Vec<u64> = bytes
            .chunks_exact(8)
            .map(|c| u64::from_ne_bytes(c.try_into().expect("8 bytes")))
            .collect();
        Summary::from_words(&words)
    }

    /// The outcome for a chunk that starts in state `s`.
    fn outcome(&self, s: State) -> Option<&Outcome> {
        (self.states & (1 << s as u64) != 0).then(|| &self.outcomes[s as usize])
    }
}

impl Outcome {
    fn to_words(self) -> [u64; OUTCOME_WORDS] {
        let m = |m: outcome::Mark| [m.offset, m.newlines, m.records];
        let mut w = [0u64; OUTCOME_WORDS];
        let parts: [&[u64]; 10] = [
            &[self.end_state, self.newlines, self.starts],
            &m(self.first),
            &m(self.second),
            &m(self.last),
            &[self.lead_fields, self.lead_end, self.tail_fields],
            &[self.inner_fields],
            &m(self.ragged),
            &[self.ragged_fields],
            &m(self.too_long),
            &m(self.comment),
        ];
        let mut i = 0;
        for p in parts {
            w[i..i + p.len()].copy_from_slice(p);
            i += p.len();
        }
        debug_assert_eq!(i, OUTCOME_WORDS);
        w
    }

    fn from_words(w: &[u64]) -> Outcome {
        let m = |i: usize| outcome::Mark {
            offset: w[i],
            newlines: w[i + 1],
            records: w[i + 2],
        };
        Outcome {
            end_state: w[0],
            newlines: w[1],
            starts: w[2],
            first: m(3),
            second: m(6),
            last: m(9),
            lead_fields: w[12],
            lead_end: w[13],
            tail_fields: w[14],
            inner_fields: w[15],
            ragged: m(16),
            ragged_fields: w[19],
            too_long: m(20),
            comment: m(23),
        }
    }
}

/// A record-aligned piece of an input: the records that start in `[start, end)`.
///
/// The ranges of one [`fold`] or split cover every record after the header, in order,
/// with no gap and no overlap; a range reader ([`crate::Reader::from_path_range`]) yields
/// exactly its records, with the positions the whole-input reader gives them.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
#[repr(C)]
pub struct Range {
    /// The offset of the range's first record, or `end` if it has none.
    pub start: u64,
    /// Just past the range: the next range's start (the input's end for the last one).
    pub end: u64,
    /// The number of records in the range.
    pub records: u64,
    /// The record number of its first record (the header is record 0 with `has_header`).
    pub first_record: u64,
    /// The 1-based line of its first record's first byte.
    pub first_line: u64,
}

/// Where a summary's words hold their checksum: a summary changed on its way (a flipped
/// bit, a copy cut short) is refused, not folded into a wrong answer.
const CHECKSUM_WORD: usize = 7;

/// A checksum of every word of a summary but the checksum itself (FNV-1a over the bytes).
fn checksum(words: &[u64]) -> u64 {
    let bytes: Vec<u8> = words
        .iter()
        .enumerate()
        .filter(|&(i, _)| i != CHECKSUM_WORD)
        .flat_map(|(_, w)| w.to_le_bytes())
        .collect();
    fnv1a(&bytes)
}

/// The crate version, as a number a summary can carry.
fn version() -> u64 {
    fnv1a(env!("CARGO_PKG_VERSION").as_bytes())
}

/// The options that decide where records are and whether they are accepted, as a number:
/// a summary made with other such options cannot be folded with these.
fn fingerprint(options: &Options) -> u64 {
    let opt = |b: Option<u8>| b.map_or(0x100, u16::from).to_le_bytes();
    let terminator = match options.terminator() {
        Terminator::CrlfAny => 0x100u16,
        Terminator::Byte(t) => u16::from(t),
    };
    let mut bytes = vec![
        options.delimiter(),
        options.quote(),
        u8::from(options.double_quote()),
        u8::from(options.quoting()),
        u8::from(options.has_header()),
        u8::from(options.flexible()),
    ];
    bytes.extend(opt(options.escape()));
    bytes.extend(opt(options.comment()));
    bytes.extend(terminator.to_le_bytes());
    bytes.extend(options.max_record_bytes().to_le_bytes());
    fnv1a(&bytes)
}

/// FNV-1a: a small, stable hash (the standard library's may change between releases).
fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |h, &b| {
        (h ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01b3)
    })
}

/// Fails unless the input is read as it is: offsets into compressed bytes name no record.
pub(crate) fn require_plain(head: &[u8], options: &Options) -> Result<(), Error> {
    if crate::input::is_plain(head, options.decompress()) {
        Ok(())
    } else {
        Err(Error::invalid(
            "summaries, splits and ranges need uncompressed input (set decompress to none \
             to read compressed bytes as they are)",
        ))
    }
}

/// `path` described for messages.
fn describe(path: &Path) -> String {
    crate::input::describe_path(path)
}

#[cfg(test)]
mod tests;

/// Where the input's first record ends and the newlines before that end: what every
/// range reader of an input needs, found once per input.
#[derive(Clone, Copy, Debug)]
pub(crate) struct FirstRecord {
    /// Just past the byte that ends it (the input's length if the input ends first).
    pub(crate) end: u64,
    /// The `\n` bytes before `end`.
    pub(crate) newlines: u64,
}

/// Where the input's first record ends: the prefix a range reader reads before its range
/// (see `input::FileRange`).
pub(crate) fn first_record_end(
    mut input: impl std::io::Read,
    options: &Options,
) -> std::io::Result<FirstRecord> {
    struct FirstEnd(Option<u64>);
    impl machine::Events for FirstEnd {
        fn start(&mut self, _: u64) {}
        fn field_end(&mut self) {}
        fn record_end(&mut self, end: u64) {
            self.0.get_or_insert(end);
        }
        fn comment(&mut self, _: u64) {}
    }
    let machine = machine::Machine::new(options);
    let mut state = State::Bom0;
    let mut seen = FirstEnd(None);
    let (mut pos, mut newlines) = (0u64, 0u64);
    let mut buf = vec![0u8; 1 << 16];
    loop {
        let n = match input.read(&mut buf) {
            Ok(0) => return Ok(FirstRecord { end: pos, newlines }),
            Ok(n) => n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        for &b in &buf[..n] {
            state = machine.step(state, b, pos, &mut seen);
            newlines += u64::from(b == b'\n');
            pos += 1;
            if let Some(end) = seen.0 {
                return Ok(FirstRecord { end, newlines });
            }
        }
    }
}
