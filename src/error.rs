//! The one error type of the core, with the position of the record it concerns.
//!
//! Every failure the core reports is an [`Error`]: a kind (which the C layer maps to a
//! `csvr_status`), a readable message, and where there is one, the [`Position`] of the
//! record involved, formatted into the message as `"... at line 3, byte 41, record 2"`.

use std::fmt;
use std::io;

/// What went wrong, in the categories a caller can act on.
///
/// ```
/// let err = csvr::Options::new().set_delimiter(0xE9).unwrap_err();
/// assert_eq!(err.kind(), csvr::ErrorKind::Invalid);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ErrorKind {
    /// A bad option or argument: a non-ASCII byte, contradictory options, a bad path.
    Invalid,
    /// The input could not be opened or read.
    Io,
    /// Malformed CSV under strict options (for example a ragged row with `flexible` off),
    /// or a record longer than the reader accepts.
    Parse,
    /// Text was requested but a record is not valid UTF-8.
    Utf8,
    /// An internal bug was caught (a panic); the object it happened in is unusable.
    Panic,
}

/// Where a record really starts in the input: its first byte and that byte's line.
///
/// `byte` is the 0-based offset of the record's first byte, `line` the 1-based line of
/// that byte (lines end at `\n`) and `record` is 0-based, counting the header as record 0
/// when `has_header` is on. Blank lines, comment lines, a BOM and the previous record's
/// terminator are not part of a record. (The `csv` crate's own `Position` starts where
/// the previous record ended instead.)
///
/// ```
/// let data = b"a,b\r\n1,2\r\n\n3,4\r\n".to_vec();
/// let mut rdr = csvr::Reader::from_bytes(data, &csvr::Options::new())?;
/// rdr.next_record()?;
/// rdr.next_record()?;
/// let pos = rdr.position().unwrap();
/// assert_eq!((pos.line, pos.byte, pos.record), (4, 11, 2));
/// # Ok::<(), csvr::Error>(())
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
#[repr(C)]
pub struct Position {
    /// 1-based line of the record's first byte.
    pub line: u64,
    /// 0-based byte offset of the record's first byte.
    pub byte: u64,
    /// 0-based record index; the header, when there is one, is record 0.
    pub record: u64,
}

impl From<&csv::Position> for Position {
    fn from(pos: &csv::Position) -> Self {
        Position {
            line: pos.line(),
            byte: pos.byte(),
            record: pos.record(),
        }
    }
}

impl Position {
    /// The same numbers as a `csv::Position`, to hand along with a `csv` record.
    pub(crate) fn to_csv(self) -> csv::Position {
        let mut p = csv::Position::new();
        p.set_byte(self.byte)
            .set_line(self.line)
            .set_record(self.record);
        p
    }
}

impl fmt::Display for Position {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "line {}, byte {}, record {}",
            self.line, self.byte, self.record
        )
    }
}

/// An error from csvr: a kind, a message and, where known, a position and an OS error code.
///
/// ```
/// let err = csvr::count_path("no/such/file.csv", &csvr::Options::new()).unwrap_err();
/// assert_eq!(err.kind(), csvr::ErrorKind::Io);
/// assert_eq!(err.os_error(), Some(2)); // ENOENT
/// assert!(err.to_string().contains("no/such/file.csv"));
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Error {
    kind: ErrorKind,
    message: String,
    position: Option<Position>,
    os_error: Option<i32>,
}

impl Error {
    /// An error of `kind` with `message` and no position.
    pub fn new(kind: ErrorKind, message: impl Into<String>) -> Error {
        Error {
            kind,
            message: message.into(),
            position: None,
            os_error: None,
        }
    }

    pub(crate) fn invalid(message: impl Into<String>) -> Error {
        Error::new(ErrorKind::Invalid, message)
    }

    /// An I/O error, with what was being done (`context`) in front of the OS's words.
    /// An [`InputError`] carried inside `err` gives its own OS error code.
    pub(crate) fn io(context: impl fmt::Display, err: &io::Error) -> Error {
        let inner = err.get_ref().and_then(|e| e.downcast_ref::<InputError>());
        Error {
            kind: ErrorKind::Io,
            message: format!("{context}: {err}"),
            position: None,
            os_error: err.raw_os_error().or(inner.and_then(|i| i.os_error)),
        }
    }

    /// A record whose field count differs from the first record's, with `flexible` off.
    pub(crate) fn unequal_lengths(expected: u64, found: u64) -> Error {
        Error::new(
            ErrorKind::Parse,
            format!(
                "found a record with {found} fields, but the first record has {expected} \
                 fields (flexible is off)"
            ),
        )
    }

    pub(crate) fn at(mut self, position: Position) -> Error {
        self.position = Some(position);
        self
    }

    /// Sets the position to `position` where there is one.
    pub(crate) fn at_if(self, position: Option<Position>) -> Error {
        match position {
            Some(p) => self.at(p),
            None => self,
        }
    }

    /// Converts an error of the `csv` crate, naming the file (if any) for I/O errors.
    pub(crate) fn from_csv(err: csv::Error, source: &str) -> Error {
        let position = err.position().map(Position::from);
        let error = match err.into_kind() {
            csv::ErrorKind::Io(e) => {
                match e.get_ref().and_then(|i| i.downcast_ref::<RecordTooLong>()) {
                    Some(too_long) => Error::new(ErrorKind::Parse, too_long.to_string()),
                    None => Error::io(format_args!("cannot read {source}"), &e),
                }
            }
            csv::ErrorKind::Utf8 { err, .. } => Error::new(
                ErrorKind::Utf8,
                format!(
                    "invalid UTF-8 in field {} after {} valid bytes",
                    err.field(),
                    err.valid_up_to()
                ),
            ),
            csv::ErrorKind::UnequalLengths {
                expected_len, len, ..
            } => Error::unequal_lengths(expected_len, len),
            other => Error::new(ErrorKind::Parse, format!("malformed CSV: {other:?}")),
        };
        match position {
            Some(pos) => error.at(pos),
            None => error,
        }
    }

    /// The category of this error.
    pub fn kind(&self) -> ErrorKind {
        self.kind
    }

    /// The message without the position suffix.
    pub fn message(&self) -> &str {
        &self.message
    }

    /// The position of the record concerned, where there is one.
    pub fn position(&self) -> Option<Position> {
        self.position
    }

    /// The OS error code (`errno`) behind an I/O error, where there is one.
    pub fn os_error(&self) -> Option<i32> {
        self.os_error
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)?;
        if let Some(pos) = &self.position {
            write!(f, " at {pos}")?;
        }
        Ok(())
    }
}

impl std::error::Error for Error {}

/// Why reading stopped: a record grew longer than the reader's `max_record_bytes`.
#[derive(Debug)]
pub(crate) struct RecordTooLong {
    pub(crate) limit: u64,
}

impl std::fmt::Display for RecordTooLong {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "a record is longer than max_record_bytes ({} bytes)",
            self.limit
        )
    }
}

impl std::error::Error for RecordTooLong {}

/// A failure of an input layer (a read callback, a decompressor) in its own words, with
/// the OS error code behind it where there is one. It travels through the `csv` crate
/// inside an `io::Error` (see [`InputError::into_io`]); [`Error::io`] reads the code back.
#[derive(Debug)]
pub(crate) struct InputError {
    pub(crate) message: String,
    pub(crate) os_error: Option<i32>,
}

impl InputError {
    /// A failure with no OS error behind it.
    pub(crate) fn new(message: impl Into<String>) -> InputError {
        InputError {
            message: message.into(),
            os_error: None,
        }
    }

    /// Wraps it in an `io::Error` of the kind its OS error has (`Other` without one).
    pub(crate) fn into_io(self) -> io::Error {
        let kind = self.os_error.map_or(io::ErrorKind::Other, |code| {
            io::Error::from_raw_os_error(code).kind()
        });
        io::Error::new(kind, self)
    }
}

impl fmt::Display for InputError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)?;
        if let Some(code) = self.os_error {
            write!(f, ": {}", io::Error::from_raw_os_error(code))?;
        }
        Ok(())
    }
}

impl std::error::Error for InputError {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_appends_the_position() {
        let err = Error::new(ErrorKind::Parse, "bad").at(Position {
            line: 3,
            byte: 41,
            record: 2,
        });
        assert_eq!(err.to_string(), "bad at line 3, byte 41, record 2");
    }

    #[test]
    fn io_errors_keep_the_os_code() {
        let io = io::Error::from_raw_os_error(13);
        let err = Error::io("cannot open x", &io);
        assert_eq!(err.kind(), ErrorKind::Io);
        assert_eq!(err.os_error(), Some(13));
        assert!(err.message().starts_with("cannot open x: "));
    }

    #[test]
    fn an_input_error_keeps_its_words_and_its_os_code() {
        let io = InputError {
            message: "the read callback failed".into(),
            os_error: Some(104),
        }
        .into_io();
        let err = Error::io("cannot read the input", &io);
        assert_eq!(err.os_error(), Some(104));
        assert!(
            err.message()
                .starts_with("cannot read the input: the read callback failed: "),
            "{err}"
        );
        let plain = Error::io("x", &InputError::new("corrupt").into_io());
        assert_eq!((plain.os_error(), plain.message()), (None, "x: corrupt"));
    }
}
