//! The record parser: the structural index where it is exact, csv-core where it must be.
//!
//! [`FastReader`] reads its input into a buffer and takes records out of it with the
//! structural index (`index`): a field without quotes, and a quoted one without `""`, is a
//! span of the buffer, never copied here; only a field with `""` is unescaped (into a
//! scratch buffer). A record the index cannot vouch for (a stray quote) is handed to
//! csv-core, which reads it from its first byte in the state every record starts in; the
//! index takes over again at the next record. So records are csv-core's on every input;
//! only the speed depends on it.
//!
//! It also does what the `csv` crate's reader does on top of csv-core for the options it
//! serves (see [`supports`]): the byte order mark at the start, record numbers, UTF-8
//! checks in text mode (the same error, field and offset as the crate's), and what the
//! record tracker does for the other parser: each record's true start and line, and the
//! `max_record_bytes` budget.

mod index;
#[cfg(test)]
mod tests;

use std::io::{self, Read};

use crate::count::classify::Classifier;
use crate::count::scan::{with_kernels, BlockKernels, FastDialect, KernelUser};
use crate::error::{Error, ErrorKind, Position, RecordTooLong};
use crate::input::count_newlines;
use crate::options::{Options, Terminator, Trim};
use index::{parse_record, Dialect, Parsed, Span, Walk};

/// The buffer's first size; it doubles for a record that does not fit.
const FIRST_BUFFER: usize = 64 << 10;

/// Whether [`FastReader`] reads with these options exactly as the `csv` crate does: the
/// options of the fast scanner (no comments, no escapes, quotes doubled, `flexible` on)
/// and no trimming.
pub(crate) fn supports(options: &Options) -> bool {
    FastDialect::new(options).is_some() && options.trim() == Trim::None
}

/// A record parser over any `Read` (see the module's documentation).
pub(crate) struct FastReader<R> {
    input: R,
    /// How the input is named in error messages.
    source: String,
    dialect: Dialect,
    classifier: Classifier,
    /// csv-core, for the records the index cannot vouch for. It is only ever handed
    /// input at a record's first byte.
    core: csv_core::Reader,
    utf8: bool,
    limit: Option<u64>,
    /// The bytes read: `buf[..filled]` (the rest is zeros, never read as input).
    buf: Vec<u8>,
    filled: usize,
    /// Where the next record's search begins.
    pos: usize,
    /// The input offset of `buf[0]`.
    base: u64,
    eof: bool,
    /// No record may be read any more (the input failed, or a record would not end).
    done: bool,
    /// Whether the byte order mark at the input's start has been looked for.
    started: bool,
    walk: Walk,
    /// Newlines are counted in `buf[..line_cursor]`: `lines` of them before the buffer's
    /// start and in it.
    line_cursor: usize,
    lines: u64,
    /// The number the next record gets (the header is record 0).
    records: u64,
    /// The current record: its fields, the unescaped ones (or, from csv-core, all of
    /// them) in `scratch`, and where its bytes lie (`raw`, in `buf` or, with
    /// `Span::SCRATCH`, in `scratch`).
    spans: Vec<Span>,
    scratch: Vec<u8>,
    core_ends: Vec<usize>,
    raw: Span,
}

/// The record [`FastReader::next`] read: valid until the next call.
pub(crate) struct Current<'a> {
    buf: &'a [u8],
    scratch: &'a [u8],
    spans: &'a [Span],
    raw: Span,
    /// Where the record starts.
    pub(crate) position: Position,
}

impl<'a> Current<'a> {
    /// The fields, in order.
    #[inline]
    pub(crate) fn fields(&self) -> impl ExactSizeIterator<Item = &'a [u8]> + Clone + 'a {
        let (buf, scratch) = (self.buf, self.scratch);
        self.spans.iter().map(move |s| s.resolve(buf, scratch))
    }

    /// Bytes that hold every byte of every field (and maybe more): the record as it
    /// stands in the input, or csv-core's output. For quick checks of all fields at once.
    #[inline]
    pub(crate) fn raw(&self) -> &'a [u8] {
        self.raw.resolve(self.buf, self.scratch)
    }
}

impl<R: Read> FastReader<R> {
    /// A parser of `input` with `options`, which [`supports`] accepts.
    pub(crate) fn new(input: R, options: &Options, source: String) -> FastReader<R> {
        let fast = FastDialect::new(options).expect("options the fast parser supports");
        let mut core = options.csv_core_builder().build();
        // csv-core drops a byte order mark on its first read only: this reader drops the
        // one at the input's start itself, and csv-core must not drop one elsewhere. A
        // first read of one terminator (skipped, as at any record start) uses that up.
        let terminator = match options.terminator() {
            Terminator::CrlfAny => b'\n',
            Terminator::Byte(t) => t,
        };
        let _ = core.read_record(&[terminator], &mut [0; 1], &mut [0; 1]);
        let limit = options.max_record_bytes();
        FastReader {
            input,
            source,
            dialect: Dialect::new(fast),
            classifier: Classifier::detect(),
            core,
            utf8: options.utf8(),
            limit: (limit != 0).then_some(limit),
            buf: vec![0; FIRST_BUFFER],
            filled: 0,
            pos: 0,
            base: 0,
            eof: false,
            done: false,
            started: false,
            walk: Walk::at(0),
            line_cursor: 0,
            lines: 0,
            records: 0,
            spans: Vec::new(),
            scratch: Vec::new(),
            core_ends: Vec::new(),
            raw: Span { start: 0, end: 0 },
        }
    }

    /// Parses with another classifier (tests hold every kernel to the same records).
    #[cfg(test)]
    pub(crate) fn set_classifier(&mut self, classifier: Classifier) {
        self.classifier = classifier;
    }

    /// Reads the next record: `Ok(None)` at the end. An error names the record's start
    /// where it has one; after a record that is not UTF-8 in text mode, or too long but
    /// read whole, reading goes on with the next record; after any other error the
    /// reader is at its end.
    pub(crate) fn next(&mut self) -> Result<Option<Current<'_>>, Error> {
        self.read(self.utf8)
    }

    /// Skips the next record: `Ok(false)` at the end. As the `csv` crate counts, its
    /// UTF-8 is not checked.
    pub(crate) fn skip(&mut self) -> Result<bool, Error> {
        self.read(false).map(|r| r.is_some())
    }

    /// [`FastReader::next`], checking UTF-8 if `utf8`.
    fn read(&mut self, utf8: bool) -> Result<Option<Current<'_>>, Error> {
        if self.done {
            return Ok(None);
        }
        if !self.started {
            self.start()?;
        }
        loop {
            self.scratch.clear();
            match self.parse() {
                Parsed::Record { start, end } => {
                    self.pos = end;
                    self.raw = Span { start, end };
                    let position = self.position_of(start);
                    return self.finish(position, end - start, utf8);
                }
                Parsed::End => {
                    self.done = true;
                    return Ok(None);
                }
                Parsed::NeedMore { start } => {
                    let have = (self.filled - start) as u64;
                    if start < self.filled && self.limit.is_some_and(|limit| have > limit) {
                        // Too long if the index is right; but it may be wrong about where
                        // an irregular record ends: csv-core decides (and refuses it).
                        let position = self.position_of(start);
                        let len = self.read_with_core(start, position)?;
                        return self.finish(position, len, utf8);
                    }
                    self.pos = start;
                    self.refill(start)?;
                }
                Parsed::Irregular { start } => {
                    let position = self.position_of(start);
                    let len = self.read_with_core(start, position)?;
                    return self.finish(position, len, utf8);
                }
            }
        }
    }

    /// Runs the structural index on the buffer from `pos`.
    fn parse(&mut self) -> Parsed {
        /// One record's parse as a user of the kernels.
        struct One<'r> {
            d: &'r Dialect,
            buf: &'r [u8],
            eof: bool,
            pos: usize,
            walk: &'r mut Walk,
            spans: &'r mut Vec<Span>,
            scratch: &'r mut Vec<u8>,
            parsed: Parsed,
        }
        impl KernelUser for One<'_> {
            #[inline(always)]
            fn run(&mut self, k: &impl BlockKernels) {
                self.parsed = parse_record(
                    k,
                    self.d,
                    self.buf,
                    self.eof,
                    self.pos,
                    self.walk,
                    self.spans,
                    self.scratch,
                );
            }
        }
        let mut one = One {
            d: &self.dialect,
            buf: &self.buf[..self.filled],
            eof: self.eof,
            pos: self.pos,
            walk: &mut self.walk,
            spans: &mut self.spans,
            scratch: &mut self.scratch,
            parsed: Parsed::End,
        };
        with_kernels(self.classifier, &mut one);
        one.parsed
    }

    /// The record that starts at `buf[start]`, numbered as the next one.
    fn position_of(&mut self, start: usize) -> Position {
        if self.line_cursor < start {
            self.lines += count_newlines(&self.buf[self.line_cursor..start]);
            self.line_cursor = start;
        }
        Position {
            line: self.lines + 1,
            byte: self.base + start as u64,
            record: self.records,
        }
    }

    /// Checks the record just read (its bytes from its first to its end: `len`) and hands
    /// it out.
    fn finish(
        &mut self,
        position: Position,
        len: usize,
        utf8: bool,
    ) -> Result<Option<Current<'_>>, Error> {
        self.records += 1;
        let current = Current {
            buf: &self.buf[..self.filled],
            scratch: &self.scratch,
            spans: &self.spans,
            raw: self.raw,
            position,
        };
        // UTF-8 first: the `csv` crate reports it before the record tracker sees the end.
        if utf8 && !current.raw().is_ascii() {
            // As the `csv` crate checks a `StringRecord`: field by field.
            for (i, field) in current.fields().enumerate() {
                if let Err(e) = std::str::from_utf8(field) {
                    let message = format!(
                        "invalid UTF-8 in field {i} after {} valid bytes",
                        e.valid_up_to()
                    );
                    return Err(Error::new(ErrorKind::Utf8, message).at(position));
                }
            }
        }
        if self.limit.is_some_and(|limit| len as u64 > limit) {
            let limit = self.limit.unwrap_or(0);
            let message = RecordTooLong { limit }.to_string();
            return Err(Error::new(ErrorKind::Parse, message).at(position));
        }
        Ok(Some(current))
    }

    fn too_long(&self, at: Position) -> Error {
        let limit = self.limit.unwrap_or(0);
        Error::new(ErrorKind::Parse, RecordTooLong { limit }.to_string()).at(at)
    }

    /// Looks for a byte order mark at the input's start (csv-core drops one there).
    fn start(&mut self) -> Result<(), Error> {
        while self.filled < 3 && !self.eof {
            self.read_more(None)?;
        }
        self.started = true;
        if self.buf[..self.filled].starts_with(b"\xef\xbb\xbf") {
            self.pos = 3;
            self.walk = Walk::at(3);
        }
        Ok(())
    }

    /// Reads the record at `buf[start]` with csv-core into `scratch`, reading more input
    /// as it needs; returns the record's length in the input.
    fn read_with_core(&mut self, start: usize, position: Position) -> Result<usize, Error> {
        use csv_core::ReadRecordResult;
        let start_offset = self.base + start as u64;
        self.pos = start;
        self.spans.clear();
        self.scratch.clear();
        self.scratch.resize(self.scratch.capacity().max(1024), 0);
        self.core_ends.resize(self.core_ends.capacity().max(64), 0);
        let (mut out, mut ends) = (0, 0);
        loop {
            let input = &self.buf[self.pos..self.filled];
            let (result, nin, nout, nend) =
                self.core
                    .read_record(input, &mut self.scratch[out..], &mut self.core_ends[ends..]);
            self.pos += nin;
            out += nout;
            ends += nend;
            match result {
                ReadRecordResult::Record => break,
                ReadRecordResult::OutputFull => {
                    let len = self.scratch.len();
                    self.scratch.resize(len * 2, 0);
                }
                ReadRecordResult::OutputEndsFull => {
                    let len = self.core_ends.len();
                    self.core_ends.resize(len * 2, 0);
                }
                // Only at the input's end, and the record has bytes: it cannot happen.
                ReadRecordResult::End => break,
                ReadRecordResult::InputEmpty if self.eof => {}
                ReadRecordResult::InputEmpty => {
                    let have = self.base + self.filled as u64 - start_offset;
                    if self.limit.is_some_and(|limit| have > limit) {
                        self.done = true;
                        return Err(self.too_long(position));
                    }
                    let pos = self.pos;
                    self.refill(pos).map_err(|e| e.at(position))?;
                }
            }
        }
        let mut from = 0;
        for &end in &self.core_ends[..ends] {
            self.spans.push(Span {
                start: from | Span::SCRATCH,
                end,
            });
            from = end;
        }
        self.raw = Span {
            start: Span::SCRATCH,
            end: out,
        };
        self.walk = Walk::at(self.pos);
        Ok((self.base + self.pos as u64 - start_offset) as usize)
    }

    /// Keeps `buf[keep..filled]` (moved to the front) and reads more after it.
    fn refill(&mut self, keep: usize) -> Result<(), Error> {
        if self.line_cursor < keep {
            self.lines += count_newlines(&self.buf[self.line_cursor..keep]);
        }
        self.line_cursor = self.line_cursor.saturating_sub(keep);
        self.buf.copy_within(keep..self.filled, 0);
        self.filled -= keep;
        self.pos -= keep;
        self.base += keep as u64;
        if self.filled == self.buf.len() {
            // One record fills the buffer: make room (the record budget bounds this).
            self.buf.resize(self.buf.len() * 2, 0);
        }
        self.walk = Walk::at(self.pos);
        let at = (self.filled > self.pos).then(|| self.position_of_peek(self.pos));
        self.read_more(at)
    }

    /// Where a record starting at `buf[start]` would be, without counting it.
    fn position_of_peek(&self, start: usize) -> Position {
        let lines = match self.line_cursor < start {
            true => count_newlines(&self.buf[self.line_cursor..start]),
            false => 0,
        };
        Position {
            line: self.lines + lines + 1,
            byte: self.base + start as u64,
            record: self.records,
        }
    }

    /// Reads once into the free part of the buffer; on failure the reader is done, and
    /// the error names `at`, the record being read, if any.
    fn read_more(&mut self, at: Option<Position>) -> Result<(), Error> {
        loop {
            match self.input.read(&mut self.buf[self.filled..]) {
                Ok(0) => self.eof = true,
                Ok(n) => self.filled += n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => {
                    self.done = true;
                    let error = Error::io(format_args!("cannot read {}", self.source), &e);
                    return Err(error.at_if(at));
                }
            }
            return Ok(());
        }
    }
}
