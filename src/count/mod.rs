//! Exact record counts.
//!
//! Every count equals the number of records the `csv` crate yields for the same options.
//! Today all counts go through the streaming counter; faster exact paths plug in here and
//! must agree with it on every input (the differential tests hold them to that).

mod streaming;

use std::io::Read;
use std::path::Path;

use crate::error::Error;
use crate::input::{describe_path, open_file};
use crate::options::Options;

/// Counts the records of the file at `path` (the header excluded when `has_header` is on),
/// streaming it in constant memory.
///
/// ```
/// let path = std::env::temp_dir().join("csvr-doc-count-path.csv");
/// std::fs::write(&path, "a,b\n1,2\n\n3,4\n")?;
/// assert_eq!(csvr::count_path(&path, &csvr::Options::new())?, 2);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn count_path(path: impl AsRef<Path>, options: &Options) -> Result<u64, Error> {
    let path = path.as_ref();
    options.validate()?;
    let file = open_file(path)?;
    streaming::count(file, options, &describe_path(path))
}

/// Counts the records in `data`.
///
/// ```
/// let data = b"name,note\nx,\"two\nlines\"\ny,\"a \"\"quote\"\"\"\n";
/// assert_eq!(csvr::count_bytes(data, &csvr::Options::new())?, 2);
/// # Ok::<(), csvr::Error>(())
/// ```
pub fn count_bytes(data: &[u8], options: &Options) -> Result<u64, Error> {
    options.validate()?;
    streaming::count(data, options, "the input")
}

/// Counts the records read from any `Read`, in constant memory.
///
/// ```
/// let input = std::io::Cursor::new("x\n1\n2\n");
/// assert_eq!(csvr::count_reader(input, &csvr::Options::new())?, 2);
/// # Ok::<(), csvr::Error>(())
/// ```
pub fn count_reader<R: Read>(rdr: R, options: &Options) -> Result<u64, Error> {
    options.validate()?;
    streaming::count(rdr, options, "the input")
}
