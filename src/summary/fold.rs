//! Folding summaries in order into the record count and the ranges, with the checks that a
//! serial reading would make (strict field counts, the record limit) at the same record.

use super::machine::{EofRecord, Machine, State};
use super::outcome::{Builder, Mark, Outcome};
use super::{fingerprint, Range, Summary};
use crate::error::{Error, ErrorKind, Position, RecordTooLong};
use crate::options::Options;

/// Folds the summaries of consecutive chunks that start at offset 0 and cover the input,
/// in order: one [`Range`] per chunk (the records that start in it, after the header), and
/// the record count, as [`crate::count_bytes`] gives it.
///
/// Fails with [`crate::ErrorKind::Invalid`] if the summaries are out of order, leave a gap,
/// are of another input or were made with other options; with [`crate::ErrorKind::Parse`]
/// where a serial reading would (a ragged record with `flexible` off, a record over the
/// limit), naming the same record.
///
/// ```
/// let data = b"a\n1\n2\n3\n";
/// let opts = csvr::Options::new();
/// let parts = [(0, 3), (3, 8)];
/// let summaries: Vec<_> = parts
///     .iter()
///     .map(|&(a, b)| csvr::summarize_bytes(&data[a..b], a as u64, &opts))
///     .collect::<Result<_, _>>()?;
/// let (ranges, total) = csvr::fold(&summaries, &opts)?;
/// assert_eq!(total, 3);
/// assert_eq!(ranges[0], csvr::Range { start: 2, end: 4, records: 1, first_record: 1, first_line: 2 });
/// assert_eq!(ranges[1], csvr::Range { start: 4, end: 8, records: 2, first_record: 2, first_line: 3 });
/// // Out of order: refused, not answered wrongly.
/// assert!(csvr::fold(&[summaries[1], summaries[0]], &opts).is_err());
/// # Ok::<(), csvr::Error>(())
/// ```
pub fn fold(chunks: &[Summary], options: &Options) -> Result<(Vec<Range>, u64), Error> {
    options.validate()?;
    let options_id = fingerprint(options);
    let limit = options.max_record_bytes();
    let mut acc = Outcome::empty(State::Bom0);
    let mut covered = 0u64;
    let mut input_len: Option<u64> = None;
    let mut pieces: Vec<Piece> = Vec::with_capacity(chunks.len());
    for (i, c) in chunks.iter().enumerate() {
        if c.options != options_id {
            return Err(Error::invalid(format!(
                "summary {i} was made with other options than the fold's"
            )));
        }
        if c.offset != covered {
            return Err(Error::invalid(format!(
                "summary {i} starts at byte {} but the chunk after byte {covered} was expected: \
                 summaries are folded in order, consecutive, from offset 0",
                c.offset
            )));
        }
        if c.input_len != super::outcome::NONE {
            if input_len.is_some_and(|l| l != c.input_len) {
                return Err(Error::invalid(format!(
                    "summary {i} is of an input of {} bytes, the ones before of {} bytes",
                    c.input_len,
                    input_len.unwrap_or(0)
                )));
            }
            input_len = Some(c.input_len);
        }
        let o = c.outcome(acc.end_state()).ok_or_else(|| {
            Error::invalid(format!("summary {i} does not fit where it is folded"))
        })?;
        pieces.push(Piece::new(&acc, o, c.offset, c.offset + c.len));
        acc = acc.then(o, limit);
        covered += c.len;
    }
    if let Some(len) = input_len {
        if covered != len {
            return Err(Error::invalid(format!(
                "the summaries cover {covered} bytes of an input of {len} bytes"
            )));
        }
    }
    let acc = at_end(acc, covered, options, &mut pieces);
    check(&acc, options)?;
    let data_first = u64::from(options.has_header());
    let total = acc.starts.saturating_sub(data_first);
    Ok((ranges(&pieces, &acc, covered, data_first), total))
}

/// One chunk, as the fold saw it: its first two record starts (in the whole input's
/// terms) and how many records start in it.
struct Piece {
    offset: u64,
    end: u64,
    starts: u64,
    first_two: [Mark; 2],
    records_before: u64,
}

impl Piece {
    fn new(before: &Outcome, o: &Outcome, offset: u64, end: u64) -> Piece {
        let global = |m: Mark| Mark {
            offset: m.offset,
            newlines: m.newlines + before.newlines,
            records: m.records + before.starts,
        };
        Piece {
            offset,
            end,
            starts: o.starts,
            first_two: [global(o.first), global(o.second)],
            records_before: before.starts,
        }
    }

    /// The mark of the chunk's first record after the header (record `data_first` on),
    /// if one starts in it.
    fn first_data_start(&self, data_first: u64) -> Option<Mark> {
        let skip = data_first.saturating_sub(self.records_before);
        (skip < self.starts).then(|| self.first_two[skip as usize])
    }

    /// The chunk's range, given `next`, the first data record start after it (or the
    /// input's end): its own records, or none, starting at `next`.
    fn range(&self, next: Mark, data_first: u64) -> Range {
        let start = self.first_data_start(data_first).unwrap_or(next);
        Range {
            start: start.offset,
            end: next.offset,
            records: self
                .starts
                .saturating_sub(data_first.saturating_sub(self.records_before)),
            first_record: start.records,
            first_line: 1 + start.newlines,
        }
    }

    /// One more record at the end of the chunk (one the input's end makes).
    fn push(&mut self, start: Mark) {
        if let Some(slot) = self.first_two.get_mut(self.starts as usize) {
            *slot = start;
        }
        self.starts += 1;
    }
}

/// The whole input's outcome once its end at byte `end` is read: the open record ends,
/// and a comment cut off by the end becomes a record. Such a record is given to the chunk
/// it starts in.
fn at_end(acc: Outcome, end: u64, options: &Options, pieces: &mut [Piece]) -> Outcome {
    let limit = options.max_record_bytes();
    let machine = Machine::new(options);
    let mut eof = Builder::new(acc.end_state(), limit, !options.flexible());
    let (acc, extra) = match machine.eof(acc.end_state(), end, &mut eof) {
        EofRecord::Comment => (
            acc.with_record(acc.comment, 1, end, limit),
            Some(acc.comment),
        ),
        _ => {
            let eof = eof.finish(State::StartRecord);
            let extra = (eof.starts > 0).then_some(eof.first);
            (acc.then(&eof, limit), extra)
        }
    };
    if let Some(start) = extra {
        let owner = pieces
            .iter()
            .position(|p| p.offset <= start.offset && start.offset < p.end)
            .or(pieces.len().checked_sub(1));
        if let Some(p) = owner {
            pieces[p].push(start);
        }
    }
    acc
}

/// The first record a serial reading would refuse, if any: a ragged one with `flexible`
/// off, or one longer than the limit (the first in the input; a record that is both is
/// reported as ragged, as the streaming counter checks fields first).
fn check(acc: &Outcome, options: &Options) -> Result<(), Error> {
    let at = |m: Mark| Position {
        line: 1 + m.newlines,
        byte: m.offset,
        record: m.records,
    };
    let ragged = (!options.flexible() && acc.ragged.is_some()).then_some(acc.ragged);
    let too_long =
        (options.max_record_bytes() != 0 && acc.too_long.is_some()).then_some(acc.too_long);
    match (ragged, too_long) {
        (Some(r), t) if t.is_none_or(|t| r.offset <= t.offset) => {
            Err(Error::unequal_lengths(acc.inner_fields, acc.ragged_fields).at(at(r)))
        }
        (_, Some(t)) => Err(Error::new(
            ErrorKind::Parse,
            RecordTooLong {
                limit: options.max_record_bytes(),
            }
            .to_string(),
        )
        .at(at(t))),
        _ => Ok(()),
    }
}

/// One range per chunk: the records after the header that start in it.
fn ranges(pieces: &[Piece], acc: &Outcome, end: u64, data_first: u64) -> Vec<Range> {
    let mut next = Mark {
        offset: end,
        newlines: acc.newlines,
        records: acc.starts,
    };
    let mut out = vec![Range::default(); pieces.len()];
    for (p, range) in pieces.iter().zip(out.iter_mut()).rev() {
        *range = p.range(next, data_first);
        next = p.first_data_start(data_first).unwrap_or(next);
    }
    out
}

/// What a parallel reader's worker is to parse for one chunk, as a [`Folder`] settles it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Planned {
    /// The records that start in the chunk (none, maybe), as [`fold`] would give them.
    Range(Range),
    /// Everything from this range's start to the input's end, as one range: after a
    /// record a serial reading refuses, or a chunk that could not be summarized, the rest
    /// is read as the serial reader reads it (`records` is not known: 0).
    Rest(Range),
    /// Nothing: an earlier chunk's [`Planned::Rest`] reads this one.
    Nothing,
}

/// [`fold`], one summary at a time, in order, for a reader that parses the ranges while
/// later chunks are still being summarized: each chunk's range is handed out as soon as
/// it is known, that is once a later chunk holds a record start (or the input ends).
pub(crate) struct Folder {
    options: Options,
    options_id: u64,
    data_first: u64,
    acc: Outcome,
    covered: u64,
    /// The chunks whose ranges are not handed out yet, from chunk `first_pending` on. Past
    /// the start, the first of them holds the last data record start seen.
    pending: Vec<Piece>,
    first_pending: usize,
    /// The data record start that closed the ranges handed out last (the first pending
    /// chunk's range starts there).
    closed_at: Option<Mark>,
    /// A [`Planned::Rest`] was handed out: nothing more is.
    over: bool,
}

impl Folder {
    pub(crate) fn new(options: &Options) -> Folder {
        Folder {
            options: options.clone(),
            options_id: fingerprint(options),
            data_first: u64::from(options.has_header()),
            acc: Outcome::empty(State::Bom0),
            covered: 0,
            pending: Vec::new(),
            first_pending: 0,
            closed_at: None,
            over: false,
        }
    }

    /// Folds in the next chunk's summary, whose chunk ends before `input_len`; the plans
    /// this settles go to `out` as (chunk, plan). A summary that does not fit (which the
    /// reader's own summaries always do) is an error; the caller then asks for the
    /// [`Folder::rest`].
    pub(crate) fn push(
        &mut self,
        s: &Summary,
        input_len: u64,
        out: &mut Vec<(usize, Planned)>,
    ) -> Result<(), Error> {
        if self.over {
            return Ok(());
        }
        if s.options != self.options_id || s.offset != self.covered {
            return Err(Error::invalid(
                "a summary does not follow the ones before it",
            ));
        }
        let o = s
            .outcome(self.acc.end_state())
            .ok_or_else(|| Error::invalid("a summary does not fit where it is folded"))?;
        let limit = self.options.max_record_bytes();
        self.pending
            .push(Piece::new(&self.acc, o, s.offset, s.offset + s.len));
        self.acc = self.acc.then(o, limit);
        self.covered += s.len;
        if self.refused() {
            self.rest(input_len, out);
            return Ok(());
        }
        self.settle(None, out);
        Ok(())
    }

    /// Folds in the input's end (after every chunk's summary) and hands out the ranges
    /// still open.
    pub(crate) fn finish(&mut self, out: &mut Vec<(usize, Planned)>) {
        if self.over {
            return;
        }
        let end = self.covered;
        self.acc = at_end(self.acc, end, &self.options, &mut self.pending);
        if self.refused() {
            self.rest(end, out);
            return;
        }
        let next = Mark {
            offset: end,
            newlines: self.acc.newlines,
            records: self.acc.starts,
        };
        self.settle(Some(next), out);
        self.over = true;
    }

    /// Hands out everything not handed out yet as one [`Planned::Rest`] to the input's
    /// end (`input_len`), and nothing after it.
    pub(crate) fn rest(&mut self, input_len: u64, out: &mut Vec<(usize, Planned)>) {
        if self.over {
            return;
        }
        self.over = true;
        // The next range's start: the data record start that closed the last ranges
        // handed out; before any, the rest is the whole input (read from its start,
        // header and all: the refused record may be the header).
        let range = match self.closed_at {
            Some(m) => Range {
                start: m.offset,
                end: input_len,
                records: 0,
                first_record: m.records,
                first_line: 1 + m.newlines,
            },
            None => Range {
                start: 0,
                end: input_len,
                records: 0,
                first_record: self.data_first,
                first_line: 1,
            },
        };
        out.push((self.first_pending, Planned::Rest(range)));
        self.pending.clear();
    }

    /// Whether a serial reading refuses a record folded so far (a ragged one with
    /// `flexible` off, or one over the limit).
    fn refused(&self) -> bool {
        (!self.options.flexible() && self.acc.ragged.is_some())
            || (self.options.max_record_bytes() != 0 && self.acc.too_long.is_some())
    }

    /// Hands out the ranges of the pending chunks that a later pending chunk's data
    /// record start closes, and with `end` (the input's end) all the others.
    fn settle(&mut self, end: Option<Mark>, out: &mut Vec<(usize, Planned)>) {
        loop {
            let closer = (1..self.pending.len()).find_map(|i| {
                self.pending[i]
                    .first_data_start(self.data_first)
                    .map(|m| (i, m))
            });
            let (upto, next) = match (closer, end) {
                (Some((i, m)), _) => (i, m),
                (None, Some(m)) => (self.pending.len(), m),
                (None, None) => return,
            };
            for (k, p) in self.pending.drain(..upto).enumerate() {
                let range = p.range(next, self.data_first);
                out.push((self.first_pending + k, Planned::Range(range)));
            }
            self.first_pending += upto;
            self.closed_at = Some(next);
            if self.pending.is_empty() {
                return;
            }
        }
    }
}
