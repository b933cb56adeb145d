//! Where bytes come from: opening files with errors a user can act on (the path in the
//! message, the OS code kept), file descriptors and read callbacks of the caller's, and
//! the `Read` layers every parser reads through (decompression, the BOM, the record
//! tracker).

use std::fs::{File, Metadata};
use std::io;
use std::path::Path;

use crate::error::Error;

mod bom;
mod callback;
mod decompress;
#[cfg(unix)]
mod fd;
mod range;
mod tracker;

pub(crate) use bom::BomSafe;
pub(crate) use callback::ReadFn;
#[cfg(unix)]
pub(crate) use decompress::file_head;
pub(crate) use decompress::{is_plain, Decoded};
#[cfg(unix)]
pub(crate) use fd::{describe_fd, BorrowedFile};
pub(crate) use range::{CachedFile, CachedFileRange};
pub use range::{FileRange, SharedBytes};
pub(crate) use tracker::{count_newlines, RecordTracker};

/// Opens `path` for reading, refusing a directory up front: Linux lets `open(2)` succeed
/// on one and only fails the first `read`, which would surface far from the cause. The
/// metadata comes along, so that callers need not ask the OS again.
pub(crate) fn open_file(path: &Path) -> Result<(File, Metadata), Error> {
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
    Ok((file, meta))
}

#[cfg(unix)]
fn is_a_directory() -> io::Error {
    io::Error::from_raw_os_error(libc::EISDIR)
}

#[cfg(not(unix))]
fn is_a_directory() -> io::Error {
    io::Error::new(io::ErrorKind::Other, "is a directory")
}

/// Reads into `buf` at `offset` of `file` until `buf` is full or the file ends; returns
/// the bytes read. The file's own offset is not used (positioned reads), so threads may
/// share one file.
pub(crate) fn read_full_at(file: &File, buf: &mut [u8], offset: u64) -> io::Result<usize> {
    let mut filled = 0;
    while filled < buf.len() {
        match read_once_at(file, &mut buf[filled..], offset + filled as u64) {
            Ok(0) => break,
            Ok(n) => filled += n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(filled)
}

#[cfg(unix)]
fn read_once_at(file: &File, buf: &mut [u8], offset: u64) -> io::Result<usize> {
    std::os::unix::fs::FileExt::read_at(file, buf, offset)
}

#[cfg(windows)]
fn read_once_at(file: &File, buf: &mut [u8], offset: u64) -> io::Result<usize> {
    std::os::windows::fs::FileExt::seek_read(file, buf, offset)
}

/// How a path is named in messages about reading it.
pub(crate) fn describe_path(path: &Path) -> String {
    format!("'{}'", path.display())
}

/// A `Read` for tests of the layers above: it hands out at most `.1` bytes per read, as a
/// slow pipe does.
#[cfg(test)]
pub(crate) struct Pieces<'a>(pub(crate) &'a [u8], pub(crate) usize);

#[cfg(test)]
impl io::Read for Pieces<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = buf.len().min(self.0.len()).min(self.1);
        buf[..n].copy_from_slice(&self.0[..n]);
        self.0 = &self.0[n..];
        Ok(n)
    }
}
