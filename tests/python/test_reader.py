"""csvr.Reader: rows, headers, counting, positions and the closed state."""

from __future__ import annotations

import csv
import gc
from collections.abc import Callable
from pathlib import Path

import pytest

import csvr
from conftest import SAMPLE, SAMPLE_COUNT

SMALL = b"a,b\n1,2\n3,4\n"


def python_csv_rows(path: Path) -> list[list[str]]:
    with path.open(newline="", encoding="utf-8") as f:
        return list(csv.reader(f))


def test_sample_rows_match_python_csv() -> None:
    expected = python_csv_rows(SAMPLE)
    with csvr.Reader(SAMPLE) as reader:
        assert reader.headers == expected[0]
        rows = list(reader)
    assert len(rows) == SAMPLE_COUNT
    assert all(len(row) == 7 for row in rows)
    assert rows == expected[1:]
    # The hard parts are really there, and decoded.
    joined = [field for row in rows for field in row]
    assert any("\n" in f for f in joined)
    assert any("\r\n" in f for f in joined)
    assert any("," in f for f in joined)
    assert any('"' in f for f in joined)
    assert any("ü" in f or "é" in f for f in joined)


def test_sample_from_bytes_matches_the_file(sample_bytes: bytes) -> None:
    with csvr.Reader(SAMPLE) as from_file, csvr.Reader(sample_bytes) as from_bytes:
        assert list(from_file) == list(from_bytes)


def test_raw_rows_are_the_utf8_bytes_of_the_text_rows(sample_bytes: bytes) -> None:
    with csvr.Reader(sample_bytes, raw=True) as raw, csvr.Reader(sample_bytes) as text:
        assert raw.raw and not text.raw
        assert raw.headers == [h.encode() for h in text.headers or []]
        raw_rows = list(raw)
        text_rows = list(text)
    assert len(raw_rows) == SAMPLE_COUNT
    assert all(isinstance(f, bytes) for row in raw_rows for f in row)
    assert raw_rows == [[f.encode() for f in row] for row in text_rows]


def test_small_rows_text_and_raw() -> None:
    with csvr.Reader(SMALL) as reader:
        assert reader.headers == ["a", "b"]
        assert list(reader) == [["1", "2"], ["3", "4"]]
    with csvr.Reader(bytearray(SMALL), raw=True) as reader:
        assert reader.headers == [b"a", b"b"]
        assert list(reader) == [[b"1", b"2"], [b"3", b"4"]]


def test_quoted_fields_and_empty_fields() -> None:
    data = b'h1,h2,h3\n"a,b","say ""hi""","multi\nline"\n,,\n"",x,\n'
    with csvr.Reader(data) as reader:
        assert list(reader) == [["a,b", 'say "hi"', "multi\nline"], ["", "", ""], ["", "x", ""]]


def test_iteration_stops_and_stays_stopped() -> None:
    reader = csvr.Reader(SMALL)
    assert next(reader) == ["1", "2"]
    assert next(reader) == ["3", "4"]
    with pytest.raises(StopIteration):
        next(reader)
    with pytest.raises(StopIteration):
        next(reader)
    assert list(reader) == []
    reader.close()


def test_loops_and_next_share_the_rows() -> None:
    """`for` loops over one reader and next() on it hand out each record once."""
    data = b"h\n" + b"".join(b"%d\n" % i for i in range(20000))
    with csvr.Reader(data) as reader:
        first = next(reader)
        seen = [first]
        for row in reader:
            seen.append(row)
            if len(seen) == 5:
                break
        seen.append(next(reader))
        seen.extend(reader)
    assert [int(r[0]) for r in seen] == list(range(20000))


def test_rows_with_separator_bytes_in_fields() -> None:
    """Fields holding 0x1E/0x1F (the batch framing bytes) come back intact."""
    data = b'h1,h2\na\x1fb,"c\x1ed"\n\x1e,\x1f\n'
    with csvr.Reader(data) as reader:
        assert list(reader) == [["a\x1fb", "c\x1ed"], ["\x1e", "\x1f"]]
    with csvr.Reader(data, raw=True) as reader:
        assert list(reader) == [[b"a\x1fb", b"c\x1ed"], [b"\x1e", b"\x1f"]]


def test_position_follows_rows_across_batches() -> None:
    data = b"h\n" + b"".join(b"%d\n" % i for i in range(20000))
    with csvr.Reader(data) as reader:
        assert reader.position is None
        for i, row in enumerate(reader):
            if i % 997 == 0:
                assert reader.line == i + 2
                assert reader.position.record == i + 1  # type: ignore[union-attr]
        assert reader.position is None


def test_headers() -> None:
    with csvr.Reader(b"") as reader:
        assert reader.headers == []
        assert list(reader) == []
    with csvr.Reader(b"", raw=True) as reader:
        assert reader.headers == []
    with csvr.Reader(SMALL, has_header=False) as reader:
        assert reader.headers is None
        assert list(reader) == [["a", "b"], ["1", "2"], ["3", "4"]]
    with csvr.Reader(b"only,a,header\n") as reader:
        assert reader.headers == ["only", "a", "header"]
        assert list(reader) == []


def test_headers_are_a_copy() -> None:
    with csvr.Reader(SMALL) as reader:
        headers = reader.headers
        assert headers is not None
        headers.append("mutated")
        assert reader.headers == ["a", "b"]


def test_count_after_partial_reads(sample_bytes: bytes) -> None:
    with csvr.Reader(SAMPLE) as reader:
        for _ in range(10):
            next(reader)
        assert reader.count() == SAMPLE_COUNT - 10
        assert list(reader) == []
        assert reader.count() == 0
    with csvr.Reader(sample_bytes) as reader:
        assert reader.count() == SAMPLE_COUNT
    with csvr.Reader(SMALL, has_header=False) as reader:
        assert reader.count() == 3


def test_positions() -> None:
    with csvr.Reader(SMALL) as reader:
        assert reader.position is None
        assert reader.line is None
        next(reader)
        assert reader.position == (2, 4, 1)
        assert reader.line == 2
        next(reader)
        position = reader.position
        assert position is not None
        assert position == csvr.Position(line=3, byte=8, record=2)
        assert (position.line, position.byte, position.record) == (3, 8, 2)
        assert reader.line == 3
        with pytest.raises(StopIteration):
            next(reader)
        assert reader.position is None
        assert reader.line is None


def test_positions_without_header_and_with_multiline_records() -> None:
    data = b'x,"two\nlines"\ny,z\n'
    with csvr.Reader(data, has_header=False) as reader:
        next(reader)
        assert reader.position == (1, 0, 0)
        next(reader)
        assert reader.position == (3, 14, 1)


def test_position_after_blank_lines_is_the_records_own_line() -> None:
    # Blank lines before a record are not part of it (the csv crate's own Position
    # would name the first blank line).
    data = b"a\n1\n\n\n2\n"
    with csvr.Reader(data) as reader:
        assert next(reader) == ["1"]
        assert reader.position == (2, 2, 1)
        assert next(reader) == ["2"]
        assert reader.position == (5, 6, 2)


def test_position_after_count_is_none() -> None:
    with csvr.Reader(SMALL) as reader:
        next(reader)
        reader.count()
        assert reader.position is None


CLOSED_USES: dict[str, Callable[[csvr.Reader[str]], object]] = {
    "next": next,
    "iter": iter,
    "list": list,
    "headers": lambda r: r.headers,
    "count": lambda r: r.count(),
    "line": lambda r: r.line,
    "position": lambda r: r.position,
    "enter": lambda r: r.__enter__(),
}


@pytest.mark.parametrize("use", CLOSED_USES.values(), ids=CLOSED_USES.keys())
def test_closed_reader_raises_value_error(use: Callable[[csvr.Reader[str]], object]) -> None:
    reader = csvr.Reader(SMALL)
    reader.close()
    with pytest.raises(ValueError, match="closed"):
        use(reader)


def test_close_is_idempotent_and_closed_reports_it() -> None:
    reader = csvr.Reader(SAMPLE)
    assert not reader.closed
    reader.close()
    assert reader.closed
    reader.close()
    assert reader.closed
    assert "closed" in repr(reader)


def test_context_manager_closes() -> None:
    with csvr.Reader(SAMPLE) as reader:
        assert "open" in repr(reader) and "sample.csv" in repr(reader)
    assert reader.closed
    with pytest.raises(ValueError):
        next(reader)


def test_context_manager_closes_on_error() -> None:
    with pytest.raises(RuntimeError):
        with csvr.Reader(SMALL) as reader:
            raise RuntimeError("boom")
    assert reader.closed


def test_garbage_collected_readers_free_their_files() -> None:
    for _ in range(2000):  # would run out of file descriptors if readers leaked
        reader = csvr.Reader(SAMPLE)
        next(reader)
        del reader
    gc.collect()


def test_failed_construction_is_safe_to_collect() -> None:
    with pytest.raises(ValueError):
        csvr.Reader(SMALL, delimiter=";;")
    with pytest.raises(TypeError):
        csvr.Reader(SMALL, raw="yes")  # type: ignore[call-overload]
    gc.collect()


def test_source_data_may_change_after_open() -> None:
    data = bytearray(SMALL)
    with csvr.Reader(data) as reader:
        data[:] = b"x,y\n"  # the library copied the bytes
        assert list(reader) == [["1", "2"], ["3", "4"]]
