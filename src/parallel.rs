//! Parsing one input on several workers, each on record-aligned ranges, handed to the
//! caller in file order.
//!
//! The input is split into ranges (`summary`), more ranges than workers so that the work
//! evens out; worker `w` parses ranges `w`, `w + T`, `w + 2T`, ... one after another with a
//! range parser, which reads its records exactly as the whole input's parser does. Each
//! worker sends its batches into a channel of its own that holds [`IN_FLIGHT`] batches; the
//! caller takes them from the channel of the worker whose range comes next in the file,
//! so batches arrive in file order, and a worker that runs ahead waits. Batches go back to
//! the worker that filled them, to be filled again. Memory is therefore fixed: at most
//! `T * (IN_FLIGHT + 2)` batches of about [`crate::BATCH_BYTES`] each, plus the caller's.
//! The caller's side ([`crate::read_ahead`]) sees the same stream of batches, results and
//! held-back errors as from one read-ahead worker; only a batch may end early where a
//! range ends.

use std::fs::File;
use std::io::Read;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc::{sync_channel, Receiver, SyncSender};
use std::sync::Arc;
use std::thread::{self, JoinHandle};

use crate::batch::Batch;
use crate::error::Error;
use crate::input::{FileRange, SharedBytes};
use crate::options::Options;
use crate::read_ahead::Ahead;
use crate::reader::Parser;
use crate::summary::FirstRecord;
use crate::summary::Range;
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

/// Opens a parser of one range of an input.
pub(crate) trait OpenRange: Send + Sync + 'static {
    type Input: Read + Send + 'static;
    fn open(&self, range: &Range) -> Result<Parser<Self::Input>, Error>;
}

/// The ranges of a regular file, parsed through duplicates of one open file (so that a
/// file renamed or replaced meanwhile is not read instead).
pub(crate) struct FileRanges {
    pub(crate) file: File,
    pub(crate) options: Options,
    pub(crate) source: String,
    pub(crate) first: FirstRecord,
}

impl OpenRange for FileRanges {
    type Input = FileRange;

    fn open(&self, range: &Range) -> Result<Parser<FileRange>, Error> {
        let file = self
            .file
            .try_clone()
            .map_err(|e| Error::io(format_args!("cannot read {}", self.source), &e))?;
        let open = |segments| FileRange::new(file, segments);
        Parser::for_range(open, &self.options, self.source.clone(), range, self.first)
    }
}

/// The ranges of bytes in memory, shared by the workers.
pub(crate) struct BytesRanges {
    pub(crate) data: Arc<[u8]>,
    pub(crate) options: Options,
    pub(crate) first: FirstRecord,
}

impl OpenRange for BytesRanges {
    type Input = SharedBytes;

    fn open(&self, range: &Range) -> Result<Parser<SharedBytes>, Error> {
        let open = |segments| SharedBytes::new(Arc::clone(&self.data), segments);
        Parser::for_range(open, &self.options, "the input".into(), range, self.first)
    }
}

/// Below this many bytes per worker, one read-ahead worker does as well.
const MIN_BYTES_PER_WORKER: u64 = 4 << 20;

/// Ranges per worker at the least: enough that workers finishing early find more to do.
const RANGES_PER_WORKER: usize = 4;

/// The most bytes of input a range should hold. Batches arrive in file order, and a worker
/// may be only [`IN_FLIGHT`] batches ahead of the caller: while the caller takes one
/// range's batches, the other workers can only fill that many of theirs and then wait. So
/// a range must be a few batches long, not a share of the file, or the workers take turns
/// instead of parsing side by side (with 32 MiB ranges, reading on two workers was no
/// faster than on one).
const RANGE_BYTES: u64 = 1 << 20;

/// How many workers to parse an input of `len` bytes on, and into how many ranges to
/// split it; `None` when one worker is as good (a small input, or `threads` 1).
fn plan(len: u64, options: &Options) -> Option<(usize, usize)> {
    let useful = usize::try_from(len / MIN_BYTES_PER_WORKER).unwrap_or(usize::MAX);
    let workers = crate::count::effective_threads(options.threads(), len).min(useful);
    let small = usize::try_from(len.div_ceil(RANGE_BYTES)).unwrap_or(usize::MAX);
    (workers >= 2).then_some((workers, small.max(workers * RANGES_PER_WORKER)))
}

/// Starts reading `file` (a regular, uncompressed file of `len` bytes) ahead on several
/// workers, if it is worth it and its ranges can be found; otherwise (including when the
/// split fails: a record the reader will refuse, say) `parser` goes on alone, one batch
/// ahead, and meets any such error where the serial reader does.
// Called once per reader: the size of the parser handed back costs nothing.
#[allow(clippy::result_large_err)]
pub(crate) fn start_file<R: Read + Send + 'static>(
    parser: Parser<R>,
    max_records: usize,
    file: File,
    len: u64,
    options: &Options,
    source: String,
) -> Result<Ahead, Parser<R>> {
    let workers = plan(len, options).and_then(|(workers, n)| {
        let ranges = crate::summary::split_file(&file, len, &source, n, options).ok()?;
        let whole = FileRange::new(file.try_clone().ok()?, [(0, len), (0, 0)]);
        let first = crate::summary::first_record_end(whole, options).ok()?;
        let opener = FileRanges {
            file,
            options: options.clone(),
            source,
            first,
        };
        (ranges.len() >= 2).then(|| Workers::start(opener, ranges, workers, max_records))?
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
    options: &Options,
) -> Result<Ahead, Parser<R>> {
    let workers = plan(data.len() as u64, options).and_then(|(workers, n)| {
        let ranges = crate::summary::split_bytes(&data, n, options).ok()?;
        let first = crate::summary::first_record_end(&data[..], options).ok()?;
        let opener = BytesRanges {
            data,
            options: options.clone(),
            first,
        };
        (ranges.len() >= 2).then(|| Workers::start(opener, ranges, workers, max_records))?
    });
    match workers {
        Some(w) => Ok(Ahead::from_workers(w)),
        None => Ahead::start(parser, max_records),
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
}

impl Workers {
    /// Starts up to `threads` workers (at least one) on `ranges` of the input `opener`
    /// opens, filling batches of `max_records` records at first. `None` if no thread
    /// could be started (then nothing was).
    pub(crate) fn start<O: OpenRange>(
        opener: O,
        ranges: Vec<Range>,
        threads: usize,
        max_records: usize,
    ) -> Option<Workers> {
        let threads = threads.clamp(1, ranges.len().max(1));
        let opener = Arc::new(opener);
        let ranges = Arc::new(ranges);
        let want = Arc::new(AtomicUsize::new(max_records.max(1)));
        let mut workers = Vec::with_capacity(threads);
        for w in 0..threads {
            let (filled_tx, filled) = sync_channel::<Filled>(IN_FLIGHT);
            let (empty, empty_rx) = sync_channel::<Batch>(IN_FLIGHT + 2);
            let (opener, ranges, want) =
                (Arc::clone(&opener), Arc::clone(&ranges), Arc::clone(&want));
            let spawned = thread::Builder::new()
                .name("csvr-read-ahead".into())
                .spawn(move || work(&*opener, &ranges, w, threads, &want, &filled_tx, &empty_rx));
            match spawned {
                Ok(thread) => workers.push(Worker {
                    filled,
                    empty: Some(empty),
                    thread: Some(thread),
                }),
                Err(_) => {
                    // Stop those started so far (dropping them joins them).
                    drop(workers);
                    return None;
                }
            }
        }
        Some(Workers {
            workers,
            ranges: ranges.len(),
            current: 0,
            want,
            ended: false,
            held_back: false,
            filled_max: max_records.max(1),
            short_at_range_end: false,
            last_was_short: false,
            process: std::process::id(),
        })
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

/// Worker `w` of `workers`: parses its ranges in turn, handing every batch over.
fn work<O: OpenRange>(
    opener: &O,
    ranges: &[Range],
    w: usize,
    workers: usize,
    want: &AtomicUsize,
    filled: &SyncSender<Filled>,
    empty: &Receiver<Batch>,
) {
    for range in ranges.iter().skip(w).step_by(workers) {
        let mut parser = match opener.open(range) {
            Ok(parser) => Some(parser),
            Err(e) => {
                let failed = Filled {
                    batch: Batch::new(),
                    max_records: want.load(Ordering::Relaxed),
                    result: Err(e),
                    held_back: false,
                };
                if filled.send(failed).is_err() {
                    return;
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
                return; // the caller hung up
            }
            if over {
                break;
            }
        }
    }
}

impl Drop for Workers {
    fn drop(&mut self) {
        // Hanging up wakes every worker wherever it waits; each then drops its parser,
        // which closes its file. Waiting for that keeps "free" meaning "closed".
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
            let Ok(split) = crate::summary::split_bytes(&data, ranges, &options) else {
                return Ok(()); // a record the reader refuses: the reader stays on one worker
            };
            let Ok(mut serial) = Reader::from_bytes(data.clone(), &options) else {
                return Ok(()); // a header that is not UTF-8: no reader at all
            };
            let (all, _) = run(&mut serial, &[]);
            let shared: Arc<[u8]> = data.clone().into();
            let first = crate::summary::first_record_end(&data[..], &options).unwrap();
            let opener = BytesRanges { data: shared.clone(), options: options.clone(), first };
            let workers = Workers::start(opener, split, threads, 7).unwrap();
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
                // left (or first reports the error the short batch held back, as a batch does).
                Some(Ok(n)) => prop_assert_eq!(n, counted(&all) - counted(&got)),
                Some(Err(kind)) => prop_assert_eq!(all.get(got.len()).map(|s| s.as_ref().err().map(|e| e.0)), Some(Some(kind))),
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
