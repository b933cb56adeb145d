//! The streaming record reader: one record at a time over any `Read`, in constant memory.
//!
//! Records are exactly those of the `csv` crate for the same options; this layer adds the
//! eager header, the "current record" state the C API exposes, UTF-8 checking for text
//! mode and positions in every error.

use std::fs::File;
use std::io::{Cursor, Read};
use std::path::Path;

use csv::{ByteRecord, StringRecord};

use crate::batch::Batch;
use crate::error::{Error, ErrorKind, Position};
use crate::input::{describe_path, open_file, BomSafe, Decoded, RecordTracker};
use crate::options::Options;
use crate::read_ahead::{Ahead, AHEAD_RECORDS};

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
    headers: Option<ByteRecord>,
    state: State<R>,
}

/// Where parsing happens.
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

/// Starts a read-ahead worker: a function pointer, so that only constructors whose input
/// is `Send + 'static` (and never blocks for long) need say how.
type StartAhead<R> = fn(Parser<R>, usize) -> Result<Ahead, Parser<R>>;

/// The parser under a [`Reader`]: the `csv` crate's reader with the record tracker, the
/// current record and the error held back by a batch. It runs on the caller's thread, or
/// on a read-ahead worker's (`read_ahead`).
pub(crate) struct Parser<R> {
    csv: csv::Reader<RecordTracker<BomSafe<Decoded<R>>>>,
    /// How the input is named in error messages.
    source: String,
    headers: Option<ByteRecord>,
    record: Record,
    has_current: bool,
    exhausted: bool,
    /// An error met while filling a batch that already held records: reported next time,
    /// so that the good records before it are not lost.
    pending: Option<Error>,
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
}

impl<R: Read + Send + 'static> Reader<R> {
    /// Like [`Reader::from_path`], with the opened file passed through `wrap` first: for
    /// example `|f| Box::new(f) as Box<dyn Read + Send>` to hold readers of files and of
    /// other inputs as one type. Reading ahead (see [`Options::set_read_ahead`]) applies
    /// to regular files only.
    pub fn from_path_with(
        path: impl AsRef<Path>,
        options: &Options,
        wrap: impl FnOnce(File) -> R,
    ) -> Result<Self, Error> {
        let path = path.as_ref();
        options.validate()?;
        let (file, meta) = open_file(path)?;
        let regular = meta.is_file();
        let parser = Parser::new(wrap(file), options, describe_path(path))?;
        Ok(Reader::with_parser(parser).ahead_if(options.read_ahead() && regular))
    }

    /// Reads ahead (see [`Options::set_read_ahead`]) if `yes`: for inputs that are
    /// `Send + 'static` and never block for long, such as bytes in memory.
    pub fn ahead_if(mut self, yes: bool) -> Self {
        if let State::Here { start_ahead, .. } = &mut self.state {
            *start_ahead = yes.then_some(Ahead::start);
        }
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
            headers: parser.headers.clone(),
            state: State::Here {
                parser,
                start_ahead: None,
            },
        }
    }

    /// The header record: `Some` (empty for empty input) when `has_header` is on.
    pub fn headers(&self) -> Option<&ByteRecord> {
        self.headers.as_ref()
    }

    /// Moves parsing to the read-ahead worker, which will read batches of `max_records`,
    /// if that was asked for and has not happened.
    fn settle(&mut self, max_records: usize) {
        let State::Here {
            start_ahead: Some(start),
            ..
        } = &self.state
        else {
            return;
        };
        let start = *start;
        let State::Here { parser, .. } = std::mem::replace(&mut self.state, State::Moving) else {
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
        options.validate()?;
        let input = RecordTracker::new(
            BomSafe::new(Decoded::new(rdr, options.decompress())),
            options,
        );
        let mut csv = options.csv_builder().from_reader(input);
        let headers = match (options.has_header(), options.utf8()) {
            (false, _) => None,
            (true, false) => Some(csv.byte_headers().cloned()),
            (true, true) => Some(csv.headers().map(|h| h.as_byte_record().clone())),
        }
        .transpose();
        let header_at = start_of(&csv, 0);
        let mut headers = headers.map_err(|e| Error::from_csv(e, &source).at_if(header_at))?;
        if let (Some(h), Some(at)) = (&mut headers, header_at) {
            h.set_position(Some(at.to_csv()));
        }
        let record = if options.utf8() {
            Record::Text(StringRecord::new())
        } else {
            Record::Bytes(ByteRecord::new())
        };
        let mut reader = Parser {
            csv,
            source,
            headers,
            record,
            has_current: false,
            exhausted: false,
            pending: None,
        };
        reader.record_ended().map_err(|e| e.at_if(header_at))?;
        Ok(reader)
    }

    /// Tells the tracker that the record just read has ended; fails if it was longer
    /// than `max_record_bytes`.
    fn record_ended(&mut self) -> Result<(), Error> {
        let end = self.csv.position().byte();
        self.csv
            .get_mut()
            .record_ended(end)
            .map_err(|too_long| Error::new(ErrorKind::Parse, too_long.to_string()))
    }

    /// Whether an error is held back for the next call.
    pub(crate) fn has_pending(&self) -> bool {
        self.pending.is_some()
    }

    /// See [`Reader::next_record`].
    fn next_record(&mut self) -> Result<bool, Error> {
        self.has_current = false;
        if let Some(e) = self.pending.take() {
            return Err(e);
        }
        if self.exhausted {
            return Ok(false);
        }
        let read = match &mut self.record {
            Record::Bytes(b) => self.csv.read_byte_record(b),
            Record::Text(s) => self.csv.read_record(s),
        };
        let number = record_number(self.record.as_bytes());
        let at = start_of(&self.csv, number);
        match read {
            Ok(true) => {
                if let Some(at) = at {
                    self.record.set_position(at);
                }
                self.record_ended().map_err(|e| e.at_if(at))?;
                self.has_current = true;
                Ok(true)
            }
            Ok(false) => {
                self.exhausted = true;
                Ok(false)
            }
            Err(e) => {
                // The failed record is over: the next one starts after it.
                let _ = self.record_ended();
                Err(Error::from_csv(e, &self.source).at_if(at))
            }
        }
    }

    #[inline]
    fn record(&self) -> Option<&ByteRecord> {
        self.has_current.then(|| self.record.as_bytes())
    }

    /// See [`Reader::read_batch`].
    pub(crate) fn read_batch(
        &mut self,
        max_records: usize,
        batch: &mut Batch,
    ) -> Result<usize, Error> {
        batch.clear();
        while batch.len() < max_records && batch.data().len() < BATCH_BYTES {
            match self.next_record() {
                Ok(true) => batch.push(self.record.as_bytes()),
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

    /// See [`Reader::count_remaining`].
    fn count_remaining(&mut self) -> Result<u64, Error> {
        self.has_current = false;
        if let Some(e) = self.pending.take() {
            return Err(e);
        }
        let mut scratch = ByteRecord::new();
        let mut n = 0u64;
        while !self.exhausted {
            let read = self.csv.read_byte_record(&mut scratch);
            let at = start_of(&self.csv, record_number(&scratch));
            match read {
                Ok(true) => {
                    self.record_ended().map_err(|e| e.at_if(at))?;
                    n += 1;
                }
                Ok(false) => self.exhausted = true,
                Err(e) => {
                    let _ = self.record_ended();
                    return Err(Error::from_csv(e, &self.source).at_if(at));
                }
            }
        }
        Ok(n)
    }
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
