//! The bytes a range reader parses: the input's first record, then the range itself.
//!
//! A range starts at a record's first byte, where csv-core is between records; so csv-core
//! reading the first record (which gives the `csv` crate its header and the field count
//! that `flexible` off holds every record to) and then the range's bytes reads the range
//! exactly as the whole input's reading does. Starting from the input's first bytes also
//! means that only a BOM at the input's start is taken for one, as csv-core does.

use std::fs::File;
use std::io::{self, Read};
use std::sync::Arc;

use super::read_full_at;

/// Where [`Segments`] reads its bytes from: positioned reads that need no `&mut`.
pub trait ReadAt {
    /// Reads into `buf` from `pos` (before the source's end, which the caller knows),
    /// returning how many bytes, at least 1 when `buf` is not empty.
    fn read_at(&self, buf: &mut [u8], pos: u64) -> io::Result<usize>;
}

impl ReadAt for Arc<File> {
    fn read_at(&self, buf: &mut [u8], pos: u64) -> io::Result<usize> {
        File::read_at(self, buf, pos)
    }
}

impl ReadAt for File {
    fn read_at(&self, buf: &mut [u8], pos: u64) -> io::Result<usize> {
        match read_full_at(self, buf, pos)? {
            0 if !buf.is_empty() => Err(io::Error::new(
                io::ErrorKind::UnexpectedEof,
                "the file shrank while it was read",
            )),
            n => Ok(n),
        }
    }
}

impl ReadAt for Arc<[u8]> {
    fn read_at(&self, buf: &mut [u8], pos: u64) -> io::Result<usize> {
        let n = buf.len().min(self.len().saturating_sub(pos as usize));
        buf[..n].copy_from_slice(&self[pos as usize..][..n]);
        Ok(n)
    }
}

/// A file whose bytes `[at, at + chunk.len())` were read already (by a parallel reader's
/// worker, to summarize them): those are copied from memory, the others read from the
/// file.
pub struct CachedFile {
    file: Arc<File>,
    chunk: Arc<Vec<u8>>,
    at: u64,
}

impl CachedFile {
    pub(crate) fn new(file: Arc<File>, chunk: Arc<Vec<u8>>, at: u64) -> CachedFile {
        CachedFile { file, chunk, at }
    }
}

impl ReadAt for CachedFile {
    fn read_at(&self, buf: &mut [u8], pos: u64) -> io::Result<usize> {
        let cached = pos
            .checked_sub(self.at)
            .and_then(|i| usize::try_from(i).ok())
            .and_then(|i| self.chunk.get(i..))
            .filter(|rest| !rest.is_empty());
        match cached {
            Some(rest) => {
                let n = buf.len().min(rest.len());
                buf[..n].copy_from_slice(&rest[..n]);
                Ok(n)
            }
            None => self.file.read_at(buf, pos),
        }
    }
}

/// Two segments `[start, end)` of a source, read one after the other: for a range reader
/// the input's first record, then the range.
pub struct Segments<S> {
    source: S,
    segments: [(u64, u64); 2],
    segment: usize,
    pos: u64,
}

/// A file's bytes `[0, first_end)` and then `[start, end)`, read with positioned reads.
pub type FileRange = Segments<File>;

/// Like [`FileRange`], with a stretch of the file already in memory.
pub type CachedFileRange = Segments<CachedFile>;

/// Segments of bytes in memory shared between readers (the workers of one parallel
/// reader).
pub type SharedBytes = Segments<Arc<[u8]>>;

impl<S: ReadAt> Segments<S> {
    pub(crate) fn new(source: S, segments: [(u64, u64); 2]) -> Segments<S> {
        Segments {
            source,
            segments,
            segment: 0,
            pos: segments[0].0,
        }
    }
}

impl SharedBytes {
    /// All of `data`.
    pub(crate) fn whole(data: Arc<[u8]>) -> SharedBytes {
        let len = data.len() as u64;
        SharedBytes::new(data, [(0, len), (0, 0)])
    }
}

impl<S: ReadAt> Read for Segments<S> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        while let Some(&(_, end)) = self.segments.get(self.segment) {
            if self.pos < end {
                let want = buf.len().min((end - self.pos) as usize);
                let n = self.source.read_at(&mut buf[..want], self.pos)?;
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
