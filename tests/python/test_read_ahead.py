"""Reading ahead (the library parsing on a thread of its own, on by default in Python)
changes where the work happens, never what a reader yields."""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Any, Union

import pytest

import csvr


def _data() -> bytes:
    rows = [b"id,text\n"]
    for i in range(5000):
        if i % 97 == 5:
            rows.append(b"%d\n" % i)  # ragged: an error with flexible=False
        elif i % 89 == 7:
            rows.append(b'%d,"bad \xff"\n' % i)  # not UTF-8: an error in text mode
        else:
            rows.append(b'%d,"line\nwith, comma"\n' % i)
    return b"".join(rows)


def _outcomes(reader: csvr.Reader[Any], stop_after: int = -1) -> list[object]:
    """Every row (with its position) and every error, in order; a count of the rest
    after ``stop_after`` rows if that is not -1."""
    seen: list[object] = []
    while True:
        if len(seen) == stop_after:
            try:
                seen.append(("count", reader.count()))
            except csvr.Error as e:  # a ragged record fails a strict count
                seen.append(("count failed", type(e).__name__, str(e)))
            return seen
        try:
            row = next(reader)
        except StopIteration:
            return seen
        except csvr.Error as e:
            seen.append((type(e).__name__, str(e)))
            continue
        seen.append((row, reader.position))


@pytest.mark.parametrize("raw", [False, True])
@pytest.mark.parametrize("stop_after", [-1, 0, 1, 300])
@pytest.mark.parametrize("from_file", [False, True])
def test_rows_positions_errors_and_counts_are_the_same(
    tmp_path: Path, raw: bool, stop_after: int, from_file: bool
) -> None:
    data = _data()
    path = tmp_path / "a.csv"
    path.write_bytes(data)
    source: Union[Path, bytes] = path if from_file else data
    results = []
    for read_ahead in (False, True):
        with csvr.Reader(source, raw=raw, flexible=False, read_ahead=read_ahead) as r:
            results.append(_outcomes(r, stop_after))
    assert results[0] == results[1]
    assert len(results[0]) > 100 or stop_after != -1


def test_for_loops_agree(tmp_path: Path) -> None:
    path = tmp_path / "b.csv"
    path.write_bytes(b"a,b\n" + b"".join(b'%d,"x\ny"\n' % i for i in range(20000)))
    with csvr.Reader(path, read_ahead=False) as plain, csvr.Reader(path) as ahead:
        assert list(plain) == list(ahead)


WORKER_NAME = "csvr-read-ahead"  # the worker thread's name (15 bytes: all of it shows)


def _workers() -> int:
    """The number of read-ahead threads in this process now."""
    n = 0
    for tid in os.listdir("/proc/self/task"):
        try:
            with open(f"/proc/self/task/{tid}/comm") as f:
                n += f.read().strip() == WORKER_NAME
        except OSError:  # the thread has just left
            pass
    return n


def _workers_once_settled(expected: int, timeout: float = 5.0) -> int:
    """The number of read-ahead threads, once it is ``expected`` or after ``timeout`` s.

    A thread that has been joined can still be listed in /proc/self/task for a moment:
    the kernel wakes pthread_join (it clears the thread's tid as the thread lets go of its
    memory) before it takes the thread out of the list, and a busy machine can hold the
    thread between the two. So the count is read again until it settles; a thread that
    was not stopped never leaves and still fails the test.
    """
    deadline = time.monotonic() + timeout
    while True:
        n = _workers()
        if n == expected or time.monotonic() > deadline:
            return n
        time.sleep(0.001)


def _fds() -> int:
    return len(os.listdir("/proc/self/fd"))


@pytest.mark.skipif(not os.path.isdir("/proc/self/task"), reason="needs Linux /proc")
def test_closing_mid_file_stops_the_thread_and_closes_the_file(tmp_path: Path) -> None:
    path = tmp_path / "c.csv"
    path.write_bytes(_data())
    assert _workers_once_settled(0) == 0  # none left by earlier tests
    fds = _fds()
    for _ in range(2000):
        with csvr.Reader(path, raw=True) as r:
            next(r)
            # Exactly one read-ahead thread while reading: this reader's (the one before
            # it stopped, even if the kernel still lists it for a moment).
            assert _workers_once_settled(1) == 1
        # The worker closes the file before it ends and close() waits for it: the file
        # is closed when close() returns, with no waiting here.
        assert _fds() == fds
    assert _workers_once_settled(0) == 0
    # A reader never read starts no thread.
    r = csvr.Reader(path)
    assert _workers() == 0
    r.close()


def test_read_ahead_must_be_a_bool() -> None:
    with pytest.raises(TypeError):
        csvr.Reader(b"a\n1\n", read_ahead="yes")  # type: ignore[call-overload]


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs fork")
def test_a_forked_child_gets_an_error_not_a_hang(tmp_path: Path) -> None:
    path = tmp_path / "d.csv"
    path.write_bytes(_data())
    with csvr.Reader(path, raw=True) as r:
        next(r)  # the read-ahead thread is running
        pid = os.fork()
        if pid == 0:  # the child: the thread was not copied
            code = 1
            try:
                try:
                    for _ in range(10_000):
                        next(r)
                except csvr.InvalidArgumentError as e:
                    code = 0 if "fork" in str(e) else 2
                r.close()  # must not wait for the missing thread
            finally:
                os._exit(code)
        _, status = os.waitpid(pid, 0)
        assert os.WIFEXITED(status) and os.WEXITSTATUS(status) == 0
        assert sum(1 for _ in r) > 4000  # the parent reads on
