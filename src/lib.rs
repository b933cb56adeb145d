//! csvr: a streaming, exact CSV reader and counter, with a C ABI for every runtime.
//!
//! The safe core is this crate's Rust API: [`Options`] (the one validated set of reading
//! options), [`Reader`] (records one at a time over any `Read`, in constant memory) and the
//! counters [`count_path`], [`count_bytes`] and [`count_reader`]; gzip and zstd inputs are
//! decompressed as they are read (see [`Decompress`]). Records are exactly what
//! the [`csv`](https://docs.rs/csv) crate yields for the same options (with `flexible`
//! on by default): blank lines are skipped, quoted fields may hold delimiters, doubled
//! quotes and newlines, and the header is not a record.
//!
//! The [`ffi`] module is a thin `extern "C"` skin over this core; `include/csvr.h` is
//! generated from it by cbindgen.
//!
//! ```
//! let data = b"city,pop\n\"Paris, FR\",2100000\n\nOslo,700000\n";
//! let opts = csvr::Options::new();
//! assert_eq!(csvr::count_bytes(data, &opts)?, 2);
//!
//! let mut rdr = csvr::Reader::from_bytes(data.to_vec(), &opts)?;
//! while rdr.next_record()? {
//!     let rec = rdr.record().unwrap();
//!     assert_eq!(rec.len(), 2);
//! }
//! # Ok::<(), csvr::Error>(())
//! ```
#![deny(unsafe_op_in_unsafe_fn)]
#![warn(missing_docs)]

pub mod arrow;
mod batch;
mod columnar;
mod columns;
mod copy;
mod count;
mod error;
pub mod ffi;
mod input;
mod options;
mod parallel;
mod parse;
mod read_ahead;
mod reader;
mod summary;
#[cfg(test)]
mod test_input;
mod worker_thread;

pub use batch::{Batch, FIELD_SEPARATOR, RECORD_SEPARATOR};
pub use columns::Columns;
pub use count::{count_bytes, count_path, count_reader};
pub use csv::ByteRecord;
pub use error::{Error, ErrorKind, Position};
pub use input::{FileRange, SharedBytes};
#[doc(hidden)]
pub use options::Kernel;
pub use options::{Decompress, Options, Terminator, Trim, DEFAULT_MAX_RECORD_BYTES, MAX_THREADS};
pub use reader::{Reader, BATCH_BYTES};
pub use summary::{fold, split_bytes, split_path, summarize_bytes, summarize_path, Range, Summary};
