//! Making summaries: every state a chunk may start in is followed through it at once.
//!
//! Each possible starting state is a *lane*. Lanes that reach the same state at the same
//! byte read the rest identically, so they are merged there: the lane's history so far is
//! kept as a prefix outcome per starting state, and one lane goes on for all of them.
//! Lanes meet fast in real data (at the first record end outside quotes, typically), so a
//! chunk costs about one pass of the state machine, whatever the number of states.

use std::fs::File;
use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};

use super::fast::{Fast, Scanned};
use super::machine::{Machine, State};
use super::outcome::{Builder, Outcome, NONE};
use super::{fingerprint, fold, require_plain, version, Range, Summary, MAGIC};
use crate::error::Error;
use crate::input::{open_file, read_full_at as read_at};
use crate::options::Options;

/// How much of a file is read at a time.
const BLOCK: usize = 1 << 18;

/// Summarizes `chunk`, the bytes `[offset, offset + chunk.len())` of an input.
///
/// ```
/// let opts = csvr::Options::new();
/// let s = csvr::summarize_bytes(b"a,b\n1,2\n", 0, &opts)?;
/// assert_eq!((s.offset(), s.len()), (0, 8));
/// # Ok::<(), csvr::Error>(())
/// ```
pub fn summarize_bytes(chunk: &[u8], offset: u64, options: &Options) -> Result<Summary, Error> {
    options.validate()?;
    if offset == 0 {
        require_plain(chunk, options)?;
    }
    let mut s = Summarizer::new(options, offset);
    s.feed(chunk);
    Ok(s.finish(chunk.len() as u64, NONE))
}

/// Summarizes `chunk`, the bytes `[offset, offset + chunk.len())` of an input of
/// `input_len` bytes (a parallel reader's chunk: the options were validated and the
/// input checked to be uncompressed).
pub(crate) fn summarize_chunk(
    chunk: &[u8],
    offset: u64,
    input_len: u64,
    options: &Options,
) -> Summary {
    let mut s = Summarizer::new(options, offset);
    s.feed(chunk);
    s.finish(chunk.len() as u64, input_len)
}

/// Summarizes the bytes `[start, end)` of the file at `path` (`end` at most its size),
/// reading them in constant memory.
pub fn summarize_path(
    path: impl AsRef<Path>,
    start: u64,
    end: u64,
    options: &Options,
) -> Result<Summary, Error> {
    let path = path.as_ref();
    options.validate()?;
    let (file, meta) = open_file(path)?;
    let len = meta.len();
    check_plain_file(&file, &super::describe(path), options)?;
    if start > end || end > len {
        return Err(Error::invalid(format!(
            "the chunk [{start}, {end}) is not inside {} ({len} bytes)",
            super::describe(path)
        )));
    }
    summarize_file(&file, &super::describe(path), start, end, len, options)
}

fn summarize_file(
    file: &File,
    source: &str,
    start: u64,
    end: u64,
    input_len: u64,
    options: &Options,
) -> Result<Summary, Error> {
    let mut s = Summarizer::new(options, start);
    let mut buf = vec![0u8; BLOCK.min((end - start) as usize).max(1)];
    let mut pos = start;
    while pos < end {
        let want = buf.len().min((end - pos) as usize);
        let n = read_at(file, &mut buf[..want], pos)
            .map_err(|e| Error::io(format_args!("cannot read {source}"), &e))?;
        if n == 0 {
            return Err(Error::invalid(format!(
                "{source} shrank while it was summarized"
            )));
        }
        s.feed(&buf[..n]);
        pos += n as u64;
    }
    Ok(s.finish(end - start, input_len))
}

fn check_plain_file(file: &File, source: &str, options: &Options) -> Result<(), Error> {
    let mut head = [0u8; 8];
    let n = read_at(file, &mut head, 0)
        .map_err(|e| Error::io(format_args!("cannot read {source}"), &e))?;
    require_plain(&head[..n], options)
}

/// Splits `data` into at most `n` record-aligned ranges of about equal size (summarized on
/// `threads` threads and folded): empty ranges are left out, so an input with fewer
/// records than `n` gets fewer ranges, and one without records none.
///
/// ```
/// let data = b"h\n1\n2\n3\n4\n";
/// let ranges = csvr::split_bytes(data, 2, &csvr::Options::new())?;
/// assert_eq!(ranges.iter().map(|r| r.records).sum::<u64>(), 4);
/// assert_eq!(ranges[0].start, 2);
/// assert_eq!(ranges[0].end, ranges[1].start);
/// # Ok::<(), csvr::Error>(())
/// ```
pub fn split_bytes(data: &[u8], n: usize, options: &Options) -> Result<Vec<Range>, Error> {
    options.validate()?;
    require_plain(data, options)?;
    let (ranges, _) = fold_slice(data, n, options)?;
    Ok(non_empty(ranges))
}

/// Like [`split_bytes`], for the file at `path`, read in constant memory.
pub fn split_path(
    path: impl AsRef<Path>,
    n: usize,
    options: &Options,
) -> Result<Vec<Range>, Error> {
    let path = path.as_ref();
    options.validate()?;
    let (file, meta) = open_file(path)?;
    check_plain_file(&file, &super::describe(path), options)?;
    split_file(&file, meta.len(), &super::describe(path), n, options)
}

/// Like [`split_path`], for an open, uncompressed file of `len` bytes, named `source` in
/// messages.
pub(crate) fn split_file(
    file: &File,
    len: u64,
    source: &str,
    n: usize,
    options: &Options,
) -> Result<Vec<Range>, Error> {
    options.validate()?;
    let (ranges, _) = fold_file(file, len, source, n, options)?;
    Ok(non_empty(ranges))
}

/// The fold of the summaries of `n` chunks of an uncompressed file of `len` bytes, made on
/// `threads`.
fn fold_file(
    file: &File,
    len: u64,
    source: &str,
    n: usize,
    options: &Options,
) -> Result<(Vec<Range>, u64), Error> {
    let bounds = cut(len, n)?;
    let summaries = on_threads(bounds.len(), options.threads(), |i| {
        let (a, b) = bounds[i];
        summarize_file(file, source, a, b, len, options)
    })?;
    fold(&summaries, options)
}

/// Like [`fold_file`], for bytes in memory.
fn fold_slice(data: &[u8], n: usize, options: &Options) -> Result<(Vec<Range>, u64), Error> {
    let bounds = cut(data.len() as u64, n)?;
    let summaries = on_threads(bounds.len(), options.threads(), |i| {
        let (a, b) = bounds[i];
        summarize_bytes(&data[a as usize..b as usize], a, options)
    })?;
    fold(&summaries, options)
}

/// The record count of an uncompressed file of `len` bytes (named `source`), as the fold
/// of its chunks' summaries made on `threads`: for the inputs the fast counter gives up on
/// (stray quotes), which the summaries read exactly and still in parallel.
pub(crate) fn count_file(
    file: &File,
    len: u64,
    source: &str,
    options: &Options,
) -> Result<u64, Error> {
    let (_, total) = fold_file(file, len, source, count_chunks(len, options), options)?;
    // A file longer than its size said (one that grew, or a /proc file, which says 0) is
    // left to the streaming counter, which reads to the real end.
    let mut past = [0u8; 1];
    match read_at(file, &mut past, len) {
        Ok(0) => Ok(total),
        _ => Err(Error::invalid(format!("{source} is longer than its size"))),
    }
}

/// Like [`count_file`], for bytes in memory.
pub(crate) fn count_slice(data: &[u8], options: &Options) -> Result<u64, Error> {
    let n = count_chunks(data.len() as u64, options);
    Ok(fold_slice(data, n, options)?.1)
}

/// Chunks for counting `len` bytes by summaries: a few per thread, so that threads that
/// finish early find more.
fn count_chunks(len: u64, options: &Options) -> usize {
    4 * crate::count::effective_threads(options.threads(), len)
}

/// `n` consecutive chunks of about equal size covering `[0, len)`.
fn cut(len: u64, n: usize) -> Result<Vec<(u64, u64)>, Error> {
    if n == 0 {
        return Err(Error::invalid("a split needs at least one range (n = 0)"));
    }
    Ok(chunk_bounds(len, n))
}

/// `n` (at least 1) consecutive chunks of about equal size covering `[0, len)`.
pub(crate) fn chunk_bounds(len: u64, n: usize) -> Vec<(u64, u64)> {
    let n = n.max(1) as u128;
    let at = |i: u128| (u128::from(len) * i / n) as u64;
    (0..n).map(|i| (at(i), at(i + 1))).collect()
}

fn non_empty(ranges: Vec<Range>) -> Vec<Range> {
    ranges.into_iter().filter(|r| r.records > 0).collect()
}

/// Runs `job(0..jobs)` on up to `threads` threads (0 = all cores), results in order.
fn on_threads<T: Send>(
    jobs: usize,
    threads: usize,
    job: impl Fn(usize) -> Result<T, Error> + Sync,
) -> Result<Vec<T>, Error> {
    let cores = std::thread::available_parallelism().map_or(1, usize::from);
    let threads = if threads == 0 {
        cores
    } else {
        threads.min(cores)
    }
    .min(jobs)
    .max(1);
    if threads == 1 {
        return (0..jobs).map(job).collect();
    }
    let next = AtomicUsize::new(0);
    let mut results: Vec<Option<Result<T, Error>>> = (0..jobs).map(|_| None).collect();
    std::thread::scope(|s| {
        let workers: Vec<_> = (0..threads)
            .map(|_| {
                s.spawn(|| {
                    let mut done = Vec::new();
                    loop {
                        let i = next.fetch_add(1, Ordering::Relaxed);
                        if i >= jobs {
                            return done;
                        }
                        done.push((i, job(i)));
                    }
                })
            })
            .collect();
        for w in workers {
            // A panic in a worker is a bug; carry it to the FFI boundary.
            let done = w.join().unwrap_or_else(|p| std::panic::resume_unwind(p));
            for (i, r) in done {
                results[i] = Some(r);
            }
        }
    });
    results
        .into_iter()
        .map(|r| r.expect("every job ran"))
        .collect()
}

/// Follows every starting state through a chunk fed in pieces.
pub(crate) struct Summarizer {
    machine: Machine,
    limit: u64,
    count_fields: bool,
    options: u64,
    offset: u64,
    /// The offset of the next byte.
    pos: u64,
    origins: Vec<Origin>,
    lanes: Vec<Lane>,
    /// The fast path, where the options allow it.
    fast: Option<Fast>,
    /// The last byte read (`None` before the chunk's first).
    prev: Option<u8>,
    /// The state machine reads at least up to here before the fast path is tried again
    /// (just past the quote that stopped it).
    mirror_until: u64,
    /// Bytes read by the fast path, so that tests can see it is taken.
    fast_bytes: u64,
}

/// One starting state: what happened to it before its lane's stretch, and its lane.
struct Origin {
    start: State,
    prefix: Outcome,
    lane: usize,
}

/// One state being followed, and what happened since its stretch began.
struct Lane {
    state: State,
    builder: Builder,
}

impl Summarizer {
    pub(crate) fn new(options: &Options, offset: u64) -> Summarizer {
        let mut s = Summarizer::mirror_only(options, offset);
        s.fast = Fast::new(options);
        s
    }

    /// A summarizer that reads every byte with the state machine (the fast path's oracle).
    pub(crate) fn mirror_only(options: &Options, offset: u64) -> Summarizer {
        let machine = Machine::new(options);
        let limit = options.max_record_bytes();
        let count_fields = !options.flexible();
        let starts = machine.possible_starts(offset);
        Summarizer {
            machine,
            limit,
            count_fields,
            options: fingerprint(options),
            offset,
            pos: offset,
            origins: starts
                .iter()
                .enumerate()
                .map(|(lane, &start)| Origin {
                    start,
                    prefix: Outcome::empty(start),
                    lane,
                })
                .collect(),
            lanes: starts
                .iter()
                .map(|&s| Lane {
                    state: s,
                    builder: Builder::new(s, limit, count_fields),
                })
                .collect(),
            fast: None,
            prev: None,
            mirror_until: 0,
            fast_bytes: 0,
        }
    }

    /// Makes the fast path read at most `n` bytes at a time (tests put stretch ends
    /// anywhere with it).
    #[cfg(test)]
    pub(crate) fn set_stretch(&mut self, n: usize) {
        if let Some(f) = &mut self.fast {
            f.set_stretch(n);
        }
    }

    /// Bytes read by the fast path so far.
    #[cfg(test)]
    pub(crate) fn fast_bytes(&self) -> u64 {
        self.fast_bytes
    }

    pub(crate) fn feed(&mut self, bytes: &[u8]) {
        let Some(fast) = self.fast else {
            self.mirror(bytes, None);
            return;
        };
        let mut i = 0;
        while i < bytes.len() {
            let live = self.fast_lanes(&fast);
            match (live, self.prev) {
                (Some(live), Some(prev)) if self.pos >= self.mirror_until => {
                    let end = bytes.len().min(i + fast.stretch());
                    let scanned = fast.scan(&bytes[i..end], self.pos, prev, live);
                    if scanned.len > 0 {
                        self.take_fast(&fast, &scanned, prev);
                        i += scanned.len;
                        self.pos += scanned.len as u64;
                        self.fast_bytes += scanned.len as u64;
                        self.prev = Some(bytes[i - 1]);
                    }
                    if let Some(at) = scanned.irregular_at {
                        // The state machine reads past the quote parity could not follow.
                        self.mirror_until = at + 1;
                    }
                }
                _ => i += self.mirror(&bytes[i..], Some(&fast)),
            }
        }
    }

    /// Which fast lanes follow the lanes exactly (see `fast`), if they all can be.
    fn fast_lanes(&self, fast: &Fast) -> Option<[bool; 2]> {
        let prev = self.prev?;
        let mut live = [false; 2];
        for l in &self.lanes {
            live[fast.lane_for(l.state, prev)?] = true;
        }
        Some(live)
    }

    /// Ends every lane's stretch here, joins the fast path's outcome for each lane's state
    /// after it, and goes on from the states that gives.
    fn take_fast(&mut self, fast: &Fast, scanned: &Scanned, prev: u8) {
        let stretches: Vec<Outcome> = self
            .lanes
            .drain(..)
            .map(|l| {
                let lane = fast.lane_for(l.state, prev).expect("a fast lane");
                l.builder
                    .finish(l.state)
                    .then(&scanned.outcomes[lane], self.limit)
            })
            .collect();
        self.restart_lanes(&stretches);
    }

    /// Reads `bytes` with the state machine, all of them or, where `fast` is given, until
    /// the fast path can take over again; returns how many it read.
    fn mirror(&mut self, bytes: &[u8], fast: Option<&Fast>) -> usize {
        let mut i = 0;
        while i < bytes.len() {
            if self.lanes.len() == 1 {
                let lane = &mut self.lanes[0];
                let (m, mut state, mut pos) = (self.machine, lane.state, self.pos);
                let until = self.mirror_until;
                let mut read = bytes.len() - i;
                for (n, &b) in bytes[i..].iter().enumerate() {
                    state = m.step(state, b, pos, &mut lane.builder);
                    if b == b'\n' {
                        lane.builder.newline();
                    }
                    pos += 1;
                    if fast.is_some_and(|f| pos >= until && f.lane_for(state, b).is_some()) {
                        read = n + 1;
                        break;
                    }
                }
                lane.state = state;
                self.pos = pos;
                self.prev = Some(bytes[i + read - 1]);
                return i + read;
            }
            let b = bytes[i];
            for lane in &mut self.lanes {
                lane.state = self
                    .machine
                    .step(lane.state, b, self.pos, &mut lane.builder);
                if b == b'\n' {
                    lane.builder.newline();
                }
            }
            self.pos += 1;
            self.prev = Some(b);
            i += 1;
            if self.lanes_met() {
                self.merge();
            }
            if let Some(f) = fast {
                if self.pos >= self.mirror_until
                    && self.lanes.len() <= 2
                    && self.fast_lanes(f).is_some()
                {
                    return i;
                }
            }
        }
        i
    }

    fn lanes_met(&self) -> bool {
        let l = &self.lanes;
        (0..l.len()).any(|i| (i + 1..l.len()).any(|j| l[i].state == l[j].state))
    }

    /// Ends every lane's stretch here and goes on with one lane per distinct state.
    fn merge(&mut self) {
        let stretches: Vec<Outcome> = self
            .lanes
            .drain(..)
            .map(|l| l.builder.finish(l.state))
            .collect();
        self.restart_lanes(&stretches);
    }

    /// Joins each origin's prefix with the stretch of its lane (`stretches`, by lane) and
    /// goes on with one lane per distinct state they end in.
    fn restart_lanes(&mut self, stretches: &[Outcome]) {
        for o in &mut self.origins {
            o.prefix = o.prefix.then(&stretches[o.lane], self.limit);
        }
        let mut states: Vec<State> = stretches.iter().map(|s| s.end_state()).collect();
        states.sort();
        states.dedup();
        for o in &mut self.origins {
            let state = o.prefix.end_state();
            o.lane = states.iter().position(|&s| s == state).expect("its state");
        }
        self.lanes = states
            .into_iter()
            .map(|s| Lane {
                state: s,
                builder: Builder::new(s, self.limit, self.count_fields),
            })
            .collect();
    }

    /// The summary of the chunk, `len` bytes long, of an input `input_len` long (`NONE`:
    /// not known).
    pub(crate) fn finish(self, len: u64, input_len: u64) -> Summary {
        let stretches: Vec<Outcome> = self
            .lanes
            .into_iter()
            .map(|l| l.builder.finish(l.state))
            .collect();
        let mut outcomes = [Outcome::empty(State::StartRecord); super::machine::STATES];
        let mut states = 0u64;
        for o in &self.origins {
            outcomes[o.start as usize] = o.prefix.then(&stretches[o.lane], self.limit);
            states |= 1 << o.start as u64;
        }
        Summary {
            magic: MAGIC,
            version: version(),
            options: self.options,
            offset: self.offset,
            len,
            input_len,
            states,
            outcomes,
        }
    }
}
