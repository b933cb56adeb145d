//! Parsing one batch ahead of the caller, on a thread of its own.
//!
//! A binding spends most of its time building its own objects from the fields (Python's
//! strings, say); parsing the next batch meanwhile on another core takes the parse off
//! that critical path. The worker owns the parser and fills batches from a small pool:
//! one the caller holds, one ready, one being filled. Batches are exchanged, never
//! copied, and the pool's size is fixed, so memory stays bounded whatever the input.

use std::cell::OnceCell;
use std::io::Read;
use std::ops::Range;
use std::sync::mpsc::{sync_channel, Receiver, SyncSender};
use std::thread::{self, JoinHandle};

use csv::ByteRecord;

use crate::batch::Batch;
use crate::error::{Error, ErrorKind, Position};
use crate::parallel::Workers;
use crate::reader::{Parser, BATCH_BYTES};
use crate::worker_thread::{not_forked, worker_gone};

/// Batches in flight besides the caller's: one ready, one being filled.
const POOL: usize = 2;

/// A filled batch, the most records it was allowed, what reading it returned (for an
/// error, the batch is empty), and whether that error was held back by the batch before.
type Filled = (Batch, usize, Result<usize, Error>, bool);

/// A batch to fill, with the most records the caller last asked for.
type ToFill = (Batch, usize);

/// Records per batch when a read-ahead reader is first read one record at a time (a first
/// [`crate::Reader::read_batch`] sets the size instead: the caller's own batches then pass
/// whole). Large, because every batch handed over may wake a parked thread, which costs
/// tens of microseconds on a virtual machine: with 256 records a batch, a profile of
/// reading field by field had 6% of its time in the worker waking the caller. (Batches
/// end at `BATCH_BYTES` anyway.)
pub(crate) const AHEAD_RECORDS: usize = 4096;

/// The caller's side of a reader that reads ahead: what [`crate::Reader`] does with its
/// parser on the worker, answered from the worker's batches exactly as the parser would
/// answer on the caller's thread (the differential tests hold both to that).
pub(crate) struct Ahead {
    worker: Feed,
    /// The worker's last batch; records handed out one at a time come from it, from
    /// `next` on.
    batch: Batch,
    next: usize,
    /// The fields (indexes over the whole batch) of the record last handed out one at a
    /// time, record `next - 1` of `batch`: it is read where it lies, not copied out.
    current: Option<Range<usize>>,
    /// That record as a `ByteRecord`, built only if [`Ahead::record`] is asked for it.
    record: OnceCell<ByteRecord>,
    /// Its missing fields' flags (empty when none is missing).
    missing: Vec<bool>,
    /// An error met while gathering a batch that already held records.
    pending: Option<Error>,
    /// The last call handed over a worker's batch whole, and it ended before the caller's
    /// limit: an error the worker held back after it is then the caller's held-back error
    /// too (the parser would have met it filling that batch).
    handed_whole: bool,
}

impl Ahead {
    /// Moves `parser` to a worker that reads batches of `max_records` records at first;
    /// if no thread can be had, the parser comes back, to be read on this thread.
    // Called once per reader: the size of the parser handed back costs nothing.
    #[allow(clippy::result_large_err)]
    pub(crate) fn start<R: Read + Send + 'static>(
        parser: Parser<R>,
        max_records: usize,
    ) -> Result<Ahead, Parser<R>> {
        Ok(Ahead::fed_by(Feed::One(ReadAhead::start(
            parser,
            max_records,
        )?)))
    }

    /// The caller's side of `workers`, which parse ranges of the input in parallel.
    pub(crate) fn from_workers(workers: Workers) -> Ahead {
        Ahead::fed_by(Feed::Many(workers))
    }

    fn fed_by(worker: Feed) -> Ahead {
        Ahead {
            worker,
            batch: Batch::new(),
            next: 0,
            current: None,
            missing: vec![],
            record: OnceCell::new(),
            pending: None,
            handed_whole: false,
        }
    }

    /// Whether the batches come from several workers.
    #[cfg(test)]
    pub(crate) fn is_parallel(&self) -> bool {
        matches!(self.worker, Feed::Many(_))
    }

    /// See [`crate::Reader::next_record`].
    pub(crate) fn next_record(&mut self) -> Result<bool, Error> {
        self.forget_current();
        self.handed_whole = false;
        if let Some(e) = self.pending.take() {
            return Err(e);
        }
        if self.next == self.batch.len() {
            self.next = 0;
            if self.worker.next(&mut self.batch, AHEAD_RECORDS)? == 0 {
                return Ok(false);
            }
        }
        self.current = Some(self.batch.fields_of(self.next));
        self.batch.missing_of(self.next, &mut self.missing);
        self.next += 1;
        Ok(true)
    }

    /// No record is current any more.
    fn forget_current(&mut self) {
        self.current = None;
        // Dropped only if it was built, so a reader that is not asked allocates nothing.
        if self.record.get().is_some() {
            self.record = OnceCell::new();
        }
    }

    /// See [`crate::Reader::record`].
    pub(crate) fn record(&self) -> Option<&ByteRecord> {
        self.current.as_ref()?;
        Some(
            self.record
                .get_or_init(|| self.batch.to_record(self.next - 1)),
        )
    }

    /// See [`crate::Reader::field`].
    #[inline]
    pub(crate) fn field(&self, i: usize) -> Option<&[u8]> {
        let fields = self.current.as_ref()?;
        (i < fields.len()).then(|| self.batch.field(fields.start + i))
    }

    /// See [`crate::Reader::field_count`].
    #[inline]
    pub(crate) fn field_count(&self) -> Option<usize> {
        self.current.as_ref().map(Range::len)
    }

    /// See [`crate::Reader::position`].
    pub(crate) fn position(&self) -> Option<Position> {
        self.current.as_ref()?;
        Some(self.batch.positions()[self.next - 1])
    }

    /// See [`crate::Reader::is_missing`].
    pub(crate) fn missing(&self) -> &[bool] {
        match self.current {
            Some(_) => &self.missing,
            None => &[],
        }
    }

    /// See [`crate::Reader::read_batch`].
    pub(crate) fn read_batch(
        &mut self,
        max_records: usize,
        out: &mut Batch,
    ) -> Result<usize, Error> {
        self.forget_current();
        self.handed_whole = false;
        if let Some(e) = self.pending.take() {
            return Err(e);
        }
        if self.next == self.batch.len() {
            self.next = 0;
            self.worker.next(&mut self.batch, max_records)?;
            // The worker fills its batches as the parser fills the caller's, so one that
            // ended for any reason but the worker's own limit is what the caller would
            // have got: hand it over whole.
            let n = self.batch.len();
            if n <= max_records && (n < self.worker.filled_max() || n == max_records) {
                std::mem::swap(&mut self.batch, out);
                self.batch.clear();
                self.handed_whole = n < max_records;
                return Ok(n);
            }
        }
        // Otherwise gather records one by one, stopping where the parser would.
        out.clear();
        while out.len() < max_records && out.data().len() < BATCH_BYTES {
            if self.next < self.batch.len() {
                out.push_from(&self.batch, self.next);
                self.next += 1;
                continue;
            }
            self.next = 0;
            match self.worker.next(&mut self.batch, max_records) {
                Ok(0) => break,
                Ok(_) => {}
                Err(e) if out.is_empty() => return Err(e),
                Err(e) => {
                    self.pending = Some(e);
                    break;
                }
            }
        }
        Ok(out.len())
    }

    /// See [`crate::Reader::count_remaining`].
    pub(crate) fn count_remaining(&mut self) -> Result<u64, Error> {
        self.forget_current();
        let after_whole = std::mem::take(&mut self.handed_whole);
        if let Some(e) = self.pending.take() {
            return Err(e);
        }
        let mut n = (self.batch.len() - self.next) as u64;
        let mut first = true;
        loop {
            // Whatever happens next, the records of this batch are consumed.
            let got = self.worker.next(&mut self.batch, AHEAD_RECORDS);
            self.next = self.batch.len();
            match got {
                Ok(0) => return Ok(n),
                Ok(got) => n += got as u64,
                // The error held back by the batch the caller got: reported, as the
                // parser reports its own held-back error first.
                Err(e) if first && after_whole && self.worker.held_back() => return Err(e),
                // Counting does not decode: a record that is not UTF-8 is still one
                // record, as the parser's own count says.
                Err(e) if e.kind() == ErrorKind::Utf8 => n += 1,
                Err(e) => return Err(e),
            }
            first = false;
        }
    }
}

/// Where an [`Ahead`] gets its batches: one worker parsing the whole input, or several
/// parsing ranges of it ([`crate::parallel`]); both hand them over in file order, with
/// the same results and held-back errors.
enum Feed {
    One(ReadAhead),
    Many(Workers),
}

impl Feed {
    fn next(&mut self, out: &mut Batch, max_records: usize) -> Result<usize, Error> {
        match self {
            Feed::One(w) => w.next(out, max_records),
            Feed::Many(w) => w.next(out, max_records),
        }
    }

    fn filled_max(&self) -> usize {
        match self {
            Feed::One(w) => w.filled_max(),
            Feed::Many(w) => w.filled_max(),
        }
    }

    fn held_back(&self) -> bool {
        match self {
            Feed::One(w) => w.held_back(),
            Feed::Many(w) => w.held_back(),
        }
    }
}

/// The worker and the channels to it.
struct ReadAhead {
    filled: Receiver<Filled>,
    /// Batches the caller is done with, back to the worker to be filled again. Dropping
    /// it (with `filled`) tells the worker to stop.
    empty: Option<SyncSender<ToFill>>,
    worker: Option<JoinHandle<()>>,
    /// The worker said the input is over: later reads return 0 at once.
    ended: bool,
    /// The last error [`ReadAhead::next`] returned was held back by the batch before.
    held_back: bool,
    /// The most records the last batch [`ReadAhead::next`] returned was allowed.
    filled_max: usize,
    /// The process that started the worker. A child forked from it has a copy of this
    /// struct but no worker thread: waiting for one there would hang for ever.
    process: u32,
}

impl ReadAhead {
    /// Starts a worker that reads batches of up to `max_records` records from `parser`
    /// (later, of as many as the caller last asked for).
    /// If no thread can be had, the parser comes back, to be read on this thread.
    // Called once per reader: the size of the parser handed back costs nothing.
    #[allow(clippy::result_large_err)]
    pub(crate) fn start<R: Read + Send + 'static>(
        parser: Parser<R>,
        max_records: usize,
    ) -> Result<ReadAhead, Parser<R>> {
        let (filled_tx, filled) = sync_channel::<Filled>(POOL);
        let (empty, empty_rx) = sync_channel::<ToFill>(POOL + 1);
        // The parser goes to the worker through a channel, so that it is still here if
        // the thread cannot be started.
        let (parser_tx, parser_rx) = sync_channel::<Parser<R>>(1);
        let spawned = thread::Builder::new()
            .name("csvr-read-ahead".into())
            .spawn(move || {
                let Ok(mut parser) = parser_rx.recv() else {
                    return;
                };
                // Ends when the caller hangs up (a send or receive fails) or the input ends.
                while let Ok((mut batch, max)) = empty_rx.recv() {
                    let held_back = parser.has_pending();
                    let result = parser.read_batch(max, &mut batch);
                    let end = matches!(result, Ok(0));
                    if filled_tx.send((batch, max, result, held_back)).is_err() || end {
                        return;
                    }
                }
            });
        let worker = match spawned {
            Ok(worker) => worker,
            Err(_) => return Err(parser),
        };
        if let Err(unsent) = parser_tx.send(parser) {
            // The worker is gone before it began (it cannot fail there, but if it did,
            // the parser is still here to be read on this thread).
            return Err(unsent.0);
        }
        for _ in 0..POOL {
            // Fails only if the worker has ended already, having met the input's end in
            // the first batch: then no more batches are needed.
            let _ = empty.send((Batch::new(), max_records));
        }
        Ok(ReadAhead {
            filled,
            empty: Some(empty),
            worker: Some(worker),
            ended: false,
            held_back: false,
            filled_max: max_records,
            process: std::process::id(),
        })
    }

    /// The most records the batch the last [`ReadAhead::next`] returned was allowed.
    pub(crate) fn filled_max(&self) -> usize {
        self.filled_max
    }

    /// Whether the error the last [`ReadAhead::next`] returned had been held back by the
    /// batch before it (and was not met by that read itself).
    pub(crate) fn held_back(&self) -> bool {
        self.held_back
    }

    /// The next batch, exchanged into `out` (whose old contents go back to the pool, to
    /// be filled with up to `max_records` records): what [`Parser::read_batch`] returned
    /// for it, in order.
    pub(crate) fn next(&mut self, out: &mut Batch, max_records: usize) -> Result<usize, Error> {
        if self.ended {
            out.clear();
            return Ok(0);
        }
        not_forked(self.process)?;
        match self.filled.recv() {
            Ok((mut fresh, filled_max, result, held_back)) => {
                std::mem::swap(out, &mut fresh);
                self.held_back = held_back;
                self.filled_max = filled_max;
                self.ended = matches!(result, Ok(0));
                if let Some(empty) = &self.empty {
                    // Fails only once the worker has ended, when the pool is not needed.
                    let _ = empty.send((fresh, max_records.max(1)));
                }
                result
            }
            Err(_) => {
                // The worker is gone without saying the input ended.
                self.ended = true;
                worker_gone(self.worker.take(), out)
            }
        }
    }
}

impl Drop for ReadAhead {
    fn drop(&mut self) {
        // Hanging up wakes the worker wherever it waits; it then drops the parser, which
        // closes the input. Waiting for that keeps "free" meaning "the file is closed".
        // The worker reads only regular files and memory, so the wait is short.
        self.empty = None;
        let (_, dead) = sync_channel(0);
        drop(std::mem::replace(&mut self.filled, dead));
        if let Some(worker) = self.worker.take() {
            if std::process::id() == self.process {
                let _ = worker.join();
            } else {
                // In a forked child the thread does not exist: neither join nor detach it.
                std::mem::forget(worker);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use std::io::{self, Read};
    use std::panic::{catch_unwind, AssertUnwindSafe};

    use crate::{Batch, Options, Reader};

    /// Gives `good` bytes, then panics: a bug in the input's code, on the worker.
    struct PanicsAfter {
        good: &'static [u8],
    }

    impl Read for PanicsAfter {
        fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
            if self.good.is_empty() {
                panic!("the input broke");
            }
            let n = buf.len().min(self.good.len());
            buf[..n].copy_from_slice(&self.good[..n]);
            self.good = &self.good[n..];
            Ok(n)
        }
    }

    /// On a tiny input the worker can end before the pool is even handed to it: the
    /// race an emulated AArch64 run found (it panicked "the pool fits the channel").
    #[test]
    fn a_worker_that_ends_at_once_is_no_error() {
        let mut opts = Options::new();
        opts.set_read_ahead(true);
        for data in [&b""[..], b"h\n", b"h\n1\n"] {
            for _ in 0..2000 {
                let mut rdr = Reader::from_bytes(data.to_vec(), &opts).unwrap();
                let mut batch = Batch::new();
                let n = rdr.read_batch(1, &mut batch).unwrap();
                assert_eq!(n, usize::from(data.len() > 2));
                assert_eq!(rdr.read_batch(1, &mut batch).unwrap(), 0);
            }
        }
    }

    /// Records read one at a time span several of the worker's batches: field access
    /// (read in the batch) and `record` (built when asked) agree with the input across
    /// every batch boundary, and nothing is current after the end.
    #[test]
    fn records_across_batches_are_read_where_they_lie() {
        let records = 3 * super::AHEAD_RECORDS + 7;
        let mut data = b"a,b\n".to_vec();
        for i in 0..records {
            data.extend(format!("{i},{}\n", "x".repeat(i % 20)).bytes());
        }
        let mut opts = Options::new();
        opts.set_read_ahead(true);
        let mut rdr = Reader::from_bytes(data, &opts).unwrap();
        for i in 0..records {
            assert!(rdr.next_record().unwrap());
            let x = "x".repeat(i % 20);
            assert_eq!(rdr.field_count(), Some(2));
            assert_eq!(rdr.field(0), Some(i.to_string().as_bytes()));
            assert_eq!(rdr.field(1), Some(x.as_bytes()));
            assert_eq!(rdr.field(2), None);
            assert_eq!(rdr.position().unwrap().record, i as u64 + 1);
            if i % 3 == 0 {
                let record = rdr.record().unwrap();
                assert_eq!(record, vec![i.to_string().as_bytes(), x.as_bytes()]);
                // Built once: asking again gives the same record, and fields still agree.
                assert!(std::ptr::eq(record, rdr.record().unwrap()));
                assert_eq!(rdr.field(1), Some(x.as_bytes()));
            }
        }
        assert!(!rdr.next_record().unwrap());
        assert_eq!((rdr.field_count(), rdr.field(0)), (None, None));
        assert!(rdr.record().is_none() && rdr.position().is_none());
    }

    #[test]
    fn a_panic_on_the_worker_reaches_the_caller() {
        let mut opts = Options::new();
        opts.set_has_header(false);
        let input = PanicsAfter { good: b"a,b\n" };
        let mut rdr = Reader::from_reader(input, &opts).unwrap().ahead_if(true);
        let mut batch = Batch::new();
        let caught = catch_unwind(AssertUnwindSafe(|| rdr.read_batch(10, &mut batch)));
        let payload = caught.expect_err("the worker's panic is carried over");
        assert_eq!(payload.downcast_ref::<&str>(), Some(&"the input broke"));
        // The reader is dropped with its worker gone: no hang, no second panic.
        drop(rdr);
    }
}
