//! Parsing one input on several workers, each on record-aligned ranges, handed to the
//! caller in file order.
//!
//! The input is cut into chunks of about [`CHUNK_BYTES`], more than there are workers, so
//! that the work evens out; worker `w` takes chunks `w`, `w + T`, `w + 2T`, ... For each it
//! first *summarizes* the chunk (`summary`), holding on to its bytes, and publishes the
//! summary. A [`Folder`] folds the summaries in file order as they come in and settles each
//! chunk's range (the records that start in it) as soon as a later chunk holds a record
//! start. The worker then parses that range with a range parser, which reads its records
//! exactly as the whole input's parser does, taking the chunk's bytes from memory. So there
//! is no pass over the whole input before parsing starts, and each byte is read from the
//! file once (but for the first record, which every range parser reads, and records that
//! run past their chunk). Before parsing one chunk a worker summarizes its next one, so
//! that the chunk after its current one is summarized (by the next worker) in time; and a
//! worker that has to wait for a range summarizes the first chunk nobody has taken yet, so
//! that a record spanning many chunks cannot leave every worker waiting.
//!
//! Each worker sends its batches into a channel of its own that holds [`IN_FLIGHT`]
//! batches, and an empty end-of-range batch after each range (also for a chunk without
//! records); the caller takes them from the channel of the worker whose chunk comes next,
//! so batches arrive in file order, and a worker that runs ahead waits. Batches go back to
//! the worker that filled them, to be filled again. Memory is therefore fixed: at most
//! `T * (IN_FLIGHT + 2)` batches of about [`crate::BATCH_BYTES`] each, plus the caller's,
//! and two chunks per worker. The caller's side ([`crate::read_ahead`]) sees the same
//! stream of batches, results and held-back errors as from one read-ahead worker; only a
//! batch may end early where a range ends.
//!
//! Where a serial reading refuses a record (ragged with `flexible` off, or over
//! `max_record_bytes`), or a chunk cannot be read, the folder makes everything from the
//! range at hand to the input's end one range (a *rest*), which one worker parses as the
//! serial reader would, meeting the same errors at the same records.

use std::fs::File;
use std::io::Read;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc::{sync_channel, Receiver, SyncSender};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::thread::{self, JoinHandle};

use crate::batch::Batch;
use crate::error::Error;
use crate::input::{read_full_at, CachedFile, CachedFileRange, SharedBytes};
use crate::options::Options;
use crate::read_ahead::Ahead;
use crate::reader::Parser;
use crate::summary::{chunk_bounds, summarize_chunk, FirstRecord, Folder, Planned, Range, Summary};
use crate::worker_thread::{not_forked, worker_gone};

/// Batches each worker may have filled and not yet handed over.
pub(crate) const IN_FLIGHT: usize = 4;

/// What a worker hands over: a filled batch (empty with an error), the most records it was
/// allowed, what reading it returned, and whether that error was held back by the batch
/// before (as [`Parser::read_batch`] holds errors back).
pub(crate) struct Filled {
    pub(crate) batch: Batch,
    pub(crate) max_records: usize,
    pub(crate) result: Result<usize, Error>,
    pub(crate) held_back: bool,
}

/// A chunk's bytes, kept by the worker that summarized it for the range parser.
#[derive(Default)]
pub(crate) struct Held {
    /// Where they start in the input (`None`: nothing held).
    at: Option<u64>,
    bytes: Arc<Vec<u8>>,
}

/// An input cut into chunks: summarizing them and parsing their ranges.
pub(crate) trait ChunkSource: Send + Sync + 'static {
    type Input: Read + Send + 'static;
    /// The input's length in bytes.
    fn len(&self) -> u64;
    /// The options it is read with.
    fn options(&self) -> &Options;
    /// Summarizes the input's bytes `[a, b)`, keeping them in `held` if it has to read
    /// them (and `held` is given).
    fn summarize(&self, a: u64, b: u64, held: Option<&mut Held>) -> Result<Summary, Error>;
    /// A parser of `range`, which may take bytes from `held`.
    fn open(&self, range: &Range, held: &Held) -> Result<Parser<Self::Input>, Error>;
}

/// A regular file, read through one shared handle (a duplicate of the reader's, so that a
/// file renamed or replaced meanwhile is not read instead).
pub(crate) struct FileChunks {
    pub(crate) file: Arc<File>,
    pub(crate) len: u64,
    pub(crate) options: Options,
    pub(crate) source: String,
    pub(crate) first: FirstRecord,
}

impl ChunkSource for FileChunks {
    type Input = CachedFileRange;

    fn len(&self) -> u64 {
        self.len
    }

    fn options(&self) -> &Options {
        &self.options
    }

    fn summarize(&self, a: u64, b: u64, held: Option<&mut Held>) -> Result<Summary, Error> {
        let mut scratch = Held::default();
        let held = held.unwrap_or(&mut scratch);
        held.at = None;
        let len = usize::try_from(b - a).map_err(|_| Error::invalid("a chunk too large"))?;
        if Arc::get_mut(&mut held.bytes).is_none() {
            // Still shared with a parser (it cannot be: parsers are dropped first).
            held.bytes = Arc::default();
        }
        let bytes = Arc::get_mut(&mut held.bytes).expect("a buffer of its own");
        bytes.resize(len, 0);
        let n = read_full_at(&self.file, bytes, a)
            .map_err(|e| Error::io(format_args!("cannot read {}", self.source), &e))?;
        if n < len {
            return Err(Error::invalid(format!(
                "{} shrank while it was read",
                self.source
            )));
        }
        held.at = Some(a);
        Ok(summarize_chunk(bytes, a, self.len, &self.options))
    }

    fn open(&self, range: &Range, held: &Held) -> Result<Parser<CachedFileRange>, Error> {
        let cached = match held.at {
            Some(at) => CachedFile::new(Arc::clone(&self.file), Arc::clone(&held.bytes), at),
            None => CachedFile::new(Arc::clone(&self.file), Arc::default(), 0),
        };
        let open = |segments| CachedFileRange::new(cached, segments);
        Parser::for_range(open, &self.options, self.source.clone(), range, self.first)
    }
}

/// Bytes in memory, shared by the workers.
pub(crate) struct BytesChunks {
    pub(crate) data: Arc<[u8]>,
    pub(crate) options: Options,
    pub(crate) first: FirstRecord,
}

impl ChunkSource for BytesChunks {
    type Input = SharedBytes;

    fn len(&self) -> u64 {
        self.data.len() as u64
    }

    fn options(&self) -> &Options {
        &self.options
    }

    fn summarize(&self, a: u64, b: u64, _: Option<&mut Held>) -> Result<Summary, Error> {
        let chunk = &self.data[a as usize..b as usize];
        Ok(summarize_chunk(chunk, a, self.len(), &self.options))
    }

    fn open(&self, range: &Range, _: &Held) -> Result<Parser<SharedBytes>, Error> {
        let open = |segments| SharedBytes::new(Arc::clone(&self.data), segments);
        Parser::for_range(open, &self.options, "the input".into(), range, self.first)
    }
}

/// Below this many bytes per worker, one read-ahead worker does as well.
const MIN_BYTES_PER_WORKER: u64 = 4 << 20;

/// Chunks per worker at the least: enough that workers finishing early find more to do.
const CHUNKS_PER_WORKER: usize = 4;

/// The most bytes of input a chunk should hold. Batches arrive in file order, and a worker
/// may be only [`IN_FLIGHT`] batches ahead of the caller: while the caller takes one
/// range's batches, the other workers can only fill that many of theirs and then wait. So
/// a range must be a few batches long, not a share of the file, or the workers take turns
/// instead of parsing side by side (with 32 MiB ranges, reading on two workers was no
/// faster than on one). Two chunks per worker are held in memory.
const CHUNK_BYTES: u64 = 1 << 20;

/// How many workers to parse an input of `len` bytes on, and the chunks to cut it into;
/// `None` when one worker is as good (a small input, or `threads` 1).
fn plan(len: u64, options: &Options) -> Option<(usize, Vec<(u64, u64)>)> {
    let useful = usize::try_from(len / MIN_BYTES_PER_WORKER).unwrap_or(usize::MAX);
    let workers = crate::count::effective_threads(options.threads(), len).min(useful);
    let small = usize::try_from(len.div_ceil(CHUNK_BYTES)).unwrap_or(usize::MAX);
    (workers >= 2).then(|| {
        (
            workers,
            chunk_bounds(len, small.max(workers * CHUNKS_PER_WORKER)),
        )
    })
}

/// Starts reading `file` (a regular, uncompressed file of `len` bytes) ahead on several
/// workers, if it is worth it; otherwise `parser` goes on alone, one batch ahead.
// Called once per reader: the size of the parser handed back costs nothing.
#[allow(clippy::result_large_err)]
pub(crate) fn start_file<R: Read + Send + 'static>(
    parser: Parser<R>,
    max_records: usize,
    file: File,
    len: u64,
    source: String,
) -> Result<Ahead, Parser<R>> {
    // The parser's own options: with any conversion asked for since it was opened.
    let options = &parser.options().clone();
    let workers = plan(len, options).and_then(|(workers, chunks)| {
        let whole = crate::input::FileRange::new(file.try_clone().ok()?, [(0, len), (0, 0)]);
        let first = crate::summary::first_record_end(whole, options).ok()?;
        let source = FileChunks {
            file: Arc::new(file),
            len,
            options: options.clone(),
            source,
            first,
        };
        Workers::start(source, chunks, workers, max_records)
    });
    match workers {
        Some(w) => Ok(Ahead::from_workers(w)),
        None => Ahead::start(parser, max_records),
    }
}

/// Like [`start_file`], for bytes in memory.
#[allow(clippy::result_large_err)]
pub(crate) fn start_bytes<R: Read + Send + 'static>(
    parser: Parser<R>,
    max_records: usize,
    data: Arc<[u8]>,
) -> Result<Ahead, Parser<R>> {
    let options = &parser.options().clone();
    let workers = plan(data.len() as u64, options).and_then(|(workers, chunks)| {
        let first = crate::summary::first_record_end(&data[..], options).ok()?;
        let source = BytesChunks {
            data,
            options: options.clone(),
            first,
        };
        Workers::start(source, chunks, workers, max_records)
    });
    match workers {
        Some(w) => Ok(Ahead::from_workers(w)),
        None => Ahead::start(parser, max_records),
    }
}

/// The chunks, their summaries and the plans the fold settles, shared by the workers.
struct Chunks<S> {
    source: S,
    bounds: Vec<(u64, u64)>,
    state: Mutex<Folding>,
    /// Signalled when a plan is settled or the caller is gone.
    settled: Condvar,
}

struct Folding {
    /// Whether someone has taken chunk `i` to summarize.
    taken: Vec<bool>,
    /// Summaries made and not folded yet (an error: that chunk could not be read).
    made: Vec<Option<Result<Summary, Error>>>,
    /// Chunks folded so far.
    folded: usize,
    folder: Folder,
    plans: Vec<Option<Planned>>,
    /// The caller is gone: every worker is to stop.
    stopped: bool,
}

impl<S: ChunkSource> Chunks<S> {
    fn new(source: S, bounds: Vec<(u64, u64)>, options: &Options) -> Chunks<S> {
        let n = bounds.len();
        Chunks {
            source,
            bounds,
            state: Mutex::new(Folding {
                taken: vec![false; n],
                made: (0..n).map(|_| None).collect(),
                folded: 0,
                folder: Folder::new(options),
                plans: vec![None; n],
                stopped: false,
            }),
            settled: Condvar::new(),
        }
    }

    fn lock(&self) -> MutexGuard<'_, Folding> {
        // A worker that panicked while holding the lock left nothing half done that
        // matters more than stopping: go on with what is there.
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Summarizes chunk `i` (keeping its bytes in `held`, if given), unless someone took
    /// it already or its plan is settled; true if this call summarized it.
    fn summarize(&self, i: usize, held: Option<&mut Held>) -> bool {
        {
            let mut state = self.lock();
            if state.taken[i] || state.plans[i].is_some() || state.stopped {
                return false;
            }
            state.taken[i] = true;
        }
        let (a, b) = self.bounds[i];
        let made = self.source.summarize(a, b, held);
        self.publish(i, made);
        true
    }

    /// Files chunk `i`'s summary, folds every summary that can be folded now, in order,
    /// and wakes the workers waiting for plans.
    fn publish(&self, i: usize, made: Result<Summary, Error>) {
        let mut state = self.lock();
        state.made[i] = Some(made);
        let len = self.source.len();
        let mut out = Vec::new();
        loop {
            let at = state.folded;
            let Some(made) = state.made.get_mut(at).and_then(Option::take) else {
                break;
            };
            let pushed = match made {
                Ok(s) => state.folder.push(&s, len, &mut out),
                Err(e) => Err(e),
            };
            if pushed.is_err() {
                // The rest is read as the serial reader reads it, which meets the error
                // (if it is one) where it would.
                state.folder.rest(len, &mut out);
            }
            state.folded += 1;
            if state.folded == self.bounds.len() {
                state.folder.finish(&mut out);
            }
        }
        for (chunk, planned) in out {
            state.plans[chunk] = Some(planned);
            if matches!(planned, Planned::Rest(_)) {
                for later in &mut state.plans[chunk + 1..] {
                    *later = Some(Planned::Nothing);
                }
            }
        }
        drop(state);
        self.settled.notify_all();
    }

    /// Chunk `i`'s plan, once settled, summarizing chunks nobody has taken meanwhile;
    /// `None` once the caller is gone.
    fn plan(&self, i: usize) -> Option<Planned> {
        let mut state = self.lock();
        loop {
            if state.stopped {
                return None;
            }
            if let Some(planned) = state.plans[i] {
                return Some(planned);
            }
            match state.taken.iter().position(|t| !t) {
                Some(free) => {
                    drop(state);
                    self.summarize(free, None);
                    state = self.lock();
                }
                None => {
                    state = self.settled.wait(state).unwrap_or_else(|e| e.into_inner());
                }
            }
        }
    }

    /// Tells every worker to stop.
    fn stop(&self) {
        self.lock().stopped = true;
        self.settled.notify_all();
    }
}

/// One worker, as the caller sees it.
struct Worker {
    filled: Receiver<Filled>,
    /// Batches handed back to be filled again (dropping it, with `filled`, stops it).
    empty: Option<SyncSender<Batch>>,
    thread: Option<JoinHandle<()>>,
}

/// The caller's side of the workers: batches in file order.
pub(crate) struct Workers {
    workers: Vec<Worker>,
    ranges: usize,
    /// The range whose batches come next.
    current: usize,
    /// The most records the caller last asked for, read by the workers as they fill.
    want: Arc<AtomicUsize>,
    ended: bool,
    held_back: bool,
    filled_max: usize,
    /// The last batch handed over ended its range before its limit. One parser would have
    /// gone on into the next range in the same batch, so an error at the next range's
    /// first record is one that batch held back.
    short_at_range_end: bool,
    /// The last batch handed over held fewer records than it was allowed.
    last_was_short: bool,
    /// The process that started the workers: a forked child has none of them.
    process: u32,
    /// Stops the workers that wait for a plan (the others stop when the channels close).
    stop: Box<dyn Fn() + Send>,
}

impl Workers {
    /// Starts up to `threads` workers (at least one) on the chunks `bounds` of the input
    /// `source` reads, filling batches of `max_records` records at first. `None` if no
    /// thread could be started (then nothing was).
    pub(crate) fn start<S: ChunkSource>(
        source: S,
        bounds: Vec<(u64, u64)>,
        threads: usize,
        max_records: usize,
    ) -> Option<Workers> {
        let threads = threads.clamp(1, bounds.len().max(1));
        let options = source.options().clone();
        let ranges = bounds.len();
        let chunks = Arc::new(Chunks::new(source, bounds, &options));
        let want = Arc::new(AtomicUsize::new(max_records.max(1)));
        let mut workers = Vec::with_capacity(threads);
        let stopper = Arc::clone(&chunks);
        let stop: Box<dyn Fn() + Send> = Box::new(move || stopper.stop());
        for w in 0..threads {
            let (filled_tx, filled) = sync_channel::<Filled>(IN_FLIGHT);
            let (empty, empty_rx) = sync_channel::<Batch>(IN_FLIGHT + 2);
            let (chunks, wanted) = (Arc::clone(&chunks), Arc::clone(&want));
            let spawned = thread::Builder::new()
                .name("csvr-read-ahead".into())
                .spawn(move || work(&chunks, w, threads, &wanted, &filled_tx, &empty_rx));
            match spawned {
                Ok(thread) => workers.push(Worker {
                    filled,
                    empty: Some(empty),
                    thread: Some(thread),
                }),
                Err(_) => {
                    // Stop those started so far.
                    drop(Workers::with(workers, 0, want, max_records, stop));
                    return None;
                }
            }
        }
        Some(Workers::with(workers, ranges, want, max_records, stop))
    }

    fn with(
        workers: Vec<Worker>,
        ranges: usize,
        want: Arc<AtomicUsize>,
        max_records: usize,
        stop: Box<dyn Fn() + Send>,
    ) -> Workers {
        Workers {
            workers,
            ranges,
            current: 0,
            want,
            ended: false,
            held_back: false,
            filled_max: max_records.max(1),
            short_at_range_end: false,
            last_was_short: false,
            process: std::process::id(),
            stop,
        }
    }

    /// The most records the batch the last [`Workers::next`] returned was allowed.
    pub(crate) fn filled_max(&self) -> usize {
        self.filled_max
    }

    /// Whether the error the last [`Workers::next`] returned was held back by the batch
    /// before it.
    pub(crate) fn held_back(&self) -> bool {
        self.held_back
    }

    /// The next batch in file order, exchanged into `out` (whose old contents go back to
    /// be filled, with up to `max_records` records from now on): what the range parser
    /// returned for it. `Ok(0)` only at the input's end.
    pub(crate) fn next(&mut self, out: &mut Batch, max_records: usize) -> Result<usize, Error> {
        if self.ended || self.workers.is_empty() {
            out.clear();
            return Ok(0);
        }
        not_forked(self.process)?;
        self.want.store(max_records.max(1), Ordering::Relaxed);
        loop {
            let n = self.workers.len();
            let worker = &mut self.workers[self.current % n];
            let Ok(filled) = worker.filled.recv() else {
                // The worker is gone before its ranges were done.
                self.ended = true;
                return worker_gone(worker.thread.take(), out);
            };
            let range_over = matches!(filled.result, Ok(0));
            let crossed = std::mem::take(&mut self.short_at_range_end);
            if range_over && self.current + 1 < self.ranges {
                // The batch handed over before was this range's last.
                self.short_at_range_end = crossed || self.last_was_short;
                // This range is done; the next one's batches come from the next worker.
                if let Some(empty) = &worker.empty {
                    let _ = empty.try_send(filled.batch);
                }
                self.current += 1;
                continue;
            }
            let mut batch = filled.batch;
            std::mem::swap(out, &mut batch);
            if let Some(empty) = &worker.empty {
                // Full only if the worker has batches to spare: this one is then dropped.
                let _ = empty.try_send(batch);
            }
            self.held_back = filled.held_back || (crossed && filled.result.is_err());
            self.last_was_short = matches!(filled.result, Ok(n) if n < filled.max_records);
            self.filled_max = filled.max_records;
            self.ended = range_over;
            return filled.result;
        }
    }
}

/// Worker `w` of `workers`: summarizes and parses its chunks in turn, handing every batch
/// over, and an end-of-range batch after each chunk.
fn work<S: ChunkSource>(
    chunks: &Chunks<S>,
    w: usize,
    workers: usize,
    want: &AtomicUsize,
    filled: &SyncSender<Filled>,
    empty: &Receiver<Batch>,
) {
    let n = chunks.bounds.len();
    let (mut current, mut next) = (Held::default(), Held::default());
    if w < n {
        chunks.summarize(w, Some(&mut current));
    }
    let mut i = w;
    while i < n {
        // The next chunk of this worker's first, so that the worker before it in the
        // file finds it summarized when it needs it.
        let after = i + workers;
        next.at = None;
        if after < n {
            chunks.summarize(after, Some(&mut next));
        }
        let Some(planned) = chunks.plan(i) else {
            return; // the caller is gone
        };
        let range = match planned {
            Planned::Range(r) if r.records > 0 => Some(r),
            Planned::Rest(r) => Some(r),
            Planned::Range(_) | Planned::Nothing => None,
        };
        if !parse_range(chunks, range, &current, want, filled, empty) {
            return; // the caller hung up
        }
        std::mem::swap(&mut current, &mut next);
        i = after;
    }
}

/// Parses `range` (nothing for `None`), handing over its batches and then an empty one
/// that ends it; false if the caller hung up.
fn parse_range<S: ChunkSource>(
    chunks: &Chunks<S>,
    range: Option<Range>,
    held: &Held,
    want: &AtomicUsize,
    filled: &SyncSender<Filled>,
    empty: &Receiver<Batch>,
) -> bool {
    let mut parser = match range.map(|r| chunks.source.open(&r, held)) {
        None => None,
        Some(Ok(parser)) => Some(parser),
        Some(Err(e)) => {
            let failed = Filled {
                batch: Batch::new(),
                max_records: want.load(Ordering::Relaxed),
                result: Err(e),
                held_back: false,
            };
            if filled.send(failed).is_err() {
                return false;
            }
            None
        }
    };
    loop {
        let max_records = want.load(Ordering::Relaxed).max(1);
        let mut batch = empty.try_recv().unwrap_or_else(|_| Batch::new());
        let (result, held_back) = match &mut parser {
            Some(p) => {
                let held_back = p.has_pending();
                (p.read_batch(max_records, &mut batch), held_back)
            }
            None => {
                batch.clear();
                (Ok(0), false)
            }
        };
        let over = matches!(result, Ok(0));
        let sent = filled.send(Filled {
            batch,
            max_records,
            result,
            held_back,
        });
        if sent.is_err() {
            return false;
        }
        if over {
            return true;
        }
    }
}

impl Drop for Workers {
    fn drop(&mut self) {
        // Hanging up wakes every worker wherever it waits (those waiting for a plan are
        // told to stop); each then drops its parser, which closes its file. Waiting for
        // that keeps "free" meaning "closed".
        (self.stop)();
        let threads: Vec<_> = self
            .workers
            .iter_mut()
            .filter_map(|w| {
                w.empty = None;
                w.thread.take()
            })
            .collect();
        self.workers.clear();
        for thread in threads {
            if std::process::id() == self.process {
                let _ = thread.join();
            } else {
                // In a forked child the threads do not exist.
                std::mem::forget(thread);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;
    use crate::options::Terminator;
    use crate::Reader;

    fn input() -> impl Strategy<Value = Vec<u8>> {
        let pieces: &[&[u8]] = &[
            b"a", b"bc", b",", b"\"", b"\"\"", b"\n", b"\r\n", b"\n\n", b"#", b"\xff", b"x,y\n",
        ];
        prop::collection::vec(prop::sample::select(pieces), 0..200).prop_map(|p| p.concat())
    }

    fn options() -> impl Strategy<Value = Options> {
        (
            any::<bool>(),
            any::<bool>(),
            any::<bool>(),
            prop::sample::select(vec![None, Some(b'#')]),
            prop::sample::select(vec![Terminator::CrlfAny, Terminator::Byte(b'\n')]),
        )
            .prop_map(|(header, utf8, flexible, comment, term)| {
                let mut o = Options::new();
                o.set_has_header(header)
                    .set_utf8(utf8)
                    .set_flexible(flexible);
                o.set_comment(comment).unwrap();
                o.set_terminator(term).unwrap();
                o
            })
    }

    /// One thing a reader yields: a record (fields, position) or an error.
    type Step = Result<
        (Vec<Vec<u8>>, Option<crate::Position>),
        (crate::ErrorKind, Option<crate::Position>),
    >;

    /// Drives `rdr` by `plan` (`p % 8 == 7`: count the rest and stop; `6`: a batch of up to
    /// `p / 8 + 1` records; else one record) until the end: every record and error in
    /// order, batches flattened, and the count if one was asked for.
    fn run<R: Read>(
        rdr: &mut Reader<R>,
        plan: &[u8],
    ) -> (Vec<Step>, Option<Result<u64, crate::ErrorKind>>) {
        let mut out = vec![];
        for &p in plan.iter().chain(std::iter::repeat(&0u8)) {
            match p % 8 {
                7 => return (out, Some(rdr.count_remaining().map_err(|e| e.kind()))),
                6 => {
                    let mut batch = Batch::new();
                    match rdr.read_batch(usize::from(p / 8) + 1, &mut batch) {
                        Ok(0) => return (out, None),
                        Ok(n) => out.extend((0..n).map(|i| {
                            let fields = batch.record(i).iter().map(|f| f.to_vec()).collect();
                            Ok((fields, Some(batch.positions()[i])))
                        })),
                        Err(e) => out.push(Err((e.kind(), e.position()))),
                    }
                }
                _ => match rdr.next_record() {
                    Ok(true) => out.push(Ok((
                        rdr.record().unwrap().iter().map(<[u8]>::to_vec).collect(),
                        rdr.position(),
                    ))),
                    Ok(false) => return (out, None),
                    Err(e) => out.push(Err((e.kind(), e.position()))),
                },
            }
        }
        unreachable!("the plan goes on for ever")
    }

    /// Records a count counts among `steps` (a record that is not UTF-8 is still one).
    fn counted(steps: &[Step]) -> u64 {
        steps
            .iter()
            .filter(|s| matches!(s, Ok(_) | Err((crate::ErrorKind::Utf8, _))))
            .count() as u64
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 400, ..ProptestConfig::default() })]

        #[test]
        fn workers_read_as_one_parser_does(
            options in options(),
            data in input(),
            ranges in 1usize..12,
            threads in 1usize..9,
            plan in prop::collection::vec(any::<u8>(), 0..40),
        ) {
            let Ok(mut serial) = Reader::from_bytes(data.clone(), &options) else {
                return Ok(()); // a header that is not UTF-8: no reader at all
            };
            let (all, _) = run(&mut serial, &[]);
            let shared: Arc<[u8]> = data.clone().into();
            let first = crate::summary::first_record_end(&data[..], &options).unwrap();
            let source = BytesChunks { data: shared.clone(), options: options.clone(), first };
            let workers = Workers::start(source, chunk_bounds(data.len() as u64, ranges), threads, 7).unwrap();
            let mut parallel = Reader::from_shared_bytes_with(shared, &options, |b| b).unwrap();
            parallel.use_ahead(Ahead::from_workers(workers));
            let (got, count) = run(&mut parallel, &plan);
            // The same records and errors, in the same order (batches may end earlier, where
            // a range ends) ...
            prop_assert_eq!(&got[..], &all[..got.len()]);
            let mut serial = Reader::from_bytes(data.clone(), &options).unwrap();
            let (serial_got, serial_count) = run(&mut serial, &plan);
            match count {
                // ... and a count after the same reads is the serial reader's count ...
                Some(n) if serial_got == got && serial_count.is_some() => {
                    prop_assert_eq!(Some(n), serial_count)
                }
                // ... or, where a batch ended at a range, counts what the serial reader has
                // left (or first reports the error the short batch held back, as a batch does,
                // or the first later record a count refuses).
                Some(Ok(n)) => prop_assert_eq!(n, counted(&all) - counted(&got)),
                // (A count also fails at a later record the serial reading refuses.)
                Some(Err(kind)) => {
                    let held_back = all.get(got.len()).and_then(|s| s.as_ref().err());
                    let refused = all[got.len()..]
                        .iter()
                        .find_map(|s| s.as_ref().err().filter(|e| e.0 != crate::ErrorKind::Utf8));
                    prop_assert_eq!(held_back.or(refused).map(|e| e.0), Some(kind));
                }
                None => prop_assert_eq!(got.len(), all.len()),
            }
        }
    }

    #[test]
    fn large_inputs_are_read_on_several_workers() {
        let mut data = b"id,name\n".to_vec();
        let mut i = 0u64;
        while data.len() < 20 << 20 {
            data.extend(format!("{i},\"n\n{i}\"\n").as_bytes());
            i += 1;
        }
        let mut o = Options::new();
        o.set_read_ahead(true).set_threads(2).unwrap();
        let shared: Arc<[u8]> = data.clone().into();
        let mut rdr = Reader::from_shared_bytes_with(shared, &o, |b| b).unwrap();
        let mut serial = Reader::from_bytes(data, &Options::new()).unwrap();
        let mut n = 0u64;
        while rdr.next_record().unwrap() {
            assert!(serial.next_record().unwrap());
            assert_eq!(rdr.record(), serial.record());
            assert_eq!(rdr.position(), serial.position());
            n += 1;
        }
        assert!(!serial.next_record().unwrap());
        assert_eq!(n, i);
        if std::thread::available_parallelism().map_or(1, usize::from) >= 2 {
            assert!(
                rdr.is_parallel(),
                "a 20 MiB input on 2 threads goes to several workers"
            );
        }
    }
}

#[cfg(test)]
mod file_tests {
    use super::*;
    use crate::Reader;

    /// A file of small records with one record of a quoted field spanning many chunks, and
    /// when `refused` a ragged record and one over an 8 MiB limit after it.
    fn write_file(name: &str, refused: bool) -> std::path::PathBuf {
        let path = std::env::temp_dir().join(format!("csvr-{name}-{}.csv", std::process::id()));
        let mut data = b"id,text\n".to_vec();
        let mut i = 0u64;
        while data.len() < 24 << 20 {
            data.extend(format!("{i},\"t\n{i}\"\r\n").as_bytes());
            if i == 100_000 {
                data.extend(b"big,\"");
                data.extend(std::iter::repeat_n(b'x', 6 << 20));
                data.extend(b"\"\n");
            }
            if refused && i == 500_000 {
                data.extend(b"a,b,c\n"); // ragged
            }
            if refused && i == 600_000 {
                data.extend(b"long,");
                data.extend(std::iter::repeat_n(b'y', 9 << 20)); // over the limit
                data.push(b'\n');
            }
            i += 1;
        }
        std::fs::write(&path, data).unwrap();
        path
    }

    type Steps = Vec<Result<(Vec<u8>, crate::Position), String>>;

    /// Everything a reader yields, record by record, and whether it read on workers.
    fn steps(mut rdr: Reader<Box<dyn Read + Send>>) -> (Steps, bool) {
        let mut out = vec![];
        let mut parallel = false;
        loop {
            let next = rdr.next_record();
            parallel |= rdr.is_parallel();
            match next {
                Ok(true) => out.push(Ok((
                    rdr.record().unwrap().as_slice().to_vec(),
                    rdr.position().unwrap(),
                ))),
                Ok(false) => return (out, parallel),
                Err(e) => out.push(Err(e.to_string())),
            }
        }
    }

    fn open(path: &std::path::Path, o: &Options) -> Reader<Box<dyn Read + Send>> {
        Reader::from_path_with(path, o, |f| Box::new(f) as Box<dyn Read + Send>).unwrap()
    }

    /// The file path (chunks read once, kept for the parser): a record spanning many
    /// chunks, where every worker waits on one range, and a record a serial reading
    /// refuses, after which the rest is one range; both read as the serial reader does.
    #[test]
    fn files_with_huge_and_refused_records_read_as_the_serial_reader() {
        for refused in [false, true] {
            let path = write_file(if refused { "refused" } else { "huge" }, refused);
            let mut serial = Options::new();
            if refused {
                serial.set_max_record_bytes(8 << 20).set_flexible(false);
            }
            let mut parallel = serial.clone();
            parallel.set_read_ahead(true).set_threads(2).unwrap();
            let (got, on_workers) = steps(open(&path, &parallel));
            let (expected, _) = steps(open(&path, &serial));
            let _ = std::fs::remove_file(&path);
            assert_eq!(got.len(), expected.len());
            assert!(got == expected, "refused {refused}");
            let errors = expected.iter().filter(|s| s.is_err()).count();
            assert_eq!(errors, if refused { 2 } else { 0 });
            if std::thread::available_parallelism().map_or(1, usize::from) >= 2 {
                assert!(
                    on_workers,
                    "a 24 MiB file on 2 threads goes to several workers"
                );
            }
        }
    }
}
