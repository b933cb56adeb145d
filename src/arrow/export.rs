//! The Arrow C Stream export: [`RecordBatches`] behind an `ArrowArrayStream`, and each
//! batch as an `ArrowArray` that owns its buffers.
//!
//! Every callback catches panics (a panic never unwinds into the consumer) and checks
//! its pointers. A batch's memory belongs to the batch alone, so batches and schemas may
//! be released on any thread, in any order, before or after the stream.

use std::ffi::{c_char, c_int, c_void, CString};
use std::io::Read;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::ptr;

use super::abi::{ArrowArray, ArrowArrayStream, ArrowSchema, ARROW_FLAG_NULLABLE};
use super::batches::RecordBatches;
use crate::columnar::{Column, ColumnBatch, Offsets};
use crate::error::{Error, ErrorKind};

/// What an `ArrowArrayStream` made here points to.
struct StreamState<R> {
    batches: RecordBatches<R>,
    /// The last failure's message, for `get_last_error`.
    last_error: Option<CString>,
}

/// Makes `batches` the stream `out` (which the consumer releases).
///
/// ```
/// use csvr::arrow::{export_stream, ArrowArray, ArrowArrayStream, ArrowSchema};
/// let rdr = csvr::Reader::from_bytes(b"a\n1\n".to_vec(), &csvr::Options::new())?;
/// let batches = csvr::arrow::RecordBatches::new(rdr, csvr::arrow::Strings::Offsets32)?;
/// let mut stream = ArrowArrayStream::empty();
/// export_stream(batches, &mut stream);
/// let (mut schema, mut array) = (ArrowSchema::empty(), ArrowArray::empty());
/// // SAFETY: the callbacks of a live stream, given writable structs.
/// unsafe {
///     assert_eq!((stream.get_schema.unwrap())(&mut stream, &mut schema), 0);
///     assert_eq!((stream.get_next.unwrap())(&mut stream, &mut array), 0);
///     assert_eq!((array.length, array.n_children), (1, 1));
///     (array.release.unwrap())(&mut array);
///     (schema.release.unwrap())(&mut schema);
///     (stream.release.unwrap())(&mut stream);
/// }
/// # Ok::<(), csvr::Error>(())
/// ```
pub fn export_stream<R: Read + Send + 'static>(
    batches: RecordBatches<R>,
    out: &mut ArrowArrayStream,
) {
    let state = Box::new(StreamState {
        batches,
        last_error: None,
    });
    *out = ArrowArrayStream {
        get_schema: Some(get_schema::<R>),
        get_next: Some(get_next::<R>),
        get_last_error: Some(get_last_error::<R>),
        release: Some(release_stream::<R>),
        private_data: Box::into_raw(state).cast(),
    };
}

/// The `errno` code a stream returns for an error of `kind` (what pyarrow maps to
/// `ArrowInvalid` for bad data, `ArrowIOError` for I/O).
fn errno_of(kind: ErrorKind) -> c_int {
    match kind {
        ErrorKind::Invalid | ErrorKind::Parse | ErrorKind::Utf8 => libc::EINVAL,
        ErrorKind::Io | ErrorKind::Panic => libc::EIO,
    }
}

/// The stream's state.
///
/// # Safety
/// `stream` is NULL or an `ArrowArrayStream` made by [`export_stream`] with `R`.
unsafe fn state_of<'a, R>(stream: *mut ArrowArrayStream) -> Option<&'a mut StreamState<R>> {
    // SAFETY: the caller's contract; a released stream has NULL private data.
    unsafe {
        stream
            .as_mut()?
            .private_data
            .cast::<StreamState<R>>()
            .as_mut()
    }
}

/// Runs a callback's body: a panic becomes `EIO` with a message.
fn catching<R>(
    state: &mut StreamState<R>,
    body: impl FnOnce(&mut StreamState<R>) -> c_int,
) -> c_int {
    let state_ptr: *mut StreamState<R> = state;
    match catch_unwind(AssertUnwindSafe(|| body(state))) {
        Ok(code) => code,
        Err(_) => {
            // SAFETY: `state` is not borrowed any more: the closure that had it is gone.
            let state = unsafe { &mut *state_ptr };
            state.last_error =
                CString::new("internal error in csvr (a panic); please report it").ok();
            libc::EIO
        }
    }
}

unsafe extern "C" fn get_schema<R: Read>(
    stream: *mut ArrowArrayStream,
    out: *mut ArrowSchema,
) -> c_int {
    // SAFETY: the consumer passes the stream it got, and a writable schema.
    let Some(state) = (unsafe { state_of::<R>(stream) }) else {
        return libc::EINVAL;
    };
    if out.is_null() {
        state.last_error = CString::new("get_schema: out is NULL").ok();
        return libc::EINVAL;
    }
    catching(state, |state| {
        let batches = &state.batches;
        let format = batches.strings().format(batches.is_text());
        let schema = struct_schema(batches.names(), format);
        // SAFETY: `out` is writable (checked non-NULL; the consumer's contract).
        unsafe { out.write(schema) };
        0
    })
}

unsafe extern "C" fn get_next<R: Read>(
    stream: *mut ArrowArrayStream,
    out: *mut ArrowArray,
) -> c_int {
    // SAFETY: the consumer passes the stream it got, and a writable array.
    let Some(state) = (unsafe { state_of::<R>(stream) }) else {
        return libc::EINVAL;
    };
    if out.is_null() {
        state.last_error = CString::new("get_next: out is NULL").ok();
        return libc::EINVAL;
    }
    catching(state, |state| match state.batches.next_batch() {
        Ok(Some(batch)) => {
            // SAFETY: `out` is writable.
            unsafe { out.write(struct_array(batch)) };
            0
        }
        Ok(None) => {
            // SAFETY: `out` is writable; a released array marks the end.
            unsafe { out.write(ArrowArray::empty()) };
            0
        }
        Err(e) => failed(state, &e),
    })
}

fn failed<R>(state: &mut StreamState<R>, e: &Error) -> c_int {
    // A message holds no NUL byte, but a file name might.
    let text = e.to_string().replace('\0', "\\0");
    state.last_error = CString::new(text).ok();
    errno_of(e.kind())
}

unsafe extern "C" fn get_last_error<R>(stream: *mut ArrowArrayStream) -> *const c_char {
    // SAFETY: the consumer passes the stream it got.
    match unsafe { state_of::<R>(stream) } {
        Some(state) => state
            .last_error
            .as_ref()
            .map_or(ptr::null(), |m| m.as_ptr()),
        None => ptr::null(),
    }
}

unsafe extern "C" fn release_stream<R>(stream: *mut ArrowArrayStream) {
    // SAFETY: the consumer passes the stream it got.
    let Some(stream) = (unsafe { stream.as_mut() }) else {
        return;
    };
    let state = std::mem::replace(&mut stream.private_data, ptr::null_mut());
    stream.release = None;
    if !state.is_null() {
        // Dropping closes a file and joins read-ahead workers; it must not unwind.
        let _ = catch_unwind(AssertUnwindSafe(|| {
            // SAFETY: `private_data` came from Box::into_raw in export_stream, and is
            // taken (set NULL) here, so it is freed once.
            drop(unsafe { Box::from_raw(state.cast::<StreamState<R>>()) });
        }));
    }
}

// ---- schemas ----

/// What an exported schema owns.
struct SchemaData {
    _format: CString,
    _name: Option<CString>,
    /// The children's schemas (each released by its own callback) and the array of
    /// pointers to them.
    children: Vec<*mut ArrowSchema>,
}

/// A struct schema of string columns named `names`, each of `format`.
fn struct_schema(names: &[String], format: &str) -> ArrowSchema {
    let children = names
        .iter()
        .map(|name| Box::into_raw(Box::new(leaf_schema(name, format))))
        .collect();
    schema_with(c"+s".to_owned(), None, 0, children)
}

fn leaf_schema(name: &str, format: &str) -> ArrowSchema {
    // Names hold no NUL byte unless the header does: shown escaped.
    let name = CString::new(name.replace('\0', "\\0")).expect("no NUL left");
    let format = CString::new(format).expect("a format has no NUL");
    schema_with(format, Some(name), ARROW_FLAG_NULLABLE, vec![])
}

fn schema_with(
    format: CString,
    name: Option<CString>,
    flags: i64,
    mut children: Vec<*mut ArrowSchema>,
) -> ArrowSchema {
    let data = Box::new(SchemaData {
        _format: format,
        _name: name,
        children: Vec::new(),
    });
    let (format_ptr, name_ptr) = (
        data._format.as_ptr(),
        data._name.as_ref().map_or(ptr::null(), |n| n.as_ptr()),
    );
    let n_children = children.len() as i64;
    let children_ptr = children.as_mut_ptr();
    let mut data = data;
    data.children = children;
    ArrowSchema {
        format: format_ptr,
        name: name_ptr,
        metadata: ptr::null(),
        flags,
        n_children,
        children: children_ptr,
        dictionary: ptr::null_mut(),
        release: Some(release_schema),
        private_data: Box::into_raw(data).cast(),
    }
}

unsafe extern "C" fn release_schema(schema: *mut ArrowSchema) {
    // SAFETY: the consumer passes a schema made here (or moved from one).
    let Some(schema) = (unsafe { schema.as_mut() }) else {
        return;
    };
    let data = std::mem::replace(&mut schema.private_data, ptr::null_mut());
    schema.release = None;
    if data.is_null() {
        return;
    }
    // SAFETY: made by Box::into_raw in schema_with, taken once (set NULL above).
    let data = unsafe { Box::from_raw(data.cast::<SchemaData>()) };
    for &child in &data.children {
        // SAFETY: each child came from Box::into_raw in struct_schema. A consumer may
        // have moved it out (then its release is NULL); either way the box is ours.
        unsafe {
            if let Some(release) = (*child).release {
                release(child);
            }
            drop(Box::from_raw(child));
        }
    }
}

// ---- arrays ----

/// What an exported array owns: its column (for a leaf), the buffer pointers handed out,
/// and its children.
struct ArrayData {
    _column: Option<Column>,
    /// For views: the one variadic buffer's length.
    _sizes: Box<[i64; 1]>,
    _buffers: Box<[*const c_void]>,
    children: Vec<*mut ArrowArray>,
}

/// A non-NULL pointer to `bytes` (Arrow wants one even for an empty buffer).
fn buffer<T>(v: &[T]) -> *const c_void {
    v.as_ptr().cast()
}

/// The record batch as a struct array with one child per column.
fn struct_array(batch: ColumnBatch) -> ArrowArray {
    let rows = batch.rows as i64;
    let children: Vec<*mut ArrowArray> = batch
        .columns
        .into_iter()
        .map(|c| Box::into_raw(Box::new(leaf_array(c))))
        .collect();
    // A struct array has one buffer: its validity, NULL as no row is null.
    let buffers: Box<[*const c_void]> = Box::new([ptr::null()]);
    array_with(rows, 0, buffers, None, Box::new([0]), children)
}

fn leaf_array(column: Column) -> ArrowArray {
    let validity = match column.nulls {
        0 => ptr::null(),
        _ => buffer(&column.validity),
    };
    let sizes = Box::new([column.values.len() as i64]);
    let buffers: Box<[*const c_void]> = match &column.offsets {
        Offsets::I32(o) => Box::new([validity, buffer(o), buffer(&column.values)]),
        Offsets::I64(o) => Box::new([validity, buffer(o), buffer(&column.values)]),
        // Views: validity, the views, the one data buffer, then the data buffers' sizes.
        Offsets::Views(v) => Box::new([
            validity,
            buffer(v),
            buffer(&column.values),
            sizes.as_ptr().cast(),
        ]),
    };
    let (rows, nulls) = (column.len as i64, column.nulls as i64);
    array_with(rows, nulls, buffers, Some(column), sizes, vec![])
}

fn array_with(
    length: i64,
    null_count: i64,
    mut buffers: Box<[*const c_void]>,
    column: Option<Column>,
    sizes: Box<[i64; 1]>,
    mut children: Vec<*mut ArrowArray>,
) -> ArrowArray {
    let (n_buffers, buffers_ptr) = (buffers.len() as i64, buffers.as_mut_ptr());
    let (n_children, children_ptr) = (children.len() as i64, children.as_mut_ptr());
    // Moving the boxes and vectors into the data moves no heap memory: the pointers
    // taken above stay valid.
    let data = Box::new(ArrayData {
        _column: column,
        _sizes: sizes,
        _buffers: buffers,
        children,
    });
    ArrowArray {
        length,
        null_count,
        offset: 0,
        n_buffers,
        n_children,
        buffers: buffers_ptr,
        children: children_ptr,
        dictionary: ptr::null_mut(),
        release: Some(release_array),
        private_data: Box::into_raw(data).cast(),
    }
}

unsafe extern "C" fn release_array(array: *mut ArrowArray) {
    // SAFETY: the consumer passes an array made here (or moved from one).
    let Some(array) = (unsafe { array.as_mut() }) else {
        return;
    };
    let data = std::mem::replace(&mut array.private_data, ptr::null_mut());
    array.release = None;
    if data.is_null() {
        return;
    }
    // SAFETY: made by Box::into_raw in array_with, taken once (set NULL above).
    let data = unsafe { Box::from_raw(data.cast::<ArrayData>()) };
    for &child in &data.children {
        // SAFETY: each child came from Box::into_raw in struct_array; a consumer may
        // have moved it out (its release is then NULL), but the box is still ours.
        unsafe {
            if let Some(release) = (*child).release {
                release(child);
            }
            drop(Box::from_raw(child));
        }
    }
}
