//! Readers and counts over the caller's own inputs: a file descriptor, or a read callback.
//!
//! Neither ever reads ahead on a worker thread (`csvr_options_set_read_ahead` does not
//! apply): a callback need not be thread-safe, and a thread blocked reading a pipe could
//! not be stopped. Both are read only during calls on the caller's thread.

use std::ffi::c_void;
use std::os::raw::c_int;

use super::boundary::{arg_out, guard, Failure};
use super::csvr_status::{self, CSVR_OK};
use super::options::csvr_options;
use super::reader::{csvr_reader, into_handle, options_or_default, Input};
use crate::count::count_reader_named;
#[cfg(not(unix))]
use crate::error::Error;
use crate::input::ReadFn;
use crate::reader::Reader;

/// A read callback, in the style of `read(2)`: writes up to `len` bytes of the input to
/// `buf` and returns how many (at most `len`), 0 at the end of the input, or -1 with
/// `errno` set on failure. -1 with `errno == EINTR` is retried; any other failure makes
/// the csvr call fail with `CSVR_ERR_IO`, `csvr_last_error_os_error()` giving that
/// `errno` and the message saying that the read callback failed. A return above `len` or
/// below -1 is also `CSVR_ERR_IO` (never a read past `buf`).
///
/// `user_data` is passed through unchanged. After returning 0 the callback may be called
/// again; it should return 0 again.
pub type csvr_read_fn =
    Option<unsafe extern "C" fn(user_data: *mut c_void, buf: *mut u8, len: usize) -> isize>;

/// The caller's read callback and its data.
struct CallbackInput {
    read: unsafe extern "C" fn(*mut c_void, *mut u8, usize) -> isize,
    user_data: *mut c_void,
}

// SAFETY: a reader (and the input it owns) may move between threads, as every csvr_reader
// may; the header tells the caller that the callback is then called on the thread that
// uses the reader, one call at a time, and never on a thread of csvr's own (no read-ahead
// for callbacks), which is what the caller's contract for `user_data` covers.
unsafe impl Send for CallbackInput {}

impl CallbackInput {
    fn call(&mut self, buf: &mut [u8]) -> isize {
        // SAFETY: `buf` is valid for writes of `buf.len()` bytes; the caller promised a
        // callback that writes at most `len` bytes and a `user_data` it accepts.
        unsafe { (self.read)(self.user_data, buf.as_mut_ptr(), buf.len()) }
    }

    fn into_read(mut self) -> ReadFn<impl FnMut(&mut [u8]) -> isize + Send> {
        ReadFn::new(move |buf: &mut [u8]| self.call(buf))
    }
}

/// How a callback's input is named in messages.
const CALLBACK_SOURCE: &str = "the callback's input";

/// Makes a reader of the file descriptor `fd` (a file, a pipe, a socket, a terminal ...)
/// with `opts` (NULL = defaults), reading from the descriptor's current offset on. The
/// descriptor is NOT closed, neither by this call nor by `csvr_reader_free`: it must stay
/// open until the reader is freed, and is then the caller's to close. Reading moves the
/// descriptor's offset, which it shares with every duplicate of it (`dup`, `fork`).
///
/// Threads: the descriptor is read only during calls on the reader, on the calling
/// thread; it never reads ahead on a thread of its own, whatever
/// `csvr_options_set_read_ahead` says. With `has_header` on, the header is read now.
///
/// On success writes a new reader to `*out`, owned by the caller and freed with
/// `csvr_reader_free`; on failure `*out` is untouched.
///
/// Errors: `CSVR_ERR_NULL` (out NULL), `CSVR_ERR_INVALID` (a negative `fd`, contradictory
/// options, or a platform without file descriptors), `CSVR_ERR_IO` (`fd` not open,
/// `EBADF`, or a read failed: see `csvr_last_error_os_error`), `CSVR_ERR_UTF8` (text mode
/// and the header is not UTF-8).
///
/// # Safety
/// `opts` is NULL or live; `out` is NULL or writable; if `fd` is open, nothing closes it
/// before the reader is freed.
#[no_mangle]
pub unsafe extern "C" fn csvr_reader_from_fd(
    fd: c_int,
    opts: *const csvr_options,
    out: *mut *mut csvr_reader,
) -> csvr_status {
    guard("csvr_reader_from_fd", || {
        // SAFETY: the caller's contract for each argument.
        let (options, out) = unsafe { (options_or_default(opts), arg_out(out, "out")?) };
        options.validate()?;
        // SAFETY: the caller keeps `fd` open until the reader, which owns this, is freed.
        let input = unsafe { fd_input(fd) }?;
        let reader = Reader::from_reader_named(input.0, &options, input.1)?;
        out.write(into_handle(reader));
        Ok(CSVR_OK)
    })
}

/// The descriptor as a reader's input, with its name in messages.
///
/// # Safety
/// If `fd` is open, it stays open while the input lives.
#[cfg(unix)]
unsafe fn fd_input(fd: c_int) -> Result<(Input, String), Failure> {
    // SAFETY: forwarded contract.
    let (file, _) = unsafe { crate::input::BorrowedFile::new(fd) }?;
    Ok((Box::new(file), crate::input::describe_fd(fd)))
}

/// # Safety
/// None needed: nothing is read.
#[cfg(not(unix))]
unsafe fn fd_input(_fd: c_int) -> Result<(Input, String), Failure> {
    Err(no_fds().into())
}

#[cfg(not(unix))]
fn no_fds() -> Error {
    Error::invalid("file descriptors are not supported on this platform")
}

/// Makes a reader of the bytes that `read` returns (see `csvr_read_fn`), called with
/// `user_data`, with `opts` (NULL = defaults). With `has_header` on, the callback is
/// called now until the header is read.
///
/// Threads: the callback is called only from inside csvr calls on this reader (this one,
/// `csvr_reader_next`, `_next_batch`, `_count`), on the thread making that call, one call
/// at a time, and never after `csvr_reader_free` returns. It never runs on a thread of
/// csvr's own (`csvr_options_set_read_ahead` does not apply), so it need not be
/// thread-safe; if the reader is moved to another thread, the callback is called there.
/// `user_data` must stay valid until the reader is freed.
///
/// On success writes a new reader to `*out`, owned by the caller and freed with
/// `csvr_reader_free`; on failure `*out` is untouched (and the callback is not called
/// again).
///
/// Errors: `CSVR_ERR_NULL` (read or out NULL), `CSVR_ERR_INVALID` (contradictory options),
/// `CSVR_ERR_IO` (the callback failed: see `csvr_read_fn`), `CSVR_ERR_UTF8` (text mode and
/// the header is not UTF-8).
///
/// # Safety
/// `read` is NULL or a function as `csvr_read_fn` describes, safe to call with
/// `user_data` until the reader is freed; `opts` is NULL or live; `out` is NULL or
/// writable.
#[no_mangle]
pub unsafe extern "C" fn csvr_reader_from_callback(
    read: csvr_read_fn,
    user_data: *mut c_void,
    opts: *const csvr_options,
    out: *mut *mut csvr_reader,
) -> csvr_status {
    guard("csvr_reader_from_callback", || {
        // SAFETY: the caller's contract for each argument.
        let (options, out) = unsafe { (options_or_default(opts), arg_out(out, "out")?) };
        let read = read.ok_or(Failure::Null("read"))?;
        let input: Input = Box::new(CallbackInput { read, user_data }.into_read());
        let reader = Reader::from_reader_named(input, &options, CALLBACK_SOURCE.to_string())?;
        out.write(into_handle(reader));
        Ok(CSVR_OK)
    })
}

/// Counts the records read from the file descriptor `fd`, from its current offset to its
/// end, with `opts` (NULL = defaults), and writes the count to `*out`: the same count as
/// `csvr_count_path` on the same bytes. The descriptor is NOT closed. Afterwards its
/// offset is at the end of the input (a regular file read from offset 0 may be counted
/// with positioned reads, on several threads, and is then moved to its end).
///
/// Threads: the descriptor is read on the calling thread (and, for a regular file from
/// offset 0, on csvr's own counting threads, with `pread`, during this call only).
///
/// Errors: `CSVR_ERR_NULL` (out NULL), `CSVR_ERR_INVALID` (a negative `fd`, contradictory
/// options), `CSVR_ERR_IO` (`fd` not open or a read failed), `CSVR_ERR_PARSE`
/// (`flexible` off and a ragged record).
///
/// # Safety
/// `opts` is NULL or live; `out` is NULL or writable; nothing closes `fd` during the call.
#[no_mangle]
pub unsafe extern "C" fn csvr_count_fd(
    fd: c_int,
    opts: *const csvr_options,
    out: *mut u64,
) -> csvr_status {
    guard("csvr_count_fd", || {
        // SAFETY: the caller's contract for each argument.
        let (options, out) = unsafe { (options_or_default(opts), arg_out(out, "out")?) };
        options.validate()?;
        #[cfg(unix)]
        {
            // SAFETY: the caller keeps `fd` open for the call, which outlives `file`.
            let (file, meta) = unsafe { crate::input::BorrowedFile::new(fd) }?;
            let source = crate::input::describe_fd(fd);
            out.write(crate::count::count_file(
                file.file(),
                &meta,
                &options,
                &source,
            )?);
            Ok(CSVR_OK)
        }
        #[cfg(not(unix))]
        {
            let _ = (fd, out);
            Err(no_fds().into())
        }
    })
}

/// Counts the records in the bytes that `read` returns (see `csvr_read_fn`), called with
/// `user_data` until it returns 0, with `opts` (NULL = defaults), and writes the count to
/// `*out`. The input is streamed in constant memory.
///
/// Threads: the callback is called only during this call, on the calling thread, one
/// call at a time.
///
/// Errors: `CSVR_ERR_NULL` (read or out NULL), `CSVR_ERR_INVALID` (contradictory
/// options), `CSVR_ERR_IO` (the callback failed), `CSVR_ERR_PARSE` (`flexible` off and a
/// ragged record).
///
/// # Safety
/// `read` is NULL or a function as `csvr_read_fn` describes, safe to call with
/// `user_data` during the call; `opts` is NULL or live; `out` is NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn csvr_count_callback(
    read: csvr_read_fn,
    user_data: *mut c_void,
    opts: *const csvr_options,
    out: *mut u64,
) -> csvr_status {
    guard("csvr_count_callback", || {
        // SAFETY: the caller's contract for each argument.
        let (options, out) = unsafe { (options_or_default(opts), arg_out(out, "out")?) };
        let read = read.ok_or(Failure::Null("read"))?;
        let input = CallbackInput { read, user_data }.into_read();
        out.write(count_reader_named(input, &options, CALLBACK_SOURCE)?);
        Ok(CSVR_OK)
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ffi::{csvr_options_free, csvr_options_new, csvr_options_set_read_ahead};
    use crate::ffi::{csvr_reader_count, csvr_reader_free, csvr_reader_next};
    use std::thread::{self, ThreadId};

    struct Source {
        data: Vec<u8>,
        at: usize,
        threads: Vec<ThreadId>,
    }

    unsafe extern "C" fn one_byte(user_data: *mut c_void, buf: *mut u8, len: usize) -> isize {
        // SAFETY: the tests pass a live, unshared Source and a buffer of `len` bytes.
        let src = unsafe { &mut *user_data.cast::<Source>() };
        src.threads.push(thread::current().id());
        if src.at == src.data.len() || len == 0 {
            return 0;
        }
        // SAFETY: `len` >= 1, so one byte of `buf` is writable.
        unsafe { *buf = src.data[src.at] };
        src.at += 1;
        1
    }

    /// Read-ahead is asked for, yet every call of the callback is on the caller's thread.
    #[test]
    fn callbacks_never_run_on_a_worker() {
        let mut src = Source {
            data: b"h\n1\n2\n3\n".to_vec(),
            at: 0,
            threads: vec![],
        };
        // SAFETY: `src` outlives the reader; the options and the reader are freed once.
        unsafe {
            let opts = csvr_options_new();
            assert_eq!(csvr_options_set_read_ahead(opts, true), CSVR_OK);
            let mut r = std::ptr::null_mut();
            let status = csvr_reader_from_callback(
                Some(one_byte),
                (&mut src as *mut Source).cast(),
                opts,
                &mut r,
            );
            assert_eq!(status, CSVR_OK);
            csvr_options_free(opts);
            assert_eq!(csvr_reader_next(r), CSVR_OK);
            let mut n = 0u64;
            assert_eq!(csvr_reader_count(r, &mut n), CSVR_OK);
            assert_eq!(n, 2);
            csvr_reader_free(r);
        }
        assert!(src.threads.len() > 8);
        let me = thread::current().id();
        assert!(src.threads.iter().all(|&t| t == me));
    }

    #[test]
    fn a_null_callback_is_refused() {
        let mut n = 0u64;
        let mut r = std::ptr::null_mut();
        // SAFETY: NULL callback and options; the out-params are live locals.
        unsafe {
            assert_eq!(
                csvr_count_callback(None, std::ptr::null_mut(), std::ptr::null(), &mut n),
                csvr_status::CSVR_ERR_NULL
            );
            assert_eq!(
                csvr_reader_from_callback(None, std::ptr::null_mut(), std::ptr::null(), &mut r),
                csvr_status::CSVR_ERR_NULL
            );
        }
        assert!(r.is_null());
    }
}
