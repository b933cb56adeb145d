//! The streaming counter: csv-core's state machine driven exactly as the `csv` crate
//! drives it, for any options and any `Read`, but keeping no field.
//!
//! The `csv` crate accumulates each record in memory before it can be counted, so one
//! endless record (`/dev/zero`, an unterminated quote) would grow without bound. Here
//! csv-core writes fields into a small scratch buffer that is simply reused: memory is
//! constant whatever the records. The same record tracker as the reader's names each
//! record's first byte and enforces `max_record_bytes`, so counts and errors are the
//! reader's: the same records, failing at the same record with the same position.

use std::io::{BufRead, BufReader, Read};

use csv_core::ReadRecordResult;

use crate::error::{Error, ErrorKind, RecordTooLong};
use crate::input::{BomSafe, RecordTracker};
use crate::options::Options;

/// The `csv` crate's default buffer size.
const CSV_CRATE_BUFFER: usize = 8 * 1024;

/// Counts records (the header excluded when `has_header` is on) in constant memory.
pub(super) fn count<R: Read>(rdr: R, options: &Options, source: &str) -> Result<u64, Error> {
    let mut core = options.csv_core_builder().build();
    let mut input = BufReader::with_capacity(
        CSV_CRATE_BUFFER,
        RecordTracker::new(BomSafe::new(rdr), options),
    );
    // Scratch space for fields that are never looked at; csv-core asks for more when it
    // is full, and gets the same space again.
    let mut output = [0u8; 4096];
    let mut ends = [0usize; 128];
    let mut records = 0u64;
    let mut fields = 0u64;
    let mut first_fields: Option<u64> = None;
    let mut consumed = 0u64;
    // Where the record being read starts (once the tracker has seen its first byte).
    let start = |input: &BufReader<RecordTracker<_>>, records: u64| input.get_ref().start(records);
    loop {
        let buf = match input.fill_buf() {
            Ok(buf) => buf,
            Err(e) => return Err(read_error(&e, source).at_if(start(&input, records))),
        };
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
                            return Err(Error::unequal_lengths(expected, fields)
                                .at_if(start(&input, records)));
                        }
                        Some(_) => {}
                    }
                }
                let at = start(&input, records);
                input.get_mut().record_ended(consumed).map_err(|too_long| {
                    Error::new(ErrorKind::Parse, too_long.to_string()).at_if(at)
                })?;
                records += 1;
                fields = 0;
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

/// A failed read: a record over the limit is a parse error, anything else an I/O error.
fn read_error(e: &std::io::Error, source: &str) -> Error {
    match e.get_ref().and_then(|i| i.downcast_ref::<RecordTooLong>()) {
        Some(too_long) => Error::new(ErrorKind::Parse, too_long.to_string()),
        None => Error::io(format_args!("cannot read {source}"), e),
    }
}
