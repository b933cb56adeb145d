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
