//! The streaming counter: the `csv` crate's own record loop, so it is the oracle itself.

use std::io::Read;

use csv::ByteRecord;

use crate::error::Error;
use crate::input::BomSafe;
use crate::options::Options;

/// Counts records without decoding them; one reused record keeps memory constant.
pub(super) fn count<R: Read>(rdr: R, options: &Options, source: &str) -> Result<u64, Error> {
    // The csv crate's default buffer size, so that the positions in errors are the very
    // ones the crate reports (see `Reader`).
    let mut csv = options.csv_builder().from_reader(BomSafe::new(rdr));
    let mut record = ByteRecord::new();
    let mut n = 0u64;
    while csv
        .read_byte_record(&mut record)
        .map_err(|e| Error::from_csv(e, source))?
    {
        n += 1;
    }
    Ok(n)
}
