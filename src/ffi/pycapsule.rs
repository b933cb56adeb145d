//! Arrow structs on the heap, and the PyCapsule destructors that release and free them:
//! what a binding needs to hand csvr's Arrow streams to Python (the Arrow PyCapsule
//! interface) with ctypes alone.
//!
//! The interface wants each capsule's destructor to release a stream (or schema) that no
//! consumer took, then free the struct. A destructor written in Python cannot: CPython
//! runs a capsule's destructor even while an exception is being raised (a consumer drops
//! the capsule on its error path), and a ctypes callback run then turns that exception
//! into a `SystemError`. These destructors are C functions. They set the pending
//! exception aside while they release (a stream reading a Python file object runs Python
//! code when released), then put it back.
//!
//! They call three functions of CPython's stable ABI, looked up in the process when first
//! needed (`dlsym`), so the library links no Python; they are meant to be called by
//! CPython alone, and outside a Python process they do nothing.

use std::ffi::{c_char, c_void, CStr};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::ptr;
use std::sync::OnceLock;

use crate::arrow::{ArrowArrayStream, ArrowSchema};

/// A released `struct ArrowArrayStream` on the heap, for a binding whose own memory may
/// move or be freed while a consumer still holds the stream (a Python capsule): fill it
/// with `csvr_arrow_open` or the like, and free it with `csvr_arrow_stream_free`.
/// NULL only if memory runs out.
///
/// ```c
/// struct ArrowArrayStream *s = csvr_arrow_stream_new();
/// if (s != NULL && csvr_arrow_open("data.csv", NULL, s) == CSVR_OK) {
///     // ... s->get_next(s, &batch) ...
/// }
/// csvr_arrow_stream_free(s); // releases it first if nobody did
/// ```
#[no_mangle]
pub extern "C" fn csvr_arrow_stream_new() -> *mut ArrowArrayStream {
    new_released(ArrowArrayStream::empty)
}

/// Releases `stream` if it is live (its `release` is not NULL: nobody moved it out or
/// released it), then frees it. NULL is a no-op.
///
/// # Safety
/// `stream` is NULL or came from `csvr_arrow_stream_new` and was not freed before.
#[no_mangle]
pub unsafe extern "C" fn csvr_arrow_stream_free(stream: *mut ArrowArrayStream) {
    // SAFETY: the caller's contract.
    unsafe { release_and_free(stream) }
}

/// A released `struct ArrowSchema` on the heap (as `csvr_arrow_stream_new`, for a
/// stream's `get_schema`); free it with `csvr_arrow_schema_free`. NULL only if memory
/// runs out.
#[no_mangle]
pub extern "C" fn csvr_arrow_schema_new() -> *mut ArrowSchema {
    new_released(ArrowSchema::empty)
}

/// Releases `schema` if it is live, then frees it. NULL is a no-op.
///
/// # Safety
/// `schema` is NULL or came from `csvr_arrow_schema_new` and was not freed before.
#[no_mangle]
pub unsafe extern "C" fn csvr_arrow_schema_free(schema: *mut ArrowSchema) {
    // SAFETY: the caller's contract.
    unsafe { release_and_free(schema) }
}

/// An Arrow C struct, which its `release` callback (NULL once released) empties.
trait Released {
    fn release(&self) -> Option<unsafe extern "C" fn(*mut Self)>;
}

impl Released for ArrowArrayStream {
    fn release(&self) -> Option<unsafe extern "C" fn(*mut Self)> {
        self.release
    }
}

impl Released for ArrowSchema {
    fn release(&self) -> Option<unsafe extern "C" fn(*mut Self)> {
        self.release
    }
}

/// `empty()` boxed, or NULL if the allocation panics.
fn new_released<T>(empty: fn() -> T) -> *mut T {
    catch_unwind(|| Box::into_raw(Box::new(empty()))).unwrap_or(ptr::null_mut())
}

/// Releases the struct at `p` if it is live, then frees its box. NULL is a no-op.
///
/// # Safety
/// `p` is NULL or came from [`new_released`] and was not freed before.
unsafe fn release_and_free<T: Released>(p: *mut T) {
    if p.is_null() {
        return;
    }
    let _ = catch_unwind(AssertUnwindSafe(|| {
        // SAFETY: per the contract, `p` is a live box from new_released; its release
        // callback, if set, is the one its producer wrote, called once.
        unsafe {
            if let Some(release) = (*p).release() {
                release(p);
            }
            drop(Box::from_raw(p));
        }
    }));
}

/// The destructor of a PyCapsule named `arrow_array_stream` whose pointer came from
/// `csvr_arrow_stream_new`: releases the stream if no consumer took it, and frees it
/// (`csvr_arrow_stream_free`), with Python's pending exception, if any, kept.
///
/// # Safety
/// Called by CPython (holding the GIL) with such a capsule.
#[no_mangle]
pub unsafe extern "C" fn csvr_pycapsule_stream_destructor(capsule: *mut c_void) {
    // SAFETY: the caller's contract; the capsule's pointer is such a stream.
    unsafe {
        destroy(capsule, c"arrow_array_stream", |p| {
            csvr_arrow_stream_free(p.cast())
        })
    }
}

/// The destructor of a PyCapsule named `arrow_schema` whose pointer came from
/// `csvr_arrow_schema_new` (as `csvr_pycapsule_stream_destructor`).
///
/// # Safety
/// Called by CPython (holding the GIL) with such a capsule.
#[no_mangle]
pub unsafe extern "C" fn csvr_pycapsule_schema_destructor(capsule: *mut c_void) {
    // SAFETY: the caller's contract; the capsule's pointer is such a schema.
    unsafe {
        destroy(capsule, c"arrow_schema", |p| {
            csvr_arrow_schema_free(p.cast())
        })
    }
}

/// Frees the pointer of `capsule` (named `name`) with `free`, the pending exception set
/// aside meanwhile.
///
/// # Safety
/// CPython calls this with the GIL held, and `free` can free the capsule's pointer.
unsafe fn destroy(capsule: *mut c_void, name: &CStr, free: impl FnOnce(*mut c_void)) {
    let Some(python) = Python::get() else {
        return; // not in a Python process: no capsule to destroy
    };
    let (mut kind, mut value, mut traceback) = (ptr::null_mut(), ptr::null_mut(), ptr::null_mut());
    // SAFETY: CPython's own functions, called with the GIL held (a destructor runs with
    // it) and with the arguments they document. PyErr_Fetch takes the pending exception
    // (leaving none), PyErr_Restore puts it back (and clears any error set meanwhile,
    // such as PyCapsule_GetPointer's for a capsule that is not ours).
    unsafe {
        (python.err_fetch)(&mut kind, &mut value, &mut traceback);
        let pointer = (python.capsule_get_pointer)(capsule, name.as_ptr());
        if !pointer.is_null() {
            let _ = catch_unwind(AssertUnwindSafe(|| free(pointer)));
        }
        (python.err_restore)(kind, value, traceback);
    }
}

/// `void *PyCapsule_GetPointer(PyObject *capsule, const char *name)`.
type CapsuleGetPointer = unsafe extern "C" fn(*mut c_void, *const c_char) -> *mut c_void;
/// `void PyErr_Fetch(PyObject **type, PyObject **value, PyObject **traceback)`.
type ErrFetch = unsafe extern "C" fn(*mut *mut c_void, *mut *mut c_void, *mut *mut c_void);
/// `void PyErr_Restore(PyObject *type, PyObject *value, PyObject *traceback)`.
type ErrRestore = unsafe extern "C" fn(*mut c_void, *mut c_void, *mut c_void);

/// The functions of the Python interpreter running in this process.
struct Python {
    capsule_get_pointer: CapsuleGetPointer,
    err_fetch: ErrFetch,
    err_restore: ErrRestore,
}

impl Python {
    /// Looked up once; `None` where the process has no Python.
    fn get() -> Option<&'static Python> {
        static PYTHON: OnceLock<Option<Python>> = OnceLock::new();
        PYTHON.get_or_init(Python::find).as_ref()
    }

    fn find() -> Option<Python> {
        let symbol = |name: &CStr| {
            // SAFETY: dlsym with the process's global scope (where ctypes.pythonapi looks
            // too) and a NUL-terminated name.
            let address = unsafe { libc::dlsym(libc::RTLD_DEFAULT, name.as_ptr()) };
            (!address.is_null()).then_some(address)
        };
        let (get_pointer, fetch, restore) = (
            symbol(c"PyCapsule_GetPointer")?,
            symbol(c"PyErr_Fetch")?,
            symbol(c"PyErr_Restore")?,
        );
        // SAFETY: each symbol is CPython's function of that name, whose C signature (part
        // of its stable ABI) is the one each type above spells out.
        unsafe {
            Some(Python {
                capsule_get_pointer: std::mem::transmute::<*mut c_void, CapsuleGetPointer>(
                    get_pointer,
                ),
                err_fetch: std::mem::transmute::<*mut c_void, ErrFetch>(fetch),
                err_restore: std::mem::transmute::<*mut c_void, ErrRestore>(restore),
            })
        }
    }
}
