//! Record batches as Arrow lays them out: one string column per schema field, each with
//! its validity bitmap, its offsets (or views) and its values, built from a reader's
//! batch (seen here as [`RowMajor`]: this module knows nothing of readers or batches).
//! A whole batch of records of the schema's width is turned into columns one column at a
//! time ([`convert`]), on the worker that parsed it when reading ahead; anything else
//! record by record ([`Builder`]).

use crate::copy::{copy_field, CHUNK};

/// A reader's batch as this module needs it (see [`crate::Batch`] for the layout).
#[derive(Clone, Copy)]
pub(crate) struct RowMajor<'a> {
    pub(crate) data: &'a [u8],
    pub(crate) field_ends: &'a [usize],
    pub(crate) record_ends: &'a [usize],
    /// One flag per field, or `None` when no field is missing.
    pub(crate) missing: Option<&'a [bool]>,
}

impl RowMajor<'_> {
    fn records(&self) -> usize {
        self.record_ends.len()
    }

    /// The fields of record `i`, as indexes over the whole batch.
    #[inline]
    fn fields_of(&self, i: usize) -> std::ops::Range<usize> {
        let first = match i {
            0 => 0,
            _ => self.record_ends[i - 1],
        };
        first..self.record_ends[i]
    }

    #[inline]
    fn start_of(&self, f: usize) -> usize {
        match f {
            0 => 0,
            _ => self.field_ends[f - 1] + 1,
        }
    }

    #[inline]
    fn field(&self, f: usize) -> &[u8] {
        &self.data[self.start_of(f)..self.field_ends[f]]
    }

    fn is_missing(&self, f: usize) -> bool {
        self.missing.is_some_and(|m| m[f])
    }

    /// The total value bytes of record `i` (its fields' lengths).
    pub(crate) fn record_bytes(&self, i: usize) -> usize {
        let fields = self.fields_of(i);
        if fields.is_empty() {
            return 0;
        }
        // The separators between fields are not values.
        self.field_ends[fields.end - 1] - self.start_of(fields.start) - (fields.len() - 1)
    }
}

/// What a batch's records become: `width` columns laid out as `strings` says, fields past
/// the last column dropped if `truncate` (otherwise such a record is not converted here).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(crate) struct ColumnSpec {
    pub(crate) width: usize,
    pub(crate) strings: Strings,
    pub(crate) truncate: bool,
}

/// The records of `rows` as one record batch, or `None` when the record-by-record path
/// must do it: a record wider than the schema (without `truncate`), a column whose
/// values pass what its offsets address.
pub(crate) fn convert(rows: &RowMajor<'_>, spec: &ColumnSpec) -> Option<ColumnBatch> {
    let (n, width) = (rows.records(), spec.width);
    let rectangular = rows.missing.is_none()
        && width > 0
        && rows.field_ends.len() == n * width
        && rows
            .record_ends
            .iter()
            .enumerate()
            .all(|(i, &e)| e == (i + 1) * width);
    if !rectangular {
        let mut builder = Builder::new(width, spec.strings, (n, &[]));
        for i in 0..n {
            builder.push(rows, i, spec.truncate).ok()?;
        }
        return (builder.widest() <= spec.strings.max_values()).then(|| builder.finish());
    }
    let columns = match spec.strings {
        Strings::Offsets32 => rectangular_columns::<i32>(rows, width)?,
        Strings::Offsets64 => rectangular_columns::<i64>(rows, width)?,
        Strings::Views => rectangular_columns::<View>(rows, width)?,
    };
    Some(ColumnBatch { rows: n, columns })
}

/// How a layout indexes its values: the item kept per field (an offset or a view), and
/// which bytes go to the values buffer.
trait Layout {
    type Item: Copy;
    /// The most value bytes a column may hold.
    const MAX: usize;
    /// The item before the first field, if the layout has one (offsets start with 0).
    const FIRST: Option<Self::Item>;
    /// The bytes of a field of `len` bytes that go to the values buffer.
    fn stored(len: usize) -> usize;
    /// The item of `value`, whose stored bytes (if any) start at `at` in the values.
    fn item(value: &[u8], at: usize) -> Self::Item;
    fn wrap(items: Vec<Self::Item>) -> Offsets;
}

impl Layout for i32 {
    type Item = i32;
    const MAX: usize = i32::MAX as usize;
    const FIRST: Option<i32> = Some(0);
    #[inline(always)]
    fn stored(len: usize) -> usize {
        len
    }
    #[inline(always)]
    fn item(value: &[u8], at: usize) -> i32 {
        (at + value.len()) as i32
    }
    fn wrap(items: Vec<i32>) -> Offsets {
        Offsets::I32(items)
    }
}

impl Layout for i64 {
    type Item = i64;
    const MAX: usize = i64::MAX as usize;
    const FIRST: Option<i64> = Some(0);
    #[inline(always)]
    fn stored(len: usize) -> usize {
        len
    }
    #[inline(always)]
    fn item(value: &[u8], at: usize) -> i64 {
        (at + value.len()) as i64
    }
    fn wrap(items: Vec<i64>) -> Offsets {
        Offsets::I64(items)
    }
}

impl Layout for View {
    type Item = View;
    const MAX: usize = i32::MAX as usize;
    const FIRST: Option<View> = None;
    #[inline(always)]
    fn stored(len: usize) -> usize {
        if len > INLINE {
            len
        } else {
            0
        }
    }
    #[inline(always)]
    fn item(value: &[u8], at: usize) -> View {
        View::of(value, at)
    }
    fn wrap(items: Vec<View>) -> Offsets {
        Offsets::Views(items)
    }
}

/// The columns of a batch whose every record has `width` fields, none missing. A first
/// pass sums each column's bytes, so that its values are allocated once; a second copies
/// each field with fixed-size moves (not a `memmove` call) to the end of its column.
fn rectangular_columns<O: Layout>(rows: &RowMajor<'_>, width: usize) -> Option<Vec<Column>> {
    let (n, ends, data) = (rows.records(), rows.field_ends, rows.data);
    let mut totals = vec![0usize; width];
    let mut start = 0;
    for record in ends.chunks_exact(width) {
        for (total, &end) in totals.iter_mut().zip(record) {
            // A field starts one separator past the end of the one before.
            *total += O::stored(end.checked_sub(start)?);
            start = end + 1;
        }
    }
    if totals.iter().any(|&t| t > O::MAX) {
        return None;
    }
    // A move may write up to CHUNK bytes past a short field's end.
    let mut values: Vec<Vec<u8>> = totals
        .iter()
        .map(|&t| Vec::with_capacity(t + CHUNK))
        .collect();
    let mut offsets: Vec<Vec<O::Item>> = (0..width)
        .map(|_| {
            let mut o = Vec::with_capacity(n + 1);
            o.extend(O::FIRST);
            o
        })
        .collect();
    let mut filled = vec![0usize; width];
    // Column by column within blocks of records whose field ends fit in the L1 cache: one
    // column's fields are then copied in a tight loop over locals (a pass over the whole
    // batch per column read a cache line per record; record by record, every field went
    // through every column's state, each twice as slow as this on some corpora).
    let block = (4096 / width).max(1);
    for (b, records) in ends.chunks(block * width).enumerate() {
        let first = b * block * width;
        for j in 0..width {
            let (dst, total) = (values[j].as_mut_ptr(), totals[j]);
            let (mut at, offsets) = (filled[j], &mut offsets[j]);
            let mut f = first + j;
            for &end in records[j..].iter().step_by(width) {
                let start = rows.start_of(f);
                let len = end.wrapping_sub(start);
                let stored = O::stored(len);
                // Checked rather than trusted: the writes below depend on it.
                assert!(start <= end && end <= data.len() && at + stored <= total);
                // SAFETY: `start..end` is inside `data` (checked), so `data.len() - start`
                // bytes are readable there; the column's values have room for
                // `total + CHUNK` bytes and `at + stored <= total` (checked), so the
                // move, which writes at most `max(stored, CHUNK)` bytes, stays inside
                // them. The batch and the column's buffer are distinct allocations.
                unsafe {
                    let src = data.as_ptr().add(start);
                    copy_field(src, stored, data.len() - start, dst.add(at));
                }
                offsets.push(O::item(&data[start..end], at));
                at += stored;
                f += width;
            }
            filled[j] = at;
        }
    }
    assert_eq!(filled, totals);
    let columns = values
        .into_iter()
        .zip(offsets)
        .zip(&totals)
        .map(|((mut values, offsets), &total)| {
            // SAFETY: the first `total` bytes were written above (`filled == totals`).
            unsafe { values.set_len(total) };
            Column {
                validity: Vec::new(),
                nulls: 0,
                offsets: O::wrap(offsets),
                values,
                len: n,
            }
        })
        .collect();
    Some(columns)
}

/// How the string columns of an Arrow stream are laid out.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum Strings {
    /// `utf8` or `binary`: 32-bit offsets (Arrow formats `u`, `z`). The default, and what
    /// every Arrow consumer reads.
    #[default]
    Offsets32,
    /// `large_utf8` or `large_binary`: 64-bit offsets (`U`, `Z`).
    Offsets64,
    /// `utf8_view` or `binary_view` (`vu`, `vz`): 16-byte views, short values inline.
    Views,
}

impl Strings {
    /// The Arrow format string of a column, text (`utf8`) or bytes.
    pub(crate) fn format(self, text: bool) -> &'static str {
        match (self, text) {
            (Strings::Offsets32, true) => "u",
            (Strings::Offsets32, false) => "z",
            (Strings::Offsets64, true) => "U",
            (Strings::Offsets64, false) => "Z",
            (Strings::Views, true) => "vu",
            (Strings::Views, false) => "vz",
        }
    }

    /// The most value bytes one column of a batch may hold: what its offsets can address.
    pub(crate) fn max_values(self) -> usize {
        match self {
            Strings::Offsets32 | Strings::Views => i32::MAX as usize,
            Strings::Offsets64 => i64::MAX as usize,
        }
    }
}

/// Values of at most this many bytes live inside their view (Arrow's rule).
const INLINE: usize = 12;

/// Where each value of a column ends (offsets) or lies (views).
#[derive(Clone, Debug)]
pub(crate) enum Offsets {
    /// `rows + 1` offsets into the values, the first 0.
    I32(Vec<i32>),
    /// Likewise, 64-bit.
    I64(Vec<i64>),
    /// One view per value.
    Views(Vec<View>),
}

/// A 16-byte view of a value: its length (a native-endian `i32`), then the value itself
/// (up to 12 bytes, zero-padded) or its first 4 bytes, its buffer (always 0) and its
/// offset in that buffer. Aligned as Arrow aligns them.
#[repr(C, align(16))]
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct View(pub(crate) [u8; 16]);

impl View {
    /// The view of `value`, whose bytes (if too long to be inline) are at `at` in buffer 0.
    #[inline(always)]
    fn of(value: &[u8], at: usize) -> View {
        let mut view = [0u8; 16];
        view[..4].copy_from_slice(&(value.len() as u32).to_ne_bytes());
        if value.len() <= INLINE {
            view[4..4 + value.len()].copy_from_slice(value);
        } else {
            view[4..8].copy_from_slice(&value[..4]);
            // Buffer 0 (bytes 8..12 stay zero), then the offset.
            view[12..16].copy_from_slice(&(at as u32).to_ne_bytes());
        }
        View(view)
    }
}

/// One string column of a record batch.
#[derive(Clone, Debug)]
pub struct Column {
    /// One bit per row, set when the value is not null (least significant bit first);
    /// empty while the column has no null.
    pub(crate) validity: Vec<u8>,
    pub(crate) nulls: usize,
    pub(crate) offsets: Offsets,
    /// The values back to back (with views: only those too long to be inline).
    pub(crate) values: Vec<u8>,
    pub(crate) len: usize,
}

impl Column {
    pub(crate) fn new(strings: Strings, rows: usize, values: usize) -> Column {
        let offsets = match strings {
            Strings::Offsets32 => {
                let mut o = Vec::with_capacity(rows + 1);
                o.push(0);
                Offsets::I32(o)
            }
            Strings::Offsets64 => {
                let mut o = Vec::with_capacity(rows + 1);
                o.push(0);
                Offsets::I64(o)
            }
            Strings::Views => Offsets::Views(Vec::with_capacity(rows)),
        };
        Column {
            validity: Vec::new(),
            nulls: 0,
            offsets,
            values: Vec::with_capacity(values),
            len: 0,
        }
    }

    /// Appends `value`. The caller keeps the values within [`Strings::max_values`].
    #[inline]
    pub(crate) fn push(&mut self, value: &[u8]) {
        match &mut self.offsets {
            Offsets::I32(o) => {
                self.values.extend_from_slice(value);
                o.push(self.values.len() as i32);
            }
            Offsets::I64(o) => {
                self.values.extend_from_slice(value);
                o.push(self.values.len() as i64);
            }
            Offsets::Views(v) => {
                v.push(View::of(value, self.values.len()));
                if value.len() > INLINE {
                    self.values.extend_from_slice(value);
                }
            }
        }
        if !self.validity.is_empty() {
            self.set_valid(self.len, true);
        }
        self.len += 1;
    }

    /// Appends a null (a field missing from a short record).
    pub(crate) fn push_null(&mut self) {
        if self.validity.is_empty() {
            // The first null: every value before it is valid.
            self.validity = vec![0xFF; self.len.div_ceil(8).max(1)];
        }
        match &mut self.offsets {
            Offsets::I32(o) => o.push(self.values.len() as i32),
            Offsets::I64(o) => o.push(self.values.len() as i64),
            Offsets::Views(v) => v.push(View::default()),
        }
        self.set_valid(self.len, false);
        self.nulls += 1;
        self.len += 1;
    }

    fn set_valid(&mut self, row: usize, valid: bool) {
        let byte = row / 8;
        if byte >= self.validity.len() {
            self.validity.resize(byte + 1, 0);
        }
        let bit = 1u8 << (row % 8);
        match valid {
            true => self.validity[byte] |= bit,
            false => self.validity[byte] &= !bit,
        }
    }

    /// The number of values.
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether the column holds no value.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The number of nulls.
    pub fn null_count(&self) -> usize {
        self.nulls
    }

    /// Value `row`: `None` for a null (panics if out of range).
    pub fn value(&self, row: usize) -> Option<&[u8]> {
        assert!(row < self.len, "row {row} of a column of {}", self.len);
        if !self.validity.is_empty() && self.validity[row / 8] & (1 << (row % 8)) == 0 {
            return None;
        }
        Some(match &self.offsets {
            Offsets::I32(o) => &self.values[o[row] as usize..o[row + 1] as usize],
            Offsets::I64(o) => &self.values[o[row] as usize..o[row + 1] as usize],
            Offsets::Views(v) => {
                let view = &v[row].0;
                let len = u32::from_ne_bytes(view[..4].try_into().expect("4 bytes")) as usize;
                if len <= INLINE {
                    return Some(&view[4..4 + len]);
                }
                let at = u32::from_ne_bytes(view[12..16].try_into().expect("4 bytes")) as usize;
                &self.values[at..at + len]
            }
        })
    }
}

/// A record batch: as many rows in every column.
///
/// ```
/// let rdr = csvr::Reader::from_bytes(b"a,b\n1,x\n2\n".to_vec(), &csvr::Options::new())?;
/// let mut batches = csvr::arrow::RecordBatches::new(rdr, csvr::arrow::Strings::Offsets32)?;
/// let batch = batches.next_batch()?.unwrap();
/// assert_eq!((batch.rows(), batch.columns().len()), (2, 2));
/// assert_eq!(batch.value(1, 0), Some(&b"x"[..]));
/// // The second record has no field `b`: a null.
/// assert_eq!(batch.value(1, 1), None);
/// # Ok::<(), csvr::Error>(())
/// ```
#[derive(Clone, Debug)]
pub struct ColumnBatch {
    pub(crate) rows: usize,
    pub(crate) columns: Vec<Column>,
}

impl ColumnBatch {
    /// The number of rows.
    pub fn rows(&self) -> usize {
        self.rows
    }

    /// The columns, in schema order.
    pub fn columns(&self) -> &[Column] {
        &self.columns
    }

    /// The value of column `column` in row `row`: `None` for a null (panics if out of
    /// range).
    pub fn value(&self, column: usize, row: usize) -> Option<&[u8]> {
        self.columns[column].value(row)
    }
}

/// Why a record was not appended.
pub(crate) enum Refused {
    /// It has this many fields, more than the schema's columns.
    TooWide(usize),
}

/// Builds one record batch from records of the reader's batches.
pub(crate) struct Builder {
    columns: Vec<Column>,
    rows: usize,
    /// The value bytes of the widest column so far.
    widest: usize,
}

impl Builder {
    /// A builder of `width` columns; `hint` gives each column's expected rows and bytes.
    pub(crate) fn new(width: usize, strings: Strings, hint: (usize, &[usize])) -> Builder {
        let columns = (0..width)
            .map(|j| Column::new(strings, hint.0, hint.1.get(j).copied().unwrap_or(0)))
            .collect();
        Builder {
            columns,
            rows: 0,
            widest: 0,
        }
    }

    pub(crate) fn rows(&self) -> usize {
        self.rows
    }

    /// The value bytes of the widest column: what the offsets must reach.
    pub(crate) fn widest(&self) -> usize {
        self.widest
    }

    /// Appends record `i` of `batch`: a field past its end, or missing (a selected field
    /// past the end of a short record), is null; fields past the schema's last column
    /// are dropped if `truncate`, and refuse the record otherwise.
    #[inline]
    pub(crate) fn push(
        &mut self,
        batch: &RowMajor<'_>,
        i: usize,
        truncate: bool,
    ) -> Result<(), Refused> {
        let fields = batch.fields_of(i);
        let width = self.columns.len();
        if fields.len() > width && !truncate {
            return Err(Refused::TooWide(fields.len()));
        }
        let missing = batch.missing.is_some();
        let mut widest = self.widest;
        for (column, f) in self.columns.iter_mut().zip(fields.clone()) {
            if missing && batch.is_missing(f) {
                column.push_null();
            } else {
                column.push(batch.field(f));
                widest = widest.max(column.values.len());
            }
        }
        for column in self.columns.iter_mut().skip(fields.len()) {
            column.push_null();
        }
        self.widest = widest;
        self.rows += 1;
        Ok(())
    }

    pub(crate) fn finish(self) -> ColumnBatch {
        ColumnBatch {
            rows: self.rows,
            columns: self.columns,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A row-major batch of `records` of `width` fields, field `(i, j)` of a length that
    /// runs over every inline and chunk boundary.
    /// A batch's data, field ends and record ends, and its records' fields.
    type Parts = (Vec<u8>, Vec<usize>, Vec<usize>, Vec<Vec<Vec<u8>>>);

    fn batch(records: usize, width: usize) -> Parts {
        let (mut data, mut ends, mut record_ends, mut fields) = (vec![], vec![], vec![], vec![]);
        for i in 0..records {
            let mut record = vec![];
            for j in 0..width {
                if i > 0 || j > 0 {
                    data.push(if j == 0 { 0x1E } else { 0x1F });
                }
                let field: Vec<u8> = (0..(i * 7 + j * 3) % 41)
                    .map(|k| b'a' + (k % 26) as u8)
                    .collect();
                data.extend_from_slice(&field);
                ends.push(data.len());
                record.push(field);
            }
            record_ends.push(ends.len());
            fields.push(record);
        }
        (data, ends, record_ends, fields)
    }

    #[test]
    fn whole_batches_convert_to_every_layout_as_record_by_record() {
        for width in [1, 3, 17] {
            let (data, ends, record_ends, fields) = batch(5000, width);
            let rows = RowMajor {
                data: &data,
                field_ends: &ends,
                record_ends: &record_ends,
                missing: None,
            };
            for strings in [Strings::Offsets32, Strings::Offsets64, Strings::Views] {
                let spec = ColumnSpec {
                    width,
                    strings,
                    truncate: false,
                };
                let fast = convert(&rows, &spec).unwrap();
                assert_eq!(fast.rows(), fields.len());
                for (i, record) in fields.iter().enumerate() {
                    for (j, field) in record.iter().enumerate() {
                        assert_eq!(fast.value(j, i), Some(&field[..]), "{strings:?} ({i}, {j})");
                    }
                }
                // One more column than the records have: the record-by-record path, nulls.
                let wider = ColumnSpec {
                    width: width + 1,
                    ..spec
                };
                let slow = convert(&rows, &wider).unwrap();
                assert_eq!(slow.columns()[width].null_count(), fields.len());
                assert_eq!(slow.value(0, 7), fast.value(0, 7));
            }
        }
    }
}
