//! Many records in one buffer, so that a binding crosses the FFI once per batch.
//!
//! Fields are stored back to back, each followed by a separator: the ASCII unit separator
//! (0x1F) between fields and the record separator (0x1E) between records. Offsets give
//! every field exactly; and when no field holds either separator byte (almost always),
//! the batch is *framed*: splitting the buffer on the separators gives the same fields,
//! which lets a binding split a whole batch with its own fast string routines.

use std::ops::Range;

use csv::ByteRecord;

use crate::error::Position;

/// Separates fields inside a framed batch (ASCII US).
pub const FIELD_SEPARATOR: u8 = 0x1F;
/// Separates records inside a framed batch (ASCII RS).
pub const RECORD_SEPARATOR: u8 = 0x1E;

/// A batch of records read by [`crate::Reader::read_batch`].
///
/// ```
/// let data = b"a,b\n1,\"x,y\"\n2,z\n".to_vec();
/// let mut rdr = csvr::Reader::from_bytes(data, &csvr::Options::new())?;
/// let mut batch = csvr::Batch::new();
/// assert_eq!(rdr.read_batch(100, &mut batch)?, 2);
/// assert_eq!(batch.record(0), vec![&b"1"[..], &b"x,y"[..]]);
/// assert!(batch.is_framed());
/// assert_eq!(batch.data(), b"1\x1fx,y\x1e2\x1fz");
/// assert_eq!(rdr.read_batch(100, &mut batch)?, 0);
/// # Ok::<(), csvr::Error>(())
/// ```
#[derive(Clone, Debug, Default)]
pub struct Batch {
    data: Vec<u8>,
    field_ends: Vec<usize>,
    record_ends: Vec<usize>,
    positions: Vec<Position>,
    framed: bool,
}

impl Batch {
    /// An empty batch.
    pub fn new() -> Batch {
        Batch {
            framed: true,
            ..Batch::default()
        }
    }

    pub(crate) fn clear(&mut self) {
        self.data.clear();
        self.field_ends.clear();
        self.record_ends.clear();
        self.positions.clear();
        self.framed = true;
    }

    pub(crate) fn push(&mut self, record: &ByteRecord) {
        let position = record.position().map(Position::from).unwrap_or_default();
        let separated =
            memchr::memchr2(FIELD_SEPARATOR, RECORD_SEPARATOR, record.as_slice()).is_some();
        self.push_fields(record.iter(), position, separated);
    }

    /// Appends record `i` of `other`.
    pub(crate) fn push_from(&mut self, other: &Batch, i: usize) {
        let separated = !other.framed
            && other
                .fields(i)
                .any(|f| memchr::memchr2(FIELD_SEPARATOR, RECORD_SEPARATOR, f).is_some());
        self.push_fields(other.fields(i), other.positions[i], separated);
    }

    /// Appends one record; `separated` tells whether a field holds a separator byte.
    fn push_fields<'a>(
        &mut self,
        fields: impl Iterator<Item = &'a [u8]>,
        position: Position,
        separated: bool,
    ) {
        if !self.record_ends.is_empty() {
            self.data.push(RECORD_SEPARATOR);
        }
        for (i, field) in fields.enumerate() {
            if i > 0 {
                self.data.push(FIELD_SEPARATOR);
            }
            self.data.extend_from_slice(field);
            self.field_ends.push(self.data.len());
        }
        self.framed &= !separated;
        self.record_ends.push(self.field_ends.len());
        self.positions.push(position);
    }

    /// Record `i` as a `ByteRecord`, with its position (panics if out of range).
    pub(crate) fn to_record(&self, i: usize) -> ByteRecord {
        let mut record: ByteRecord = self.fields(i).collect();
        record.set_position(Some(self.positions[i].to_csv()));
        record
    }

    /// The fields of record `i`, as indexes over the whole batch (panics if out of range).
    pub(crate) fn fields_of(&self, i: usize) -> Range<usize> {
        let first = if i == 0 { 0 } else { self.record_ends[i - 1] };
        first..self.record_ends[i]
    }

    /// Field `f`, counting over the whole batch (panics if out of range).
    #[inline]
    pub(crate) fn field(&self, f: usize) -> &[u8] {
        let start = if f == 0 {
            0
        } else {
            self.field_ends[f - 1] + 1
        };
        &self.data[start..self.field_ends[f]]
    }

    /// The number of records.
    pub fn len(&self) -> usize {
        self.record_ends.len()
    }

    /// Whether the batch holds no record.
    pub fn is_empty(&self) -> bool {
        self.record_ends.is_empty()
    }

    /// All fields, each followed by a separator (none after the last).
    pub fn data(&self) -> &[u8] {
        &self.data
    }

    /// The end offset in [`Batch::data`] of every field, record after record; a field
    /// starts one byte after the previous one ends (0 for the first).
    pub fn field_ends(&self) -> &[usize] {
        &self.field_ends
    }

    /// For each record, the number of fields in it and all records before it.
    pub fn record_ends(&self) -> &[usize] {
        &self.record_ends
    }

    /// For each record, where it starts (as [`crate::Reader::position`] would say).
    pub fn positions(&self) -> &[Position] {
        &self.positions
    }

    /// Whether splitting [`Batch::data`] on the separators gives exactly the fields.
    pub fn is_framed(&self) -> bool {
        self.framed
    }

    /// The fields of record `i` (panics if out of range).
    pub fn record(&self, i: usize) -> Vec<&[u8]> {
        self.fields(i).collect()
    }

    fn fields(&self, i: usize) -> impl Iterator<Item = &[u8]> {
        self.fields_of(i).map(|f| self.field(f))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_separator_in_a_field_unframes_the_batch_but_offsets_still_hold() {
        let mut b = Batch::new();
        b.push(&ByteRecord::from(vec!["a\x1fb", ""]));
        b.push(&ByteRecord::from(vec!["c"]));
        assert!(!b.is_framed());
        assert_eq!(b.record(0), vec![&b"a\x1fb"[..], &b""[..]]);
        assert_eq!(b.record(1), vec![&b"c"[..]]);
        b.clear();
        assert!(b.is_framed() && b.is_empty() && b.data().is_empty());
    }
}
