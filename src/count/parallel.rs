//! Splitting an input across threads for the fast scanner and joining the results.
//!
//! Each thread scans one contiguous range for both possible quote states at its start
//! (`scan`), so no thread waits for another; the ranges are then joined in order. Files
//! are read with positioned reads (`pread`) into one fixed buffer per thread, so memory
//! stays constant whatever the file's size, and a file that shrinks while it is counted
//! only ends a range early.

use std::fs::File;
use std::io;
use std::sync::OnceLock;
use std::thread;

use super::long_records::Watch;
use super::scan::{bom_len, join, scan_chunk, ChunkScan, FastDialect, Scanner};
use crate::input::read_full_at;

/// Below this many bytes per thread, starting a thread costs more than it saves.
const MIN_BYTES_PER_THREAD: usize = 1 << 20;

/// How much of a file each thread reads at a time.
pub(crate) const FILE_BLOCK: usize = 1 << 18;

/// The number of threads to use: the request (0 = all cores), never more than the
/// cores (more would only add switching) nor more than the input can keep busy.
pub(crate) fn effective_threads(requested: usize, len: u64) -> usize {
    let cores = cores();
    let wanted = if requested == 0 {
        cores
    } else {
        requested.min(cores)
    };
    let useful = (len / MIN_BYTES_PER_THREAD as u64).max(1);
    wanted.min(useful.min(usize::MAX as u64) as usize).max(1)
}

/// The number of cores, asked once: on Linux the answer costs several file reads (cgroup
/// quotas), too much to pay on every count of a small input.
fn cores() -> usize {
    static CORES: OnceLock<usize> = OnceLock::new();
    *CORES.get_or_init(|| thread::available_parallelism().map_or(1, usize::from))
}

/// Splits `[start, end)` into `parts` contiguous ranges of nearly equal size.
fn ranges(start: u64, end: u64, parts: usize) -> Vec<(u64, u64)> {
    let len = end - start;
    let parts = parts.max(1) as u64;
    (0..parts)
        .map(|i| (start + len * i / parts, start + len * (i + 1) / parts))
        .collect()
}

/// Runs `scan` on every range, on its own thread where one can be started, in order.
fn scan_all<F>(ranges: &[(u64, u64)], scan: F) -> io::Result<Vec<ChunkScan>>
where
    F: Fn(u64, u64) -> io::Result<ChunkScan> + Sync,
{
    if ranges.len() == 1 {
        return Ok(vec![scan(ranges[0].0, ranges[0].1)?]);
    }
    thread::scope(|s| {
        let scan = &scan;
        let handles: Vec<_> = ranges
            .iter()
            .map(|&(a, b)| {
                thread::Builder::new()
                    .name("csvr-count".into())
                    .spawn_scoped(s, move || scan(a, b))
            })
            .collect();
        handles
            .into_iter()
            .zip(ranges)
            .map(|(handle, &(a, b))| match handle {
                // A panic in a worker is a bug; surface it as one at the FFI boundary.
                Ok(h) => h.join().unwrap_or_else(|p| std::panic::resume_unwind(p)),
                // No thread to be had: scan this range here instead.
                Err(_) => scan(a, b),
            })
            .collect()
    })
}

/// Counts the records in `data` on up to `threads` threads (0 = all cores); `None` if
/// the input is irregular (see `scan`) or may hold a record longer than `watch` allows,
/// and must be counted another way.
pub(crate) fn count_slice(
    data: &[u8],
    dialect: FastDialect,
    watch: Watch,
    threads: usize,
) -> Option<u64> {
    let body = &data[bom_len(data)..];
    let parts = effective_threads(threads, body.len() as u64);
    let ranges = ranges(0, body.len() as u64, parts);
    let scans = scan_all(&ranges, |a, b| {
        Ok(scan_chunk(
            body,
            a as usize,
            (b - a) as usize,
            dialect,
            watch,
        ))
    })
    .expect("scanning memory cannot fail");
    join(scans, watch)
}

/// Counts the records of a regular file of `len` bytes on up to `threads` threads, each
/// reading its range in blocks of `block` bytes; `Ok(None)` if the input is irregular,
/// may hold a record longer than `watch` allows or is longer than `len`, and must be
/// counted another way.
#[cfg(unix)]
pub(crate) fn count_file(
    file: &File,
    len: u64,
    dialect: FastDialect,
    watch: Watch,
    threads: usize,
    block: usize,
) -> io::Result<Option<u64>> {
    let mut head = [0u8; 3];
    let got = read_full_at(file, &mut head, 0)?;
    let start = bom_len(&head[..got]) as u64;
    let parts = effective_threads(threads, len.saturating_sub(start));
    let ranges = ranges(start, len.max(start), parts);
    let scans = scan_all(&ranges, |a, b| {
        scan_file_range(file, start, a, b, dialect, watch, block)
    })?;
    // A file can hold more than its size says: one that grew while it was counted, or one
    // whose size the kernel reports as 0 (/proc, /sys). Then only reading to the end is
    // right, which the streaming counter does.
    if read_full_at(file, &mut [0u8; 1], len.max(start))? != 0 {
        return Ok(None);
    }
    Ok(join(scans, watch))
}

#[cfg(unix)]
fn scan_file_range(
    file: &File,
    body_start: u64,
    start: u64,
    end: u64,
    dialect: FastDialect,
    watch: Watch,
    block: usize,
) -> io::Result<ChunkScan> {
    let byte_at = |pos: u64| -> io::Result<Option<u8>> {
        let mut b = [0u8; 1];
        Ok((read_full_at(file, &mut b, pos)? == 1).then_some(b[0]))
    };
    let prev = if start > body_start {
        byte_at(start - 1)?
    } else {
        None
    };
    let mut scanner = Scanner::new(dialect, watch, prev);
    let mut buf = vec![0u8; block.max(1).min((end - start).max(1) as usize)];
    let mut pos = start;
    while pos < end {
        let want = buf.len().min((end - pos) as usize);
        let n = read_full_at(file, &mut buf[..want], pos)?;
        if n == 0 {
            break; // the file shrank while being counted: count what is there
        }
        scanner.feed(&buf[..n]);
        pos += n as u64;
        if scanner.is_settled() {
            // Irregular under either starting state: the count streams anyway.
            return Ok(scanner.finish(None));
        }
    }
    let next = if pos == end { byte_at(end)? } else { None };
    Ok(scanner.finish(next))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges_cover_the_input_in_order() {
        assert_eq!(ranges(3, 13, 3), vec![(3, 6), (6, 9), (9, 13)]);
        assert_eq!(ranges(0, 0, 2), vec![(0, 0), (0, 0)]);
    }

    #[test]
    fn threads_never_exceed_the_cores_or_the_work() {
        let cores = thread::available_parallelism().map_or(1, usize::from);
        assert_eq!(effective_threads(0, 10), 1);
        assert_eq!(effective_threads(64, u64::MAX), cores);
        assert_eq!(effective_threads(1, u64::MAX), 1);
    }
}
