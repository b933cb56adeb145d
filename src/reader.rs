//! The streaming record reader: one record at a time over any `Read`, in constant memory.
//!
//! Records are exactly those of the `csv` crate for the same options; this layer adds the
//! eager header, the "current record" state the C API exposes, UTF-8 checking for text
//! mode and positions in every error.

use std::fs::File;
use std::io::{Cursor, Read};
use std::path::Path;

use csv::{ByteRecord, StringRecord};

use crate::batch::{has_separator, Batch};
use crate::columnar::ColumnSpec;
use crate::columns::Projection;
use crate::error::{Error, ErrorKind, Position};
use crate::input::{
    describe_path, open_file, BomSafe, Decoded, FileRange, RecordTracker, SharedBytes,
};
use crate::options::Options;
use crate::parse::{Current, FastReader, Sink};
use crate::read_ahead::{Ahead, AHEAD_RECORDS};
use crate::summary::{first_record_end, FirstRecord, Range};

/// About how many bytes of fields one batch holds at most (it always holds one record).
pub const BATCH_BYTES: usize = 1 << 20;

/// A streaming CSV reader with a current record, in the style of a cursor.
///
/// ```
/// let data = b"name,city\n\"Smith, J\",\"New\nYork\"\n".to_vec();
/// let mut rdr = csvr::Reader::from_bytes(data, &csvr::Options::new())?;
/// assert_eq!(rdr.headers().unwrap(), vec![&b"name"[..], &b"city"[..]]);
/// assert!(rdr.next_record()?);
/// let rec = rdr.record().unwrap();
/// assert_eq!(&rec[0], b"Smith, J");
/// assert_eq!(&rec[1], b"New\nYork");
/// assert!(!rdr.next_record()?);
/// # Ok::<(), csvr::Error>(())
/// ```
pub struct Reader<R> {
    /// The options it was opened with (an Arrow stream over it reads its settings).
    options: Options,
    headers: Option<ByteRecord>,
    /// Flags of the header's missing fields (see [`Reader::is_header_missing`]).
    header_missing: Vec<bool>,
    state: State<R>,
}

/// Where parsing happens.
// One per reader, and moved only once (to the worker): its size costs nothing.
#[allow(clippy::large_enum_variant)]
enum State<R> {
    /// On the caller's thread. `start_ahead` is set when reading ahead was asked for
    /// and the input allows it: the first read then moves the parser to a worker.
    Here {
        parser: Parser<R>,
        start_ahead: Option<StartAhead<R>>,
    },
    /// On a worker thread, one batch ahead.
    Ahead(Ahead),
    /// Only while moving from `Here` to `Ahead`.
    Moving,
}

/// Starts reading ahead, given the parser and the first batch size: on one worker, or on
/// several for inputs that can be split (`parallel`). Set only by constructors whose input
/// is `Send + 'static` and never blocks for long; if no thread can be had, the parser
/// comes back.
type StartAhead<R> = Box<dyn FnOnce(Parser<R>, usize) -> Result<Ahead, Parser<R>> + Send>;

/// The parser under a [`Reader`]: an engine that parses, the current record and the
/// error held back by a batch. It runs on the caller's thread, or on a read-ahead
/// worker's (`read_ahead`).
pub(crate) struct Parser<R> {
    engine: Engine<R>,
    options: Options,
    /// How the input is named in error messages.
    source: String,
    /// The header as the reader yields it: with a column selection, its selected fields.
    headers: Option<ByteRecord>,
    header_missing: Vec<bool>,
    /// The record being parsed, every field of it.
    record: Record,
    /// The column selection, resolved; `None` when every field is read.
    projection: Option<Projection>,
    /// With a projection, the current record: the selected fields of `record`, and the
    /// flags of those missing from it (empty when none is).
    selected: ByteRecord,
    missing: Vec<bool>,
    has_current: bool,
    exhausted: bool,
    /// An error met while filling a batch that already held records: reported next time,
    /// so that the good records before it are not lost.
    pending: Option<Error>,
    /// For a range reader: where its range begins in the bytes parsed.
    relocation: Option<Relocation>,
}

/// What parses: both give the same records, positions and errors.
// One per parser: the size of the larger one costs nothing.
#[allow(clippy::large_enum_variant)]
enum Engine<R> {
    /// The structural-index parser, for the options it supports (`parse::supports`).
    Fast(FastReader<Decoded<R>>),
    /// The `csv` crate's reader over the record tracker, for every other option.
    Crate(csv::Reader<RecordTracker<BomSafe<Decoded<R>>>>),
}

/// Where a range reader's range sits: the parser reads the input's first record and then
/// the range (see `input::FileRange`), so positions from byte `at` of what it reads on
/// are the range's, and are given as the whole input's reading gives them.
#[derive(Clone, Copy, Debug)]
struct Relocation {
    /// Where the range begins in the bytes parsed (just past the first record).
    at: u64,
    /// The 1-based line of byte `at` as the parser counts.
    line_at: u64,
    range: Range,
}

impl Relocation {
    fn apply(&self, p: Position) -> Position {
        if p.byte < self.at {
            return p;
        }
        Position {
            line: p.line - self.line_at + self.range.first_line,
            byte: p.byte - self.at + self.range.start,
            // The first record parsed is the input's record 0, the range's first is 1.
            record: p.record - 1 + self.range.first_record,
        }
    }
}

/// The record buffer: bytes, or in UTF-8 mode a `StringRecord`, so that text mode is
/// exactly the `csv` crate's own (its UTF-8 errors and its Unicode-aware trimming).
enum Record {
    Bytes(ByteRecord),
    Text(StringRecord),
}

impl Record {
    fn as_bytes(&self) -> &ByteRecord {
        match self {
            Record::Bytes(b) => b,
            Record::Text(s) => s.as_byte_record(),
        }
    }

    fn set_position(&mut self, position: Position) {
        let position = Some(position.to_csv());
        match self {
            Record::Bytes(b) => b.set_position(position),
            Record::Text(s) => s.set_position(position),
        }
    }
}

impl Reader<File> {
    /// Opens the file at `path`. With `has_header` on, the header is read at once, so an
    /// unreadable header (or, in UTF-8 mode, a header that is not UTF-8) fails here.
    pub fn from_path(path: impl AsRef<Path>, options: &Options) -> Result<Self, Error> {
        Reader::from_path_with(path, options, |file| file)
    }
}

impl Reader<Cursor<Vec<u8>>> {
    /// Reads records from bytes held in memory.
    pub fn from_bytes(data: Vec<u8>, options: &Options) -> Result<Self, Error> {
        Ok(Reader::from_reader(Cursor::new(data), options)?.ahead_if(options.read_ahead()))
    }

    /// Reads the records of `range` of `data` (a range of a split or fold of the same
    /// bytes with the same options): exactly those records, with the positions the
    /// whole-input reader gives them; with `has_header` on, `headers` are the input's.
    /// The bytes the reader needs (the first record and the range) are copied.
    ///
    /// ```
    /// let data = b"id\n1\n2\n3\n";
    /// let opts = csvr::Options::new();
    /// let ranges = csvr::split_bytes(data, 2, &opts)?;
    /// let mut rdr = csvr::Reader::from_bytes_range(data, &opts, &ranges[1])?;
    /// assert_eq!(rdr.headers().unwrap(), vec![&b"id"[..]]);
    /// assert!(rdr.next_record()?);
    /// assert_eq!(rdr.position().unwrap().record, ranges[1].first_record);
    /// # Ok::<(), csvr::Error>(())
    /// ```
    pub fn from_bytes_range(data: &[u8], options: &Options, range: &Range) -> Result<Self, Error> {
        Reader::from_bytes_range_with(data, options, range, |c| c)
    }
}

impl<R: Read + Send + 'static> Reader<R> {
    /// Like [`Reader::from_bytes_range`], with the copied bytes passed through `wrap`
    /// first (as in [`Reader::from_path_with`]).
    pub fn from_bytes_range_with(
        data: &[u8],
        options: &Options,
        range: &Range,
        wrap: impl FnOnce(Cursor<Vec<u8>>) -> R,
    ) -> Result<Self, Error> {
        options.validate_for_reading()?;
        crate::summary::require_plain(data, options)?;
        check_range(range, data.len() as u64, "the input")?;
        let first =
            first_record_end(data, options).map_err(|e| Error::io("cannot read the input", &e))?;
        let open = |segments: [(u64, u64); 2]| {
            let mut bytes = Vec::new();
            for (a, b) in segments {
                bytes.extend_from_slice(&data[a as usize..b as usize]);
            }
            wrap(Cursor::new(bytes))
        };
        let parser = Parser::for_range(open, options, "the input".into(), range, first)?;
        Ok(Reader::with_parser(parser).ahead_if(options.read_ahead()))
    }

    /// Like [`Reader::from_path_range`], with the file's bytes passed through `wrap` first.
    pub fn from_path_range_with(
        path: impl AsRef<Path>,
        options: &Options,
        range: &Range,
        wrap: impl FnOnce(FileRange) -> R,
    ) -> Result<Self, Error> {
        let path = path.as_ref();
        options.validate_for_reading()?;
        let (file, meta) = open_file(path)?;
        let shown = describe_path(path);
        let failed = |e: std::io::Error| Error::io(format_args!("cannot read {shown}"), &e);
        let mut head = [0u8; 8];
        let n = crate::input::read_full_at(&file, &mut head, 0).map_err(failed)?;
        crate::summary::require_plain(&head[..n], options)?;
        check_range(range, meta.len(), &shown)?;
        let whole = FileRange::new(file.try_clone().map_err(failed)?, [(0, meta.len()), (0, 0)]);
        let first = first_record_end(whole, options).map_err(failed)?;
        let open = |segments| wrap(FileRange::new(file, segments));
        let parser = Parser::for_range(open, options, shown, range, first)?;
        Ok(Reader::with_parser(parser).ahead_if(options.read_ahead() && meta.is_file()))
    }
}

impl Reader<FileRange> {
    /// Reads the records of `range` of the file at `path` (a range of a split or fold of
    /// the same file with the same options), as [`Reader::from_bytes_range`] does, reading
    /// only the file's first record and the range.
    pub fn from_path_range(
        path: impl AsRef<Path>,
        options: &Options,
        range: &Range,
    ) -> Result<Self, Error> {
        Reader::from_path_range_with(path, options, range, |f| f)
    }
}

/// Whether a regular file's bytes are read as they are (not decompressed); a file that
/// cannot be read is not, and its reader will say why.
fn is_plain_file(file: &File, options: &Options) -> bool {
    let mut head = [0u8; 8];
    crate::input::read_full_at(file, &mut head, 0)
        .is_ok_and(|n| crate::input::is_plain(&head[..n], options.decompress()))
}

/// Fails unless `range` lies inside an input of `len` bytes.
fn check_range(range: &Range, len: u64, source: &str) -> Result<(), Error> {
    if range.start <= range.end && range.end <= len {
        Ok(())
    } else {
        Err(Error::invalid(format!(
            "the range [{}, {}) is not inside {source} ({len} bytes)",
            range.start, range.end
        )))
    }
}

impl<R: Read> Parser<R> {
    /// A parser of `range`, reading what `open` makes of the byte segments it is given.
    pub(crate) fn for_range(
        open: impl FnOnce([(u64, u64); 2]) -> R,
        options: &Options,
        source: String,
        range: &Range,
        first: FirstRecord,
    ) -> Result<Self, Error> {
        let (segments, relocation) = range_plan(range, first.end, first.newlines);
        Parser::new_in(open(segments), options, source, relocation)
    }
}

/// What a range reader parses, and how its positions are placed: the input's first
/// record (it ends at `first_end`, after `newlines` newlines) and then the range; or, for
/// a range that starts at the first record, the input from its start to the range's end.
fn range_plan(
    range: &Range,
    first_end: u64,
    newlines: u64,
) -> ([(u64, u64); 2], Option<Relocation>) {
    if range.start < first_end {
        return ([(0, range.end), (0, 0)], None);
    }
    let relocation = Relocation {
        at: first_end,
        line_at: 1 + newlines,
        range: *range,
    };
    ([(0, first_end), (range.start, range.end)], Some(relocation))
}

impl<R: Read + Send + 'static> Reader<R> {
    /// Like [`Reader::from_path`], with the opened file passed through `wrap` first: for
    /// example `|f| Box::new(f) as Box<dyn Read + Send>` to hold readers of files and of
    /// other inputs as one type. Reading ahead (see [`Options::set_read_ahead`]) applies
    /// to regular files only.
    // The parser handed back by a failed start is returned once per reader at most.
    #[allow(clippy::result_large_err)]
    pub fn from_path_with(
        path: impl AsRef<Path>,
        options: &Options,
        wrap: impl FnOnce(File) -> R,
    ) -> Result<Self, Error> {
        let path = path.as_ref();
        // Before the file is opened, as Parser::new checks again.
        options.validate_for_reading()?;
        let (file, meta) = open_file(path)?;
        let source = describe_path(path);
        // A second handle for the workers (a duplicate, so it is this very file).
        let ahead = match (options.read_ahead() && meta.is_file(), file.try_clone()) {
            (true, Ok(copy)) if is_plain_file(&copy, options) => {
                let (len, source) = (meta.len(), source.clone());
                Some(Box::new(move |parser, max| {
                    crate::parallel::start_file(parser, max, copy, len, source)
                }) as StartAhead<R>)
            }
            (true, _) => Some(Box::new(Ahead::start) as StartAhead<R>),
            (false, _) => None,
        };
        let parser = Parser::new(wrap(file), options, source)?;
        let mut reader = Reader::with_parser(parser);
        reader.set_start_ahead(ahead);
        Ok(reader)
    }

    /// Reads records from bytes in memory shared with the caller (passed through `wrap`
    /// first, as in [`Reader::from_path_with`]); with read-ahead on, they are parsed on up
    /// to `threads` workers, each on its own ranges (see [`Options::set_read_ahead`]).
    #[allow(clippy::result_large_err)]
    pub fn from_shared_bytes_with(
        data: std::sync::Arc<[u8]>,
        options: &Options,
        wrap: impl FnOnce(SharedBytes) -> R,
    ) -> Result<Self, Error> {
        options.validate_for_reading()?;
        let plain = crate::input::is_plain(&data, options.decompress());
        let ahead = match (options.read_ahead(), plain) {
            (true, true) => {
                let shared = std::sync::Arc::clone(&data);
                Some(
                    Box::new(move |parser, max| crate::parallel::start_bytes(parser, max, shared))
                        as StartAhead<R>,
                )
            }
            (true, false) => Some(Box::new(Ahead::start) as StartAhead<R>),
            (false, _) => None,
        };
        let parser = Parser::new(wrap(SharedBytes::whole(data)), options, "the input".into())?;
        let mut reader = Reader::with_parser(parser);
        reader.set_start_ahead(ahead);
        Ok(reader)
    }

    /// Reads from `ahead` from now on (tests of the parallel reader).
    #[cfg(test)]
    pub(crate) fn use_ahead(&mut self, ahead: Ahead) {
        self.state = State::Ahead(ahead);
    }

    /// Whether the reader parses on several workers.
    #[cfg(test)]
    pub(crate) fn is_parallel(&self) -> bool {
        matches!(&self.state, State::Ahead(a) if a.is_parallel())
    }

    fn set_start_ahead(&mut self, start: Option<StartAhead<R>>) {
        if let State::Here { start_ahead, .. } = &mut self.state {
            *start_ahead = start;
        }
    }

    /// Reads ahead (see [`Options::set_read_ahead`]) if `yes`: for inputs that are
    /// `Send + 'static` and never block for long, such as bytes in memory.
    pub fn ahead_if(mut self, yes: bool) -> Self {
        self.set_start_ahead(yes.then(|| Box::new(Ahead::start) as StartAhead<R>));
        self
    }
}

impl<R: Read> Reader<R> {
    /// Reads records from any `Read`, buffering a fixed amount, on the caller's thread.
    pub fn from_reader(rdr: R, options: &Options) -> Result<Self, Error> {
        Reader::from_reader_named(rdr, options, "the input".to_string())
    }

    /// Like [`Reader::from_reader`], naming the input `source` in error messages.
    pub(crate) fn from_reader_named(
        rdr: R,
        options: &Options,
        source: String,
    ) -> Result<Self, Error> {
        Ok(Reader::with_parser(Parser::new(rdr, options, source)?))
    }

    fn with_parser(parser: Parser<R>) -> Self {
        Reader {
            options: parser.options.clone(),
            headers: parser.headers.clone(),
            header_missing: parser.header_missing.clone(),
            state: State::Here {
                parser,
                start_ahead: None,
            },
        }
    }

    /// The options the reader was opened with.
    pub fn options(&self) -> &Options {
        &self.options
    }

    /// Asks that batches be converted to Arrow columns as `spec` says where they are
    /// filled: on the workers, when reading ahead. Not once a worker has the parser
    /// (false then: batches come unconverted, and the caller converts them).
    pub(crate) fn convert_batches(&mut self, spec: ColumnSpec) -> bool {
        match &mut self.state {
            State::Here { parser, .. } => {
                parser.options.set_columnar(Some(spec));
                self.options.set_columnar(Some(spec));
                true
            }
            _ => false,
        }
    }

    /// The header record: `Some` (empty for empty input) when `has_header` is on.
    pub fn headers(&self) -> Option<&ByteRecord> {
        self.headers.as_ref()
    }

    /// Whether header field `i` is missing: selected (see [`Options::set_columns`]) past
    /// the end of the header, and so an empty field. False when there is no such field.
    pub fn is_header_missing(&self, i: usize) -> bool {
        self.header_missing.get(i).copied().unwrap_or(false)
    }

    /// Whether field `i` of the current record is missing: selected (see
    /// [`Options::set_columns`]) past the end of a short record, and so an empty field.
    /// False when there is no current record or no such field.
    pub fn is_missing(&self, i: usize) -> bool {
        let missing = match &self.state {
            State::Here { parser, .. } => parser.missing(),
            State::Ahead(ahead) => ahead.missing(),
            State::Moving => &[],
        };
        missing.get(i).copied().unwrap_or(false)
    }

    /// Moves parsing to the read-ahead worker, which will read batches of `max_records`,
    /// if that was asked for and has not happened.
    fn settle(&mut self, max_records: usize) {
        let State::Here {
            start_ahead: Some(_),
            ..
        } = &self.state
        else {
            return;
        };
        let State::Here {
            parser,
            start_ahead: Some(start),
        } = std::mem::replace(&mut self.state, State::Moving)
        else {
            unreachable!("matched above")
        };
        self.state = match start(parser, max_records.max(1)) {
            Ok(ahead) => State::Ahead(ahead),
            // No thread to be had: parse here.
            Err(parser) => State::Here {
                parser,
                start_ahead: None,
            },
        };
    }

    /// Advances to the next record. `Ok(true)`: [`Reader::record`] is that record;
    /// `Ok(false)`: there are no more. After an error there is no current record, and the
    /// next call goes on with the record after the bad one, as the `csv` crate does.
    pub fn next_record(&mut self) -> Result<bool, Error> {
        self.settle(AHEAD_RECORDS);
        match &mut self.state {
            State::Here { parser, .. } => parser.next_record(),
            State::Ahead(ahead) => ahead.next_record(),
            State::Moving => unreachable!("settled"),
        }
    }

    /// The current record, if [`Reader::next_record`] last returned `Ok(true)`.
    ///
    /// When reading ahead, records lie in the worker's batches and this builds a
    /// `ByteRecord` (once per record, when first asked); [`Reader::field`] and
    /// [`Reader::field_count`] read the batch where it is, without that copy.
    pub fn record(&self) -> Option<&ByteRecord> {
        match &self.state {
            State::Here { parser, .. } => parser.record(),
            State::Ahead(ahead) => ahead.record(),
            State::Moving => None,
        }
    }

    /// Field `i` of the current record: `None` if there is no current record (see
    /// [`Reader::record`]) or it has no field `i`. Never copies the record.
    ///
    /// ```
    /// let mut rdr = csvr::Reader::from_bytes(b"h,i\n1,2\n".to_vec(), &csvr::Options::new())?;
    /// assert_eq!(rdr.field(0), None);
    /// assert!(rdr.next_record()?);
    /// assert_eq!(rdr.field(1), Some(&b"2"[..]));
    /// assert_eq!(rdr.field(2), None);
    /// assert_eq!(rdr.field_count(), Some(2));
    /// # Ok::<(), csvr::Error>(())
    /// ```
    #[inline]
    pub fn field(&self, i: usize) -> Option<&[u8]> {
        match &self.state {
            State::Here { parser, .. } => parser.record()?.get(i),
            State::Ahead(ahead) => ahead.field(i),
            State::Moving => None,
        }
    }

    /// The number of fields of the current record, `None` if there is none.
    #[inline]
    pub fn field_count(&self) -> Option<usize> {
        match &self.state {
            State::Here { parser, .. } => parser.record().map(ByteRecord::len),
            State::Ahead(ahead) => ahead.field_count(),
            State::Moving => None,
        }
    }

    /// Where the current record starts.
    pub fn position(&self) -> Option<Position> {
        match &self.state {
            State::Here { parser, .. } => parser
                .record()
                .and_then(ByteRecord::position)
                .map(Position::from),
            State::Ahead(ahead) => ahead.position(),
            State::Moving => None,
        }
    }

    /// Reads up to `max_records` records into `batch` (replacing what it held) and returns
    /// how many: 0 only at the end of the input. A batch stops early once it holds about
    /// [`BATCH_BYTES`] of fields, so memory stays bounded. If a record fails after some
    /// were read, those are returned and the error comes with the next call. Afterwards
    /// there is no current record.
    pub fn read_batch(&mut self, max_records: usize, out: &mut Batch) -> Result<usize, Error> {
        self.settle(max_records);
        match &mut self.state {
            State::Here { parser, .. } => parser.read_batch(max_records, out),
            State::Ahead(ahead) => ahead.read_batch(max_records, out),
            State::Moving => unreachable!("settled"),
        }
    }

    /// Counts the records after the current one, consuming them (nothing is decoded).
    pub fn count_remaining(&mut self) -> Result<u64, Error> {
        self.settle(AHEAD_RECORDS);
        match &mut self.state {
            State::Here { parser, .. } => parser.count_remaining(),
            State::Ahead(ahead) => ahead.count_remaining(),
            State::Moving => unreachable!("settled"),
        }
    }
}

impl<R: Read> Parser<R> {
    fn new(rdr: R, options: &Options, source: String) -> Result<Self, Error> {
        Parser::new_in(rdr, options, source, None)
    }

    /// A parser over `rdr`, which holds a range as `relocation` says, if it says.
    fn new_in(
        rdr: R,
        options: &Options,
        source: String,
        relocation: Option<Relocation>,
    ) -> Result<Self, Error> {
        let fast = crate::parse::supports(options);
        Parser::with_engine(rdr, options, source, relocation, fast)
    }

    /// A parser that uses the structural-index engine if `fast` (the options must allow
    /// it) and the `csv` crate's otherwise.
    fn with_engine(
        rdr: R,
        options: &Options,
        source: String,
        relocation: Option<Relocation>,
        fast: bool,
    ) -> Result<Self, Error> {
        options.validate_for_reading()?;
        let decoded = Decoded::new(rdr, options.decompress());
        let mut engine = match fast {
            true => Engine::Fast(FastReader::new(decoded, options, source.clone())),
            false => {
                let input = RecordTracker::new(BomSafe::new(decoded), options);
                Engine::Crate(options.csv_builder().from_reader(input))
            }
        };
        let mut headers = match options.has_header() {
            true => Some(engine.read_header(options.utf8(), &source)?),
            false => None,
        };
        let projection = Projection::resolve(options.columns(), headers.as_ref())?;
        let mut header_missing = vec![];
        if let (Some(p), Some(h)) = (&projection, &mut headers) {
            let mut selected = ByteRecord::new();
            p.project(h, &mut selected, &mut header_missing);
            *h = selected;
        }
        // The fast engine checks UTF-8 itself; the crate's needs a `StringRecord` for it.
        let record = match (options.utf8(), &engine) {
            (true, Engine::Crate(_)) => Record::Text(StringRecord::new()),
            _ => Record::Bytes(ByteRecord::new()),
        };
        let mut reader = Parser {
            engine,
            options: options.clone(),
            source,
            headers,
            header_missing,
            record,
            projection,
            selected: ByteRecord::new(),
            missing: vec![],
            has_current: false,
            exhausted: false,
            pending: None,
            relocation,
        };
        if relocation.is_some() && !options.has_header() {
            // The input's first record comes before the range: read past it unseen.
            reader.skip_first()?;
        }
        Ok(reader)
    }

    /// Reads the input's first record and drops it.
    fn skip_first(&mut self) -> Result<(), Error> {
        match &mut self.engine {
            Engine::Fast(fast) => fast.read_into(&mut Skip::up_to(1), false).map(|_| ()),
            Engine::Crate(csv) => {
                let mut first = ByteRecord::new();
                let read = csv.read_byte_record(&mut first);
                let at = start_of(csv, 0);
                read.map_err(|e| Error::from_csv(e, &self.source).at_if(at))?;
                record_ended(csv).map_err(|e| e.at_if(at))
            }
        }
    }

    /// The options it parses with.
    pub(crate) fn options(&self) -> &Options {
        &self.options
    }

    /// Whether an error is held back for the next call.
    pub(crate) fn has_pending(&self) -> bool {
        self.pending.is_some()
    }

    /// See [`Reader::next_record`].
    fn next_record(&mut self) -> Result<bool, Error> {
        let more = self.parse_next()?;
        if let (true, Some(p)) = (more, &self.projection) {
            p.project(
                self.record.as_bytes(),
                &mut self.selected,
                &mut self.missing,
            );
        }
        Ok(more)
    }

    /// Parses the next record into `record`, every field of it: what
    /// [`Parser::next_record`] does before the column selection.
    fn parse_next(&mut self) -> Result<bool, Error> {
        self.has_current = false;
        if let Some(e) = self.pending.take() {
            return Err(e);
        }
        if self.exhausted {
            return Ok(false);
        }
        let relocation = self.relocation;
        let relocate = |p: Position| relocation.map_or(p, |r| r.apply(p));
        match &mut self.engine {
            Engine::Fast(fast) => {
                let Record::Bytes(record) = &mut self.record else {
                    unreachable!("the fast engine reads into bytes")
                };
                let mut sink = IntoRecord {
                    record,
                    relocation,
                    filled: false,
                };
                fast.read_into(&mut sink, true)
                    .map_err(|e| relocate_error(e, relocation))?;
                self.has_current = sink.filled;
                self.exhausted = !sink.filled;
                Ok(sink.filled)
            }
            Engine::Crate(csv) => {
                let read = match &mut self.record {
                    Record::Bytes(b) => csv.read_byte_record(b),
                    Record::Text(s) => csv.read_record(s),
                };
                let number = record_number(self.record.as_bytes());
                let at = start_of(csv, number).map(relocate);
                match read {
                    Ok(true) => {
                        if let Some(at) = at {
                            self.record.set_position(at);
                        }
                        record_ended(csv).map_err(|e| e.at_if(at))?;
                        self.has_current = true;
                        Ok(true)
                    }
                    Ok(false) => {
                        self.exhausted = true;
                        Ok(false)
                    }
                    Err(e) => {
                        // The failed record is over: the next one starts after it.
                        let _ = record_ended(csv);
                        Err(Error::from_csv(e, &self.source).at_if(at))
                    }
                }
            }
        }
    }

    #[inline]
    fn record(&self) -> Option<&ByteRecord> {
        self.has_current.then(|| match self.projection {
            Some(_) => &self.selected,
            None => self.record.as_bytes(),
        })
    }

    /// See [`Reader::is_missing`].
    fn missing(&self) -> &[bool] {
        match self.has_current {
            true => &self.missing,
            false => &[],
        }
    }

    /// See [`Reader::read_batch`].
    pub(crate) fn read_batch(
        &mut self,
        max_records: usize,
        batch: &mut Batch,
    ) -> Result<usize, Error> {
        let read = self.fill_batch(max_records, batch);
        // Where the batch was filled (a read-ahead worker, often), so that an Arrow
        // stream's conversion runs on as many cores as the parse.
        if let (Some(spec), Ok(1..)) = (self.options.columnar(), &read) {
            batch.convert(spec);
        }
        read
    }

    fn fill_batch(&mut self, max_records: usize, batch: &mut Batch) -> Result<usize, Error> {
        batch.clear();
        if matches!(self.engine, Engine::Fast(_)) {
            return self.read_batch_fast(max_records, batch);
        }
        while batch.len() < max_records && batch.data().len() < BATCH_BYTES {
            // Straight from the parser's record: only selected fields are copied.
            match self.parse_next() {
                Ok(true) => batch.push(self.record.as_bytes(), self.projection.as_ref()),
                Ok(false) => break,
                Err(e) if batch.is_empty() => return Err(e),
                Err(e) => {
                    self.pending = Some(e);
                    break;
                }
            }
        }
        self.has_current = false;
        Ok(batch.len())
    }

    /// [`Parser::read_batch`] with the fast engine: each field (each selected one, with a
    /// column selection) is copied once, from the input buffer into the batch.
    fn read_batch_fast(&mut self, max_records: usize, batch: &mut Batch) -> Result<usize, Error> {
        self.has_current = false;
        if let Some(e) = self.pending.take() {
            return Err(e);
        }
        let Engine::Fast(fast) = &mut self.engine else {
            unreachable!("checked by the caller")
        };
        let relocation = self.relocation;
        if self.exhausted || max_records == 0 {
            return Ok(0);
        }
        let mut sink = IntoBatch {
            batch,
            max_records,
            relocation,
            projection: self.projection.as_ref(),
        };
        match fast.read_into(&mut sink, true) {
            Ok(more) => self.exhausted = !more,
            Err(e) if batch.is_empty() => return Err(relocate_error(e, relocation)),
            Err(e) => self.pending = Some(relocate_error(e, relocation)),
        }
        Ok(batch.len())
    }

    /// See [`Reader::count_remaining`].
    fn count_remaining(&mut self) -> Result<u64, Error> {
        self.has_current = false;
        if let Some(e) = self.pending.take() {
            return Err(e);
        }
        let relocation = self.relocation;
        let mut n = 0u64;
        match &mut self.engine {
            Engine::Fast(fast) => {
                let mut sink = Skip::up_to(u64::MAX);
                let read = fast.read_into(&mut sink, false);
                n = sink.records;
                match read {
                    Ok(more) => self.exhausted = !more,
                    Err(e) => return Err(relocate_error(e, relocation)),
                }
            }
            Engine::Crate(csv) => {
                let mut scratch = ByteRecord::new();
                while !self.exhausted {
                    let read = csv.read_byte_record(&mut scratch);
                    let at = start_of(csv, record_number(&scratch))
                        .map(|p| relocation.map_or(p, |r| r.apply(p)));
                    match read {
                        Ok(true) => {
                            record_ended(csv).map_err(|e| e.at_if(at))?;
                            n += 1;
                        }
                        Ok(false) => self.exhausted = true,
                        Err(e) => {
                            let _ = record_ended(csv);
                            return Err(Error::from_csv(e, &self.source).at_if(at));
                        }
                    }
                }
            }
        }
        Ok(n)
    }
}

#[cfg(test)]
impl<R: Read> Parser<R> {
    pub(crate) fn with_engine_for_tests(
        rdr: R,
        options: &Options,
        fast: bool,
    ) -> Result<Self, Error> {
        Parser::with_engine(rdr, options, "the input".into(), None, fast)
    }

    pub(crate) fn set_classifier_for_tests(&mut self, c: crate::count::classify::Classifier) {
        if let Engine::Fast(fast) = &mut self.engine {
            fast.set_classifier(c);
        }
    }

    pub(crate) fn headers_for_tests(&self) -> Option<&ByteRecord> {
        self.headers.as_ref()
    }

    pub(crate) fn next_record_for_tests(&mut self) -> Result<Option<&ByteRecord>, Error> {
        Ok(match self.next_record()? {
            true => self.record(),
            false => None,
        })
    }

    pub(crate) fn count_for_tests(&mut self) -> Result<u64, Error> {
        self.count_remaining()
    }
}

impl<R: Read> Engine<R> {
    /// Reads the header record (empty for empty input), with its position.
    fn read_header(&mut self, utf8: bool, source: &str) -> Result<ByteRecord, Error> {
        match self {
            Engine::Fast(fast) => {
                let mut header = ByteRecord::new();
                let mut sink = IntoRecord {
                    record: &mut header,
                    relocation: None,
                    filled: false,
                };
                fast.read_into(&mut sink, true)?;
                if !sink.filled {
                    // As the `csv` crate places a header the input does not hold.
                    header.set_position(Some(csv::Position::new()));
                }
                Ok(header)
            }
            Engine::Crate(csv) => {
                let read = match utf8 {
                    false => csv.byte_headers().cloned(),
                    true => csv.headers().map(|h| h.as_byte_record().clone()),
                };
                let at = start_of(csv, 0);
                let mut header = read.map_err(|e| Error::from_csv(e, source).at_if(at))?;
                if let Some(at) = at {
                    header.set_position(Some(at.to_csv()));
                }
                record_ended(csv).map_err(|e| e.at_if(at))?;
                Ok(header)
            }
        }
    }
}

/// Takes one record of the fast engine into a `ByteRecord`.
struct IntoRecord<'a> {
    record: &'a mut ByteRecord,
    relocation: Option<Relocation>,
    filled: bool,
}

impl Sink for IntoRecord<'_> {
    fn record(&mut self, current: Current<'_>, position: Position) -> bool {
        self.record.clear();
        for field in current.fields() {
            self.record.push_field(field);
        }
        let at = self.relocation.map_or(position, |r| r.apply(position));
        self.record.set_position(Some(at.to_csv()));
        self.filled = true;
        false
    }
}

/// Fills a batch from the fast engine, each field copied once from its input buffer.
struct IntoBatch<'a> {
    batch: &'a mut Batch,
    max_records: usize,
    relocation: Option<Relocation>,
    /// The selected fields only, if any are.
    projection: Option<&'a Projection>,
}

impl Sink for IntoBatch<'_> {
    // Inlined into the parser's loop, the record's position stays in registers (called,
    // a profile had 15% of reading a batch on loading it back from the stack).
    #[inline(always)]
    fn record(&mut self, current: Current<'_>, position: Position) -> bool {
        let at = self.relocation.map_or(position, |r| r.apply(position));
        let separators = current.may_hold_separators();
        if let Some(p) = self.projection {
            // Straight from the input buffer: the other fields are not copied at all.
            let selected = p.indexes().iter().map(|&i| current.field(i));
            let separated = separators && selected.clone().flatten().any(has_separator);
            self.batch.push_fields(selected, at, separated);
            return self.batch.len() < self.max_records && self.batch.data().len() < BATCH_BYTES;
        }
        match current.plain() {
            Some((bytes, delimiter, ends, offset)) => self
                .batch
                .push_plain(bytes, delimiter, ends, offset, separators, at),
            None => self
                .batch
                .push_parsed(current.fields(), current.raw(), separators, at),
        }
        self.batch.len() < self.max_records && self.batch.data().len() < BATCH_BYTES
    }
}

/// Counts records of the fast engine, up to a number.
struct Skip {
    records: u64,
    max: u64,
}

impl Skip {
    fn up_to(max: u64) -> Skip {
        Skip { records: 0, max }
    }
}

impl Sink for Skip {
    #[inline]
    fn record(&mut self, _: Current<'_>, _: Position) -> bool {
        self.records += 1;
        self.records < self.max
    }
}

/// `e`, its position given in the whole input's terms.
fn relocate_error(e: Error, relocation: Option<Relocation>) -> Error {
    match (e.position(), relocation) {
        (Some(p), Some(r)) => e.at(r.apply(p)),
        _ => e,
    }
}

/// Tells the tracker that the record the `csv` crate just read has ended; fails if it was
/// longer than `max_record_bytes`.
fn record_ended<R: Read>(csv: &mut csv::Reader<RecordTracker<R>>) -> Result<(), Error> {
    let end = csv.position().byte();
    csv.get_mut()
        .record_ended(end)
        .map_err(|too_long| Error::new(ErrorKind::Parse, too_long.to_string()))
}

/// The record number the `csv` crate gave `record` (the header is record 0).
fn record_number(record: &ByteRecord) -> u64 {
    record.position().map_or(0, csv::Position::record)
}

/// Where record `number`, the one the `csv` crate is reading or has just read, really
/// starts: its first byte, which the tracker has found by then (`None` only when no byte
/// of it was read: the input ended, or failed, before it began).
fn start_of<R: Read>(csv: &csv::Reader<RecordTracker<R>>, number: u64) -> Option<Position> {
    csv.get_ref().start(number)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ErrorKind;

    fn reader(data: &[u8], options: &Options) -> Reader<Cursor<Vec<u8>>> {
        Reader::from_bytes(data.to_vec(), options).unwrap()
    }

    #[test]
    fn empty_input_has_an_empty_header_and_no_records() {
        let mut r = reader(b"", &Options::new());
        assert_eq!(r.headers().unwrap().len(), 0);
        assert!(!r.next_record().unwrap());
        assert!(r.record().is_none());
        assert!(r.position().is_none());
    }

    #[test]
    fn no_header_means_no_headers() {
        let mut o = Options::new();
        o.set_has_header(false);
        let mut r = reader(b"a,b\n", &o);
        assert!(r.headers().is_none());
        assert!(r.next_record().unwrap());
        assert_eq!(r.position().unwrap().record, 0);
    }

    #[test]
    fn utf8_mode_names_the_record_and_goes_on() {
        let mut o = Options::new();
        o.set_utf8(true);
        let mut r = reader(b"h\nok\nbad\xff\nlast\n", &o);
        assert!(r.next_record().unwrap());
        let err = r.next_record().unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Utf8);
        assert_eq!(
            err.to_string(),
            "invalid UTF-8 in field 0 after 3 valid bytes at line 3, byte 5, record 2"
        );
        assert!(r.record().is_none());
        assert!(r.next_record().unwrap());
        assert_eq!(&r.record().unwrap()[0], b"last");
    }

    #[test]
    fn raw_mode_reads_invalid_utf8() {
        let mut r = reader(b"h\nbad\xff\n", &Options::new());
        assert!(r.next_record().unwrap());
        assert_eq!(&r.record().unwrap()[0], b"bad\xff");
    }

    #[test]
    fn a_non_utf8_header_fails_at_open_in_utf8_mode() {
        let mut o = Options::new();
        o.set_utf8(true);
        let err = Reader::from_bytes(b"\xfe\n1\n".to_vec(), &o).err().unwrap();
        assert_eq!(err.kind(), ErrorKind::Utf8);
        assert_eq!(err.position().unwrap().record, 0);
    }

    #[test]
    fn strict_mode_reports_the_ragged_record() {
        let mut o = Options::new();
        o.set_flexible(false);
        let mut r = reader(b"a,b\n1,2\n3\n", &o);
        assert!(r.next_record().unwrap());
        let err = r.next_record().unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Parse);
        assert_eq!(err.position().unwrap().record, 2);
        assert!(err.to_string().contains("line 3"), "{err}");
    }

    #[test]
    fn count_remaining_counts_after_the_current_record() {
        let mut r = reader(b"h\n1\n2\n3\n\n4\n", &Options::new());
        assert!(r.next_record().unwrap());
        assert_eq!(r.count_remaining().unwrap(), 3);
        assert!(!r.next_record().unwrap());
        assert_eq!(r.count_remaining().unwrap(), 0);
    }

    #[test]
    fn a_directory_is_an_io_error() {
        let err = Reader::from_path(std::env::temp_dir(), &Options::new())
            .err()
            .unwrap();
        assert_eq!(err.kind(), ErrorKind::Io);
        #[cfg(unix)]
        assert_eq!(err.os_error(), Some(libc::EISDIR));
    }
}
