//! The Rust-side contenders of the benchmark, each printing `COUNT SECONDS`.
//!
//! Usage: count-tools TOOL FILE [THREADS]
//!   csvr      csvr::count_path (the fast exact count; THREADS, 0 = all cores)
//!   csvr-split csvr::split_path into 16 ranges, printing the records they hold (THREADS)
//!   csvr-bytes csvr::count_bytes on the file read into memory first (not timed)
//!   csv-crate a `csv::Reader::read_byte_record` loop (flexible, header excluded)
//!   csv-crate-fields the same loop touching every field: prints `RECORDS FIELD_BYTES
//!             SECONDS` (the sum of the fields' lengths), the baseline of the reading section
//!   csvr-read csvr::Reader::next_record to the end on one thread (records, not a count)
//!   memchr    a one-core memchr newline count over read() (the ceiling; not exact CSV)
//!   memchr-mt the newline count on all cores over positioned reads
//!
//! And: count-tools rss PROGRAM ARGS... runs PROGRAM, passes its output through and then
//! prints `maxrss_kib N` (its peak RSS) on stderr. Measuring from this small process
//! matters: Linux counts a child's peak RSS from before its exec, so a child of a large
//! parent (say a Python benchmark runner) would report the parent's size.

use std::fs::File;
use std::io::Read;
use std::time::Instant;

fn memchr_lines(path: &str) -> u64 {
    let mut f = File::open(path).unwrap();
    let mut buf = vec![0u8; 1 << 20];
    let mut n = 0;
    loop {
        let got = f.read(&mut buf).unwrap();
        if got == 0 {
            return n;
        }
        n += memchr::memchr_iter(b'\n', &buf[..got]).count() as u64;
    }
}

fn memchr_lines_mt(path: &str) -> u64 {
    pread_on_all_cores(path, 1 << 20, |block| {
        memchr::memchr_iter(b'\n', block).count() as u64
    })
}

/// Reads the file on all cores with `pread`, as csvr does, and looks at nothing: the
/// floor under any reader that copies out of the page cache.
fn pread_mt(path: &str) -> u64 {
    pread_on_all_cores(path, 1 << 18, |_| 0)
}

/// Splits the file into one range per core and reads each on its own thread in blocks
/// of `block` bytes with `pread`, summing what `each` says of every block.
fn pread_on_all_cores(path: &str, block: usize, each: impl Fn(&[u8]) -> u64 + Sync) -> u64 {
    use std::os::unix::fs::FileExt;
    let f = File::open(path).unwrap();
    let len = f.metadata().unwrap().len();
    let threads = std::thread::available_parallelism().map_or(1, usize::from) as u64;
    std::thread::scope(|s| {
        let (f, each) = (&f, &each);
        let handles: Vec<_> = (0..threads)
            .map(|i| {
                s.spawn(move || {
                    let (mut pos, end) = (len * i / threads, len * (i + 1) / threads);
                    let mut buf = vec![0u8; block];
                    let mut n = 0;
                    while pos < end {
                        let want = buf.len().min((end - pos) as usize);
                        let got = f.read_at(&mut buf[..want], pos).unwrap();
                        if got == 0 {
                            break;
                        }
                        n += each(&buf[..got]);
                        pos += got as u64;
                    }
                    n
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).sum()
    })
}

/// Maps the file and counts newlines on all cores: the floor under a reader that maps
/// the file instead of copying it (as polars does). A benchmark tool only: a file
/// truncated while mapped would kill this process with SIGBUS.
fn mmap_memchr_mt(path: &str) -> u64 {
    use std::os::fd::AsRawFd;
    let f = File::open(path).unwrap();
    let len = f.metadata().unwrap().len() as usize;
    if len == 0 {
        return 0;
    }
    // SAFETY: a read-only private mapping of a file this process opened; the benchmark
    // corpora are not modified while it runs.
    let ptr = unsafe {
        libc::mmap(
            std::ptr::null_mut(),
            len,
            libc::PROT_READ,
            libc::MAP_PRIVATE,
            f.as_raw_fd(),
            0,
        )
    };
    assert_ne!(ptr, libc::MAP_FAILED);
    // SAFETY: the mapping covers `len` readable bytes and lives until the munmap below.
    let data = unsafe { std::slice::from_raw_parts(ptr as *const u8, len) };
    let threads = std::thread::available_parallelism().map_or(1, usize::from);
    let n = std::thread::scope(|s| {
        let handles: Vec<_> = (0..threads)
            .map(|i| {
                let part = &data[len * i / threads..len * (i + 1) / threads];
                s.spawn(move || memchr::memchr_iter(b'\n', part).count() as u64)
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).sum()
    });
    // SAFETY: `data` is no longer used.
    unsafe { libc::munmap(ptr, len) };
    n
}

/// The csv crate's fastest loop with every field looked at: records and the sum of the
/// field lengths (the header excluded), for cross-checking the readers against each other.
fn csv_crate_fields(path: &str) -> (u64, u64) {
    let mut r = csv::ReaderBuilder::new()
        .flexible(true)
        .from_path(path)
        .unwrap();
    let mut rec = csv::ByteRecord::new();
    let (mut records, mut bytes) = (0u64, 0u64);
    while r.read_byte_record(&mut rec).unwrap() {
        records += 1;
        bytes += rec.iter().map(|f| f.len() as u64).sum::<u64>();
    }
    (records, bytes)
}

/// A reading contender: the records of a file and the sum of its field lengths.
type FieldReader = fn(&str) -> (u64, u64);

/// csvr's batches through the Rust API on one thread, every field looked at (as
/// `csv_crate_fields`), with the structural-index parser or (`fast` false) the old one,
/// the `csv` crate's parser under the record tracker: the two side by side.
fn csvr_batch_fields(path: &str, fast: bool) -> (u64, u64) {
    let mut o = csvr::Options::new();
    o.set_threads(1).unwrap().set_fast_parser(fast);
    let mut r = csvr::Reader::from_path(path, &o).unwrap();
    let mut batch = csvr::Batch::new();
    let (mut records, mut bytes) = (0u64, 0u64);
    while r.read_batch(1024, &mut batch).unwrap() > 0 {
        records += batch.len() as u64;
        // Every field's length from its end and the one before, as a C caller does.
        let mut start = 0;
        for &end in batch.field_ends() {
            bytes += (end - start) as u64;
            start = end + 1;
        }
    }
    (records, bytes)
}

/// Runs a command and reports its peak RSS (see the module docs).
fn rss(cmd: &[String]) -> ! {
    let status = std::process::Command::new(&cmd[0])
        .args(&cmd[1..])
        .status()
        .unwrap_or_else(|e| {
            eprintln!("cannot run {}: {e}", cmd[0]);
            std::process::exit(127)
        });
    // SAFETY: getrusage writes one rusage struct into the zeroed local.
    let usage = unsafe {
        let mut usage: libc::rusage = std::mem::zeroed();
        libc::getrusage(libc::RUSAGE_CHILDREN, &mut usage);
        usage
    };
    eprintln!("maxrss_kib {}", usage.ru_maxrss);
    std::process::exit(status.code().unwrap_or(1))
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.first().map(String::as_str) == Some("rss") && args.len() > 1 {
        rss(&args[1..]);
    }
    let (tool, path) = match (args.first(), args.get(1)) {
        (Some(t), Some(p)) => (t.as_str(), p.as_str()),
        _ => {
            eprintln!("usage: count-tools csvr|csvr-split|csvr-bytes|csvr-in-cache|csv-crate|csv-crate-fields|csvr-batch-fields|csvr-old-batch-fields|memchr|memchr-mt|pread-mt|mmap-memchr-mt FILE [THREADS]");
            std::process::exit(2);
        }
    };
    let fields: Option<FieldReader> = match tool {
        "csv-crate-fields" => Some(csv_crate_fields),
        "csvr-batch-fields" => Some(|p| csvr_batch_fields(p, true)),
        "csvr-old-batch-fields" => Some(|p| csvr_batch_fields(p, false)),
        _ => None,
    };
    if let Some(read) = fields {
        let start = Instant::now();
        let (records, bytes) = read(path);
        println!("{records} {bytes} {:.6}", start.elapsed().as_secs_f64());
        return;
    }
    let threads: usize = args.get(2).map_or(0, |s| s.parse().unwrap());
    let in_memory = (tool == "csvr-bytes").then(|| std::fs::read(path).unwrap());
    let start = Instant::now();
    let count = match tool {
        "csvr" => {
            let mut o = csvr::Options::new();
            o.set_threads(threads).unwrap();
            csvr::count_path(path, &o).unwrap()
        }
        // The record count a split into 16 ranges finds (summaries of 16 chunks, folded):
        // issue #9 wants it no slower than the count.
        "csvr-split" => {
            let mut o = csvr::Options::new();
            o.set_threads(threads).unwrap();
            let ranges = csvr::split_path(path, 16, &o).unwrap();
            ranges.iter().map(|r| r.records).sum()
        }
        "csvr-bytes" => {
            let mut o = csvr::Options::new();
            o.set_threads(threads).unwrap();
            csvr::count_bytes(in_memory.as_deref().unwrap(), &o).unwrap()
        }
        "csvr-read" => {
            let mut r = csvr::Reader::from_path(path, &csvr::Options::new()).unwrap();
            let mut n = 0u64;
            while r.next_record().unwrap() {
                n += 1;
            }
            n
        }
        "csv-crate" => {
            let mut r = csv::ReaderBuilder::new()
                .flexible(true)
                .from_path(path)
                .unwrap();
            let mut rec = csv::ByteRecord::new();
            let mut n = 0u64;
            while r.read_byte_record(&mut rec).unwrap() {
                n += 1;
            }
            n
        }
        // The scanner alone, on data already in the CPU cache: what one core computes,
        // apart from reading memory (a diagnostic; not in run.py's table).
        "csvr-in-cache" => {
            let data = std::fs::read(path).unwrap();
            let piece = &data[..1 << 18];
            let mut o = csvr::Options::new();
            o.set_threads(1).unwrap();
            let start = Instant::now();
            let mut n = 0;
            for _ in 0..4096 {
                n += csvr::count_bytes(piece, &o).unwrap();
            }
            eprintln!(
                "in cache: {:.2} GB/s",
                (1u64 << 30) as f64 / start.elapsed().as_secs_f64() / 1e9
            );
            n
        }
        "memchr" => memchr_lines(path),
        "memchr-mt" => memchr_lines_mt(path),
        "pread-mt" => pread_mt(path),
        "mmap-memchr-mt" => mmap_memchr_mt(path),
        other => {
            eprintln!("unknown tool {other}");
            std::process::exit(2);
        }
    };
    println!("{count} {:.6}", start.elapsed().as_secs_f64());
}
