//! Many records in one buffer, so that a binding crosses the FFI once per batch.
//!
//! Fields are stored back to back, each followed by a separator: the ASCII unit separator
//! (0x1F) between fields and the record separator (0x1E) between records. Offsets give
//! every field exactly; and when no field holds either separator byte (almost always),
//! the batch is *framed*: splitting the buffer on the separators gives the same fields,
//! which lets a binding split a whole batch with its own fast string routines.
//!
//! With a column selection (see [`crate::Options::set_columns`]) a selected field past the
//! end of a short record is stored as an empty field and flagged in [`Batch::missing`];
//! the flags are kept only once a batch has such a field, so batches without one cost
//! nothing more.

use std::ops::Range;

use csv::ByteRecord;

use crate::columnar::{ColumnBatch, ColumnSpec, RowMajor};
use crate::columns::Projection;
use crate::copy::{copy_field, CHUNK};
use crate::error::Position;

/// Separates fields inside a framed batch (ASCII US).
pub const FIELD_SEPARATOR: u8 = 0x1F;
/// Separates records inside a framed batch (ASCII RS).
pub const RECORD_SEPARATOR: u8 = 0x1E;

/// Appends `bytes` to `data` with each `delimiter` made a [`FIELD_SEPARATOR`]: in moves
/// of [`CHUNK`] bytes, the last one overlapping the one before (it writes the same bytes
/// again), so that a record of any length over [`CHUNK`] takes no byte-by-byte tail.
#[inline(always)]
fn copy_replacing(bytes: &[u8], delimiter: u8, data: &mut Vec<u8>) {
    let replace = |b: u8| match b == delimiter {
        true => FIELD_SEPARATOR,
        false => b,
    };
    let (len, base) = (bytes.len(), data.len());
    if len < CHUNK {
        data.extend(bytes.iter().map(|&b| replace(b)));
        return;
    }
    data.reserve(len);
    // SAFETY: `data` has room for `len` bytes after `base` (reserved above).
    let dst = unsafe { data.as_mut_ptr().add(base) };
    let chunk_at = |i: usize| -> [u8; CHUNK] {
        let chunk: [u8; CHUNK] = bytes[i..i + CHUNK].try_into().expect("a chunk");
        chunk.map(replace)
    };
    let mut i = 0;
    while i + CHUNK <= len {
        // SAFETY: `i + CHUNK <= len`: inside the room reserved; unaligned writes need no
        // alignment.
        unsafe {
            dst.add(i)
                .cast::<[u8; CHUNK]>()
                .write_unaligned(chunk_at(i))
        };
        i += CHUNK;
    }
    if i < len {
        // SAFETY: `len >= CHUNK`, so `len - CHUNK..len` is inside the room reserved.
        unsafe {
            dst.add(len - CHUNK)
                .cast::<[u8; CHUNK]>()
                .write_unaligned(chunk_at(len - CHUNK))
        };
    }
    // SAFETY: all `len` bytes after `base` were written above.
    unsafe { data.set_len(base + len) };
}

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
    /// Empty while no field is missing; from the first missing field on, one flag per
    /// field (those before it false).
    missing: Vec<bool>,
    framed: bool,
    /// The records as Arrow columns, when they were converted where the batch was filled
    /// (see [`Batch::convert`]).
    columns: Option<ColumnBatch>,
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
        self.missing.clear();
        self.framed = true;
        self.columns = None;
    }

    /// The batch as the columnar layer sees it.
    pub(crate) fn row_major(&self) -> RowMajor<'_> {
        RowMajor {
            data: &self.data,
            field_ends: &self.field_ends,
            record_ends: &self.record_ends,
            missing: self.missing(),
        }
    }

    /// Converts the records to Arrow columns as `spec` says, kept until taken (or the
    /// batch is cleared); nothing is kept when the record-by-record path has to do it.
    pub(crate) fn convert(&mut self, spec: &ColumnSpec) {
        self.columns = crate::columnar::convert(&self.row_major(), spec);
    }

    /// The columns [`Batch::convert`] made, if it did.
    pub(crate) fn take_columns(&mut self) -> Option<ColumnBatch> {
        self.columns.take()
    }

    /// Appends `record`, or with a projection only its selected fields.
    pub(crate) fn push(&mut self, record: &ByteRecord, projection: Option<&Projection>) {
        match projection {
            None => self.push_whole(record),
            Some(p) => {
                // Only the selected fields can unframe the batch.
                let separated = p.fields(record).flatten().any(has_separator);
                let position = record.position().map(Position::from).unwrap_or_default();
                self.push_fields(p.fields(record), position, separated);
            }
        }
    }

    /// Appends all of `record`: each field is copied once, a short one (most are) with one
    /// 16-byte move rather than a `memmove` call, into room reserved once per record.
    /// (A profile had a quarter of a batch's time in the pushes and calls, field by field.)
    fn push_whole(&mut self, record: &ByteRecord) {
        let bytes = record.as_slice();
        // Once unframed, always unframed: no need to look again.
        if self.framed && has_separator(bytes) {
            self.framed = false;
        }
        if !self.record_ends.is_empty() {
            self.data.push(RECORD_SEPARATOR);
        }
        let (base, first, fields) = (self.data.len(), self.field_ends.len(), record.len());
        // The fields, a separator after each (the last one's is written past the end and
        // not kept), and the slack a 16-byte move may write after a field.
        self.data.reserve(bytes.len() + fields + CHUNK);
        self.field_ends.reserve(fields);
        let (src, dst) = (bytes.as_ptr(), self.data.as_mut_ptr());
        let ends = self.field_ends.as_mut_ptr();
        // `from`: where field k starts in `bytes`; `to`: where it goes in `data`, after
        // the separators before it. So `to == base + from + written` throughout.
        let (mut from, mut to) = (0, base);
        // Fields written so far; checked rather than trusted from the `csv` crate, so that
        // no bug of its can make the writes below go out of bounds.
        let mut written = 0;
        for field in record.iter().take(fields) {
            let len = field.len();
            // The fields lie back to back in `bytes`, in order (csv's as_slice); checked, as
            // the reads below depend on it.
            assert!(len <= bytes.len() - from, "a field runs past its record");
            debug_assert_eq!(field.as_ptr(), bytes[from..].as_ptr());
            // SAFETY: `from + len <= bytes.len()` (checked above), so `bytes.len() - from`
            // bytes are readable at `src + from`. `data` has capacity for `base + bytes.len() +
            // fields + CHUNK` bytes and `to + len + 1 <= base + bytes.len() + fields`
            // (`to == base + from + written`, `written < fields`), so every write (16
            // bytes at `to` included) is within it; `field_ends` has capacity for `first +
            // fields`. The two vectors and the record are distinct allocations.
            unsafe {
                let (src, dst) = (src.add(from), dst.add(to));
                copy_field(src, len, bytes.len() - from, dst);
                dst.add(len).write(FIELD_SEPARATOR);
                ends.add(first + written).write(to + len);
            }
            from += len;
            to += len + 1;
            written += 1;
        }
        // SAFETY: every byte before the last field's end and each of the `written` new
        // ends were written above.
        unsafe {
            self.data.set_len(if written == 0 { base } else { to - 1 });
            self.field_ends.set_len(first + written);
        }
        if !self.missing.is_empty() {
            // None of these fields is missing.
            self.missing.resize(self.field_ends.len(), false);
        }
        self.record_ends.push(self.field_ends.len());
        self.positions
            .push(record.position().map(Position::from).unwrap_or_default());
    }

    /// Appends a record the fast parser read (see [`Batch::push_plain`] for one without
    /// quoted fields): `fields`, all of whose bytes are among `raw` (which bounds their
    /// length and tells at once whether any holds a separator), and which hold no
    /// separator byte unless `separators`.
    pub(crate) fn push_parsed<'a>(
        &mut self,
        fields: impl ExactSizeIterator<Item = &'a [u8]> + Clone,
        raw: &[u8],
        separators: bool,
        position: Position,
    ) {
        // Once unframed, always unframed: no need to look again.
        if separators && self.framed && has_separator(raw) {
            self.framed = !fields.clone().any(has_separator);
        }
        if !self.record_ends.is_empty() {
            self.data.push(RECORD_SEPARATOR);
        }
        let count = fields.len();
        let base = self.data.len();
        // The fields, a separator after each (the last one's is written past the end and
        // not kept), and the slack a 16-byte move may write after a field.
        self.data.reserve(raw.len() + count + CHUNK);
        self.field_ends.reserve(count);
        let dst = self.data.as_mut_ptr();
        let (raw_start, raw_end) = (raw.as_ptr() as usize, raw.as_ptr() as usize + raw.len());
        let (mut to, mut room) = (base, raw.len() + count);
        for field in fields.take(count) {
            let len = field.len();
            // A field inside `raw` may be read on to its end; an unescaped one (elsewhere)
            // only to its own end.
            let at = field.as_ptr() as usize;
            let readable = match at >= raw_start && at + len <= raw_end {
                true => raw_end - at,
                false => len,
            };
            // Checked rather than trusted: the writes below depend on it.
            assert!(len < room, "the fields of a record outgrow its bytes");
            // SAFETY: `readable` bytes are readable at the field (all of `raw` past it, or
            // the field itself). `data` has room for `base + raw.len() + count + CHUNK`
            // bytes and `to + len + 1 <= base + raw.len() + count` (`room` counts what is
            // left of that), so the move (up to CHUNK bytes at `to`) and the separator are
            // within it. `data` is not borrowed by `field`.
            unsafe {
                copy_field(field.as_ptr(), len, readable, dst.add(to));
                dst.add(to + len).write(FIELD_SEPARATOR);
            }
            to += len + 1;
            room -= len + 1;
            self.field_ends.push(to - 1);
        }
        // SAFETY: every byte up to the last field's end (its separator excluded) was
        // written above.
        unsafe { self.data.set_len(if to == base { base } else { to - 1 }) };
        self.record_done(position);
    }

    /// Appends a record whose fields lie in `bytes` one `delimiter` apart and hold no
    /// `delimiter` byte themselves (a record without quotes), ending at `ends` less
    /// `offset` (offsets in `bytes`, in order, the last one its end): one pass that copies
    /// the record and turns each delimiter into a separator. `bytes` holds no separator
    /// byte unless `separators`.
    #[inline(always)]
    pub(crate) fn push_plain(
        &mut self,
        bytes: &[u8],
        delimiter: u8,
        ends: &[usize],
        offset: usize,
        separators: bool,
        position: Position,
    ) {
        if !self.record_ends.is_empty() {
            self.data.push(RECORD_SEPARATOR);
        }
        let base = self.data.len();
        // Delimiters become separators below; any other separator byte unframes.
        if separators && self.framed && has_separator(bytes) {
            self.framed = false;
        }
        debug_assert_eq!(
            bytes.iter().filter(|&&b| b == delimiter).count() + 1,
            ends.len(),
            "every delimiter of a plain record ends a field"
        );
        // Every delimiter ends a field, so the copy replaces them all as it goes, 16 bytes
        // at a time (a store per field after a plain copy was 6% of reading numeric
        // batches).
        copy_replacing(bytes, delimiter, &mut self.data);
        // A tight loop over locals (a profile had one through the vectors' fields at 16%
        // of reading a batch of short fields).
        self.field_ends
            .extend(ends.iter().map(|&end| base + (end - offset)));
        self.record_done(position);
    }

    /// Closes the record whose fields were just appended.
    #[inline(always)]
    fn record_done(&mut self, position: Position) {
        if !self.missing.is_empty() {
            self.missing.resize(self.field_ends.len(), false);
        }
        self.record_ends.push(self.field_ends.len());
        self.positions.push(position);
    }

    /// Appends record `i` of `other`.
    pub(crate) fn push_from(&mut self, other: &Batch, i: usize) {
        let separated = !other.framed && other.fields(i).any(has_separator);
        let first = other.first_field(i);
        let fields = other
            .fields(i)
            .enumerate()
            .map(|(j, f)| (!other.is_missing(first + j)).then_some(f));
        self.push_fields(fields, other.positions[i], separated);
    }

    /// Appends one record, a missing field as `None`; `separated` tells whether a field
    /// holds a separator byte.
    pub(crate) fn push_fields<'a>(
        &mut self,
        fields: impl Iterator<Item = Option<&'a [u8]>>,
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
            match field {
                Some(field) => {
                    self.data.extend_from_slice(field);
                    if !self.missing.is_empty() {
                        self.missing.push(false);
                    }
                }
                None => {
                    self.missing.resize(self.field_ends.len(), false);
                    self.missing.push(true);
                }
            }
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

    /// Sets `out` to the missing flags of record `i`'s fields, or to empty when none of
    /// them is missing (as [`crate::Reader::is_missing`] keeps them).
    pub(crate) fn missing_of(&self, i: usize, out: &mut Vec<bool>) {
        out.clear();
        if let Some(flags) = self.missing.get(self.first_field(i)..self.record_ends[i]) {
            if flags.contains(&true) {
                out.extend_from_slice(flags);
            }
        }
    }

    /// The fields of record `i`, as indexes over the whole batch (panics if out of range).
    pub(crate) fn fields_of(&self, i: usize) -> Range<usize> {
        self.first_field(i)..self.record_ends[i]
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

    /// `None` when no field of the batch is missing; otherwise one flag per field (as
    /// [`Batch::field_ends`] counts them), true for a selected field past the end of its
    /// record (see [`crate::Options::set_columns`]), which is stored as an empty field.
    pub fn missing(&self) -> Option<&[bool]> {
        (!self.missing.is_empty()).then_some(&self.missing[..])
    }

    /// Whether field `field` (counting over the whole batch, as [`Batch::field_ends`]
    /// does) is missing: selected, but past the end of its record.
    pub fn is_missing(&self, field: usize) -> bool {
        self.missing.get(field).copied().unwrap_or(false)
    }

    /// Whether splitting [`Batch::data`] on the separators gives exactly the fields.
    pub fn is_framed(&self) -> bool {
        self.framed
    }

    /// The fields of record `i` (panics if out of range).
    pub fn record(&self, i: usize) -> Vec<&[u8]> {
        self.fields(i).collect()
    }

    /// The index of record `i`'s first field over the whole batch.
    fn first_field(&self, i: usize) -> usize {
        if i == 0 {
            0
        } else {
            self.record_ends[i - 1]
        }
    }

    fn fields(&self, i: usize) -> impl Iterator<Item = &[u8]> {
        self.fields_of(i).map(|f| self.field(f))
    }
}

/// Whether `field` holds a separator byte (it then cannot be framed).
pub(crate) fn has_separator(field: &[u8]) -> bool {
    memchr::memchr2(FIELD_SEPARATOR, RECORD_SEPARATOR, field).is_some()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_separator_in_a_field_unframes_the_batch_but_offsets_still_hold() {
        let mut b = Batch::new();
        b.push(&ByteRecord::from(vec!["a\x1fb", ""]), None);
        b.push(&ByteRecord::from(vec!["c"]), None);
        assert!(!b.is_framed());
        assert_eq!(b.record(0), vec![&b"a\x1fb"[..], &b""[..]]);
        assert_eq!(b.record(1), vec![&b"c"[..]]);
        b.clear();
        assert!(b.is_framed() && b.is_empty() && b.data().is_empty());
    }

    /// `push_plain` copies a record in moves of `CHUNK` bytes, the last one overlapping:
    /// records of every length around the moves' widths, delimiters anywhere, come out
    /// as the fields joined by separators, after whatever the batch held.
    #[test]
    fn push_plain_turns_every_delimiter_into_a_separator_at_every_length() {
        let mut b = Batch::new();
        let mut expected: Vec<Vec<Vec<u8>>> = vec![];
        for len in 0..=4 * CHUNK + 3 {
            for every in 1..=5 {
                let bytes: Vec<u8> = (0..len)
                    .map(|j| match j % every == every - 1 {
                        true => b';',
                        false => b'a' + (j % 26) as u8,
                    })
                    .collect();
                let mut ends: Vec<usize> = (0..len).filter(|&j| bytes[j] == b';').collect();
                ends.push(len);
                let offset = 1000;
                let ends: Vec<usize> = ends.iter().map(|e| e + offset).collect();
                b.push_plain(&bytes, b';', &ends, offset, false, Position::default());
                expected.push(bytes.split(|&c| c == b';').map(<[u8]>::to_vec).collect());
            }
        }
        assert!(b.is_framed());
        for (i, fields) in expected.iter().enumerate() {
            assert_eq!(
                b.record(i),
                fields.iter().map(Vec::as_slice).collect::<Vec<_>>()
            );
        }
        let joined: Vec<Vec<u8>> = expected.iter().map(|r| r.join(&FIELD_SEPARATOR)).collect();
        assert_eq!(b.data(), joined.join(&RECORD_SEPARATOR).as_slice());
    }

    /// `push` copies short fields in fixed-size moves that depend on a field's length and
    /// on how far it is from the record's end: every length up to past the move's width,
    /// at every distance from the end, lands exactly where the layout says.
    #[test]
    fn push_lays_out_fields_of_every_length_anywhere_in_a_record() {
        let field = |len: usize, seed: usize| -> Vec<u8> {
            (0..len)
                .map(|j| b'a' + ((seed * 7 + j) % 26) as u8)
                .collect()
        };
        let mut b = Batch::new();
        let mut expected_data = vec![];
        let mut expected = vec![];
        for len in 0..=2 * CHUNK + 1 {
            for after in 0..=CHUNK + 1 {
                // A field of `len` bytes, then fields worth `after` bytes to the end.
                let mut fields = vec![field(len, after)];
                fields.extend((0..after).map(|k| field(1, k)));
                fields.push(vec![]);
                let record = ByteRecord::from(fields.clone());
                b.push(&record, None);
                if !expected_data.is_empty() {
                    expected_data.push(RECORD_SEPARATOR);
                }
                expected_data.extend(fields.join(&FIELD_SEPARATOR));
                expected.push(fields);
            }
        }
        assert_eq!(b.data(), &expected_data[..]);
        assert!(b.is_framed());
        for (i, fields) in expected.iter().enumerate() {
            assert_eq!(
                b.record(i),
                fields.iter().map(Vec::as_slice).collect::<Vec<_>>()
            );
        }
        let mut empty = Batch::new();
        empty.push(&ByteRecord::new(), None);
        empty.push(&ByteRecord::from(vec!["x"]), None);
        assert_eq!(empty.data(), b"\x1ex");
        assert_eq!(empty.record(0), Vec::<&[u8]>::new());
    }
}
