//! The streaming counter: csv-core's state machine driven exactly as the `csv` crate
//! drives it, for any options and any `Read`, but keeping no field.
//!
//! The `csv` crate accumulates each record in memory before it can be counted, so one
//! endless record (`/dev/zero`, an unterminated quote) would grow without bound. Here
//! csv-core writes fields into a small scratch buffer that is simply reused: memory is
//! constant whatever the records. The input is fed in the crate's own buffer size and the
//! positions are tracked as the crate tracks them, so counts and errors are the crate's.

use std::io::{BufRead, BufReader, Read};

use csv_core::ReadRecordResult;

use crate::error::{Error, Position};
use crate::input::BomSafe;
use crate::options::Options;

/// The `csv` crate's default buffer size: the same pieces of input give csv-core the same
/// line numbers (which, with a one-byte terminator, depend on where pieces end).
const CSV_CRATE_BUFFER: usize = 8 * 1024;

/// Counts records (the header excluded when `has_header` is on) in constant memory.
pub(super) fn count<R: Read>(rdr: R, options: &Options, source: &str) -> Result<u64, Error> {
    let mut core = options.csv_core_builder().build();
    let mut input = BufReader::with_capacity(CSV_CRATE_BUFFER, BomSafe::new(rdr));
    // Scratch space for fields that are never looked at; csv-core asks for more when it
    // is full, and gets the same space again.
    let mut output = [0u8; 4096];
    let mut ends = [0usize; 128];
    let mut records = 0u64;
    let mut fields = 0u64;
    let mut first_fields: Option<u64> = None;
    let mut start = Position {
        line: 1,
        byte: 0,
        record: 0,
    };
    let mut consumed = 0u64;
    loop {
        let buf = input
            .fill_buf()
            .map_err(|e| Error::io(format_args!("cannot read {source}"), &e))?;
        let (result, nin, _, nend) = core.read_record(buf, &mut output, &mut ends);
        input.consume(nin);
        consumed += nin as u64;
        fields += nend as u64;
        match result {
            ReadRecordResult::InputEmpty
            | ReadRecordResult::OutputFull
            | ReadRecordResult::OutputEndsFull => {}
            ReadRecordResult::Record => {
                if !options.flexible() {
                    match first_fields {
                        None => first_fields = Some(fields),
                        Some(expected) if expected != fields => {
                            return Err(Error::unequal_lengths(expected, fields).at(start));
                        }
                        Some(_) => {}
                    }
                }
                records += 1;
                fields = 0;
                start = Position {
                    line: core.line(),
                    byte: consumed,
                    record: records,
                };
            }
            ReadRecordResult::End => break,
        }
    }
    Ok(if options.has_header() {
        records.saturating_sub(1)
    } else {
        records
    })
}
