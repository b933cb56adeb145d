//! The bytes a range reader parses: the input's first record, then the range itself.
//!
//! A range starts at a record's first byte, where csv-core is between records; so csv-core
//! reading the first record (which gives the `csv` crate its header and the field count
//! that `flexible` off holds every record to) and then the range's bytes reads the range
//! exactly as the whole input's reading does. Starting from the input's first bytes also
//! means that only a BOM at the input's start is taken for one, as csv-core does.

use std::fs::File;
use std::io::{self, Cursor, Read};
use std::sync::Arc;

use super::read_full_at;

/// A file's bytes `[0, first_end)` and then `[start, end)`, read with positioned reads.
pub struct FileRange {
    file: File,
    segments: [(u64, u64); 2],
    segment: usize,
    pos: u64,
}

impl FileRange {
    pub(crate) fn new(file: File, segments: [(u64, u64); 2]) -> FileRange {
        FileRange {
            file,
            segments,
            segment: 0,
            pos: segments[0].0,
        }
    }
}

impl Read for FileRange {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        while let Some(&(_, end)) = self.segments.get(self.segment) {
            if self.pos < end {
                let want = buf.len().min((end - self.pos) as usize);
                let n = read_full_at(&self.file, &mut buf[..want], self.pos)?;
                if n == 0 {
                    return Err(io::Error::new(
                        io::ErrorKind::UnexpectedEof,
                        "the file shrank while it was read",
                    ));
                }
                self.pos += n as u64;
                return Ok(n);
            }
            self.segment += 1;
            if let Some(&(start, _)) = self.segments.get(self.segment) {
                self.pos = start;
            }
        }
        Ok(0)
    }
}

/// Segments of bytes in memory shared between readers (the workers of one parallel
/// reader), read one after the other.
pub struct SharedBytes {
    data: Arc<[u8]>,
    segments: [(u64, u64); 2],
    segment: usize,
    pos: u64,
}

impl SharedBytes {
    /// All of `data`.
    pub(crate) fn whole(data: Arc<[u8]>) -> SharedBytes {
        let len = data.len() as u64;
        SharedBytes::new(data, [(0, len), (0, 0)])
    }

    pub(crate) fn new(data: Arc<[u8]>, segments: [(u64, u64); 2]) -> SharedBytes {
        SharedBytes {
            data,
            segments,
            segment: 0,
            pos: segments[0].0,
        }
    }
}

impl Read for SharedBytes {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        while let Some(&(_, end)) = self.segments.get(self.segment) {
            if self.pos < end {
                let n = Cursor::new(&self.data[self.pos as usize..end as usize]).read(buf)?;
                self.pos += n as u64;
                return Ok(n);
            }
            self.segment += 1;
            if let Some(&(start, _)) = self.segments.get(self.segment) {
                self.pos = start;
            }
        }
        Ok(0)
    }
}
