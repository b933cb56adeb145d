//! The Arrow C stream export, read back through its C structs by a minimal consumer
//! written against the Arrow specification, and compared cell by cell with what the `csv`
//! crate yields for the same options: short records give nulls, empty fields `""`, a
//! record wider than the schema an error at its position (or its extra fields dropped),
//! at every batch size, layout, column selection and thread count.

mod common;

use std::ffi::{c_char, CStr};

use common::*;
use csvr::arrow::{
    export_stream, ArrowArray, ArrowArrayStream, ArrowSchema, RecordBatches, Strings,
};
use csvr::{Columns, ErrorKind, Options, Position, Reader};
use proptest::prelude::*;

/// One row as a consumer sees it: `None` for a null.
type Row = Vec<Option<Vec<u8>>>;

/// What a consumer reads from a stream: names, formats, rows, and the failure that
/// ended it (its `errno` and message), if any.
#[derive(Debug, Default)]
struct Consumed {
    names: Vec<String>,
    formats: Vec<String>,
    rows: Vec<Row>,
    batch_lengths: Vec<usize>,
    failure: Option<(i32, String)>,
}

fn c_str(p: *const c_char) -> String {
    assert!(!p.is_null());
    // SAFETY: the producer's strings are NUL-terminated and live with the schema.
    unsafe { CStr::from_ptr(p) }.to_str().unwrap().to_owned()
}

/// The values of child array `a` laid out as `format` says.
///
/// # Safety
/// `a` is a live array of that format.
unsafe fn values(a: &ArrowArray, format: &str) -> Vec<Option<Vec<u8>>> {
    assert_eq!(a.offset, 0);
    let n = a.length as usize;
    // SAFETY: per the format's layout (the caller's contract).
    unsafe {
        let buffers = std::slice::from_raw_parts(a.buffers, a.n_buffers as usize);
        let validity = buffers[0].cast::<u8>();
        assert_eq!(validity.is_null(), a.null_count == 0, "validity iff nulls");
        let valid = |i: usize| validity.is_null() || *validity.add(i / 8) & (1 << (i % 8)) != 0;
        let mut out = Vec::with_capacity(n);
        let mut nulls = 0;
        for i in 0..n {
            if !valid(i) {
                nulls += 1;
                out.push(None);
                continue;
            }
            let value = match format {
                "u" | "z" => {
                    assert_eq!(a.n_buffers, 3);
                    let o = buffers[1].cast::<i32>();
                    assert_eq!(*o, 0);
                    let (s, e) = (*o.add(i) as usize, *o.add(i + 1) as usize);
                    std::slice::from_raw_parts(buffers[2].cast::<u8>().add(s), e - s)
                }
                "U" | "Z" => {
                    assert_eq!(a.n_buffers, 3);
                    let o = buffers[1].cast::<i64>();
                    let (s, e) = (*o.add(i) as usize, *o.add(i + 1) as usize);
                    std::slice::from_raw_parts(buffers[2].cast::<u8>().add(s), e - s)
                }
                "vu" | "vz" => {
                    let view = buffers[1].cast::<u8>().add(16 * i);
                    assert_eq!(buffers[1] as usize % 16, 0, "views are 16-byte aligned");
                    let len = view.cast::<i32>().read_unaligned() as usize;
                    if len <= 12 {
                        std::slice::from_raw_parts(view.add(4), len)
                    } else {
                        let data_buffers = a.n_buffers as usize - 3;
                        let b = view.add(8).cast::<i32>().read_unaligned() as usize;
                        let at = view.add(12).cast::<i32>().read_unaligned() as usize;
                        assert!(b < data_buffers);
                        let sizes = buffers[a.n_buffers as usize - 1].cast::<i64>();
                        assert!(at + len <= *sizes.add(b) as usize);
                        let prefix = std::slice::from_raw_parts(view.add(4), 4);
                        let value =
                            std::slice::from_raw_parts(buffers[2 + b].cast::<u8>().add(at), len);
                        assert_eq!(prefix, &value[..4]);
                        value
                    }
                }
                other => panic!("unexpected format {other}"),
            };
            out.push(Some(value.to_vec()));
        }
        assert_eq!(nulls, a.null_count as usize);
        out
    }
}

/// Reads `stream` to its end as a consumer would, releasing every batch (`keep` of them
/// only after the stream itself) and the stream.
fn consume(mut stream: ArrowArrayStream, keep: usize) -> Consumed {
    let mut got = Consumed::default();
    let mut kept = vec![];
    // SAFETY: the callbacks of a live stream, with structs they may write; every array
    // and schema read is live until released below.
    unsafe {
        let mut schema = ArrowSchema::empty();
        assert_eq!((stream.get_schema.unwrap())(&mut stream, &mut schema), 0);
        assert_eq!(c_str(schema.format), "+s");
        let children = std::slice::from_raw_parts(schema.children, schema.n_children as usize);
        for &c in children {
            got.names.push(c_str((*c).name));
            got.formats.push(c_str((*c).format));
            assert_eq!((*c).flags, csvr::arrow::ARROW_FLAG_NULLABLE);
        }
        (schema.release.unwrap())(&mut schema);
        assert!(schema.release.is_none());
        loop {
            let mut array = ArrowArray::empty();
            let code = (stream.get_next.unwrap())(&mut stream, &mut array);
            if code != 0 {
                let message = c_str((stream.get_last_error.unwrap())(&mut stream));
                // Errors are sticky.
                let mut again = ArrowArray::empty();
                assert_eq!((stream.get_next.unwrap())(&mut stream, &mut again), code);
                got.failure = Some((code, message));
                break;
            }
            if array.release.is_none() {
                break;
            }
            assert_eq!((array.n_buffers, array.null_count), (1, 0));
            assert_eq!(array.n_children as usize, got.names.len());
            let n = array.length as usize;
            got.batch_lengths.push(n);
            let children = std::slice::from_raw_parts(array.children, array.n_children as usize);
            let columns: Vec<_> = children
                .iter()
                .zip(&got.formats)
                .map(|(&c, f)| {
                    assert_eq!((*c).length as usize, n);
                    values(&*c, f)
                })
                .collect();
            for i in 0..n {
                got.rows
                    .push(columns.iter().map(|c| c[i].clone()).collect());
            }
            match kept.len() < keep {
                true => kept.push(array),
                false => (array.release.unwrap())(&mut array),
            }
        }
        (stream.release.unwrap())(&mut stream);
        assert!(stream.release.is_none());
        // Batches outlive the stream.
        for mut array in kept {
            (array.release.unwrap())(&mut array);
        }
    }
    got
}

/// What the stream should give: names are not checked here (see the unit tests), only
/// the number of columns, the rows and the error that ends them.
#[derive(Debug, PartialEq)]
struct Expected {
    width: usize,
    rows: Vec<Row>,
    error: Option<(ErrorKind, Option<Position>)>,
}

fn expected(
    d: &Dialect,
    data: &[u8],
    columns: Option<&[usize]>,
    truncate: bool,
) -> Option<Expected> {
    let (header, steps) = oracle_steps(d, data, usize::MAX);
    let header = match header {
        Some(Err(_)) => return None, // the reader cannot open: no stream
        Some(Ok((h, _))) => Some(h),
        None => None,
    };
    let select = |f: &Fields| -> Row {
        match columns {
            None => f.iter().cloned().map(Some).collect(),
            Some(c) => {
                let (fields, missing) = project(f, c);
                fields
                    .into_iter()
                    .zip(missing)
                    .map(|(f, m)| (!m).then_some(f))
                    .collect()
            }
        }
    };
    let width = match (&header, columns, steps.first()) {
        (_, Some(c), _) => c.len(),
        (Some(h), None, _) => h.len(),
        (None, None, Some(Ok((first, _)))) => first.len(),
        (None, None, Some(Err(_))) => return None, // the first record's error is the open's
        (None, None, None) => 0,
    };
    let mut rows = vec![];
    for step in steps {
        match step {
            Ok((fields, at)) => {
                let mut row = select(&fields);
                if row.len() > width {
                    if !truncate {
                        return Some(Expected {
                            width,
                            rows,
                            error: Some((ErrorKind::Parse, Some(at))),
                        });
                    }
                    row.truncate(width);
                }
                row.resize(width, None);
                rows.push(row);
            }
            Err(e) => {
                return Some(Expected {
                    width,
                    rows,
                    error: Some(e),
                })
            }
        }
    }
    Some(Expected {
        width,
        rows,
        error: None,
    })
}

/// Reads `data` through the safe batches and through the C stream, and checks both.
fn check(
    d: &Dialect,
    data: &[u8],
    columns: Option<Vec<usize>>,
    truncate: bool,
    rows: usize,
    strings: Strings,
    ahead: bool,
) {
    let want = expected(d, data, columns.as_deref(), truncate);
    check_against(want, d, data, columns, truncate, rows, strings, ahead);
}

/// Like [`check`], against `want`.
#[allow(clippy::too_many_arguments)]
fn check_against(
    want: Option<Expected>,
    d: &Dialect,
    data: &[u8],
    columns: Option<Vec<usize>>,
    truncate: bool,
    rows: usize,
    strings: Strings,
    ahead: bool,
) {
    let mut o = options(d);
    o.set_truncate_ragged(truncate)
        .set_batch_rows(rows)
        .set_read_ahead(ahead)
        .set_threads(2)
        .unwrap();
    if let Some(c) = &columns {
        o.set_columns(Columns::indexes(c.clone()));
    }
    let open =
        || Reader::from_bytes(data.to_vec(), &o).and_then(|r| RecordBatches::new(r, strings));
    let Some(want) = want else {
        assert!(open().is_err(), "the stream should not open");
        return;
    };
    // The safe API: rows, then the error with its kind and position.
    let mut batches = open().unwrap();
    assert_eq!(batches.names().len(), want.width);
    let mut got_rows = vec![];
    let error = loop {
        match batches.next_batch() {
            Ok(Some(b)) => {
                assert!(b.rows() > 0 && (rows == 0 || b.rows() <= rows));
                for i in 0..b.rows() {
                    got_rows.push(
                        (0..want.width)
                            .map(|j| b.value(j, i).map(<[u8]>::to_vec))
                            .collect::<Row>(),
                    );
                }
            }
            Ok(None) => break None,
            Err(e) => {
                assert_eq!(batches.next_batch().unwrap_err(), e, "errors are sticky");
                break Some((e.kind(), e.position()));
            }
        }
    };
    assert_eq!(got_rows, want.rows);
    assert_eq!(error, want.error);
    // The C stream: the same rows, read through the structs.
    let mut stream = ArrowArrayStream::empty();
    export_stream(open().unwrap(), &mut stream);
    let got = consume(stream, 2);
    assert_eq!(got.rows, want.rows);
    let text = d.utf8;
    let format = match (strings, text) {
        (Strings::Offsets32, true) => "u",
        (Strings::Offsets32, false) => "z",
        (Strings::Offsets64, true) => "U",
        (Strings::Offsets64, false) => "Z",
        (Strings::Views, true) => "vu",
        (Strings::Views, false) => "vz",
    };
    assert!(got.formats.iter().all(|f| f == format));
    let unique: std::collections::HashSet<_> = got.names.iter().collect();
    assert_eq!(
        unique.len(),
        got.names.len(),
        "names are unique: {:?}",
        got.names
    );
    match (&got.failure, want.error) {
        (None, None) => {}
        (Some((code, message)), Some((kind, at))) => {
            let errno = match kind {
                ErrorKind::Io | ErrorKind::Panic => libc_eio(),
                _ => libc_einval(),
            };
            assert_eq!(*code, errno);
            if let Some(at) = at {
                assert!(
                    message.contains(&format!("line {}", at.line)),
                    "{message} at {at:?}"
                );
            }
        }
        (got, want) => panic!("failure {got:?}, expected {want:?}"),
    }
}

fn libc_einval() -> i32 {
    22
}
fn libc_eio() -> i32 {
    5
}

fn dialect() -> impl Strategy<Value = Dialect> {
    (
        any::<bool>(),
        any::<bool>(),
        any::<bool>(),
        prop::sample::select(vec![b',', b';']),
    )
        .prop_map(|(has_header, flexible, utf8, delimiter)| Dialect {
            has_header,
            flexible,
            utf8,
            delimiter,
            ..Dialect::default()
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(600))]

    #[test]
    fn streams_hold_the_csv_crates_records(
        d in dialect(),
        data in input(),
        columns in prop::option::weighted(0.3, prop::collection::vec(0usize..4, 1..4)),
        truncate in any::<bool>(),
        rows in prop::sample::select(vec![0usize, 1, 2, 3, 7]),
        strings in prop::sample::select(vec![Strings::Offsets32, Strings::Offsets64, Strings::Views]),
        ahead in any::<bool>(),
    ) {
        check(&d, &data, columns, truncate, rows, strings, ahead);
    }
}

/// Long fields (past a view's inline 12 bytes), quoted newlines, `""`, CRLF and short
/// records, in a file large enough to be read on several workers.
#[test]
fn a_large_input_read_in_parallel_is_the_serial_one() {
    let mut data = b"id,text,\"quoted\"\"name\"\r\n".to_vec();
    for i in 0..300_000 {
        match i % 5 {
            0 => data.extend_from_slice(format!("{i},\"multi\nline {i}\",\"\"\r\n").as_bytes()),
            1 => data.extend_from_slice(format!("{i}\r\n").as_bytes()),
            2 => data.extend_from_slice(
                format!("{i},a field longer than twelve bytes {i},x\n").as_bytes(),
            ),
            3 => data.extend_from_slice(format!("{i},,\n").as_bytes()),
            _ => data.extend_from_slice(
                format!("{i},\"a \"\"quoted\"\" one\",{}\n", "y".repeat(i % 40)).as_bytes(),
            ),
        }
    }
    assert!(data.len() > 8 << 20, "large enough for parallel reading");
    let d = Dialect {
        utf8: true,
        ..Dialect::default()
    };
    // The oracle without positions (working out each record's start is quadratic).
    let want = |columns: Option<&[usize]>| {
        let mut rdr = oracle_reader(&d, &data);
        let width = columns.map_or(3, <[usize]>::len);
        let rows = rdr
            .byte_records()
            .map(|r| {
                let f: Fields = r.unwrap().iter().map(<[u8]>::to_vec).collect();
                let mut row: Row = match columns {
                    None => f.into_iter().map(Some).collect(),
                    Some(c) => c.iter().map(|&i| f.get(i).cloned()).collect(),
                };
                row.resize(width, None);
                row
            })
            .collect();
        Some(Expected {
            width,
            rows,
            error: None,
        })
    };
    for strings in [Strings::Offsets32, Strings::Views] {
        for rows in [0, 1000] {
            check_against(want(None), &d, &data, None, false, rows, strings, true);
        }
    }
    let columns = vec![2, 0];
    let selected = want(Some(&columns));
    check_against(
        selected,
        &d,
        &data,
        Some(columns),
        false,
        0,
        Strings::Offsets64,
        true,
    );
}

#[test]
fn names_come_from_the_header_made_unique() {
    let o = Options::new();
    let rdr = Reader::from_bytes(b"a,a,,b\n1,2,3,4\n".to_vec(), &o).unwrap();
    let batches = RecordBatches::new(rdr, Strings::Offsets32).unwrap();
    assert_eq!(batches.names(), ["a", "a_duplicated_0", "column_3", "b"]);
    let mut o = Options::new();
    o.set_has_header(false);
    let rdr = Reader::from_bytes(b"1,2,3\n4\n".to_vec(), &o).unwrap();
    let batches = RecordBatches::new(rdr, Strings::Offsets32).unwrap();
    assert_eq!(batches.names(), ["column_1", "column_2", "column_3"]);
}

/// A batch ends before a column's values would pass what its offsets address (lowered
/// here from 2^31-1 so that the test stays small).
#[test]
fn a_batch_splits_before_its_values_outgrow_the_offsets() {
    let mut data = b"v\n".to_vec();
    for i in 0..100 {
        data.extend_from_slice(format!("{:05}\n", i).as_bytes());
    }
    let rdr = Reader::from_bytes(data, &Options::new()).unwrap();
    let mut batches = RecordBatches::new(rdr, Strings::Offsets32).unwrap();
    batches.set_max_values(12);
    let mut seen = 0;
    while let Some(b) = batches.next_batch().unwrap() {
        assert!(
            b.rows() <= 2,
            "two values of 5 bytes fit in 12, three do not"
        );
        for i in 0..b.rows() {
            assert_eq!(b.value(0, i).unwrap(), format!("{:05}", seen).as_bytes());
            seen += 1;
        }
    }
    assert_eq!(seen, 100);
    // A single record too large for the layout is an error naming it.
    let rdr = Reader::from_bytes(b"v\nshort\nmuch too long\n".to_vec(), &Options::new()).unwrap();
    let mut batches = RecordBatches::new(rdr, Strings::Offsets32).unwrap();
    batches.set_max_values(8);
    assert_eq!(batches.next_batch().unwrap().unwrap().rows(), 1);
    let e = batches.next_batch().unwrap_err();
    assert_eq!(
        (e.kind(), e.position().unwrap().line),
        (ErrorKind::Parse, 3)
    );
}

/// The exports over files and ranges give what the reader of the same range gives.
#[test]
fn file_and_range_streams_from_the_c_api() {
    use csvr::ffi::*;
    let dir = std::env::temp_dir().join(format!("csvr-arrow-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("data.csv");
    let mut data = b"k,v\n".to_vec();
    for i in 0..5000 {
        data.extend_from_slice(format!("{i},\"v\n{i}\"\n").as_bytes());
    }
    std::fs::write(&path, &data).unwrap();
    let c_path = std::ffi::CString::new(path.to_str().unwrap()).unwrap();
    // SAFETY: live arguments of the documented types.
    unsafe {
        let mut stream = ArrowArrayStream::empty();
        assert_eq!(
            csvr_arrow_open(c_path.as_ptr(), std::ptr::null(), &mut stream),
            csvr_status::CSVR_OK
        );
        let whole = consume(stream, 1);
        assert_eq!(whole.names, ["k", "v"]);
        assert_eq!(whole.formats, ["z", "z"]);
        assert_eq!(whole.rows.len(), 5000);
        assert_eq!(
            whole.rows[7],
            vec![Some(b"7".to_vec()), Some(b"v\n7".to_vec())]
        );
        let mut ranges = [csvr_range {
            start: 0,
            end: 0,
            records: 0,
            first_record: 0,
            first_line: 0,
        }; 3];
        let mut n = 0;
        assert_eq!(
            csvr_split_path(
                c_path.as_ptr(),
                std::ptr::null(),
                3,
                ranges.as_mut_ptr(),
                &mut n
            ),
            csvr_status::CSVR_OK
        );
        let mut rows = vec![];
        for r in &ranges[..n] {
            let mut stream = ArrowArrayStream::empty();
            assert_eq!(
                csvr_arrow_open_range(c_path.as_ptr(), std::ptr::null(), r, &mut stream),
                csvr_status::CSVR_OK
            );
            let part = consume(stream, 0);
            assert_eq!(part.names, ["k", "v"]);
            assert_eq!(part.rows.len() as u64, r.records);
            rows.extend(part.rows);
        }
        assert_eq!(rows, whole.rows);
        let mut stream = ArrowArrayStream::empty();
        assert_eq!(
            csvr_arrow_from_bytes(data.as_ptr(), data.len(), std::ptr::null(), &mut stream),
            csvr_status::CSVR_OK
        );
        assert_eq!(consume(stream, 0).rows, whole.rows);
        let missing = std::ffi::CString::new(dir.join("nope.csv").to_str().unwrap()).unwrap();
        let mut stream = ArrowArrayStream::empty();
        assert_eq!(
            csvr_arrow_open(missing.as_ptr(), std::ptr::null(), &mut stream),
            csvr_status::CSVR_ERR_IO
        );
        assert_eq!(
            csvr_arrow_open(std::ptr::null(), std::ptr::null(), &mut stream),
            csvr_status::CSVR_ERR_NULL
        );
    }
    std::fs::remove_dir_all(&dir).unwrap();
}
