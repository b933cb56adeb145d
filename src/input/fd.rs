//! Reading a file descriptor that the caller owns: csvr reads it and never closes it.

use std::fs::{File, Metadata};
use std::io::{self, Read};
use std::mem::ManuallyDrop;
use std::os::unix::io::{FromRawFd, RawFd};

use crate::error::Error;

/// A file descriptor borrowed for reading, as a `File` that is never closed.
///
/// Reads go through the descriptor's own offset, so they start where the caller left it
/// and move it on, as `read(2)` does. An interrupted read (`EINTR`) is retried.
pub(crate) struct BorrowedFile {
    file: ManuallyDrop<File>,
}

impl BorrowedFile {
    /// Borrows `fd`, with its metadata (one `fstat`). A negative `fd` is an invalid
    /// argument; a closed one (`EBADF`) an I/O error.
    ///
    /// # Safety
    /// If `fd` is open, it stays open, and nothing closes or reuses it, for as long as
    /// the result lives.
    pub(crate) unsafe fn new(fd: RawFd) -> Result<(BorrowedFile, Metadata), Error> {
        let shown = describe_fd(fd);
        if fd < 0 {
            return Err(Error::invalid(format!("{shown} is negative")));
        }
        // `File::from_raw_fd` wants an open descriptor: make sure first, without a stat.
        // SAFETY: F_GETFD only reads the descriptor's flags; any int may be passed.
        if unsafe { libc::fcntl(fd, libc::F_GETFD) } == -1 {
            return Err(Error::io(
                format_args!("cannot read {shown}"),
                &io::Error::last_os_error(),
            ));
        }
        // SAFETY: `fd` is open (checked above) and, by the caller's contract, stays open
        // while the result lives; ManuallyDrop means it is never closed here.
        let file = ManuallyDrop::new(unsafe { File::from_raw_fd(fd) });
        let meta = file
            .metadata()
            .map_err(|e| Error::io(format_args!("cannot read {shown}"), &e))?;
        Ok((BorrowedFile { file }, meta))
    }

    /// The descriptor as a `File`, for positioned reads and seeks.
    pub(crate) fn file(&self) -> &File {
        &self.file
    }
}

impl Read for BorrowedFile {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        loop {
            match (&*self.file).read(buf) {
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                result => return result,
            }
        }
    }
}

/// How a descriptor is named in messages about reading it.
pub(crate) fn describe_fd(fd: RawFd) -> String {
    format!("file descriptor {fd}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ErrorKind;
    use std::os::unix::io::AsRawFd;

    #[test]
    fn reads_from_the_offset_and_leaves_the_fd_open() {
        use std::io::{Seek, SeekFrom, Write};
        let path = std::env::temp_dir().join(format!("csvr-fd-{}", std::process::id()));
        let mut f = File::options()
            .read(true)
            .write(true)
            .create(true)
            .truncate(true)
            .open(&path)
            .unwrap();
        std::fs::remove_file(&path).unwrap();
        f.write_all(b"0123456789").unwrap();
        f.seek(SeekFrom::Start(4)).unwrap();
        {
            // SAFETY: `f` stays open for longer than the borrow, which ends with the block.
            let (mut b, meta) = unsafe { BorrowedFile::new(f.as_raw_fd()) }.unwrap();
            assert!(meta.is_file());
            let mut s = String::new();
            b.read_to_string(&mut s).unwrap();
            assert_eq!(s, "456789");
        }
        // Still open: the offset is where reading left it.
        assert_eq!(f.stream_position().unwrap(), 10);
    }

    #[test]
    fn bad_descriptors_are_refused() {
        // SAFETY: nothing is borrowed: both calls fail before making a File.
        let neg = unsafe { BorrowedFile::new(-1) }.err().unwrap();
        assert_eq!(neg.kind(), ErrorKind::Invalid);
        // SAFETY: as above; a descriptor this high is not open in a test process.
        let closed = unsafe { BorrowedFile::new(1 << 20) }.err().unwrap();
        assert_eq!(closed.kind(), ErrorKind::Io);
        assert_eq!(closed.os_error(), Some(libc::EBADF));
        assert!(closed.to_string().contains("file descriptor 1048576"));
    }
}
