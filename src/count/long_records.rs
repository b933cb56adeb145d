//! Spotting, on the fast path, any record that may be longer than `max_record_bytes`.
//!
//! Readers refuse a record longer than the limit, and so must every count, at the same
//! record. The streaming counter measures each record exactly; the fast scanner does not
//! see records one by one, so it watches for the one thing a long record cannot hide: a
//! long stretch without a record start. Its chunk is cut into windows of at most `window`
//! bytes, and a window in which a lane counts no record start is *empty*. The windows
//! wholly inside a record after its first byte are empty, and only the two at its ends
//! can be partly outside it, so a record of more than `limit` bytes holds a run of empty
//! windows of at least `limit - 2 * window` bytes; where no run is that long, no record
//! is too long. Where one does (a long record, or a long run of blank lines), the fast count
//! gives up and the streaming counter decides, exactly. The runs are joined across chunks
//! as the counts are.

/// How finely to watch: windows of this many bytes at most (smaller costs more calls).
const MAX_WINDOW: usize = 64 * 1024;

/// Below this many bytes per window, watching costs more than streaming.
const MIN_WINDOW: usize = 4 * 1024;

/// How the fast path watches for long records, for one `max_record_bytes`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Watch {
    /// `None`: no limit, nothing to watch.
    limit: Option<WindowedLimit>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct WindowedLimit {
    window: usize,
    /// A run of empty windows this many bytes long may hide a record over the limit.
    threshold: u64,
}

impl Watch {
    /// The watch for `max_record_bytes` (0: no limit), or `None` when the limit is so
    /// small that the streaming counter, which measures every record, is the better tool.
    pub(crate) fn for_limit(max_record_bytes: u64) -> Option<Watch> {
        if max_record_bytes == 0 {
            return Some(Watch { limit: None });
        }
        // At most a quarter of the limit, so the threshold is half the limit or more.
        let window = usize::try_from(max_record_bytes / 4)
            .unwrap_or(usize::MAX)
            .min(MAX_WINDOW);
        if window < MIN_WINDOW {
            return None;
        }
        let threshold = max_record_bytes - 2 * window as u64;
        Some(Watch {
            limit: Some(WindowedLimit { window, threshold }),
        })
    }

    /// The largest piece to scan at a time, so that each is one window.
    pub(crate) fn window(&self) -> Option<usize> {
        self.limit.map(|l| l.window)
    }

    /// Whether a run of `empty` bytes of empty windows may hide a record too long.
    fn too_long(&self, empty: u64) -> bool {
        self.limit.is_some_and(|l| empty >= l.threshold)
    }
}

/// The runs of empty windows of one lane of one chunk, in bytes.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct Runs {
    /// Before the first window with a record start (the whole chunk, if none has one).
    leading: u64,
    /// Since the last window with a record start.
    trailing: u64,
    /// The longest run between two windows with a start.
    longest_inside: u64,
    /// Whether any window held a record start.
    any_start: bool,
}

impl Runs {
    /// Notes one more window of `len` bytes, which held a record start or not.
    pub(crate) fn window(&mut self, len: usize, had_start: bool) {
        if !had_start {
            self.trailing += len as u64;
        } else if !self.any_start {
            self.any_start = true;
            self.leading = self.trailing;
            self.trailing = 0;
        } else {
            self.longest_inside = self.longest_inside.max(self.trailing);
            self.trailing = 0;
        }
    }

    /// The runs once the chunk is over.
    pub(crate) fn finish(mut self) -> Runs {
        if !self.any_start {
            self.leading = self.trailing;
        }
        self
    }
}

/// Joins the runs of consecutive chunks (for the lane each really starts in).
#[derive(Clone, Copy, Debug)]
pub(crate) struct RunJoin {
    watch: Watch,
    open: u64,
    too_long: bool,
}

impl RunJoin {
    pub(crate) fn new(watch: Watch) -> RunJoin {
        RunJoin {
            watch,
            open: 0,
            too_long: false,
        }
    }

    /// Adds the next chunk's runs.
    pub(crate) fn push(&mut self, runs: &Runs) {
        if runs.any_start {
            let joined = self.open.saturating_add(runs.leading);
            self.too_long |=
                self.watch.too_long(joined) || self.watch.too_long(runs.longest_inside);
            self.open = runs.trailing;
        } else {
            self.open = self.open.saturating_add(runs.leading);
        }
    }

    /// Whether some record may be longer than the limit.
    pub(crate) fn may_be_too_long(&self) -> bool {
        self.too_long || self.watch.too_long(self.open)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn small_limits_are_left_to_the_streaming_counter() {
        assert_eq!(Watch::for_limit(16 * 1024 - 1), None);
        assert_eq!(Watch::for_limit(0).unwrap().window(), None);
        let w = Watch::for_limit(16 << 20).unwrap();
        assert_eq!(w.window(), Some(MAX_WINDOW));
        assert!(!w.too_long((16 << 20) - 2 * MAX_WINDOW as u64 - 1));
        assert!(w.too_long((16 << 20) - 2 * MAX_WINDOW as u64));
    }

    #[test]
    fn runs_join_across_chunks() {
        let w = Watch::for_limit(16 * 1024).unwrap(); // windows of 4 KiB, threshold 8 KiB
        let chunk = |windows: &[(usize, bool)]| {
            let mut r = Runs::default();
            windows
                .iter()
                .for_each(|&(len, start)| r.window(len, start));
            r.finish()
        };
        let mut join = RunJoin::new(w);
        join.push(&chunk(&[(4096, true), (4096, false)]));
        join.push(&chunk(&[(100, false)]));
        assert!(!join.may_be_too_long()); // 4196 empty bytes so far
        join.push(&chunk(&[(3996, false), (10, true)]));
        assert!(join.may_be_too_long()); // 8192
        let mut join = RunJoin::new(w);
        join.push(&chunk(&[(4096, true), (8191, false), (1, true)]));
        assert!(!join.may_be_too_long());
        join.push(&chunk(&[(8192, false), (1, true)]));
        assert!(join.may_be_too_long());
    }
}
