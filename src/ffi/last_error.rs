//! The thread-local last error, as in libgit2: meaningful right after a failed call.

use std::cell::RefCell;
use std::ffi::{c_char, CString};
use std::ptr;

use crate::error::{Error, Position};

struct LastError {
    message: CString,
    position: Option<Position>,
    os_error: i32,
}

thread_local! {
    static LAST_ERROR: RefCell<Option<LastError>> = const { RefCell::new(None) };
}

/// Records `error` as this thread's last error.
pub(crate) fn set(error: &Error) {
    // A message may quote input bytes; C strings end at NUL, so NUL cannot be in one.
    let text = error.to_string().replace('\0', "\\0");
    let message = CString::new(text).unwrap_or_default();
    let last = LastError {
        message,
        position: error.position(),
        os_error: error.os_error().unwrap_or(0),
    };
    // During thread teardown the slot may be gone; there is then nobody left to ask.
    let _ = LAST_ERROR.try_with(|slot| *slot.borrow_mut() = Some(last));
}

fn with_last<R>(f: impl FnOnce(&LastError) -> R) -> Option<R> {
    LAST_ERROR
        .try_with(|slot| slot.try_borrow().ok().and_then(|l| l.as_ref().map(f)))
        .ok()
        .flatten()
}

/// The message of the last failed csvr call on this thread, or NULL if none has failed.
///
/// Like `errno`, it is meaningful only right after a call returned a negative
/// `csvr_status` (a successful call may leave an old message in place). The string is
/// owned by the library: do not free it; it stays valid until the next csvr call on this
/// thread. Where the failure concerns a record, the message ends with its position:
/// `"... at line 3, byte 41, record 2"`.
#[no_mangle]
pub extern "C" fn csvr_last_error_message() -> *const c_char {
    with_last(|l| l.message.as_ptr()).unwrap_or(ptr::null())
}

/// The OS error code (`errno`) behind the last failure on this thread if it was an I/O
/// error (`CSVR_ERR_IO`), else 0. Meaningful only right after a failed call.
#[no_mangle]
pub extern "C" fn csvr_last_error_os_error() -> i32 {
    with_last(|l| l.os_error).unwrap_or(0)
}

/// The position of the record that the last failure on this thread concerns.
///
/// Returns true and writes `*line` (1-based), `*byte` (0-based offset) and `*record`
/// (0-based, the header being record 0) if that failure has a position; returns false and
/// writes nothing if it has none, if no call has failed, or if any pointer is NULL.
/// Never changes the last error itself.
///
/// # Safety
/// Each pointer is NULL or valid for writing a `uint64_t`.
#[no_mangle]
pub unsafe extern "C" fn csvr_last_error_position(
    line: *mut u64,
    byte: *mut u64,
    record: *mut u64,
) -> bool {
    if line.is_null() || byte.is_null() || record.is_null() {
        return false;
    }
    match with_last(|l| l.position).flatten() {
        Some(pos) => {
            // SAFETY: checked non-NULL above; the caller guarantees they are writable.
            unsafe {
                line.write(pos.line);
                byte.write(pos.byte);
                record.write(pos.record);
            }
            true
        }
        None => false,
    }
}
