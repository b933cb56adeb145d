//! A `Read` whose first read holds a whole UTF-8 byte order mark.

use std::io::{self, Read};

/// A UTF-8 byte order mark and one byte after it.
const FIRST_READ: usize = 4;

/// A `Read` whose first read returns at least four bytes unless the input is shorter.
///
/// Why: the `csv` crate strips a UTF-8 BOM only when its first buffer fill holds all
/// three bytes, and it takes a fill that held nothing but the BOM for the end of the
/// input. A pipe or socket may deliver any number of bytes, so without this, counts and
/// records would depend on how the input happened to arrive.
///
/// An error after some of those bytes arrived is returned at once and the bytes are kept
/// for the next read: handed over alone, a lone BOM would be taken for the end of the
/// input and the error never seen (a corrupt gzip stream would count as empty).
pub(crate) struct BomSafe<R> {
    inner: R,
    started: bool,
    /// `held[..held_len]`: the first bytes, gathered before an error.
    held: [u8; FIRST_READ],
    held_len: usize,
}

impl<R> BomSafe<R> {
    pub(crate) fn new(inner: R) -> Self {
        BomSafe {
            inner,
            started: false,
            held: [0; FIRST_READ],
            held_len: 0,
        }
    }

    pub(crate) fn get_mut(&mut self) -> &mut R {
        &mut self.inner
    }
}

impl<R: Read> Read for BomSafe<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if self.started || (buf.len() < FIRST_READ && self.held_len == 0) {
            return self.inner.read(buf);
        }
        if buf.len() < FIRST_READ {
            // Too small to gather in (no caller here asks so little): give what is held.
            let n = buf.len().min(self.held_len);
            buf[..n].copy_from_slice(&self.held[..n]);
            self.held.copy_within(n..self.held_len, 0);
            self.held_len -= n;
            return Ok(n);
        }
        let mut filled = self.held_len;
        buf[..filled].copy_from_slice(&self.held[..filled]);
        self.held_len = 0;
        while filled < FIRST_READ {
            match self.inner.read(&mut buf[filled..]) {
                Ok(0) => break,
                Ok(n) => filled += n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => {
                    self.held[..filled].copy_from_slice(&buf[..filled]);
                    self.held_len = filled;
                    return Err(e);
                }
            }
        }
        self.started = true;
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

    /// A BOM, then an error (a truncated gzip stream, a failing callback).
    struct BomThenError(usize);

    impl Read for BomThenError {
        fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
            self.0 += 1;
            match self.0 {
                1 => {
                    buf[..3].copy_from_slice(b"\xef\xbb\xbf");
                    Ok(3)
                }
                2 => Err(io::Error::other("broken")),
                _ => Ok(0),
            }
        }
    }

    #[test]
    fn an_error_after_a_lone_bom_is_reported_and_the_bom_kept() {
        let mut r = BomSafe::new(BomThenError(0));
        let mut buf = [0u8; 16];
        assert_eq!(r.read(&mut buf).unwrap_err().to_string(), "broken");
        assert_eq!(r.read(&mut buf).unwrap(), 3);
        assert_eq!(&buf[..3], b"\xef\xbb\xbf");
        assert_eq!(r.read(&mut buf).unwrap(), 0);
        // The csv crate, which took a lone BOM for the end of the input, now sees the error.
        let mut csv = csv::ReaderBuilder::new().from_reader(BomSafe::new(BomThenError(0)));
        assert!(csv.byte_headers().is_err());
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
