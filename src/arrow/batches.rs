//! [`RecordBatches`]: a reader's records as Arrow record batches, in order.

use std::io::Read;

use super::schema::column_names;
use crate::batch::Batch;
use crate::columnar::{Builder, ColumnBatch, ColumnSpec, Refused, Strings};
use crate::error::{Error, ErrorKind};
use crate::reader::Reader;

/// About how many value bytes a record batch holds when `batch_rows` is 0: a few MiB,
/// large enough that per-batch costs vanish, small enough to stream in little memory.
pub const BATCH_VALUE_BYTES: usize = 4 << 20;

/// Records asked of the reader per call when `batch_rows` is 0 (its batches end at about
/// [`crate::BATCH_BYTES`] anyway). Always the same number, so that a reader reading ahead
/// hands over its batches whole.
const READ_RECORDS: usize = 1 << 20;

/// The records of a [`Reader`] as record batches of string columns, one per field of
/// the header (or of the first record without one), in file order.
///
/// A field missing from a short record is a null; an empty field is an empty string; a
/// record with more fields than the schema is a [`ErrorKind::Parse`] error naming it,
/// unless [`crate::Options::set_truncate_ragged`] drops them. Batches hold at most
/// [`crate::Options::batch_rows`] rows (or about [`BATCH_VALUE_BYTES`] of values), and a
/// batch ends early rather than let a column's values pass what its offsets address.
/// After an error every call returns it again.
///
/// ```
/// let data = b"id,name\n1,Ada\n2,\"Lovelace, A\"\n".to_vec();
/// let rdr = csvr::Reader::from_bytes(data, &csvr::Options::new())?;
/// let mut batches = csvr::arrow::RecordBatches::new(rdr, csvr::arrow::Strings::Offsets32)?;
/// assert_eq!(batches.names(), ["id", "name"]);
/// let batch = batches.next_batch()?.unwrap();
/// assert_eq!(batch.value(1, 1), Some(&b"Lovelace, A"[..]));
/// assert!(batches.next_batch()?.is_none());
/// # Ok::<(), csvr::Error>(())
/// ```
pub struct RecordBatches<R> {
    reader: Reader<R>,
    names: Vec<String>,
    text: bool,
    strings: Strings,
    batch_rows: usize,
    truncate: bool,
    /// The reader's current batch and the next of its records to take.
    batch: Batch,
    next: usize,
    /// The reader said there are no more records.
    ended: bool,
    /// The error that ended the stream, returned by every later call.
    failed: Option<Error>,
    /// The rows and per-column value bytes of the last batch: the next one's capacity.
    hint: (usize, Vec<usize>),
    /// The most value bytes a column may hold (lowered by tests).
    max_values: usize,
}

impl<R: Read> RecordBatches<R> {
    /// The records `reader` has not yet read, laid out as `strings` says. Without a
    /// header (and without a column selection) the first record is read now, as it gives
    /// the number of columns; its error is this call's.
    pub fn new(reader: Reader<R>, strings: Strings) -> Result<Self, Error> {
        RecordBatches::after(reader, Batch::new(), 0, strings)
    }

    /// Like [`RecordBatches::new`], starting with the records of `batch` from `next` on.
    pub(crate) fn after(
        mut reader: Reader<R>,
        mut batch: Batch,
        next: usize,
        strings: Strings,
    ) -> Result<Self, Error> {
        let options = reader.options().clone();
        let mut next = next.min(batch.len());
        let mut ended = false;
        let width = match (reader.headers(), options.columns()) {
            (Some(h), _) => h.len(),
            (None, crate::Columns::Indexes(i)) => i.len(),
            (None, _) => {
                if next == batch.len() {
                    next = 0;
                    ended = reader.read_batch(READ_RECORDS, &mut batch)? == 0;
                }
                match ended {
                    true => 0,
                    false => batch.fields_of(next).len(),
                }
            }
        };
        let headers: Option<Vec<Vec<u8>>> = reader
            .headers()
            .map(|h| h.iter().map(<[u8]>::to_vec).collect());
        let names = column_names(
            headers.as_deref(),
            |i| reader.is_header_missing(i),
            options.columns(),
            width,
        );
        if reader.headers().is_some() || matches!(options.columns(), crate::Columns::Indexes(_)) {
            // The width is known before any record: batches can be converted where they
            // are parsed.
            let spec = ColumnSpec {
                width,
                strings,
                truncate: options.truncate_ragged(),
            };
            reader.convert_batches(spec);
        }
        Ok(RecordBatches {
            names,
            text: options.utf8(),
            strings,
            batch_rows: options.batch_rows(),
            truncate: options.truncate_ragged(),
            batch,
            next,
            ended,
            failed: None,
            hint: (0, vec![]),
            max_values: strings.max_values(),
            reader,
        })
    }

    /// The column names, unique (see the module's rules in [`crate::arrow`]).
    pub fn names(&self) -> &[String] {
        &self.names
    }

    /// Whether the columns are text (`utf8`, the reader checks UTF-8) or bytes (`binary`).
    pub fn is_text(&self) -> bool {
        self.text
    }

    /// How the columns are laid out.
    pub fn strings(&self) -> Strings {
        self.strings
    }

    /// Lowers the most value bytes a column of one batch may hold (tests of the split).
    #[doc(hidden)]
    pub fn set_max_values(&mut self, bytes: usize) {
        self.max_values = bytes.min(self.strings.max_values());
    }

    /// The next record batch, `None` at the end.
    pub fn next_batch(&mut self) -> Result<Option<ColumnBatch>, Error> {
        if let Some(e) = &self.failed {
            return Err(e.clone());
        }
        match self.fill() {
            Ok(batch) => Ok(batch),
            Err(e) => {
                self.failed = Some(e.clone());
                Err(e)
            }
        }
    }

    fn fill(&mut self) -> Result<Option<ColumnBatch>, Error> {
        let width = self.names.len();
        let rows = match self.batch_rows {
            0 => usize::MAX,
            n => n,
        };
        let mut builder = Builder::new(width, self.strings, (self.hint.0, &self.hint.1));
        let mut bytes = 0usize;
        loop {
            if self.next == self.batch.len() {
                if self.ended {
                    break;
                }
                self.next = 0;
                let ask = match self.batch_rows {
                    0 => READ_RECORDS,
                    n => n,
                };
                match self.reader.read_batch(ask, &mut self.batch) {
                    Ok(0) => {
                        self.ended = true;
                        break;
                    }
                    Ok(n) => {
                        // Converted where it was parsed: it goes out whole.
                        if builder.rows() == 0 && n <= rows {
                            let columns = self.batch.take_columns();
                            let fits = |c: &ColumnBatch| {
                                c.columns.iter().all(|c| c.values.len() <= self.max_values)
                            };
                            if let Some(columns) = columns.filter(fits) {
                                self.next = n;
                                return Ok(Some(columns));
                            }
                        }
                    }
                    // The rows gathered go out first; the reader returns the error again
                    // (it held it back) only if it was not this call's: keep it here.
                    Err(e) if builder.rows() == 0 => return Err(e),
                    Err(e) => {
                        self.failed = Some(e);
                        self.ended = true;
                        break;
                    }
                }
            }
            while self.next < self.batch.len() {
                let i = self.next;
                let size = self.batch.row_major().record_bytes(i);
                if builder.rows() > 0 && builder.widest() + size > self.max_values {
                    return Ok(Some(self.finish(builder)));
                }
                if size > self.max_values && width > 0 {
                    return Err(self.too_large(i, size));
                }
                if let Err(Refused::TooWide(fields)) =
                    builder.push(&self.batch.row_major(), i, self.truncate)
                {
                    let e = self.too_wide(i, fields, width);
                    if builder.rows() == 0 {
                        return Err(e);
                    }
                    self.failed = Some(e);
                    self.ended = true;
                    self.next = self.batch.len();
                    return Ok(Some(self.finish(builder)));
                }
                self.next += 1;
                bytes += size;
                if builder.rows() == rows || (self.batch_rows == 0 && bytes >= BATCH_VALUE_BYTES) {
                    return Ok(Some(self.finish(builder)));
                }
            }
        }
        match builder.rows() {
            0 => Ok(None),
            _ => Ok(Some(self.finish(builder))),
        }
    }

    fn finish(&mut self, builder: Builder) -> ColumnBatch {
        let batch = builder.finish();
        self.hint = (
            batch.rows,
            batch.columns.iter().map(|c| c.values.len()).collect(),
        );
        batch
    }

    fn too_wide(&self, i: usize, fields: usize, width: usize) -> Error {
        Error::new(
            ErrorKind::Parse,
            format!(
                "found a record with {fields} fields, but the Arrow schema has {width} \
                 columns (truncate_ragged drops the extra fields)"
            ),
        )
        .at(self.batch.positions()[i])
    }

    fn too_large(&self, i: usize, size: usize) -> Error {
        Error::new(
            ErrorKind::Parse,
            format!(
                "a record holds {size} bytes of fields, more than one Arrow string column \
                 of this layout addresses ({} bytes): ask for large strings",
                self.max_values
            ),
        )
        .at(self.batch.positions()[i])
    }
}
