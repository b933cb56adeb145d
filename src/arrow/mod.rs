//! Records as Arrow record batches, handed to Arrow consumers (pyarrow, polars, DuckDB,
//! pandas, nanoarrow, arrow-rs) through the Arrow C Stream interface, with no Arrow
//! library on our side.
//!
//! [`RecordBatches`] turns a [`crate::Reader`]'s records into [`ColumnBatch`]es (safe
//! Rust); [`export_stream`] puts them behind an [`ArrowArrayStream`].
//!
//! The stream's schema is a struct of one nullable string column per field of the
//! header, or of the first record without a header (`column_1`, `column_2`, ... where
//! the header names none: no header, or a selected index past its end). An empty header
//! name is `column_N` (N its 1-based position), and a name met again is
//! `NAME_duplicated_K`, K counting its repeats from 0 (as polars names them; a made name
//! the header holds already takes the next K). Columns are `utf8` in text mode
//! ([`crate::Options::set_utf8`], the reader checks UTF-8) and `binary` otherwise, or
//! their large or view forms ([`Strings`]).

mod abi;
mod batches;
mod export;
mod schema;

pub use crate::columnar::{Column, ColumnBatch, Strings};
pub use abi::{ArrowArray, ArrowArrayStream, ArrowSchema, ARROW_FLAG_NULLABLE};
pub use batches::{RecordBatches, BATCH_VALUE_BYTES};
pub use export::export_stream;
