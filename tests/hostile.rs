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

#[test]
fn a_sparse_one_gib_line_is_counted_in_constant_memory_and_refused_by_readers() {
    // A sparse file: 1 GiB of NUL bytes and no terminator, one record, made instantly.
    let path = TempPath::new("one-gib-line.csv");
    File::create(&path).unwrap().set_len(1 << 30).unwrap();
    assert_eq!(csvr::count_path(&path, &no_header()).unwrap(), 1);
    assert_eq!(csvr::count_path(&path, &Options::new()).unwrap(), 0);
    // The streaming counter keeps no record either.
    assert_eq!(csvr::count_path(&path, &streaming(no_header())).unwrap(), 1);
    // A reader would have to hold the record: it stops at max_record_bytes.
    let err = read_all(&path, &no_header()).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Parse);
    assert!(err.to_string().contains("max_record_bytes"), "{err}");
    assert!(
        err.to_string().contains("line 1, byte 0, record 0"),
        "{err}"
    );
}

#[cfg(target_os = "linux")]
#[test]
fn dev_zero_is_an_error_for_readers_not_a_runaway() {
    let mut o = no_header();
    o.set_max_record_bytes(1 << 20);
    let err = read_all("/dev/zero", &o).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Parse);
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
    // The csv crate yields the open quote's record at the end of the input.
    assert_eq!(csvr::count_path(&path, &Options::new()).unwrap(), 1);
    assert_eq!(
        csvr::count_path(&path, &streaming(Options::new())).unwrap(),
        1
    );
    let err = read_all(&path, &Options::new()).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Parse);
    assert_eq!(err.position().unwrap().line, 2);
    let mut unlimited = Options::new();
    unlimited.set_max_record_bytes(0);
    assert_eq!(read_all(&path, &unlimited).unwrap(), 1);
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
