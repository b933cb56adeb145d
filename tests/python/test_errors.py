"""Every error path: I/O, UTF-8, parse errors, and the exception classes themselves."""

from __future__ import annotations

import ctypes
import errno
import os
import pickle
from pathlib import Path

import pytest

import csvr

BAD_UTF8 = b"a,b\n1,2\n\xff\xfe,3\n4,5\n"


@pytest.mark.parametrize("call", ["count", "reader"])
def test_missing_file(tmp_path: Path, call: str) -> None:
    missing = tmp_path / "missing.csv"
    with pytest.raises(FileNotFoundError) as info:
        if call == "count":
            csvr.count(missing)
        else:
            csvr.Reader(missing)
    error = info.value
    assert isinstance(error, csvr.IoError)
    assert isinstance(error, csvr.Error)
    assert isinstance(error, OSError)
    assert error.errno == errno.ENOENT
    assert error.strerror == os.strerror(errno.ENOENT)
    assert error.filename == str(missing)
    assert error.status == csvr.Status.ERR_IO
    assert (error.line, error.byte, error.record) == (None, None, None)
    assert "missing.csv" in str(error)


@pytest.mark.parametrize("call", ["count", "reader"])
def test_directory(tmp_path: Path, call: str) -> None:
    with pytest.raises(IsADirectoryError) as info:
        if call == "count":
            csvr.count(tmp_path)
        else:
            csvr.Reader(tmp_path)
    assert isinstance(info.value, csvr.IoError)
    assert info.value.errno == errno.EISDIR


def test_not_a_directory(tmp_path: Path) -> None:
    file = tmp_path / "file"
    file.write_bytes(b"a\n")
    with pytest.raises(NotADirectoryError) as info:
        csvr.count(file / "below.csv")
    assert isinstance(info.value, csvr.IoError)


@pytest.mark.skipif(
    not hasattr(os, "geteuid") or os.geteuid() == 0, reason="root may read any file"
)
def test_permission_denied(tmp_path: Path) -> None:
    locked = tmp_path / "locked.csv"
    locked.write_bytes(b"a\n1\n")
    locked.chmod(0)
    with pytest.raises(PermissionError) as info:
        csvr.count(locked)
    assert isinstance(info.value, csvr.IoError)


def test_empty_path_is_invalid() -> None:
    with pytest.raises(csvr.InvalidArgumentError) as info:
        csvr.count("")
    assert isinstance(info.value, ValueError)
    assert info.value.status == csvr.Status.ERR_INVALID


def test_invalid_utf8_in_text_mode() -> None:
    with csvr.Reader(BAD_UTF8) as reader:
        assert next(reader) == ["1", "2"]
        with pytest.raises(csvr.Utf8Error) as info:
            next(reader)
        error = info.value
        assert isinstance(error, csvr.Error)
        assert isinstance(error, ValueError)
        assert error.status == csvr.Status.ERR_UTF8
        assert (error.line, error.byte, error.record) == (3, 8, 2)
        assert "line 3" in str(error)
        assert reader.position is None
        # The reader goes on with the record after the bad one.
        assert next(reader) == ["4", "5"]
        assert reader.line == 4


def test_invalid_utf8_in_the_header() -> None:
    with pytest.raises(csvr.Utf8Error) as info:
        csvr.Reader(b"\xffa,b\n1,2\n")
    assert info.value.line == 1
    assert info.value.record == 0


def test_invalid_utf8_in_raw_mode_reads(tmp_path: Path) -> None:
    path = tmp_path / "latin1.csv"
    path.write_bytes(BAD_UTF8)
    for source in (BAD_UTF8, path):
        with csvr.Reader(source, raw=True) as reader:
            assert list(reader) == [[b"1", b"2"], [b"\xff\xfe", b"3"], [b"4", b"5"]]
    assert csvr.count(BAD_UTF8) == 3  # counting never decodes
    with csvr.Reader(BAD_UTF8) as reader:
        assert reader.count() == 3


RAGGED = b"a,b\n1,2\n3\n4,5\n"


def test_ragged_rows_are_fine_when_flexible() -> None:
    assert csvr.count(RAGGED) == 3
    with csvr.Reader(RAGGED) as reader:
        assert list(reader) == [["1", "2"], ["3"], ["4", "5"]]


def check_ragged_error(error: csvr.ParseError) -> None:
    assert isinstance(error, csvr.Error)
    assert isinstance(error, ValueError)
    assert error.status == csvr.Status.ERR_PARSE
    assert (error.line, error.byte, error.record) == (3, 8, 2)
    assert "record 2" in str(error)


@pytest.mark.parametrize("source", [RAGGED, bytearray(RAGGED)])
def test_ragged_rows_when_not_flexible_count(source: bytes) -> None:
    with pytest.raises(csvr.ParseError) as info:
        csvr.count(source, flexible=False)
    check_ragged_error(info.value)


def test_ragged_rows_when_not_flexible_count_path(tmp_path: Path) -> None:
    path = tmp_path / "ragged.csv"
    path.write_bytes(RAGGED)
    with pytest.raises(csvr.ParseError) as info:
        csvr.count(path, flexible=False)
    check_ragged_error(info.value)


def test_ragged_rows_when_not_flexible_reader() -> None:
    with csvr.Reader(RAGGED, flexible=False) as reader:
        assert next(reader) == ["1", "2"]
        with pytest.raises(csvr.ParseError) as info:
            next(reader)
        check_ragged_error(info.value)
    with csvr.Reader(RAGGED, flexible=False) as reader:
        with pytest.raises(csvr.ParseError) as info:
            reader.count()
        check_ragged_error(info.value)


def test_every_status_has_a_class() -> None:
    from csvr._errors import _CLASS_BY_STATUS

    failures = {s for s in csvr.Status if s < 0}
    assert set(_CLASS_BY_STATUS) == failures
    assert _CLASS_BY_STATUS[csvr.Status.ERR_PARSE] is csvr.ParseError
    assert _CLASS_BY_STATUS[csvr.Status.ERR_UTF8] is csvr.Utf8Error
    assert _CLASS_BY_STATUS[csvr.Status.ERR_IO] is csvr.IoError
    assert _CLASS_BY_STATUS[csvr.Status.ERR_INVALID] is csvr.InvalidArgumentError
    assert issubclass(_CLASS_BY_STATUS[csvr.Status.ERR_NULL], csvr.InternalError)
    assert issubclass(_CLASS_BY_STATUS[csvr.Status.ERR_PANIC], csvr.InternalError)
    for cls in _CLASS_BY_STATUS.values():
        assert issubclass(cls, csvr.Error)


def test_status_values_match_the_header() -> None:
    from conftest import HEADER

    text = HEADER.read_text()
    for status in csvr.Status:
        assert f"CSVR_{status.name} = {status.value}," in text


def test_library_null_error_is_an_internal_error() -> None:
    from csvr._lib import lib

    out = ctypes.c_uint64()
    status = lib.csvr_count_bytes(None, 5, None, ctypes.byref(out))  # NULL with length 5
    assert status == csvr.Status.ERR_NULL
    from csvr._errors import error_from_status

    error = error_from_status(status)
    assert type(error) is csvr.InternalError
    assert isinstance(error, RuntimeError)
    assert error.status == csvr.Status.ERR_NULL
    assert error.message  # the library's own message


def test_errors_pickle(tmp_path: Path) -> None:
    with pytest.raises(csvr.Utf8Error) as utf8:
        list(csvr.Reader(BAD_UTF8))
    with pytest.raises(csvr.IoError) as io:
        csvr.count(tmp_path / "nope.csv")
    for error in (utf8.value, io.value):
        copy = pickle.loads(pickle.dumps(error))
        assert type(copy) is type(error)
        assert str(copy) == str(error)
        assert (copy.status, copy.line, copy.byte, copy.record) == (
            error.status,
            error.line,
            error.byte,
            error.record,
        )
    copy = pickle.loads(pickle.dumps(io.value))
    assert isinstance(copy, FileNotFoundError)
    assert (copy.errno, copy.filename) == (errno.ENOENT, str(tmp_path / "nope.csv"))
