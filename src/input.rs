//! Opening inputs with errors a user can act on: the path in the message, the OS code kept.

use std::fs::File;
use std::io::{self, Read};
use std::path::Path;

use crate::error::Error;

/// Opens `path` for reading, refusing a directory up front: Linux lets `open(2)` succeed
/// on one and only fails the first `read`, which would surface far from the cause.
pub(crate) fn open_file(path: &Path) -> Result<File, Error> {
    let shown = describe_path(path);
    let file = File::open(path).map_err(|e| Error::io(format_args!("cannot open {shown}"), &e))?;
    let meta = file
        .metadata()
        .map_err(|e| Error::io(format_args!("cannot open {shown}"), &e))?;
    if meta.is_dir() {
        return Err(Error::io(
            format_args!("cannot open {shown}"),
            &is_a_directory(),
        ));
    }
    Ok(file)
}

#[cfg(unix)]
fn is_a_directory() -> io::Error {
    io::Error::from_raw_os_error(libc::EISDIR)
}

#[cfg(not(unix))]
fn is_a_directory() -> io::Error {
    io::Error::new(io::ErrorKind::Other, "is a directory")
}

/// How a path is named in messages about reading it.
pub(crate) fn describe_path(path: &Path) -> String {
    format!("'{}'", path.display())
}

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

/// A `Read` that refuses to deliver more once the record being read is longer than a limit.
///
/// Why: the `csv` crate holds a whole record in memory, so an endless one (`/dev/zero`, an
/// unterminated quote in a huge file) would grow without bound. The reader reports where
/// each record ends; every byte delivered since belongs to the record being read or to the
/// crate's read-ahead, which it only refills once it has used it all up.
pub(crate) struct RecordBudget<R> {
    inner: R,
    delivered: u64,
    record_start: u64,
    /// `None`: no limit.
    limit: Option<u64>,
}

impl<R> RecordBudget<R> {
    pub(crate) fn new(inner: R, limit: Option<u64>) -> Self {
        RecordBudget {
            inner,
            delivered: 0,
            record_start: 0,
            limit,
        }
    }

    /// The record being read ends at byte `offset` of the input. Fails if it was longer
    /// than the limit (a record short enough to arrive in one read is only seen here).
    pub(crate) fn record_ended(&mut self, offset: u64) -> Result<(), RecordTooLong> {
        let length = offset.saturating_sub(self.record_start);
        self.record_start = offset;
        match self.limit {
            Some(limit) if length > limit => Err(RecordTooLong { limit }),
            _ => Ok(()),
        }
    }
}

impl<R: Read> Read for RecordBudget<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if let Some(limit) = self.limit {
            if self.delivered - self.record_start > limit {
                return Err(io::Error::other(RecordTooLong { limit }));
            }
        }
        let n = self.inner.read(buf)?;
        self.delivered += n as u64;
        Ok(n)
    }
}

/// A UTF-8 byte order mark and one byte after it.
const FIRST_READ: usize = 4;

/// A `Read` whose first read returns at least four bytes unless the input is shorter.
///
/// Why: the `csv` crate strips a UTF-8 BOM only when its first buffer fill holds all
/// three bytes, and it takes a fill that held nothing but the BOM for the end of the
/// input. A pipe or socket may deliver any number of bytes, so without this, counts and
/// records would depend on how the input happened to arrive.
pub(crate) struct BomSafe<R> {
    inner: R,
    started: bool,
}

impl<R> BomSafe<R> {
    pub(crate) fn new(inner: R) -> Self {
        BomSafe {
            inner,
            started: false,
        }
    }

    pub(crate) fn get_mut(&mut self) -> &mut R {
        &mut self.inner
    }
}

impl<R: Read> Read for BomSafe<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if self.started || buf.len() < FIRST_READ {
            return self.inner.read(buf);
        }
        self.started = true;
        let mut filled = 0;
        while filled < FIRST_READ {
            match self.inner.read(&mut buf[filled..]) {
                Ok(0) => break,
                Ok(n) => filled += n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) if filled == 0 => return Err(e),
                // Hand over what arrived; the error will recur on the next read.
                Err(_) => break,
            }
        }
        Ok(filled)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    struct OneByte<'a>(&'a [u8]);

    impl Read for OneByte<'_> {
        fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
            let n = buf.len().min(self.0.len()).min(1);
            buf[..n].copy_from_slice(&self.0[..n]);
            self.0 = &self.0[n..];
            Ok(n)
        }
    }

    #[test]
    fn the_first_read_gathers_a_whole_bom() {
        let mut r = BomSafe::new(OneByte(b"\xef\xbb\xbfab"));
        let mut buf = [0u8; 16];
        assert_eq!(r.read(&mut buf).unwrap(), 4);
        assert_eq!(r.read(&mut buf).unwrap(), 1);
        let mut short = BomSafe::new(OneByte(b"\xef"));
        assert_eq!(short.read(&mut buf).unwrap(), 1);
        assert_eq!(short.read(&mut buf).unwrap(), 0);
    }
}
