"""Load: many readers opened and freed, from many threads, with no growth in memory or
open file descriptors; and the record limit that keeps an endless record from taking all
memory."""

from __future__ import annotations

import os
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

import csvr
from conftest import SAMPLE, SAMPLE_COUNT


def open_fds() -> int:
    return len(os.listdir("/proc/self/fd"))


def rss_kib() -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise AssertionError("no VmRSS in /proc/self/status")


pytestmark = pytest.mark.skipif(
    not sys.platform.startswith("linux"), reason="reads /proc/self to watch fds and memory"
)


def test_100000_open_free_cycles_leak_neither_fds_nor_memory(tmp_path: Path) -> None:
    path = tmp_path / "small.csv"
    path.write_bytes(b"a,b\n1,2\n3,4\n")
    data = path.read_bytes()

    def cycle(i: int) -> None:
        source = path if i % 2 else data
        with csvr.Reader(source) as reader:
            assert next(reader) == ["1", "2"]

    for i in range(2000):  # warm up allocator pools and caches before measuring
        cycle(i)
    fds, rss = open_fds(), rss_kib()
    for i in range(100_000):
        cycle(i)
    assert open_fds() == fds
    grown = rss_kib() - rss
    assert grown < 8 * 1024, f"RSS grew by {grown} KiB over 100000 cycles"


def test_many_threads_open_read_count_and_free_at_once() -> None:
    def work(i: int) -> tuple[int, int]:
        fds = 0
        for _ in range(20):
            with csvr.Reader(SAMPLE, raw=bool(i % 2)) as reader:
                rows = sum(1 for _ in reader)
            fds += rows == SAMPLE_COUNT
        return fds, csvr.count(SAMPLE)

    fds_before = open_fds()
    with ThreadPoolExecutor(max_workers=16) as pool:
        results = list(pool.map(work, range(32)))
    assert results == [(20, SAMPLE_COUNT)] * 32
    assert open_fds() == fds_before


def test_the_parallel_count_from_many_threads_at_once(tmp_path: Path) -> None:
    big = tmp_path / "big.csv"
    row = b'1,"two, quoted",3\r\n'
    big.write_bytes(b"h1,h2,h3\r\n" + row * 300_000)
    with ThreadPoolExecutor(max_workers=12) as pool:
        counts = list(pool.map(lambda t: csvr.count(big, threads=t % 3), range(48)))
    assert counts == [300_000] * 48


def test_an_endless_record_stops_at_max_record_bytes(tmp_path: Path) -> None:
    path = tmp_path / "endless.csv"
    with open(path, "wb") as f:
        f.write(b'h\n"')
        f.truncate(64 << 20)  # 64 MiB inside one quoted field (sparse: NUL bytes)
    # Counting refuses the record the reader refuses (with the default 16 MiB limit)...
    with pytest.raises(csvr.ParseError, match="max_record_bytes"):
        csvr.count(path)
    # ...and without a limit keeps no record: constant memory, one record.
    assert csvr.count(path, max_record_bytes=None) == 1
    rss = rss_kib()
    with csvr.Reader(path, raw=True, max_record_bytes=1 << 20) as reader:
        with pytest.raises(csvr.ParseError, match="max_record_bytes") as info:
            next(reader)
    assert info.value.line == 2
    assert rss_kib() - rss < 32 * 1024
    with csvr.Reader(path, raw=True, max_record_bytes=None) as reader:
        (row,) = list(reader)
        assert len(row[0]) == (64 << 20) - 3


def test_max_record_bytes_is_checked() -> None:
    with pytest.raises(ValueError):
        csvr.Reader(b"a\n", max_record_bytes=0)
    with pytest.raises(TypeError):
        csvr.Reader(b"a\n", max_record_bytes="big")  # type: ignore[arg-type]
