//! Hostile and odd inputs: each ends in a stated result or a clear error, in bounded
//! memory, and never in a crash or a hang.

use std::fs::{self, File};
use std::io::Write;
use std::path::{Path, PathBuf};

use csvr::{ErrorKind, Options, Reader};

/// A fresh file path under the system's temporary directory, removed on drop.
struct TempPath(PathBuf);

impl TempPath {
    fn new(name: &str) -> TempPath {
        let dir = std::env::temp_dir().join(format!("csvr-hostile-{}", std::process::id()));
        fs::create_dir_all(&dir).unwrap();
        TempPath(dir.join(name))
    }
}

impl Drop for TempPath {
    fn drop(&mut self) {
        let _ = fs::remove_file(&self.0);
    }
}

impl AsRef<Path> for TempPath {
    fn as_ref(&self) -> &Path {
        &self.0
    }
}

fn no_header() -> Options {
    let mut o = Options::new();
    o.set_has_header(false);
    o
}

/// Options that the fast counter does not take, so the streaming counter runs.
fn streaming(mut o: Options) -> Options {
    o.set_comment(Some(b'#')).unwrap();
    o
}

fn read_all(path: impl AsRef<Path>, options: &Options) -> Result<u64, csvr::Error> {
    let mut rdr = Reader::from_path(path, options)?;
    let mut n = 0;
    while rdr.next_record()? {
        n += 1;
    }
    Ok(n)
}

/// The error every reader and counter gives for a record over `max_record_bytes`.
fn assert_too_long(result: Result<u64, csvr::Error>, at: &str) {
    let err = result.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Parse, "{err}");
    assert!(err.to_string().contains("max_record_bytes"), "{err}");
    assert!(err.to_string().contains(at), "{err}");
}

#[test]
fn a_sparse_one_gib_line_is_refused_by_readers_and_counters_alike() {
    // A sparse file: 1 GiB of NUL bytes and no terminator, one record, made instantly.
    let path = TempPath::new("one-gib-line.csv");
    File::create(&path).unwrap().set_len(1 << 30).unwrap();
    let at = "line 1, byte 0, record 0";
    // A reader would have to hold the record: it stops at max_record_bytes, and so does
    // every counter, fast or streaming, so that count and read agree.
    assert_too_long(read_all(&path, &no_header()), at);
    assert_too_long(csvr::count_path(&path, &no_header()), at);
    assert_too_long(csvr::count_path(&path, &Options::new()), at);
    assert_too_long(csvr::count_path(&path, &streaming(no_header())), at);
    // With the limit off, counting keeps no record: constant memory, one record.
    let mut unlimited = no_header();
    unlimited.set_max_record_bytes(0);
    assert_eq!(csvr::count_path(&path, &unlimited).unwrap(), 1);
    assert_eq!(csvr::count_path(&path, &streaming(unlimited)).unwrap(), 1);
}

#[cfg(target_os = "linux")]
#[test]
fn dev_zero_is_an_error_for_readers_not_a_runaway() {
    let mut o = no_header();
    o.set_max_record_bytes(1 << 20);
    let err = read_all("/dev/zero", &o).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Parse);
    // Counting /dev/zero (a device: streamed) stops at the same record, at once.
    let started = std::time::Instant::now();
    assert_too_long(
        csvr::count_path("/dev/zero", &o),
        "line 1, byte 0, record 0",
    );
    assert_too_long(
        csvr::count_path("/dev/zero", &Options::new()),
        "line 1, byte 0, record 0",
    );
    assert!(started.elapsed() < std::time::Duration::from_secs(5));
    // With a header, the header itself is the endless record: opening fails.
    let mut o = Options::new();
    o.set_max_record_bytes(1 << 20);
    let err = Reader::from_path("/dev/zero", &o).err().unwrap();
    assert_eq!(err.kind(), ErrorKind::Parse);
    assert_eq!(err.position().unwrap().record, 0);
}

#[test]
fn an_unterminated_quote_of_100_mib() {
    let path = TempPath::new("unterminated.csv");
    let mut f = File::create(&path).unwrap();
    f.write_all(b"h\n\"").unwrap();
    let chunk = vec![b'a'; 1 << 20];
    for _ in 0..100 {
        f.write_all(&chunk).unwrap();
    }
    drop(f);
    // The record of the open quote is over the limit: reading and counting refuse it.
    let at = "line 2, byte 2, record 1";
    assert_too_long(read_all(&path, &Options::new()), at);
    assert_too_long(csvr::count_path(&path, &Options::new()), at);
    assert_too_long(csvr::count_path(&path, &streaming(Options::new())), at);
    // Without the limit, the csv crate yields it at the end of the input.
    let mut unlimited = Options::new();
    unlimited.set_max_record_bytes(0);
    assert_eq!(read_all(&path, &unlimited).unwrap(), 1);
    assert_eq!(csvr::count_path(&path, &unlimited).unwrap(), 1);
    assert_eq!(csvr::count_path(&path, &streaming(unlimited)).unwrap(), 1);
}

#[test]
fn ten_million_empty_lines_are_no_records() {
    let data = vec![b'\n'; 10_000_000];
    assert_eq!(csvr::count_bytes(&data, &no_header()).unwrap(), 0);
    assert_eq!(
        csvr::count_bytes(&data, &streaming(no_header())).unwrap(),
        0
    );
    let mut rdr = Reader::from_bytes(data, &no_header()).unwrap();
    assert!(!rdr.next_record().unwrap());
}

#[test]
fn nul_bytes_lone_cr_and_mixed_terminators() {
    let cases: &[(&[u8], u64)] = &[
        (b"a\0b,c\0\nd\0\n", 2),
        (b"a\rb\rc", 3),
        (b"a\r\nb\nc\rd\n\r\n\re", 5),
        (b"\0\0\0", 1),
        (b"\"x\ry\"\r\"z\"", 2),
    ];
    for &(data, want) in cases {
        for o in [no_header(), streaming(no_header())] {
            assert_eq!(csvr::count_bytes(data, &o).unwrap(), want, "{data:?}");
        }
        let mut rdr = Reader::from_bytes(data.to_vec(), &no_header()).unwrap();
        let mut n = 0;
        while rdr.next_record().unwrap() {
            n += 1;
        }
        assert_eq!(n, want, "{data:?}");
    }
}

#[cfg(unix)]
#[test]
fn a_fifo_is_streamed() {
    use std::ffi::CString;
    use std::os::unix::ffi::OsStrExt;
    let path = TempPath::new("pipe.csv");
    let c_path = CString::new(path.0.as_os_str().as_bytes()).unwrap();
    // SAFETY: c_path is a valid NUL-terminated path.
    assert_eq!(unsafe { libc::mkfifo(c_path.as_ptr(), 0o600) }, 0);
    let body: Vec<u8> = (0..100_000)
        .flat_map(|i| format!("{i},\"x\ny\"\n").into_bytes())
        .collect();
    for reading in [false, true] {
        let writer = {
            let (path, body) = (path.0.clone(), body.clone());
            std::thread::spawn(move || {
                let mut f = fs::OpenOptions::new().write(true).open(path).unwrap();
                f.write_all(b"\xef\xbb\xbfh1,h2\n").unwrap();
                // Small writes, so the reader sees the input in pieces.
                for piece in body.chunks(4093) {
                    f.write_all(piece).unwrap();
                }
            })
        };
        let n = if reading {
            read_all(&path, &Options::new()).unwrap()
        } else {
            csvr::count_path(&path, &Options::new()).unwrap()
        };
        writer.join().unwrap();
        assert_eq!(n, 100_000);
    }
}

#[test]
fn a_file_truncated_while_it_is_counted_gives_a_result_not_a_crash() {
    let path = TempPath::new("shrinking.csv");
    let line = b"1,2,3,\"quoted, field\"\n";
    let body: Vec<u8> = line.iter().copied().cycle().take(64 << 20).collect();
    for round in 0..4 {
        fs::write(&path, &body).unwrap();
        let truncator = {
            let path = path.0.clone();
            std::thread::spawn(move || {
                std::thread::sleep(std::time::Duration::from_millis(round * 3));
                File::options()
                    .write(true)
                    .open(path)
                    .unwrap()
                    .set_len(1000)
                    .unwrap();
            })
        };
        let counted = csvr::count_path(&path, &Options::new());
        let read = read_all(&path, &Options::new());
        truncator.join().unwrap();
        // Whatever the timing, a count (of what was there) or a clear error.
        for outcome in [counted, read] {
            match outcome {
                Ok(n) => assert!(n <= (body.len() / line.len()) as u64),
                Err(e) => assert!(matches!(e.kind(), ErrorKind::Io | ErrorKind::Parse), "{e}"),
            }
        }
    }
}

#[test]
fn a_ten_mib_field_is_read_whole() {
    let mut data = b"h\n\"".to_vec();
    data.extend(std::iter::repeat_n(b'x', 10 << 20));
    data.extend_from_slice(b"\"\nnext\n");
    let mut rdr = Reader::from_bytes(data.clone(), &Options::new()).unwrap();
    assert!(rdr.next_record().unwrap());
    assert_eq!(rdr.record().unwrap()[0].len(), 10 << 20);
    assert!(rdr.next_record().unwrap());
    assert_eq!(csvr::count_bytes(&data, &Options::new()).unwrap(), 2);
}
