//! The one panic boundary and the argument checks every exported function goes through.

use std::cell::Cell;
use std::ffi::{c_char, CStr};
use std::marker::PhantomData;
use std::panic::{catch_unwind, resume_unwind, AssertUnwindSafe};
use std::path::PathBuf;
use std::ptr::NonNull;

use super::csvr_status;
use super::last_error;
use crate::error::{Error, ErrorKind};

/// Why an exported call failed: a core error, or something only the C side can get wrong.
pub(crate) enum Failure {
    /// A required pointer argument, named here, was NULL.
    Null(&'static str),
    /// An object poisoned by an earlier panic was used again.
    Poisoned,
    /// The core said no. Boxed so that a `Result<csvr_status, Failure>` is three words:
    /// unboxed, every export's success path stored all of an `Error` on its stack.
    Core(Box<Error>),
}

impl From<Error> for Failure {
    #[cold]
    fn from(e: Error) -> Self {
        Failure::Core(Box::new(e))
    }
}

/// The status that a core error kind maps to.
pub(crate) fn status_of(kind: ErrorKind) -> csvr_status {
    match kind {
        ErrorKind::Invalid => csvr_status::CSVR_ERR_INVALID,
        ErrorKind::Io => csvr_status::CSVR_ERR_IO,
        ErrorKind::Parse => csvr_status::CSVR_ERR_PARSE,
        ErrorKind::Utf8 => csvr_status::CSVR_ERR_UTF8,
        ErrorKind::Panic => csvr_status::CSVR_ERR_PANIC,
    }
}

/// Runs the body of exported function `name`: a panic becomes `CSVR_ERR_PANIC`, a failure
/// its status, and both set the thread-local last error. Unwinding never reaches C.
//
// Inlined into every export, so that the success path of a field access is a few loads
// and compares with no call and no frame (catch_unwind costs nothing when nothing
// panics); everything a failure needs (formatting, the last error) is in `failed`, out
// of line.
#[inline(always)]
pub(crate) fn guard<F>(name: &'static str, body: F) -> csvr_status
where
    F: FnOnce() -> Result<csvr_status, Failure>,
{
    // Every arm moves its value out, so no drop glue runs on the success path.
    match catch_unwind(AssertUnwindSafe(body)) {
        Ok(Ok(status)) => status,
        Ok(Err(failure)) => failed(name, Ok(failure)),
        Err(payload) => failed(name, Err(payload)),
    }
}

/// The failure half of [`guard`]: maps a failure or a panic to a status and the last
/// error.
#[cold]
#[inline(never)]
fn failed(
    name: &'static str,
    outcome: Result<Failure, Box<dyn std::any::Any + Send>>,
) -> csvr_status {
    let (status, error) = match outcome {
        Ok(Failure::Core(e)) => (status_of(e.kind()), *e),
        Ok(Failure::Null(arg)) => (
            csvr_status::CSVR_ERR_NULL,
            Error::invalid(format!("{name}: argument '{arg}' is NULL")),
        ),
        Ok(Failure::Poisoned) => (
            csvr_status::CSVR_ERR_PANIC,
            Error::new(
                ErrorKind::Panic,
                format!("{name}: the reader is unusable after an earlier internal error"),
            ),
        ),
        Err(payload) => (
            csvr_status::CSVR_ERR_PANIC,
            Error::new(
                ErrorKind::Panic,
                format!(
                    "{name}: internal error (panic): {}",
                    panic_message(&*payload)
                ),
            ),
        ),
    };
    last_error::set(&error);
    status
}

fn panic_message(payload: &(dyn std::any::Any + Send)) -> &str {
    payload
        .downcast_ref::<&str>()
        .copied()
        .or_else(|| payload.downcast_ref::<String>().map(String::as_str))
        .unwrap_or("unknown cause")
}

/// Runs `body` on an object that a panic poisons: once a call on it has panicked, later
/// calls fail with `CSVR_ERR_PANIC` instead of touching state the panic may have broken.
// Inlined like `guard`: on the success path this is one load and one compare.
#[inline(always)]
pub(crate) fn unpoisoned<T, R>(
    poisoned: &Cell<bool>,
    object: T,
    body: impl FnOnce(T) -> Result<R, Failure>,
) -> Result<R, Failure> {
    if poisoned.get() {
        return Err(Failure::Poisoned);
    }
    match catch_unwind(AssertUnwindSafe(|| body(object))) {
        Ok(result) => result,
        Err(payload) => poison(poisoned, payload),
    }
}

#[cold]
#[inline(never)]
fn poison(poisoned: &Cell<bool>, payload: Box<dyn std::any::Any + Send>) -> ! {
    poisoned.set(true);
    resume_unwind(payload)
}

/// Borrows `*p`, or fails with the argument's name if it is NULL.
///
/// # Safety
/// `p` is NULL or points to a live `T` that nothing mutates for `'a`.
pub(crate) unsafe fn arg_ref<'a, T>(p: *const T, name: &'static str) -> Result<&'a T, Failure> {
    // SAFETY: the caller guarantees `p` is NULL or valid for shared access for 'a.
    unsafe { p.as_ref() }.ok_or(Failure::Null(name))
}

/// Mutably borrows `*p`, or fails with the argument's name if it is NULL.
///
/// # Safety
/// `p` is NULL or points to a live `T` that nothing else accesses for `'a`.
pub(crate) unsafe fn arg_mut<'a, T>(p: *mut T, name: &'static str) -> Result<&'a mut T, Failure> {
    // SAFETY: the caller guarantees `p` is NULL or valid and unaliased for 'a.
    unsafe { p.as_mut() }.ok_or(Failure::Null(name))
}

/// An out-parameter checked for NULL, written at most once, on success.
pub(crate) struct Out<'a, T> {
    ptr: NonNull<T>,
    _borrow: PhantomData<&'a mut T>,
}

impl<T> Out<'_, T> {
    /// Stores `value` without reading or dropping what was there (it may be uninitialised).
    pub(crate) fn write(self, value: T) {
        // SAFETY: `arg_out`'s caller guaranteed the pointer valid for writes of T.
        unsafe { self.ptr.as_ptr().write(value) }
    }
}

/// Checks an out-parameter for NULL.
///
/// # Safety
/// `p` is NULL or valid for writes of a `T` (aligned) for `'a`.
pub(crate) unsafe fn arg_out<'a, T>(p: *mut T, name: &'static str) -> Result<Out<'a, T>, Failure> {
    NonNull::new(p)
        .map(|ptr| Out {
            ptr,
            _borrow: PhantomData,
        })
        .ok_or(Failure::Null(name))
}

/// Borrows `len` bytes at `data`; `(NULL, 0)` is the empty input.
///
/// # Safety
/// If `data` is not NULL it points to `len` readable bytes that stay unchanged for `'a`.
pub(crate) unsafe fn arg_bytes<'a>(data: *const u8, len: usize) -> Result<&'a [u8], Failure> {
    if data.is_null() {
        return if len == 0 {
            Ok(&[])
        } else {
            Err(Failure::Null("data"))
        };
    }
    if len > isize::MAX as usize {
        return Err(Error::invalid(format!("len {len} is larger than any buffer")).into());
    }
    // SAFETY: non-NULL, `len` bounded by isize::MAX, and readable per the caller.
    Ok(unsafe { std::slice::from_raw_parts(data, len) })
}

/// Borrows the `n` values at `p` (an array argument named `name`); `p` may be NULL only
/// when `n` is 0, the empty list.
///
/// # Safety
/// If `n > 0`, `p` is NULL or points to `n` readable, aligned values of `T` that stay
/// unchanged for `'a`.
pub(crate) unsafe fn arg_slice<'a, T>(
    p: *const T,
    n: usize,
    name: &'static str,
) -> Result<&'a [T], Failure> {
    if n == 0 {
        return Ok(&[]);
    }
    if p.is_null() {
        return Err(Failure::Null(name));
    }
    if n > isize::MAX as usize / std::mem::size_of::<T>().max(1) {
        return Err(Error::invalid(format!("{name}: {n} entries are more than any array")).into());
    }
    // SAFETY: non-NULL, the size bounded by isize::MAX, and readable per the caller.
    Ok(unsafe { std::slice::from_raw_parts(p, n) })
}

/// Room for `n` values at `p`, written one by one (the memory may be uninitialised, so no
/// reference to it is ever made); NULL is allowed only when `n` is 0.
pub(crate) struct OutSlice<T> {
    ptr: *mut T,
    len: usize,
}

impl<T> OutSlice<T> {
    pub(crate) fn write(&mut self, i: usize, value: T) {
        assert!(i < self.len, "out-slice index {i} out of range");
        // SAFETY: `arg_slice_out`'s caller guaranteed `len` writable values at `ptr`.
        unsafe { self.ptr.add(i).write(value) }
    }
}

/// Checks room for `n` values at `p`.
///
/// # Safety
/// `p` is NULL or valid for writes of `n` values of `T` (aligned) for the call.
pub(crate) unsafe fn arg_slice_out<T>(
    p: *mut T,
    n: usize,
    name: &'static str,
) -> Result<OutSlice<T>, Failure> {
    if n > 0 && p.is_null() {
        return Err(Failure::Null(name));
    }
    Ok(OutSlice { ptr: p, len: n })
}

/// Converts a NUL-terminated C path. On Unix a path is bytes, so a non-UTF-8 path is
/// accepted as the OS would; elsewhere it must be UTF-8.
///
/// # Safety
/// `path` is NULL or a NUL-terminated string readable for the call.
pub(crate) unsafe fn arg_path(path: *const c_char) -> Result<PathBuf, Failure> {
    if path.is_null() {
        return Err(Failure::Null("path"));
    }
    // SAFETY: non-NULL and NUL-terminated per the caller.
    let bytes = unsafe { CStr::from_ptr(path) }.to_bytes();
    if bytes.is_empty() {
        return Err(Error::invalid("path is empty").into());
    }
    #[cfg(unix)]
    {
        use std::os::unix::ffi::OsStrExt;
        Ok(PathBuf::from(std::ffi::OsStr::from_bytes(bytes)))
    }
    #[cfg(not(unix))]
    {
        std::str::from_utf8(bytes)
            .map(PathBuf::from)
            .map_err(|_| Error::invalid("path is not UTF-8").into())
    }
}
