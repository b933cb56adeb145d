//! Where bytes come from: opening files with errors a user can act on (the path in the
//! message, the OS code kept), file descriptors and read callbacks of the caller's, and
//! the `Read` layers every parser reads through (decompression, the record budget, the
//! BOM).

use std::fs::{File, Metadata};
use std::io;
use std::path::Path;

use crate::error::Error;

mod bom;
mod budget;
mod callback;
mod decompress;
#[cfg(unix)]
mod fd;

pub(crate) use bom::BomSafe;
pub(crate) use budget::RecordBudget;
pub(crate) use callback::ReadFn;
#[cfg(unix)]
pub(crate) use decompress::file_head;
pub(crate) use decompress::{is_plain, Decoded};
#[cfg(unix)]
pub(crate) use fd::{describe_fd, BorrowedFile};

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

/// How a path is named in messages about reading it.
pub(crate) fn describe_path(path: &Path) -> String {
    format!("'{}'", path.display())
}
