//! A `Read` over a read function in the style of `read(2)`, such as a C callback: bytes
//! read, 0 at the end, or -1 with `errno` set.

use std::io::{self, Read};

use crate::error::InputError;

/// Reads through `read`, which fills a buffer and returns how many bytes it wrote, 0 at
/// the end of the input, or -1 with `errno` set on failure.
///
/// `EINTR` is retried. Any other failure is an I/O error saying that the read callback
/// failed, with its `errno`; a return above the buffer's length or below -1 is an I/O
/// error too (a buggy callback), never a read past the buffer.
pub(crate) struct ReadFn<F> {
    read: F,
}

impl<F: FnMut(&mut [u8]) -> isize> ReadFn<F> {
    pub(crate) fn new(read: F) -> Self {
        ReadFn { read }
    }
}

impl<F: FnMut(&mut [u8]) -> isize> Read for ReadFn<F> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if buf.is_empty() {
            return Ok(0);
        }
        loop {
            // So that a callback returning -1 without setting errno is not blamed on an
            // older error.
            errno::clear();
            let n = (self.read)(buf);
            // Nothing between the call and this line may touch errno.
            let os_error = io::Error::last_os_error().raw_os_error().unwrap_or(0);
            return match n {
                0.. if n as usize <= buf.len() => Ok(n as usize),
                0.. => Err(InputError::new(format!(
                    "the read callback returned {n} for a buffer of {} bytes",
                    buf.len()
                ))
                .into_io()),
                -1 if os_error == libc::EINTR => continue,
                -1 if os_error == 0 => Err(InputError::new(
                    "the read callback failed (it returned -1 and left errno 0)",
                )
                .into_io()),
                -1 => Err(InputError {
                    message: "the read callback failed".into(),
                    os_error: Some(os_error),
                }
                .into_io()),
                _ => Err(InputError::new(format!(
                    "the read callback returned {n} (only -1 means a failure)"
                ))
                .into_io()),
            };
        }
    }
}

/// The calling thread's `errno`.
mod errno {
    /// Sets `errno` to 0 where the platform lets us; elsewhere it is left as it is.
    pub(super) fn clear() {
        #[cfg(any(target_os = "linux", target_os = "emscripten"))]
        // SAFETY: __errno_location returns a valid pointer to this thread's errno.
        unsafe {
            *libc::__errno_location() = 0
        };
        #[cfg(any(target_os = "macos", target_os = "ios", target_os = "freebsd"))]
        // SAFETY: __error returns a valid pointer to this thread's errno.
        unsafe {
            *libc::__error() = 0
        };
        #[cfg(target_os = "android")]
        // SAFETY: __errno returns a valid pointer to this thread's errno.
        unsafe {
            *libc::__errno() = 0
        };
    }

    /// Sets `errno`, as a C callback would (for tests).
    #[cfg(all(test, target_os = "linux"))]
    pub(super) fn set(code: i32) {
        // SAFETY: __errno_location returns a valid pointer to this thread's errno.
        unsafe { *libc::__errno_location() = code };
    }
}

#[cfg(all(test, target_os = "linux"))]
mod tests {
    use super::*;
    use crate::error::Error;

    fn failure(e: io::Error) -> Error {
        Error::io("cannot read the input", &e)
    }

    #[test]
    fn eintr_is_retried_and_errno_is_kept() {
        let mut calls = 0;
        let mut r = ReadFn::new(|buf: &mut [u8]| {
            calls += 1;
            match calls {
                1 => {
                    errno::set(libc::EINTR);
                    -1
                }
                2 => {
                    buf[0] = b'x';
                    1
                }
                _ => {
                    errno::set(libc::ECONNRESET);
                    -1
                }
            }
        });
        let mut buf = [0u8; 8];
        assert_eq!(r.read(&mut buf).unwrap(), 1);
        let err = failure(r.read(&mut buf).unwrap_err());
        assert_eq!(err.os_error(), Some(libc::ECONNRESET));
        assert!(err.message().contains("the read callback failed"), "{err}");
    }

    #[test]
    fn impossible_returns_are_errors() {
        let mut buf = [0u8; 4];
        let too_many = ReadFn::new(|_: &mut [u8]| 5).read(&mut buf).unwrap_err();
        assert!(failure(too_many)
            .message()
            .contains("returned 5 for a buffer of 4"));
        let negative = ReadFn::new(|_: &mut [u8]| -7).read(&mut buf).unwrap_err();
        assert!(failure(negative).message().contains("returned -7"));
        let no_errno = ReadFn::new(|_: &mut [u8]| -1).read(&mut buf).unwrap_err();
        let no_errno = failure(no_errno);
        assert_eq!(no_errno.os_error(), None);
        assert!(no_errno.message().contains("left errno 0"), "{no_errno}");
    }
}
