//! The Arrow C Data and C Stream interface structs, laid out as the Arrow specification
//! defines them (<https://arrow.apache.org/docs/format/CDataInterface.html>). The header
//! declares them with the specification's own text and guards (see `cbindgen.toml`), so
//! that a program that already has them from Arrow's `abi.h` or nanoarrow compiles too;
//! cbindgen is told not to emit them, and the tests check the sizes both sides agree on.

use std::ffi::{c_char, c_int, c_void};

/// `ArrowSchema::flags`: the field may hold nulls.
pub const ARROW_FLAG_NULLABLE: i64 = 2;

/// The type of an array (or of a stream's arrays), per the Arrow C Data interface.
#[repr(C)]
#[derive(Debug)]
pub struct ArrowSchema {
    /// The format string (`"+s"` a struct, `"u"` utf8, `"z"` binary, ...).
    pub format: *const c_char,
    /// The field name, or NULL.
    pub name: *const c_char,
    /// Binary-encoded key/value metadata, or NULL.
    pub metadata: *const c_char,
    /// `ARROW_FLAG_*` bits.
    pub flags: i64,
    /// The number of children.
    pub n_children: i64,
    /// The children's schemas.
    pub children: *mut *mut ArrowSchema,
    /// The dictionary's schema, or NULL.
    pub dictionary: *mut ArrowSchema,
    /// Frees what the producer owns; NULL once released.
    pub release: Option<unsafe extern "C" fn(*mut ArrowSchema)>,
    /// The producer's own.
    pub private_data: *mut c_void,
}

/// An array's data, per the Arrow C Data interface.
#[repr(C)]
#[derive(Debug)]
pub struct ArrowArray {
    /// The number of values.
    pub length: i64,
    /// The number of nulls (-1: not computed).
    pub null_count: i64,
    /// The logical offset into the buffers.
    pub offset: i64,
    /// The number of buffers.
    pub n_buffers: i64,
    /// The number of children.
    pub n_children: i64,
    /// The buffers, as the format lays them out.
    pub buffers: *mut *const c_void,
    /// The children's arrays.
    pub children: *mut *mut ArrowArray,
    /// The dictionary, or NULL.
    pub dictionary: *mut ArrowArray,
    /// Frees what the producer owns; NULL once released.
    pub release: Option<unsafe extern "C" fn(*mut ArrowArray)>,
    /// The producer's own.
    pub private_data: *mut c_void,
}

/// A stream of arrays of one type, per the Arrow C Stream interface.
#[repr(C)]
#[derive(Debug)]
pub struct ArrowArrayStream {
    /// Writes the stream's type; 0 or an `errno` code.
    pub get_schema: Option<unsafe extern "C" fn(*mut ArrowArrayStream, *mut ArrowSchema) -> c_int>,
    /// Writes the next array (released: the stream has ended); 0 or an `errno` code.
    pub get_next: Option<unsafe extern "C" fn(*mut ArrowArrayStream, *mut ArrowArray) -> c_int>,
    /// The last failure's description, or NULL.
    pub get_last_error: Option<unsafe extern "C" fn(*mut ArrowArrayStream) -> *const c_char>,
    /// Frees the stream's own resources; NULL once released.
    pub release: Option<unsafe extern "C" fn(*mut ArrowArrayStream)>,
    /// The producer's own.
    pub private_data: *mut c_void,
}

impl ArrowSchema {
    /// A released (empty) schema, for a consumer to pass to `get_schema`.
    pub fn empty() -> ArrowSchema {
        ArrowSchema {
            format: std::ptr::null(),
            name: std::ptr::null(),
            metadata: std::ptr::null(),
            flags: 0,
            n_children: 0,
            children: std::ptr::null_mut(),
            dictionary: std::ptr::null_mut(),
            release: None,
            private_data: std::ptr::null_mut(),
        }
    }
}

impl ArrowArray {
    /// A released (empty) array, for a consumer to pass to `get_next`.
    pub fn empty() -> ArrowArray {
        ArrowArray {
            length: 0,
            null_count: 0,
            offset: 0,
            n_buffers: 0,
            n_children: 0,
            buffers: std::ptr::null_mut(),
            children: std::ptr::null_mut(),
            dictionary: std::ptr::null_mut(),
            release: None,
            private_data: std::ptr::null_mut(),
        }
    }
}

impl ArrowArrayStream {
    /// A released (empty) stream, to be written by an export.
    pub fn empty() -> ArrowArrayStream {
        ArrowArrayStream {
            get_schema: None,
            get_next: None,
            get_last_error: None,
            release: None,
            private_data: std::ptr::null_mut(),
        }
    }
}

// The C definitions are the specification's: eight-byte fields on every 64-bit target.
#[cfg(target_pointer_width = "64")]
const _: () = {
    assert!(std::mem::size_of::<ArrowSchema>() == 72);
    assert!(std::mem::size_of::<ArrowArray>() == 80);
    assert!(std::mem::size_of::<ArrowArrayStream>() == 40);
};
