"""csvr.count over every kind of source."""

from __future__ import annotations

import array
import os
from pathlib import Path

import pytest

import csvr
from conftest import SAMPLE, SAMPLE_COUNT

SMALL = b"a,b\n1,2\n3,4\n"


def test_sample_count_from_str_path() -> None:
    assert csvr.count(str(SAMPLE)) == SAMPLE_COUNT == 4000


def test_sample_count_from_pathlib_path() -> None:
    assert csvr.count(SAMPLE) == SAMPLE_COUNT


def test_sample_count_from_bytes_path_like(tmp_path: Path) -> None:
    class BytesPath:
        def __fspath__(self) -> bytes:
            return os.fsencode(SAMPLE)

    assert csvr.count(BytesPath()) == SAMPLE_COUNT


@pytest.mark.parametrize("kind", [bytes, bytearray, memoryview])
def test_sample_count_from_data(sample_bytes: bytes, kind: type) -> None:
    assert csvr.count(kind(sample_bytes)) == SAMPLE_COUNT


@pytest.mark.parametrize("threads", [0, 1, 2, 3, 8])
def test_count_is_the_same_whatever_the_threads(sample_bytes: bytes, threads: int) -> None:
    assert csvr.count(sample_bytes, threads=threads) == SAMPLE_COUNT
    assert csvr.count(SAMPLE, threads=threads) == SAMPLE_COUNT


def test_small_counts() -> None:
    assert csvr.count(SMALL) == 2
    assert csvr.count(SMALL, has_header=False) == 3
    assert csvr.count(b"a,b\n\n1,2\n\r\n\n3,4") == 2  # blank lines are not records
    assert csvr.count(b"a,b\r\n1,2\r\n") == 1
    assert csvr.count(b"a,b\r1,2\r3,4\r") == 2
    assert csvr.count(b"\xef\xbb\xbfa,b\n1,2\n") == 1  # a BOM is not data


@pytest.mark.parametrize("empty", [b"", bytearray(), memoryview(b""), b"\n\n"])
def test_empty_input_counts_zero(empty: object) -> None:
    assert csvr.count(empty) == 0  # type: ignore[arg-type]
    assert csvr.count(empty, has_header=False) == 0  # type: ignore[arg-type]


def test_memoryview_variants(sample_bytes: bytes) -> None:
    whole = memoryview(sample_bytes)
    assert csvr.count(whole[: len(sample_bytes)]) == SAMPLE_COUNT
    # A read-only slice and a non-contiguous view are copied; the count is the same.
    assert csvr.count(memoryview(SMALL)[4:]) == 1  # "1,2\n3,4\n": header 1,2
    strided = memoryview(b"a-,-b-\n-1-,-2-\n")[::2]
    assert strided.tobytes() == b"a,b\n1,2\n"
    assert csvr.count(strided) == 1
    # A writable multi-byte-item view is read as its bytes.
    words = array.array("B", SMALL)
    assert csvr.count(memoryview(words)) == 2
    assert csvr.count(memoryview(bytearray(SMALL)).cast("c")) == 2  # type: ignore[arg-type]


def test_bytearray_is_released_after_the_call() -> None:
    data = bytearray(SMALL)
    assert csvr.count(data) == 2
    data.extend(b"5,6\n")  # would raise BufferError if an export were still held
    assert csvr.count(data) == 3


def test_non_utf8_path(tmp_path: Path) -> None:
    name = os.fsdecode(b"caf\xe9-\xff.csv")  # not UTF-8: surrogate-escaped on POSIX
    path = tmp_path / name
    try:
        path.write_bytes(SMALL)
    except (OSError, UnicodeEncodeError):
        pytest.skip("this filesystem does not take non-UTF-8 names")
    assert csvr.count(path) == 2
    assert csvr.count(os.fsencode(path).decode("utf-8", "surrogateescape")) == 2
    with csvr.Reader(path) as reader:
        assert list(reader) == [["1", "2"], ["3", "4"]]


@pytest.mark.parametrize("source", [12, None, 1.5, ["a"], open])
def test_unsupported_source_type_is_a_type_error(source: object) -> None:
    with pytest.raises(TypeError, match="source must be"):
        csvr.count(source)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="source must be"):
        csvr.Reader(source)  # type: ignore[call-overload]


def test_embedded_nul_in_path_is_rejected() -> None:
    with pytest.raises(ValueError, match="null byte"):
        csvr.count("exists\0not")
