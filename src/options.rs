//! The one validated set of reading options, and the only place options are checked.
//!
//! Each setter rejects a byte that can never be valid (non-ASCII) at once; contradictions
//! between options (delimiter == quote, ...) can only be judged on the whole set, so
//! [`Options::validate`] checks them, and every reader and counter calls it before use.

use crate::columns::Columns;
use crate::error::Error;

/// Which fields have surrounding ASCII whitespace trimmed, as in the `csv` crate.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum Trim {
    /// Nothing is trimmed (the default).
    #[default]
    None,
    /// Only the header's fields are trimmed.
    Headers,
    /// Only the records' fields are trimmed, not the header's.
    Fields,
    /// The header's and the records' fields are trimmed.
    All,
}

/// What ends a record.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum Terminator {
    /// `\n`, `\r\n` and `\r` each end a record (the default).
    #[default]
    CrlfAny,
    /// Only this byte ends a record.
    Byte(u8),
}

/// Whether compressed input is decompressed while it is read. Formats are recognised by
/// their magic bytes, never by a file name, for every input: paths, bytes, any `Read`, and
/// in C file descriptors and callbacks. Decompression streams in constant memory, and
/// positions (byte offsets) are offsets in the decompressed bytes. Counting a compressed
/// input streams it (the fast path reads raw bytes only).
///
/// ```
/// use std::io::Write;
/// let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
/// gz.write_all(b"a,b\n1,2\n3,4\n").unwrap();
/// let gz = gz.finish().unwrap();
/// let mut opts = csvr::Options::new();
/// assert_eq!(csvr::count_bytes(&gz, &opts)?, 2);
/// opts.set_decompress(csvr::Decompress::Zstd);
/// assert_eq!(csvr::count_bytes(&gz, &opts).unwrap_err().kind(), csvr::ErrorKind::Io);
/// # Ok::<(), csvr::Error>(())
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum Decompress {
    /// gzip (`1f 8b`) and zstd (`28 b5 2f fd`) are recognised by their first bytes and
    /// decompressed; any other input is read as it is (the default).
    #[default]
    Auto,
    /// Nothing is decompressed: the bytes are read as they are.
    None,
    /// The input is gzip (concatenated members are read one after the other, as
    /// `gzip -d` does); anything else is an [`crate::ErrorKind::Io`] error.
    Gzip,
    /// The input is zstd (any number of frames); anything else is an
    /// [`crate::ErrorKind::Io`] error.
    Zstd,
}

/// Reading options: dialect, header handling, strictness and parallelism.
///
/// The defaults are those of the `csv` crate with `flexible(true)`: comma, double quote,
/// no escape, doubled quotes on, quoting on, no comment, a header, CRLF-any terminator.
///
/// ```
/// let mut opts = csvr::Options::new();
/// opts.set_delimiter(b';')?.set_has_header(false).set_threads(1)?;
/// assert_eq!(csvr::count_bytes(b"a;b\nc;d\n", &opts)?, 2);
///
/// // A contradiction is caught when the options are used.
/// opts.set_quote(b';')?;
/// assert_eq!(csvr::count_bytes(b"", &opts).unwrap_err().kind(), csvr::ErrorKind::Invalid);
/// # Ok::<(), csvr::Error>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Options {
    delimiter: u8,
    quote: u8,
    escape: Option<u8>,
    double_quote: bool,
    quoting: bool,
    comment: Option<u8>,
    has_header: bool,
    flexible: bool,
    trim: Trim,
    terminator: Terminator,
    threads: usize,
    utf8: bool,
    max_record_bytes: u64,
    read_ahead: bool,
    decompress: Decompress,
    columns: Columns,
    kernel: Option<Kernel>,
    fast_parser: bool,
    batch_rows: usize,
    truncate_ragged: bool,
    /// Set by an Arrow stream on its reader's options: batches are converted to columns
    /// where they are filled.
    columnar: Option<crate::columnar::ColumnSpec>,
}

/// A SIMD kernel of the record parser and the summaries, forced for tests and
/// benchmarks with [`Options::set_kernel`] (hidden from the documentation and from the
/// C API: every kernel yields the same records, so users have no reason to pick one).
#[doc(hidden)]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Kernel {
    /// One byte at a time, on every CPU.
    Portable,
    /// 16 bytes at a time (x86-64).
    Sse2,
    /// 32 bytes at a time (x86-64 with AVX2, PCLMULQDQ, POPCNT, BMI1 and BMI2).
    Avx2,
    /// 16 bytes at a time (AArch64).
    Neon,
}

impl Kernel {
    /// The kernels this CPU runs, the portable one first and the fastest last.
    ///
    /// ```
    /// assert_eq!(csvr::Kernel::supported()[0], csvr::Kernel::Portable);
    /// ```
    pub fn supported() -> Vec<Kernel> {
        crate::count::classify::Classifier::all_supported()
            .into_iter()
            .map(|c| c.kernel())
            .collect()
    }
}

/// The default longest record a [`crate::Reader`] accepts: far above any real record,
/// far below what would hurt a process that reads `/dev/zero` by mistake.
pub const DEFAULT_MAX_RECORD_BYTES: u64 = 16 << 20;

/// More threads than this is surely a mistake (a negative number cast to `size_t`, say).
pub const MAX_THREADS: usize = 1024;

impl Default for Options {
    fn default() -> Self {
        Options {
            delimiter: b',',
            quote: b'"',
            escape: None,
            double_quote: true,
            quoting: true,
            comment: None,
            has_header: true,
            flexible: true,
            trim: Trim::None,
            terminator: Terminator::CrlfAny,
            threads: 0,
            utf8: false,
            max_record_bytes: DEFAULT_MAX_RECORD_BYTES,
            read_ahead: false,
            decompress: Decompress::Auto,
            columns: Columns::All,
            kernel: None,
            fast_parser: true,
            batch_rows: 0,
            truncate_ragged: false,
            columnar: None,
        }
    }
}

fn ascii(name: &str, byte: u8) -> Result<u8, Error> {
    if byte.is_ascii() {
        Ok(byte)
    } else {
        Err(Error::invalid(format!(
            "{name} must be a single ASCII byte, got 0x{byte:02X}"
        )))
    }
}

fn describe(byte: u8) -> String {
    match byte {
        b'\n' => "'\\n'".to_string(),
        b'\r' => "'\\r'".to_string(),
        b'\t' => "'\\t'".to_string(),
        0x20..=0x7E => format!("'{}'", byte as char),
        _ => format!("0x{byte:02X}"),
    }
}

impl Options {
    /// The default options (see the type's documentation).
    pub fn new() -> Options {
        Options::default()
    }

    /// The field delimiter; must be ASCII. Default `,`.
    pub fn set_delimiter(&mut self, byte: u8) -> Result<&mut Self, Error> {
        self.delimiter = ascii("delimiter", byte)?;
        Ok(self)
    }

    /// The quote character; must be ASCII. Default `"`.
    pub fn set_quote(&mut self, byte: u8) -> Result<&mut Self, Error> {
        self.quote = ascii("quote", byte)?;
        Ok(self)
    }

    /// An escape character inside quoted fields (`None`, the default, means none).
    pub fn set_escape(&mut self, byte: Option<u8>) -> Result<&mut Self, Error> {
        self.escape = byte.map(|b| ascii("escape", b)).transpose()?;
        Ok(self)
    }

    /// A comment character: a record starting with it is skipped (`None` = no comments).
    pub fn set_comment(&mut self, byte: Option<u8>) -> Result<&mut Self, Error> {
        self.comment = byte.map(|b| ascii("comment", b)).transpose()?;
        Ok(self)
    }

    /// Whether `""` inside a quoted field is a literal quote. Default on.
    pub fn set_double_quote(&mut self, yes: bool) -> &mut Self {
        self.double_quote = yes;
        self
    }

    /// Whether quotes are special at all. Default on.
    pub fn set_quoting(&mut self, yes: bool) -> &mut Self {
        self.quoting = yes;
        self
    }

    /// Whether the first record is a header (not counted, not yielded). Default on.
    pub fn set_has_header(&mut self, yes: bool) -> &mut Self {
        self.has_header = yes;
        self
    }

    /// Whether records may have differing field counts. Default on; off makes a record
    /// whose field count differs from the first record's a [`crate::ErrorKind::Parse`] error.
    pub fn set_flexible(&mut self, yes: bool) -> &mut Self {
        self.flexible = yes;
        self
    }

    /// Which fields are trimmed of surrounding ASCII whitespace. Default none.
    pub fn set_trim(&mut self, trim: Trim) -> &mut Self {
        self.trim = trim;
        self
    }

    /// What ends a record. Default [`Terminator::CrlfAny`]; a byte must be ASCII.
    pub fn set_terminator(&mut self, terminator: Terminator) -> Result<&mut Self, Error> {
        if let Terminator::Byte(b) = terminator {
            ascii("terminator", b)?;
        }
        self.terminator = terminator;
        Ok(self)
    }

    /// Threads for counting; 0 (the default) means all cores. At most [`MAX_THREADS`].
    pub fn set_threads(&mut self, n: usize) -> Result<&mut Self, Error> {
        if n > MAX_THREADS {
            return Err(Error::invalid(format!(
                "threads must be at most {MAX_THREADS} (0 = all cores), got {n}"
            )));
        }
        self.threads = n;
        Ok(self)
    }

    /// Whether records must be valid UTF-8 when read (text mode). Default off (bytes).
    ///
    /// Counting never decodes, so this only affects [`crate::Reader`].
    pub fn set_utf8(&mut self, yes: bool) -> &mut Self {
        self.utf8 = yes;
        self
    }

    /// The longest record read or counted, in bytes from its first byte through its
    /// terminator; 0 means no limit. Default [`DEFAULT_MAX_RECORD_BYTES`] (16 MiB). A longer
    /// record ends reading with a [`crate::ErrorKind::Parse`] error, so that an endless
    /// record cannot take all memory; every count fails at the same record with the same
    /// error, so that count and read agree. With no limit, counting still keeps no record
    /// in memory, and an endless one is counted for ever.
    ///
    /// ```
    /// let data = b"short\nthis one is too long\n";
    /// let mut opts = csvr::Options::new();
    /// opts.set_has_header(false).set_max_record_bytes(10);
    /// let mut rdr = csvr::Reader::from_bytes(data.to_vec(), &opts)?;
    /// assert!(rdr.next_record()?);
    /// let err = rdr.next_record().unwrap_err();
    /// assert_eq!(err.kind(), csvr::ErrorKind::Parse);
    /// assert_eq!(csvr::count_bytes(data, &opts).unwrap_err(), err);
    /// opts.set_max_record_bytes(0);
    /// assert_eq!(csvr::count_bytes(data, &opts)?, 2);
    /// # Ok::<(), csvr::Error>(())
    /// ```
    pub fn set_max_record_bytes(&mut self, n: u64) -> &mut Self {
        self.max_record_bytes = n;
        self
    }

    /// The longest record read or counted (0: no limit).
    pub fn max_record_bytes(&self) -> u64 {
        self.max_record_bytes
    }

    /// Whether a reader of a regular file or of bytes parses on threads of its own, ahead
    /// of the caller, so that parsing overlaps with what the caller does with the records
    /// (a binding building its own objects, say). Default off.
    ///
    /// Records, positions and errors are the same either way; only the work moves. An
    /// input of 8 MiB or more is parsed on up to [`Options::threads`] workers, each taking
    /// record-aligned ranges of about 1 MiB (read from the file once, and held for their
    /// parse: two per worker), and the batches are handed over in file order;
    /// a smaller one on one worker. The threads start at the first read and end when the
    /// reader is dropped; at most 6 batches (about [`crate::BATCH_BYTES`] each) per
    /// worker and the caller's one exist at once, so memory does not grow with the input.
    ///
    /// Readers of other inputs (pipes, terminals, any `Read`) read on the caller's thread,
    /// because a thread blocked reading them could not be stopped. In a child made by
    /// `fork()` the thread does not exist: reading such a reader there is an
    /// [`crate::ErrorKind::Invalid`] error; dropping it is safe.
    ///
    /// ```
    /// let mut opts = csvr::Options::new();
    /// opts.set_read_ahead(true);
    /// let mut rdr = csvr::Reader::from_bytes(b"h\n1\n2\n".to_vec(), &opts)?;
    /// let mut batch = csvr::Batch::new();
    /// assert_eq!(rdr.read_batch(10, &mut batch)?, 2);
    /// assert_eq!(rdr.read_batch(10, &mut batch)?, 0);
    /// # Ok::<(), csvr::Error>(())
    /// ```
    pub fn set_read_ahead(&mut self, yes: bool) -> &mut Self {
        self.read_ahead = yes;
        self
    }

    /// Whether readers parse ahead on a thread of their own.
    pub fn read_ahead(&self) -> bool {
        self.read_ahead
    }

    /// Whether compressed input is decompressed (see [`Decompress`]). Default
    /// [`Decompress::Auto`]. A corrupt or truncated stream, or a forced format that is not
    /// there, is an [`crate::ErrorKind::Io`] error saying so.
    pub fn set_decompress(&mut self, mode: Decompress) -> &mut Self {
        self.decompress = mode;
        self
    }

    /// Whether compressed input is decompressed.
    pub fn decompress(&self) -> Decompress {
        self.decompress
    }

    /// Forces the record parser and the summaries onto `kernel` (`None`: the fastest this
    /// CPU runs, the default), for tests and benchmarks. A kernel this CPU cannot run is
    /// an [`crate::ErrorKind::Invalid`] error.
    ///
    /// ```
    /// let mut opts = csvr::Options::new();
    /// opts.set_kernel(Some(csvr::Kernel::Portable))?;
    /// let mut rdr = csvr::Reader::from_bytes(b"a,b\n1,2\n".to_vec(), &opts)?;
    /// assert!(rdr.next_record()?);
    /// # Ok::<(), csvr::Error>(())
    /// ```
    #[doc(hidden)]
    pub fn set_kernel(&mut self, kernel: Option<Kernel>) -> Result<&mut Self, crate::Error> {
        if let Some(k) = kernel {
            if crate::count::classify::Classifier::of_kernel(k).is_none() {
                return Err(crate::Error::invalid(format!(
                    "this CPU cannot run the {k:?} kernel"
                )));
            }
        }
        self.kernel = kernel;
        Ok(self)
    }

    /// Whether readers may use the structural-index record parser (the default) where
    /// the options allow it; off, they read through the `csv` crate's parser under the
    /// record tracker, as they did before it: for the benchmark's side-by-side figures.
    /// The records are the same either way.
    ///
    /// ```
    /// let mut opts = csvr::Options::new();
    /// opts.set_fast_parser(false);
    /// let mut rdr = csvr::Reader::from_bytes(b"a,b\n1,2\n".to_vec(), &opts)?;
    /// assert!(rdr.next_record()?);
    /// # Ok::<(), csvr::Error>(())
    /// ```
    #[doc(hidden)]
    pub fn set_fast_parser(&mut self, yes: bool) -> &mut Self {
        self.fast_parser = yes;
        self
    }

    /// See [`Options::set_fast_parser`].
    pub(crate) fn fast_parser(&self) -> bool {
        self.fast_parser
    }

    /// The classifier the record parser and the summaries use.
    pub(crate) fn classifier(&self) -> crate::count::classify::Classifier {
        use crate::count::classify::Classifier;
        self.kernel
            .and_then(Classifier::of_kernel)
            .unwrap_or_else(Classifier::detect)
    }

    /// Which fields readers yield, in what order (default [`Columns::All`]). Records and
    /// the header then hold exactly the selected fields; a selected field past the end of
    /// a short record (or of the header) is an empty field that
    /// [`crate::Reader::is_missing`] (and [`crate::Batch::is_missing`]) flags. Names are
    /// resolved against the header when a reader opens: an unknown name is an
    /// [`crate::ErrorKind::Invalid`] error naming it, and names without `has_header` are
    /// rejected there too. Counting ignores the selection. An empty list selects every
    /// field. Only the selected fields are copied out of the parser; in UTF-8 mode the
    /// whole record must still be UTF-8.
    ///
    /// ```
    /// let data = b"a,b,c\n1,2,3\n4\n".to_vec();
    /// let mut opts = csvr::Options::new();
    /// opts.set_columns(csvr::Columns::indexes([2, 0]));
    /// assert_eq!(csvr::count_bytes(&data, &opts)?, 2);
    /// let mut rdr = csvr::Reader::from_bytes(data, &opts)?;
    /// let mut batch = csvr::Batch::new();
    /// assert_eq!(rdr.read_batch(10, &mut batch)?, 2);
    /// assert_eq!(batch.record(0), vec![&b"3"[..], &b"1"[..]]);
    /// assert_eq!(batch.record(1), vec![&b""[..], &b"4"[..]]);
    /// assert!(batch.is_missing(2) && !batch.is_missing(3));
    /// # Ok::<(), csvr::Error>(())
    /// ```
    pub fn set_columns(&mut self, columns: Columns) -> &mut Self {
        self.columns = match columns {
            Columns::Indexes(i) if i.is_empty() => Columns::All,
            Columns::Names(n) if n.is_empty() => Columns::All,
            other => other,
        };
        self
    }

    /// Which fields readers yield.
    pub fn columns(&self) -> &Columns {
        &self.columns
    }

    /// The most rows in one Arrow record batch (see [`crate::arrow`]); 0 (the default)
    /// lets a batch grow to about [`crate::arrow::BATCH_VALUE_BYTES`] of field bytes.
    /// Readers of records ignore it.
    ///
    /// ```
    /// let mut opts = csvr::Options::new();
    /// opts.set_batch_rows(2);
    /// let rdr = csvr::Reader::from_bytes(b"n\n1\n2\n3\n".to_vec(), &opts)?;
    /// let mut batches = csvr::arrow::RecordBatches::new(rdr, csvr::arrow::Strings::Offsets32)?;
    /// assert_eq!(batches.next_batch()?.unwrap().rows(), 2);
    /// assert_eq!(batches.next_batch()?.unwrap().rows(), 1);
    /// assert!(batches.next_batch()?.is_none());
    /// # Ok::<(), csvr::Error>(())
    /// ```
    pub fn set_batch_rows(&mut self, rows: usize) -> &mut Self {
        self.batch_rows = rows;
        self
    }

    /// The most rows in one Arrow record batch (0: sized by bytes).
    pub fn batch_rows(&self) -> usize {
        self.batch_rows
    }

    /// Whether an Arrow stream drops the fields of a record past its schema's last column
    /// instead of failing with a [`crate::ErrorKind::Parse`] error naming the record.
    /// Default off. Readers of records ignore it.
    ///
    /// ```
    /// let data = b"a,b\n1,2,3\n".to_vec();
    /// let mut opts = csvr::Options::new();
    /// let rdr = csvr::Reader::from_bytes(data.clone(), &opts)?;
    /// let mut batches = csvr::arrow::RecordBatches::new(rdr, csvr::arrow::Strings::Offsets32)?;
    /// assert_eq!(batches.next_batch().unwrap_err().kind(), csvr::ErrorKind::Parse);
    /// opts.set_truncate_ragged(true);
    /// let rdr = csvr::Reader::from_bytes(data, &opts)?;
    /// let mut batches = csvr::arrow::RecordBatches::new(rdr, csvr::arrow::Strings::Offsets32)?;
    /// let batch = batches.next_batch()?.unwrap();
    /// assert_eq!(batch.value(1, 0), Some(&b"2"[..]));
    /// # Ok::<(), csvr::Error>(())
    /// ```
    pub fn set_truncate_ragged(&mut self, yes: bool) -> &mut Self {
        self.truncate_ragged = yes;
        self
    }

    /// Whether an Arrow stream drops the fields past its last column.
    pub fn truncate_ragged(&self) -> bool {
        self.truncate_ragged
    }

    pub(crate) fn set_columnar(&mut self, spec: Option<crate::columnar::ColumnSpec>) {
        self.columnar = spec;
    }

    pub(crate) fn columnar(&self) -> Option<&crate::columnar::ColumnSpec> {
        self.columnar.as_ref()
    }

    /// The field delimiter.
    pub fn delimiter(&self) -> u8 {
        self.delimiter
    }
    /// The quote character.
    pub fn quote(&self) -> u8 {
        self.quote
    }
    /// The escape character, if any.
    pub fn escape(&self) -> Option<u8> {
        self.escape
    }
    /// The comment character, if any.
    pub fn comment(&self) -> Option<u8> {
        self.comment
    }
    /// Whether doubled quotes are literal quotes.
    pub fn double_quote(&self) -> bool {
        self.double_quote
    }
    /// Whether quoting is on.
    pub fn quoting(&self) -> bool {
        self.quoting
    }
    /// Whether the first record is a header.
    pub fn has_header(&self) -> bool {
        self.has_header
    }
    /// Whether ragged records are accepted.
    pub fn flexible(&self) -> bool {
        self.flexible
    }
    /// Which fields are trimmed.
    pub fn trim(&self) -> Trim {
        self.trim
    }
    /// What ends a record.
    pub fn terminator(&self) -> Terminator {
        self.terminator
    }
    /// Threads for counting (0 = all cores).
    pub fn threads(&self) -> usize {
        self.threads
    }
    /// Whether records must be UTF-8 when read.
    pub fn utf8(&self) -> bool {
        self.utf8
    }

    /// Checks the options as a whole: every byte ASCII, no byte with two roles, and
    /// no special byte that would also end a record.
    pub fn validate(&self) -> Result<(), Error> {
        ascii("delimiter", self.delimiter)?;
        ascii("quote", self.quote)?;
        let mut roles: Vec<(&str, u8)> = vec![("delimiter", self.delimiter)];
        // With quoting off the quote byte is ordinary data, so it cannot clash.
        if self.quoting {
            roles.push(("quote", self.quote));
            if let Some(e) = self.escape {
                roles.push(("escape", ascii("escape", e)?));
            }
        }
        if let Some(c) = self.comment {
            roles.push(("comment", ascii("comment", c)?));
        }
        for (i, &(name_a, a)) in roles.iter().enumerate() {
            for &(name_b, b) in &roles[i + 1..] {
                if a == b {
                    return Err(Error::invalid(format!(
                        "{name_a} and {name_b} are the same byte ({})",
                        describe(a)
                    )));
                }
            }
        }
        let terminators: Vec<u8> = match self.terminator {
            Terminator::CrlfAny => vec![b'\r', b'\n'],
            Terminator::Byte(t) => vec![ascii("terminator", t)?],
        };
        for &(name, b) in &roles {
            if terminators.contains(&b) {
                return Err(Error::invalid(format!(
                    "{name} {} also ends records (terminator)",
                    describe(b)
                )));
            }
        }
        Ok(())
    }

    /// Checks what only reading uses, beyond [`Options::validate`]: counting ignores the
    /// column selection, so it does not fail over one.
    pub(crate) fn validate_for_reading(&self) -> Result<(), Error> {
        self.validate()?;
        if matches!(self.columns, Columns::Names(_)) && !self.has_header {
            return Err(Error::invalid(
                "columns are selected by name but has_header is off: there is no header \
                 to find the names in (select them by index instead)",
            ));
        }
        Ok(())
    }

    /// Whether `byte` has a role: delimiter, quote or escape (with quoting on), comment
    /// or terminator. csv-core tells such bytes apart from all others.
    pub(crate) fn is_special(&self, byte: u8) -> bool {
        let terminator = match self.terminator {
            Terminator::CrlfAny => byte == b'\r' || byte == b'\n',
            Terminator::Byte(t) => byte == t,
        };
        terminator
            || byte == self.delimiter
            || self.comment == Some(byte)
            || (self.quoting && (byte == self.quote || self.escape == Some(byte)))
    }

    /// A `csv_core::ReaderBuilder` with the options that decide what a record is, set as
    /// the `csv` crate sets them.
    pub(crate) fn csv_core_builder(&self) -> csv_core::ReaderBuilder {
        let mut b = csv_core::ReaderBuilder::new();
        b.delimiter(self.delimiter)
            .quote(self.quote)
            .escape(self.escape)
            .double_quote(self.double_quote)
            .quoting(self.quoting)
            .comment(self.comment)
            .terminator(match self.terminator {
                Terminator::CrlfAny => csv_core::Terminator::CRLF,
                Terminator::Byte(t) => csv_core::Terminator::Any(t),
            });
        b
    }

    /// A `csv::ReaderBuilder` with exactly these options: the `csv` crate is the reference
    /// for what a record is, so the streaming paths hand it the options unchanged.
    pub(crate) fn csv_builder(&self) -> csv::ReaderBuilder {
        let mut b = csv::ReaderBuilder::new();
        b.delimiter(self.delimiter)
            .quote(self.quote)
            .escape(self.escape)
            .double_quote(self.double_quote)
            .quoting(self.quoting)
            .comment(self.comment)
            .has_headers(self.has_header)
            .flexible(self.flexible)
            .trim(match self.trim {
                Trim::None => csv::Trim::None,
                Trim::Headers => csv::Trim::Headers,
                Trim::Fields => csv::Trim::Fields,
                Trim::All => csv::Trim::All,
            })
            .terminator(match self.terminator {
                Terminator::CrlfAny => csv::Terminator::CRLF,
                Terminator::Byte(t) => csv::Terminator::Any(t),
            });
        b
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ErrorKind;

    #[test]
    fn setters_reject_non_ascii() {
        let mut o = Options::new();
        assert_eq!(
            o.set_delimiter(0x80).unwrap_err().kind(),
            ErrorKind::Invalid
        );
        assert_eq!(o.set_quote(0xFF).unwrap_err().kind(), ErrorKind::Invalid);
        assert!(o.set_escape(Some(0xC3)).is_err());
        assert!(o.set_comment(Some(0xC3)).is_err());
        assert!(o.set_terminator(Terminator::Byte(0x85)).is_err());
        assert!(o.set_threads(MAX_THREADS + 1).is_err());
        assert_eq!(o, Options::new(), "a rejected value changes nothing");
    }

    #[test]
    fn contradictions_are_rejected_on_validate() {
        type Change = Box<dyn Fn(&mut Options)>;
        let cases: Vec<Change> = vec![
            Box::new(|o| {
                o.set_quote(b',').unwrap();
            }),
            Box::new(|o| {
                o.set_escape(Some(b',')).unwrap();
            }),
            Box::new(|o| {
                o.set_comment(Some(b'"')).unwrap();
            }),
            Box::new(|o| {
                o.set_delimiter(b'\n').unwrap();
            }),
            Box::new(|o| {
                o.set_terminator(Terminator::Byte(b',')).unwrap();
            }),
        ];
        for set in cases {
            let mut o = Options::new();
            set(&mut o);
            let err = o.validate().unwrap_err();
            assert_eq!(err.kind(), ErrorKind::Invalid, "{o:?}");
        }
    }

    #[test]
    fn quote_is_free_when_quoting_is_off() {
        let mut o = Options::new();
        o.set_quote(b',').unwrap().set_quoting(false);
        o.validate().unwrap();
    }

    #[test]
    fn a_custom_terminator_frees_newline() {
        let mut o = Options::new();
        o.set_terminator(Terminator::Byte(b';')).unwrap();
        o.set_delimiter(b'\n').unwrap();
        o.validate().unwrap();
    }
}
