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

use crate::batch::{has_separator, FIELD_SEPARATOR, RECORD_SEPARATOR};
use crate::count::classify::Classifier;
use crate::count::scan::{with_kernels, BlockKernels, FastDialect, KernelUser};
use crate::error::{Error, ErrorKind, Position, RecordTooLong};
use crate::input::count_newlines;
use crate::options::{Options, Terminator, Trim};
use index::{parse_record, Dialect, FieldsAt, Parsed, Span, Walk};

/// The buffer's first size; it doubles for a record that does not fit.
const FIRST_BUFFER: usize = 64 << 10;

/// Whether [`FastReader`] reads with these options exactly as the `csv` crate does: the
/// record structure of the fast scanner (no comments, no escapes, quotes doubled; any
/// `flexible`, whose field counts the parser checks itself) and no trimming.
pub(crate) fn supports(options: &Options) -> bool {
    options.fast_parser()
        && FastDialect::of_structure(options).is_some()
        && options.trim() == Trim::None
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
    /// The field count records must have (`flexible` off).
    lengths: Lengths,
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
    counter: Counter,
    /// The last byte of the buffer that is a separator of batches (see `crate::batch`),
    /// if any: a record after it holds none.
    last_separator: Option<usize>,
    /// The current record's fields, the unescaped ones (or, from csv-core, all of them)
    /// in `scratch`.
    spans: Vec<Span>,
    scratch: Vec<u8>,
    core_ends: Vec<usize>,
}

/// Lines and record numbers.
#[derive(Clone, Copy, Debug, Default)]
struct Counter {
    /// Where the walk began in the buffer, and the newlines in the input before it (the
    /// walk counts those after it).
    line_cursor: usize,
    lines: u64,
    /// The number the next record gets (the header is record 0).
    records: u64,
}

impl Counter {
    /// Moves the cursor to `to`, counting the newlines of `buf` on the way.
    fn sync(&mut self, buf: &[u8], to: usize) {
        if self.line_cursor < to {
            self.lines += count_newlines(&buf[self.line_cursor..to]);
        }
        self.line_cursor = to;
    }

    /// Moves the cursor to `to`, past `lines` newlines (as the walk counted them).
    fn advance(&mut self, to: usize, lines: u64) {
        self.lines += lines;
        self.line_cursor = to;
    }

    /// The position of the record at buffer offset `start` (`buf[0]` is input byte
    /// `base`), `lines` newlines after the cursor; numbers it.
    #[inline(always)]
    fn take(&mut self, base: u64, start: usize, lines: u64) -> Position {
        self.records += 1;
        Position {
            line: self.lines + lines + 1,
            byte: base + start as u64,
            record: self.records - 1,
        }
    }
}

/// Takes the records a [`FastReader`] reads.
pub(crate) trait Sink {
    /// Takes `record`, which starts at `position`; returns whether it wants another.
    /// (The position comes apart from the record so that it stays in registers: read
    /// back from the record's copy on the stack, a 16-byte load of what 8-byte stores
    /// wrote cannot be forwarded, and that stall was 12% of reading a batch.)
    fn record(&mut self, record: Current<'_>, position: Position) -> bool;
}

/// Why the index stopped.
enum Stop {
    SinkFull,
    Parsed(Parsed),
}

/// A record a [`FastReader`] read, handed to its [`Sink`].
pub(crate) struct Current<'a> {
    buf: &'a [u8],
    scratch: &'a [u8],
    fields: Fields<'a>,
    raw: Span,
    /// Whether `raw` may hold a separator byte of batches (see `crate::batch`).
    separators: bool,
    /// The dialect's delimiter.
    delimiter: u8,
}

/// Where a [`Current`]'s fields are.
#[derive(Clone, Copy)]
enum Fields<'a> {
    Spans(&'a [Span]),
    /// Back to back from buffer offset `start`, one delimiter apart, ending at `ends`.
    Plain {
        start: usize,
        ends: &'a [usize],
    },
}

/// The fields of a [`Current`], in order.
#[derive(Clone)]
pub(crate) enum FieldIter<'a> {
    Spans(std::slice::Iter<'a, Span>, &'a [u8], &'a [u8]),
    Plain(&'a [u8], usize, std::slice::Iter<'a, usize>),
}

impl<'a> Iterator for FieldIter<'a> {
    type Item = &'a [u8];

    #[inline]
    fn next(&mut self) -> Option<&'a [u8]> {
        match self {
            FieldIter::Spans(spans, buf, scratch) => spans.next().map(|s| s.resolve(buf, scratch)),
            FieldIter::Plain(buf, from, ends) => {
                let end = *ends.next()?;
                let field = &buf[*from..end];
                *from = end + 1;
                Some(field)
            }
        }
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        let n = match self {
            FieldIter::Spans(spans, ..) => spans.len(),
            FieldIter::Plain(_, _, ends) => ends.len(),
        };
        (n, Some(n))
    }
}

impl ExactSizeIterator for FieldIter<'_> {}

impl<'a> Current<'a> {
    /// The fields, in order.
    #[inline]
    pub(crate) fn fields(&self) -> FieldIter<'a> {
        match self.fields {
            Fields::Spans(spans) => FieldIter::Spans(spans.iter(), self.buf, self.scratch),
            Fields::Plain { start, ends } => FieldIter::Plain(self.buf, start, ends.iter()),
        }
    }

    /// Field `i`, if the record has that many.
    #[inline]
    pub(crate) fn field(&self, i: usize) -> Option<&'a [u8]> {
        match self.fields {
            Fields::Spans(spans) => spans.get(i).map(|s| s.resolve(self.buf, self.scratch)),
            Fields::Plain { start, ends } => {
                let end = *ends.get(i)?;
                let from = match i.checked_sub(1) {
                    Some(before) => ends[before] + 1,
                    None => start,
                };
                Some(&self.buf[from..end])
            }
        }
    }

    /// Bytes that hold every byte of every field (and maybe more): the record as it
    /// stands in the input, or csv-core's output. For quick checks of all fields at once.
    #[inline]
    pub(crate) fn raw(&self) -> &'a [u8] {
        self.raw.resolve(self.buf, self.scratch)
    }

    /// Whether a field may hold a separator byte of batches (if not, none does).
    #[inline]
    pub(crate) fn may_hold_separators(&self) -> bool {
        self.separators
    }

    /// When no field is quoted: the bytes from the first field's start to the last one's
    /// end (the fields with one delimiter between each two, and no other delimiter byte),
    /// the delimiter, each field's end in the buffer, and the buffer offset of the bytes.
    #[inline]
    pub(crate) fn plain(&self) -> Option<(&'a [u8], u8, &'a [usize], usize)> {
        let Fields::Plain { start, ends } = self.fields else {
            return None;
        };
        let last = *ends.last()?;
        Some((&self.buf[start..last], self.delimiter, ends, start))
    }
}

impl<R: Read> FastReader<R> {
    /// A parser of `input` with `options`, which [`supports`] accepts.
    pub(crate) fn new(input: R, options: &Options, source: String) -> FastReader<R> {
        let fast = FastDialect::of_structure(options).expect("options the fast parser supports");
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
            classifier: options.classifier(),
            core,
            utf8: options.utf8(),
            limit: (limit != 0).then_some(limit),
            lengths: Lengths::new(options),
            buf: vec![0; FIRST_BUFFER],
            filled: 0,
            pos: 0,
            base: 0,
            eof: false,
            done: false,
            started: false,
            walk: Walk::default(),
            counter: Counter::default(),
            last_separator: None,
            spans: Vec::new(),
            scratch: Vec::new(),
            core_ends: Vec::new(),
        }
    }

    /// Parses with another classifier (tests hold every kernel to the same records).
    #[cfg(test)]
    pub(crate) fn set_classifier(&mut self, classifier: Classifier) {
        self.classifier = classifier;
    }

    /// Hands records to `sink` until it wants no more (`Ok(true)`) or the input ends
    /// (`Ok(false)`). An error names the record's start where it has one; the records
    /// before it have been handed over. After a record that is not UTF-8 in text mode
    /// (checked only if `utf8`: the `csv` crate does not check what it counts), or that
    /// is too long but was read whole, reading can go on with the next record; after any
    /// other error the reader is at its end.
    pub(crate) fn read_into(&mut self, sink: &mut impl Sink, utf8: bool) -> Result<bool, Error> {
        if self.done {
            return Ok(false);
        }
        if !self.started {
            self.start()?;
        }
        let utf8 = utf8 && self.utf8;
        loop {
            match self.run_index(sink, utf8)? {
                Stop::SinkFull => return Ok(true),
                Stop::Parsed(Parsed::Record { .. }) => unreachable!("taken by the sink"),
                Stop::Parsed(Parsed::End) => {
                    self.done = true;
                    return Ok(false);
                }
                Stop::Parsed(Parsed::Lost) => {
                    debug_assert!(false, "the walk lost its place");
                    self.counter.sync(&self.buf[..self.filled], self.pos);
                    self.walk.reset(self.pos);
                }
                Stop::Parsed(Parsed::NeedMore { start, lines }) => {
                    self.counter.advance(start, lines);
                    let have = (self.filled - start) as u64;
                    if start < self.filled && self.limit.is_some_and(|limit| have > limit) {
                        // Too long if the index is right; but it may be wrong about where
                        // an irregular record ends: csv-core decides (and refuses it).
                        if !self.read_with_core(start, sink, utf8)? {
                            return Ok(true);
                        }
                        continue;
                    }
                    self.pos = start;
                    self.refill(start)?;
                }
                Stop::Parsed(Parsed::Irregular { start, lines }) => {
                    self.counter.advance(start, lines);
                    if !self.read_with_core(start, sink, utf8)? {
                        return Ok(true);
                    }
                }
            }
        }
    }

    /// Runs the structural index on the buffer from `pos`, handing each record to `sink`,
    /// until the sink is full, an error, or a result other than a record.
    fn run_index(&mut self, sink: &mut impl Sink, utf8: bool) -> Result<Stop, Error> {
        /// The loop over records, as a user of the kernels (so that it is compiled for
        /// the CPU's features with the kernels inlined).
        struct Records<'r, R, S> {
            reader: &'r mut FastReader<R>,
            sink: &'r mut S,
            utf8: bool,
            result: Result<Stop, Error>,
        }
        impl<R, S: Sink> KernelUser for Records<'_, R, S> {
            #[inline(always)]
            fn run(&mut self, k: &impl BlockKernels) {
                let r = &mut *self.reader;
                // The walk in a local, so that it can live in registers.
                let mut walk = std::mem::take(&mut r.walk);
                let buf = &r.buf[..r.filled];
                self.result = loop {
                    r.scratch.clear();
                    let parsed = parse_record(
                        k,
                        &r.dialect,
                        buf,
                        r.eof,
                        r.pos,
                        &mut walk,
                        &mut r.spans,
                        &mut r.scratch,
                    );
                    let Parsed::Record {
                        start,
                        end,
                        fields,
                        lines,
                    } = parsed
                    else {
                        break Ok(Stop::Parsed(parsed));
                    };
                    r.pos = end;
                    let position = r.counter.take(r.base, start, lines);
                    let fields = match fields {
                        FieldsAt::Spans => Fields::Spans(&r.spans),
                        FieldsAt::Plain { first, end } => Fields::Plain {
                            start,
                            ends: walk.plain_ends(first, end),
                        },
                    };
                    let record = Current {
                        buf,
                        scratch: &r.scratch,
                        fields,
                        raw: Span { start, end },
                        separators: r.last_separator.is_some_and(|at| at >= start),
                        delimiter: r.dialect.fast.delimiter,
                    };
                    let len = end - start;
                    let checked = check(&record, position, len, r.limit, self.utf8, &mut r.lengths);
                    if let Err(e) = checked {
                        break Err(e);
                    }
                    if !self.sink.record(record, position) {
                        break Ok(Stop::SinkFull);
                    }
                };
                r.walk = walk;
            }
        }
        let mut records = Records {
            reader: self,
            sink,
            utf8,
            result: Ok(Stop::SinkFull),
        };
        let classifier = records.reader.classifier;
        with_kernels(classifier, &mut records);
        records.result
    }

    fn too_long(&self, at: Position) -> Error {
        too_long(self.limit.unwrap_or(0), at)
    }

    /// Looks for a byte order mark at the input's start (csv-core drops one there).
    fn start(&mut self) -> Result<(), Error> {
        while self.filled < 3 && !self.eof {
            self.read_more(None)?;
        }
        self.started = true;
        if self.buf[..self.filled].starts_with(b"\xef\xbb\xbf") {
            self.pos = 3;
            self.walk.reset(3);
            self.counter.line_cursor = 3;
        }
        Ok(())
    }

    /// Reads the record at `buf[start]` with csv-core into `scratch`, reading more input
    /// as it needs; returns the record's length in the input.
    fn read_with_core(
        &mut self,
        start: usize,
        sink: &mut impl Sink,
        utf8: bool,
    ) -> Result<bool, Error> {
        use csv_core::ReadRecordResult;
        // The cursor stands at `start`.
        let position = self.counter.take(self.base, start, 0);
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
        self.counter.sync(&self.buf[..self.filled], self.pos);
        self.walk.reset(self.pos);
        let len = (self.base + self.pos as u64 - start_offset) as usize;
        let record = Current {
            buf: &self.buf[..self.filled],
            scratch: &self.scratch,
            fields: Fields::Spans(&self.spans),
            raw: Span {
                start: Span::SCRATCH,
                end: out,
            },
            separators: has_separator(&self.scratch[..out]),
            delimiter: self.dialect.fast.delimiter,
        };
        check(&record, position, len, self.limit, utf8, &mut self.lengths)?;
        Ok(sink.record(record, position))
    }

    /// Keeps `buf[keep..filled]` (moved to the front) and reads more after it.
    fn refill(&mut self, keep: usize) -> Result<(), Error> {
        self.counter.sync(&self.buf[..self.filled], keep);
        self.counter.line_cursor -= keep;
        self.buf.copy_within(keep..self.filled, 0);
        self.last_separator = self.last_separator.and_then(|at| at.checked_sub(keep));
        self.filled -= keep;
        self.pos -= keep;
        self.base += keep as u64;
        if self.filled == self.buf.len() {
            // One record fills the buffer: make room (the record budget bounds this).
            self.buf.resize(self.buf.len() * 2, 0);
        }
        self.walk.reset(self.pos);
        let at = (self.filled > self.pos).then(|| self.position_of_peek(self.pos));
        self.read_more(at)
    }

    /// Where a record starting at `buf[start]` would be, without counting it.
    fn position_of_peek(&self, start: usize) -> Position {
        let mut counter = self.counter;
        counter.sync(&self.buf[..self.filled], start);
        counter.take(self.base, start, 0)
    }

    /// Reads once into the free part of the buffer; on failure the reader is done, and
    /// the error names `at`, the record being read, if any.
    fn read_more(&mut self, at: Option<Position>) -> Result<(), Error> {
        loop {
            match self.input.read(&mut self.buf[self.filled..]) {
                Ok(0) => self.eof = true,
                Ok(n) => {
                    let new = self.filled..self.filled + n;
                    if let Some(at) =
                        memchr::memrchr2(FIELD_SEPARATOR, RECORD_SEPARATOR, &self.buf[new.clone()])
                    {
                        self.last_separator = Some(new.start + at);
                    }
                    self.filled += n;
                }
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

/// Checks a record just read, which starts at `position` and takes `len` bytes of input
/// from its first byte to its end, in the `csv` crate's order: its field count (which the
/// crate checks as it reads), UTF-8 if `utf8` (checked on the record read), then the
/// record budget (which the record tracker checks after both).
#[inline(always)]
fn check(
    record: &Current<'_>,
    position: Position,
    len: usize,
    limit: Option<u64>,
    utf8: bool,
    lengths: &mut Lengths,
) -> Result<(), Error> {
    lengths.check(record.fields().len(), position)?;
    if utf8 && !record.raw().is_ascii() {
        // As the `csv` crate checks a `StringRecord`: field by field.
        for (i, field) in record.fields().enumerate() {
            if let Err(e) = std::str::from_utf8(field) {
                let message = format!(
                    "invalid UTF-8 in field {i} after {} valid bytes",
                    e.valid_up_to()
                );
                return Err(Error::new(ErrorKind::Utf8, message).at(position));
            }
        }
    }
    match limit {
        Some(limit) if len as u64 > limit => Err(too_long(limit, position)),
        _ => Ok(()),
    }
}

/// How many fields a record must have.
#[derive(Clone, Copy, Debug)]
enum Lengths {
    /// Any number (`flexible` on).
    Any,
    /// As many as the first record, which is still to come.
    First,
    /// This many: the first record's.
    Equal(usize),
}

impl Lengths {
    fn new(options: &Options) -> Lengths {
        match options.flexible() {
            true => Lengths::Any,
            false => Lengths::First,
        }
    }

    /// Checks a record of `n` fields, which starts at `at` (the first one sets the rule,
    /// as in the `csv` crate, even if it then fails another check).
    #[inline(always)]
    fn check(&mut self, n: usize, at: Position) -> Result<(), Error> {
        match *self {
            Lengths::Any => Ok(()),
            Lengths::First => {
                *self = Lengths::Equal(n);
                Ok(())
            }
            Lengths::Equal(expected) if expected == n => Ok(()),
            Lengths::Equal(expected) => {
                Err(Error::unequal_lengths(expected as u64, n as u64).at(at))
            }
        }
    }
}

fn too_long(limit: u64, at: Position) -> Error {
    Error::new(ErrorKind::Parse, RecordTooLong { limit }.to_string()).at(at)
}
