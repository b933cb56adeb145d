"""Summaries, folds, splits and range readers: any cut of an input reads as the whole."""

from __future__ import annotations

import pickle
import random
import re
from pathlib import Path

import pytest

import csvr
from conftest import HEADER

PIECES = [b"a", b"bc", b",", b'"', b'""', b"\n", b"\r\n", b"\r", b"\n\n", b" ", b"#", b"\xef\xbb\xbf"]


def rows_with_positions(reader: csvr.Reader) -> list[tuple[list[bytes], object]]:
    out = []
    for row in reader:
        out.append((row, reader.position))
    return out


def whole(data: bytes, **options: object) -> list[tuple[list[bytes], object]]:
    with csvr.Reader(data, raw=True, read_ahead=False, **options) as r:
        return rows_with_positions(r)


def random_inputs(seed: int, count: int) -> list[bytes]:
    rng = random.Random(seed)
    return [b"".join(rng.choice(PIECES) for _ in range(rng.randrange(0, 40))) for _ in range(count)]


@pytest.mark.parametrize("options", [{}, {"has_header": False}, {"comment": "#"}, {"quoting": False}])
def test_random_cuts_fold_to_the_whole_reading(options: dict[str, object]) -> None:
    rng = random.Random(9)
    for data in random_inputs(1, 300):
        expected = whole(data, **options)
        cuts = sorted({0, len(data), *(rng.randrange(len(data) + 1) for _ in range(3))})
        summaries = [csvr.summarize(data, a, b, **options) for a, b in zip(cuts, cuts[1:])]
        ranges = csvr.fold(summaries, **options)
        assert len(ranges) == len(summaries)
        assert sum(r.records for r in ranges) == csvr.count(data, **options) == len(expected)
        joined = []
        for r in ranges:
            with csvr.Reader(data, raw=True, range=r, **options) as reader:
                got = rows_with_positions(reader)
            assert len(got) == r.records
            joined.extend(got)
        assert joined == expected, data


def test_split_of_a_file_reads_as_the_whole_file(tmp_path: Path) -> None:
    lines = [b"id,text"] + [b'%d,"line\r\n%d"' % (i, i) for i in range(2000)]
    data = b"\xef\xbb\xbf" + b"\r\n".join(lines) + b"\r\n\r\n"
    path = tmp_path / "data.csv"
    path.write_bytes(data)
    expected = whole(data)
    for n in (1, 2, 7, 64):
        ranges = csvr.split(path, n)
        assert ranges == csvr.split(data, n)
        assert ranges[0].first_record == 1 and ranges[0].first_line == 2
        assert all(a.end == b.start for a, b in zip(ranges, ranges[1:]))
        assert ranges[-1].end == len(data)
        joined = []
        for r in ranges:
            with csvr.Reader(path, raw=True, range=r) as reader:
                assert reader.headers == [b"id", b"text"]
                joined.extend(rows_with_positions(reader))
        assert joined == expected
    first, second = csvr.split(path, 2)
    with csvr.Reader(path, range=second) as reader:
        assert reader.count() == second.records


def test_summaries_travel_as_bytes_and_pickles() -> None:
    data = b"a\n1\n2\n"
    s = csvr.summarize(data, 0, 4)
    assert isinstance(s, csvr.Summary)
    assert len(bytes(s)) == csvr.Summary.SIZE
    assert csvr.Summary.from_bytes(bytes(s)) == s
    assert pickle.loads(pickle.dumps(s)) == s
    with pytest.raises(ValueError):
        csvr.Summary.from_bytes(b"junk")
    forged = bytearray(bytes(s))
    forged[0] ^= 1
    with pytest.raises(csvr.InvalidArgumentError):
        csvr.fold([csvr.Summary.from_bytes(bytes(forged)), csvr.summarize(data, 4, 6)])


def test_folds_out_of_order_or_with_other_options_are_refused() -> None:
    data = b"a,b\n1,2\n3,4\n"
    a, b = csvr.summarize(data, 0, 5), csvr.summarize(data, 5, len(data))
    assert [r.records for r in csvr.fold([a, b])] == [1, 1]
    for bad in ([b, a], [b], [a, a]):
        with pytest.raises(csvr.InvalidArgumentError):
            csvr.fold(bad)
    with pytest.raises(csvr.InvalidArgumentError):
        csvr.fold([a, b], delimiter=";")
    assert csvr.fold([]) == []


def test_a_fold_fails_where_reading_would() -> None:
    data = b"a,b\n1,2\n3\n"
    parts = [csvr.summarize(data, 0, 6, flexible=False), csvr.summarize(data, 6, len(data), flexible=False)]
    with pytest.raises(csvr.ParseError) as info:
        csvr.fold(parts, flexible=False)
    assert (info.value.line, info.value.byte, info.value.record) == (3, 8, 2)


def test_edge_cases_of_split() -> None:
    assert csvr.split(b"", 4) == []
    assert csvr.split(b"only,a,header\n", 4) == []
    ranges = csvr.split(b"h\n1\n2\n", 100)
    assert [r.records for r in ranges] == [1, 1]
    for n in (0, -1, True, 1.5):
        with pytest.raises((ValueError, TypeError)):
            csvr.split(b"h\n1\n", n)  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        csvr.split(open(__file__, "rb"), 2)  # noqa: SIM115
    with pytest.raises(csvr.FileNotFoundIoError):
        csvr.split("/no/such/file.csv", 2)


def test_bad_ranges_and_chunks_are_errors() -> None:
    data = b"h\n1\n"
    with pytest.raises(csvr.InvalidArgumentError):
        csvr.Reader(data, range=csvr.Range(0, 100, 1, 1, 2))
    with pytest.raises(csvr.InvalidArgumentError):
        csvr.summarize(data, 3, 100)
    with pytest.raises(csvr.InvalidArgumentError):
        csvr.summarize(data, 3, 1)
    with pytest.raises(TypeError):
        csvr.Reader(data, range="0-4")  # type: ignore[arg-type]
    with pytest.raises(csvr.InvalidArgumentError):
        csvr.Reader(data, range=csvr.split(data, 1)[0], encoding="latin-1")


def test_compressed_input_cannot_be_cut() -> None:
    import gzip

    packed = gzip.compress(b"h\n1\n2\n")
    with pytest.raises(csvr.InvalidArgumentError):
        csvr.split(packed, 2)
    assert len(csvr.split(packed, 2, decompress="none", has_header=False)) >= 1


def test_summary_size_matches_the_header() -> None:
    match = re.search(r"#define CSVR_SUMMARY_WORDS (\d+)", HEADER.read_text())
    assert match and int(match.group(1)) * 8 == csvr.Summary.SIZE
