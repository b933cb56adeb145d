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
    let offsets32 = spec.strings == Strings::Offsets32;
    if !(rectangular && (offsets32 || spec.strings == Strings::Offsets64)) {
        let mut builder = Builder::new(width, spec.strings, (n, &[]));
        for i in 0..n {
            builder.push(rows, i, spec.truncate).ok()?;
        }
        return (builder.widest() <= spec.strings.max_values()).then(|| builder.finish());
    }
    let columns = (0..width)
        .map(|j| match offsets32 {
            true => offsets_column::<i32>(rows, j, width),
            false => offsets_column::<i64>(rows, j, width),
        })
        .collect::<Option<Vec<Column>>>()?;
    Some(ColumnBatch { rows: n, columns })
}

/// An offset type of Arrow's string layouts.
trait Offset: Copy {
    const MAX: usize;
    fn from_usize(n: usize) -> Self;
    fn wrap(offsets: Vec<Self>) -> Offsets;
}

impl Offset for i32 {
    const MAX: usize = i32::MAX as usize;
    fn from_usize(n: usize) -> Self {
        n as i32
    }
    fn wrap(offsets: Vec<Self>) -> Offsets {
        Offsets::I32(offsets)
    }
}

impl Offset for i64 {
    const MAX: usize = i64::MAX as usize;
    fn from_usize(n: usize) -> Self {
        n as i64
    }
    fn wrap(offsets: Vec<Self>) -> Offsets {
        Offsets::I64(offsets)
    }
}

/// Column `j` of a batch whose every record has `width` fields, none missing: its bytes
/// are summed first, so that the values are allocated once and copied with fixed-size
/// moves (a growing vector and a `memmove` call per field cost twice as much).
fn offsets_column<O: Offset>(rows: &RowMajor<'_>, j: usize, width: usize) -> Option<Column> {
    let n = rows.records();
    let len = |f: usize| rows.field_ends[f] - rows.start_of(f);
    let total: usize = (0..n).map(|i| len(i * width + j)).sum();
    if total > O::MAX {
        return None;
    }
    let mut offsets: Vec<O> = Vec::with_capacity(n + 1);
    offsets.push(O::from_usize(0));
    // A move may write up to CHUNK bytes past a short field's end.
    let mut values: Vec<u8> = Vec::with_capacity(total + CHUNK);
    let (data, dst) = (rows.data, values.as_mut_ptr());
    let mut at = 0;
    for i in 0..n {
        let f = i * width + j;
        let (start, end) = (rows.start_of(f), rows.field_ends[f]);
        // Checked rather than trusted: the writes below depend on it.
        assert!(start <= end && end <= data.len() && at + (end - start) <= total);
        // SAFETY: `start..end` is inside `data` (checked), so `data.len() - start`
        // bytes are readable there; `values` has room for `total + CHUNK` bytes and
        // `at + (end - start) <= total` (checked), so the move, which writes at most
        // `max(len, CHUNK)` bytes at `at`, stays inside it. The two do not overlap.
        unsafe {
            copy_field(
                data.as_ptr().add(start),
                end - start,
                data.len() - start,
                dst.add(at),
            );
        }
        at += end - start;
        offsets.push(O::from_usize(at));
    }
    // SAFETY: the first `total` bytes were written above (`at == total`).
    assert_eq!(at, total);
    unsafe { values.set_len(total) };
    Some(Column {
        validity: Vec::new(),
        nulls: 0,
        offsets: O::wrap(offsets),
        values,
        len: n,
    })
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
                let mut view = [0u8; 16];
                view[..4].copy_from_slice(&(value.len() as u32).to_ne_bytes());
                if value.len() <= INLINE {
                    view[4..4 + value.len()].copy_from_slice(value);
                } else {
                    view[4..8].copy_from_slice(&value[..4]);
                    // Buffer 0, then the offset (bytes 8..12 stay zero).
                    let at = self.values.len() as u32;
                    view[12..16].copy_from_slice(&at.to_ne_bytes());
                    self.values.extend_from_slice(value);
                }
                v.push(View(view));
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
