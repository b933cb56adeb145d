"""Readers used from several Python threads at once (ctypes releases the GIL)."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import csvr
from conftest import SAMPLE, SAMPLE_COUNT


def read_and_count(i: int) -> tuple[int, int, int]:
    with csvr.Reader(SAMPLE, raw=bool(i % 2)) as reader:
        rows = 0
        for _ in reader:
            rows += 1
            if rows == 100:
                break
        rest = reader.count()
    return rows, rest, csvr.count(SAMPLE, threads=2)


def test_independent_readers_in_eight_threads() -> None:
    with ThreadPoolExecutor(max_workers=8) as pool:
        results = list(pool.map(read_and_count, range(16)))
    assert results == [(100, SAMPLE_COUNT - 100, SAMPLE_COUNT)] * 16


def test_one_reader_shared_by_two_threads() -> None:
    ids: list[list[str]] = [[], []]
    errors: list[BaseException] = []
    start = threading.Barrier(2)

    with csvr.Reader(SAMPLE) as reader:

        def consume(slot: int) -> None:
            try:
                start.wait()
                for row in reader:
                    ids[slot].append(row[0])
            except BaseException as exc:  # pragma: no cover - reported below
                errors.append(exc)

        threads = [threading.Thread(target=consume, args=(i,)) for i in range(2)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()

    assert not errors
    assert len(ids[0]) + len(ids[1]) == SAMPLE_COUNT
    # Every record went to exactly one thread.
    assert sorted(ids[0] + ids[1], key=int) == [str(i) for i in range(1, SAMPLE_COUNT + 1)]


def test_close_while_another_thread_reads() -> None:
    reader = csvr.Reader(SAMPLE)
    outcome: list[str] = []
    started = threading.Event()

    def consume() -> None:
        try:
            for _ in reader:
                started.set()
            outcome.append("finished")
        except ValueError as exc:  # closed under it: the documented outcome
            outcome.append(f"closed: {exc}")

    thread = threading.Thread(target=consume)
    thread.start()
    started.wait(10)
    reader.close()
    thread.join()
    assert len(outcome) == 1
    assert reader.closed
