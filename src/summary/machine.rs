//! csv-core's record state machine, one byte at a time, from any state.
//!
//! csv-core runs its parser from the start of the input only and keeps its state private,
//! so a chunk in the middle of an input cannot be handed to it "as if in state X". This is
//! the same machine, written so that it can: the transitions are those of csv-core's NFA
//! (`transition_nfa`), with the epsilon states folded into the states they lead to
//! (`EndFieldDelim` is `StartField`, `EndRecord` and `CRLF` are `StartRecord`: they differ
//! from them in nothing that decides where records start and end), and with the DFA's two
//! quirks that decide real behaviour: a comment ends at `\n` only where `\n` is a special
//! byte (the DFA reads every other byte as byte 255), and the input ending inside a comment
//! is a record. csv-core strips a UTF-8 BOM at the input's start; three states follow it
//! byte by byte, so that a chunk may end inside it. The differential tests hold this
//! machine to the `csv` crate on random inputs and options.

use crate::options::{Options, Terminator};

/// Where the parser may be between two bytes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[repr(u8)]
pub(crate) enum State {
    /// Between records: terminators are skipped, a comment byte starts a comment line,
    /// anything else starts a record.
    StartRecord = 0,
    /// At the start of a field after a delimiter (a record is open).
    StartField = 1,
    /// In an unquoted field.
    InField = 2,
    /// In a quoted field.
    InQuoted = 3,
    /// Right after an escape byte in a quoted field.
    InEscape = 4,
    /// Right after a quote that closed a quoted field (or begins a doubled one).
    AfterQuote = 5,
    /// In a comment line.
    InComment = 6,
    /// At the input's start, nothing read.
    Bom0 = 7,
    /// At the input's start, `EF` read.
    Bom1 = 8,
    /// At the input's start, `EF BB` read.
    Bom2 = 9,
}

/// The number of states.
pub(crate) const STATES: usize = 10;

impl State {
    /// All states, by number.
    pub(crate) const ALL: [State; STATES] = [
        State::StartRecord,
        State::StartField,
        State::InField,
        State::InQuoted,
        State::InEscape,
        State::AfterQuote,
        State::InComment,
        State::Bom0,
        State::Bom1,
        State::Bom2,
    ];

    /// The state numbered `n`, if there is one.
    pub(crate) fn from_index(n: u64) -> Option<State> {
        State::ALL.get(usize::try_from(n).ok()?).copied()
    }

    /// Whether a record is open in this state (it ends at a terminator or the input's end).
    pub(crate) fn in_record(self) -> bool {
        matches!(
            self,
            State::StartField
                | State::InField
                | State::InQuoted
                | State::InEscape
                | State::AfterQuote
        )
    }
}

/// What a byte did, besides moving the state.
pub(crate) trait Events {
    /// A record starts at byte `at`.
    fn start(&mut self, at: u64);
    /// A field of the open record ends.
    fn field_end(&mut self);
    /// The open record ends; `end` is just past the byte that ended it.
    fn record_end(&mut self, end: u64);
    /// A comment line starts at byte `at`.
    fn comment(&mut self, at: u64);
}

/// The machine for one set of options.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Machine {
    delimiter: u8,
    /// `None` with quoting off.
    quote: Option<u8>,
    /// `None` with quoting off, as csv-core ignores it then.
    escape: Option<u8>,
    double_quote: bool,
    comment: Option<u8>,
    terminator: Terminator,
    comment_ends_at_newline: bool,
}

impl Machine {
    pub(crate) fn new(options: &Options) -> Machine {
        Machine {
            delimiter: options.delimiter(),
            quote: options.quoting().then_some(options.quote()),
            escape: options.escape().filter(|_| options.quoting()),
            double_quote: options.double_quote(),
            comment: options.comment(),
            terminator: options.terminator(),
            comment_ends_at_newline: options.is_special(b'\n'),
        }
    }

    /// The states a chunk starting at byte `offset` may begin in.
    pub(crate) fn possible_starts(&self, offset: u64) -> Vec<State> {
        if offset == 0 {
            return vec![State::Bom0];
        }
        let mut states = vec![State::StartRecord, State::StartField, State::InField];
        if self.quote.is_some() {
            states.extend([State::InQuoted, State::AfterQuote]);
        }
        if self.escape.is_some() {
            states.push(State::InEscape);
        }
        if self.comment.is_some() {
            states.push(State::InComment);
        }
        match offset {
            1 => states.push(State::Bom1),
            2 => states.push(State::Bom2),
            _ => {}
        }
        states
    }

    fn is_terminator(&self, b: u8) -> bool {
        match self.terminator {
            Terminator::CrlfAny => b == b'\r' || b == b'\n',
            Terminator::Byte(t) => b == t,
        }
    }

    /// The state after byte `b` at offset `at`, read in state `s`; events go to `ev`.
    #[inline]
    pub(crate) fn step(&self, s: State, b: u8, at: u64, ev: &mut impl Events) -> State {
        match s {
            State::StartRecord => {
                if self.is_terminator(b) {
                    State::StartRecord
                } else if self.comment == Some(b) {
                    ev.comment(at);
                    State::InComment
                } else {
                    ev.start(at);
                    self.start_field(b, at, ev)
                }
            }
            State::StartField => self.start_field(b, at, ev),
            State::InField => self.unquoted(b, at, ev),
            State::InQuoted => {
                if self.quote == Some(b) {
                    State::AfterQuote
                } else if self.escape == Some(b) {
                    State::InEscape
                } else {
                    State::InQuoted
                }
            }
            State::InEscape => State::InQuoted,
            State::AfterQuote => {
                if self.double_quote && self.quote == Some(b) {
                    State::InQuoted
                } else {
                    self.unquoted(b, at, ev)
                }
            }
            State::InComment => {
                if b == b'\n' && self.comment_ends_at_newline {
                    State::StartRecord
                } else {
                    State::InComment
                }
            }
            State::Bom0 if b == 0xEF => State::Bom1,
            State::Bom1 if b == 0xBB => State::Bom2,
            State::Bom2 if b == 0xBF => State::StartRecord,
            // Not a BOM after all: the bytes taken for one are data, read from the start.
            State::Bom0 | State::Bom1 | State::Bom2 => {
                let s = self.replay_bom(s, ev);
                self.step(s, b, at, ev)
            }
        }
    }

    /// The state after reading, from the input's start, the part of a BOM that `s` has
    /// seen, as the data it turned out to be.
    fn replay_bom(&self, s: State, ev: &mut impl Events) -> State {
        let seen: &[u8] = match s {
            State::Bom1 => &[0xEF],
            State::Bom2 => &[0xEF, 0xBB],
            _ => &[],
        };
        seen.iter()
            .zip(0u64..)
            .fold(State::StartRecord, |s, (&b, at)| self.step(s, b, at, ev))
    }

    /// `StartField`: a quote opens a quoted field, a delimiter ends an empty field, a
    /// terminator ends an empty field and the record.
    fn start_field(&self, b: u8, at: u64, ev: &mut impl Events) -> State {
        if self.quote == Some(b) {
            State::InQuoted
        } else {
            self.unquoted(b, at, ev)
        }
    }

    /// A byte outside quotes, in a field.
    fn unquoted(&self, b: u8, at: u64, ev: &mut impl Events) -> State {
        if b == self.delimiter {
            ev.field_end();
            State::StartField
        } else if self.is_terminator(b) {
            ev.field_end();
            ev.record_end(at + 1);
            State::StartRecord
        } else {
            State::InField
        }
    }

    /// The input ends at byte `end` in state `s`: the open record ends (with its last
    /// field), and so does a comment (csv-core's DFA makes it a record of one empty field,
    /// which `at_comment` reports, with `ev` left to the caller).
    pub(crate) fn eof(&self, s: State, end: u64, ev: &mut impl Events) -> EofRecord {
        let s = match s {
            State::Bom1 | State::Bom2 => self.replay_bom(s, ev),
            s => s,
        };
        if s.in_record() {
            ev.field_end();
            ev.record_end(end);
            EofRecord::Open
        } else if s == State::InComment {
            EofRecord::Comment
        } else {
            EofRecord::None
        }
    }
}

/// What the input's end does to the state it ends in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum EofRecord {
    /// Nothing was open.
    None,
    /// The open record ended.
    Open,
    /// A comment was open: it is a record of one empty field, starting at its comment byte.
    Comment,
}
