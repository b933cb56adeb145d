//! What the owner of reading threads (the read-ahead worker, the parallel workers) needs
//! on the caller's side, whichever kind of worker it is.

use std::thread::JoinHandle;

use crate::batch::Batch;
use crate::error::Error;

/// Fails if this is not process `process`, the one that started the worker threads: a
/// forked child has the reader but not its threads.
pub(crate) fn not_forked(process: u32) -> Result<(), Error> {
    if std::process::id() == process {
        return Ok(());
    }
    Err(Error::invalid(
        "this reader was reading on threads that a fork did not copy: it cannot be read in \
         the child process",
    ))
}

/// After a worker hung up before saying its input ended, which only a panic does: carries
/// the panic to this thread, where the FFI boundary catches it, or else ends the reading.
pub(crate) fn worker_gone(worker: Option<JoinHandle<()>>, out: &mut Batch) -> Result<usize, Error> {
    if let Some(worker) = worker {
        if let Err(panic) = worker.join() {
            std::panic::resume_unwind(panic);
        }
    }
    out.clear();
    Ok(0)
}
