"""max_record_bytes: counting refuses the same record as reading, in bounded time."""

from __future__ import annotations

import sys
import time
from pathlib import Path

import pytest

import csvr


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="needs /dev/zero")
def test_counting_dev_zero_is_a_parse_error_within_a_second() -> None:
    started = time.monotonic()
    with pytest.raises(csvr.ParseError) as info:
        csvr.count("/dev/zero")
    assert time.monotonic() - started < 1.0
    assert "max_record_bytes" in str(info.value)
    assert (info.value.line, info.value.byte, info.value.record) == (1, 0, 0)


def test_count_and_read_refuse_the_same_record(tmp_path: Path) -> None:
    path = tmp_path / "long.csv"
    path.write_bytes(b"h\nshort\n\n" + b"x" * 40_000 + b"\nafter\n")
    for source in (path, path.read_bytes()):
        with pytest.raises(csvr.ParseError) as counted:
            csvr.count(source, max_record_bytes=32_768)
        with pytest.raises(csvr.ParseError) as read, csvr.Reader(source, max_record_bytes=32_768) as r:
            list(r)
        assert str(counted.value) == str(read.value)
        assert (counted.value.line, counted.value.byte, counted.value.record) == (4, 9, 2)
        assert csvr.count(source, max_record_bytes=None) == 3
