//! What a stretch of input does when read from one given state, and how two consecutive
//! stretches combine.
//!
//! An [`Outcome`] holds what the fold needs to place and check records: how many start in
//! the stretch and where the first, second and last start, where the state ends, and for
//! the strict options the field counts and lengths of the records, as far as the stretch
//! sees them. Records relate to a stretch in three ways: the *lead* record was open when
//! the stretch began, *inner* records start and end in it, and the *tail* record starts in
//! it and is still open at its end. [`Outcome::then`] combines the outcomes of two
//! consecutive stretches (the second read from the state the first ends in) into the
//! outcome of both; it is associative, which is what lets chunks be summarized apart and
//! folded in order.

use super::machine::{Events, State};

/// "None" for an offset or a count in a summary (summaries are plain integers).
pub(crate) const NONE: u64 = u64::MAX;

/// A place in the input: a byte offset, and the `\n` bytes and record starts between the
/// stretch's start and it (so that lines and record numbers add up when stretches join).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(C)]
pub(crate) struct Mark {
    pub(crate) offset: u64,
    pub(crate) newlines: u64,
    pub(crate) records: u64,
}

impl Mark {
    pub(crate) const NONE: Mark = Mark {
        offset: NONE,
        newlines: 0,
        records: 0,
    };

    pub(crate) fn is_some(&self) -> bool {
        self.offset != NONE
    }

    /// The same place seen from a stretch that began `by` earlier: that many newlines and
    /// record starts before.
    fn shifted(self, by: Shift) -> Mark {
        if self.is_some() {
            Mark {
                offset: self.offset,
                newlines: self.newlines + by.newlines,
                records: self.records + by.records,
            }
        } else {
            self
        }
    }
}

/// How much comes before a stretch that is joined after another.
#[derive(Clone, Copy, Debug)]
struct Shift {
    newlines: u64,
    records: u64,
}

/// What reading a stretch from one state does (see the module docs).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(C)]
pub(crate) struct Outcome {
    /// The state at the stretch's end (a `State` number).
    pub(crate) end_state: u64,
    /// `\n` bytes in the stretch.
    pub(crate) newlines: u64,
    /// Records that start in the stretch.
    pub(crate) starts: u64,
    pub(crate) first: Mark,
    pub(crate) second: Mark,
    pub(crate) last: Mark,
    /// Field ends of the lead record in the stretch, and just past its end (`NONE`: it goes
    /// on past the stretch, or there is no lead record).
    pub(crate) lead_fields: u64,
    pub(crate) lead_end: u64,
    /// Field ends of the tail record in the stretch.
    pub(crate) tail_fields: u64,
    /// Fields of the first inner record (`NONE`: no inner record).
    pub(crate) inner_fields: u64,
    /// The first inner record whose field count is not `inner_fields`, and its count.
    pub(crate) ragged: Mark,
    pub(crate) ragged_fields: u64,
    /// The first inner record longer than the record limit.
    pub(crate) too_long: Mark,
    /// Where the comment open at the stretch's end began, if it began in the stretch.
    pub(crate) comment: Mark,
}

impl Outcome {
    /// Nothing read yet, in state `s`.
    pub(crate) fn empty(s: State) -> Outcome {
        Outcome {
            end_state: s as u64,
            newlines: 0,
            starts: 0,
            first: Mark::NONE,
            second: Mark::NONE,
            last: Mark::NONE,
            lead_fields: 0,
            lead_end: NONE,
            tail_fields: 0,
            inner_fields: NONE,
            ragged: Mark::NONE,
            ragged_fields: 0,
            too_long: Mark::NONE,
            comment: Mark::NONE,
        }
    }

    pub(crate) fn end_state(&self) -> State {
        State::from_index(self.end_state).unwrap_or(State::StartRecord)
    }

    /// Whether the record open at the end started in the stretch.
    fn has_tail(&self) -> bool {
        self.starts > 0 && self.end_state().in_record()
    }

    /// This stretch followed by `next`, which was read from the state this one ends in;
    /// `limit` is the record limit (0: none).
    pub(crate) fn then(&self, next: &Outcome, limit: u64) -> Outcome {
        let a = self;
        let b = next;
        let shift = Shift {
            newlines: a.newlines,
            records: a.starts,
        };
        let mut out = Outcome {
            end_state: b.end_state,
            newlines: a.newlines + b.newlines,
            starts: a.starts + b.starts,
            first: if a.starts > 0 {
                a.first
            } else {
                b.first.shifted(shift)
            },
            second: match a.starts {
                0 => b.second.shifted(shift),
                1 => b.first.shifted(shift),
                _ => a.second,
            },
            last: if b.starts > 0 {
                b.last.shifted(shift)
            } else {
                a.last
            },
            lead_fields: a.lead_fields,
            lead_end: a.lead_end,
            tail_fields: b.tail_fields,
            inner_fields: a.inner_fields,
            ragged: a.ragged,
            ragged_fields: a.ragged_fields,
            too_long: a.too_long,
            comment: if b.comment.is_some() {
                b.comment.shifted(shift)
            } else {
                a.comment
            },
        };
        // The record open where the stretches meet, if any, goes on in `b` as its lead.
        let joined_lead = a.starts == 0 && a.lead_end == NONE && a.end_state().in_record();
        if joined_lead {
            out.lead_fields = a.lead_fields + b.lead_fields;
            out.lead_end = b.lead_end;
        }
        let mut inner = Inner::of(&out, limit);
        if a.has_tail() {
            let fields = a.tail_fields + b.lead_fields;
            if b.lead_end == NONE {
                // Still open: it is the tail of both (b has no start of its own).
                out.tail_fields = fields;
            } else {
                inner.push(a.last, fields, b.lead_end);
            }
        }
        if b.inner_fields != NONE {
            inner.push_all(b, shift);
        }
        inner.store(&mut out);
        out
    }
}

impl Outcome {
    /// This stretch followed by one more record, made by the input's end: it starts at
    /// `start` (seen from this stretch's start), has `fields` fields and ends at `end`.
    pub(crate) fn with_record(&self, start: Mark, fields: u64, end: u64, limit: u64) -> Outcome {
        let mut out = *self;
        match out.starts {
            0 => out.first = start,
            1 => out.second = start,
            _ => {}
        }
        out.last = start;
        out.starts += 1;
        out.end_state = State::StartRecord as u64;
        out.comment = Mark::NONE;
        let mut inner = Inner::of(&out, limit);
        inner.push(start, fields, end);
        inner.store(&mut out);
        out
    }
}

/// The inner records' checks, as records are added in order.
struct Inner {
    fields: u64,
    ragged: Mark,
    ragged_fields: u64,
    too_long: Mark,
    limit: u64,
}

impl Inner {
    /// The checks of `outcome`'s inner records so far.
    fn of(outcome: &Outcome, limit: u64) -> Inner {
        Inner {
            fields: outcome.inner_fields,
            ragged: outcome.ragged,
            ragged_fields: outcome.ragged_fields,
            too_long: outcome.too_long,
            limit,
        }
    }

    /// Writes the checks back into `outcome`.
    fn store(&self, outcome: &mut Outcome) {
        outcome.inner_fields = self.fields;
        outcome.ragged = self.ragged;
        outcome.ragged_fields = self.ragged_fields;
        outcome.too_long = self.too_long;
    }

    /// One more record: it starts at `start`, has `fields` fields and ends at `end`.
    fn push(&mut self, start: Mark, fields: u64, end: u64) {
        if self.fields == NONE {
            self.fields = fields;
        } else if fields != self.fields && !self.ragged.is_some() {
            self.ragged = start;
            self.ragged_fields = fields;
        }
        if self.limit != 0 && end - start.offset > self.limit && !self.too_long.is_some() {
            self.too_long = start;
        }
    }

    /// All inner records of `b`, whose marks are `shift` newlines late.
    fn push_all(&mut self, b: &Outcome, shift: Shift) {
        // b's first inner record is its first start.
        let first = b.first.shifted(shift);
        if self.fields == NONE {
            self.fields = b.inner_fields;
            self.ragged = b.ragged.shifted(shift);
            self.ragged_fields = b.ragged_fields;
        } else if !self.ragged.is_some() {
            if b.inner_fields != self.fields {
                self.ragged = first;
                self.ragged_fields = b.inner_fields;
            } else {
                self.ragged = b.ragged.shifted(shift);
                self.ragged_fields = b.ragged_fields;
            }
        }
        if !self.too_long.is_some() {
            self.too_long = b.too_long.shifted(shift);
        }
    }
}

/// Builds the outcome of a stretch read byte by byte (the machine's events land here).
pub(crate) struct Builder {
    out: Outcome,
    limit: u64,
    /// The open record: where it started (`None` for the lead record) and its field ends.
    open: Option<(Option<Mark>, u64)>,
    /// Newlines so far, for the marks.
    newlines: u64,
    inner: Inner,
    /// Whether field ends are counted: only strict field counts (`flexible` off) need
    /// them, and leaving them out makes a flexible summary depend on record places
    /// alone, which the fast path (`fast`) finds without looking at fields.
    count_fields: bool,
}

impl Builder {
    /// A stretch read from state `s`, with record limit `limit` (0: none), counting
    /// fields if `count_fields`.
    pub(crate) fn new(s: State, limit: u64, count_fields: bool) -> Builder {
        Builder {
            out: Outcome::empty(s),
            limit,
            open: s.in_record().then_some((None, 0)),
            newlines: 0,
            inner: Inner {
                fields: NONE,
                ragged: Mark::NONE,
                ragged_fields: 0,
                too_long: Mark::NONE,
                limit,
            },
            count_fields,
        }
    }

    fn mark(&self, at: u64) -> Mark {
        Mark {
            offset: at,
            newlines: self.newlines,
            records: self.out.starts,
        }
    }

    /// Counts a `\n` read before the next byte's events.
    #[inline]
    pub(crate) fn newline(&mut self) {
        self.newlines += 1;
    }

    /// The outcome, the stretch ending in state `s`.
    pub(crate) fn finish(mut self, s: State) -> Outcome {
        self.out.end_state = s as u64;
        self.out.newlines = self.newlines;
        match self.open {
            Some((None, fields)) => self.out.lead_fields = fields,
            Some((Some(_), fields)) => self.out.tail_fields = fields,
            None => {}
        }
        if s != State::InComment {
            self.out.comment = Mark::NONE;
        }
        self.out.inner_fields = self.inner.fields;
        self.out.ragged = self.inner.ragged;
        self.out.ragged_fields = self.inner.ragged_fields;
        self.out.too_long = self.inner.too_long;
        let _ = self.limit;
        self.out
    }
}

impl Events for Builder {
    #[inline]
    fn start(&mut self, at: u64) {
        let m = self.mark(at);
        match self.out.starts {
            0 => self.out.first = m,
            1 => self.out.second = m,
            _ => {}
        }
        self.out.last = m;
        self.out.starts += 1;
        self.open = Some((Some(m), 0));
    }

    #[inline]
    fn field_end(&mut self) {
        if let (true, Some((_, fields))) = (self.count_fields, &mut self.open) {
            *fields += 1;
        }
    }

    #[inline]
    fn record_end(&mut self, end: u64) {
        match self.open.take() {
            Some((None, fields)) => {
                self.out.lead_fields = fields;
                self.out.lead_end = end;
            }
            Some((Some(start), fields)) => self.inner.push(start, fields, end),
            None => {}
        }
    }

    #[inline]
    fn comment(&mut self, at: u64) {
        self.out.comment = self.mark(at);
    }
}
