//! The record budget: a `Read` that stops an endless record from growing without bound.

use std::io::{self, Read};

use crate::error::RecordTooLong;

/// A `Read` that refuses to deliver more once the record being read is longer than a limit.
///
/// Why: the `csv` crate holds a whole record in memory, so an endless one (`/dev/zero`, an
/// unterminated quote in a huge file) would grow without bound. The reader reports where
/// each record ends; every byte delivered since belongs to the record being read or to the
/// crate's read-ahead, which it only refills once it has used it all up.
pub(crate) struct RecordBudget<R> {
    inner: R,
    delivered: u64,
    record_start: u64,
    /// `None`: no limit.
    limit: Option<u64>,
}

impl<R> RecordBudget<R> {
    pub(crate) fn new(inner: R, limit: Option<u64>) -> Self {
        RecordBudget {
            inner,
            delivered: 0,
            record_start: 0,
            limit,
        }
    }

    /// The record being read ends at byte `offset` of the input. Fails if it was longer
    /// than the limit (a record short enough to arrive in one read is only seen here).
    pub(crate) fn record_ended(&mut self, offset: u64) -> Result<(), RecordTooLong> {
        let length = offset.saturating_sub(self.record_start);
        self.record_start = offset;
        match self.limit {
            Some(limit) if length > limit => Err(RecordTooLong { limit }),
            _ => Ok(()),
        }
    }
}

impl<R: Read> Read for RecordBudget<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if let Some(limit) = self.limit {
            if self.delivered - self.record_start > limit {
                return Err(io::Error::other(RecordTooLong { limit }));
            }
        }
        let n = self.inner.read(buf)?;
        self.delivered += n as u64;
        Ok(n)
    }
}
