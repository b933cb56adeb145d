"""Column selection: ``columns=`` on :class:`csvr.Reader` and :func:`csvr.count`, and the
C setters behind it called directly with bad arguments."""

from __future__ import annotations

import csv
import ctypes
import io
import random
from typing import Any

import pytest

import csvr
from csvr._lib import lib

DATA = b"id,name,city,name\n1,Ada,London,x\n2,Linus\n3,,Oslo,y\n"


@pytest.mark.parametrize("read_ahead", [True, False])
def test_indexes_in_the_callers_order(read_ahead: bool) -> None:
    with csvr.Reader(DATA, columns=[2, 0, 2], read_ahead=read_ahead) as r:
        assert r.headers == ["city", "id", "city"]
        assert list(r) == [["London", "1", "London"], ["", "2", ""], ["Oslo", "3", "Oslo"]]


def test_names_resolve_to_their_first_occurrence() -> None:
    with csvr.Reader(DATA, columns=["name", "id"]) as r:
        assert r.headers == ["name", "id"]
        assert list(r) == [["Ada", "1"], ["Linus", "2"], ["", "3"]]


def test_raw_mode_gives_missing_fields_as_empty_bytes() -> None:
    with csvr.Reader(DATA, columns=[3, 1], raw=True) as r:
        assert r.headers == [b"name", b"name"]
        assert list(r) == [[b"x", b"Ada"], [b"", b"Linus"], [b"y", b""]]


def test_missing_header_fields_are_empty() -> None:
    with csvr.Reader(b"a,b\n1,2,3\n", columns=[2, 0]) as r:
        assert r.headers == ["", "a"]
        assert list(r) == [["3", "1"]]


def test_without_a_header_indexes_work_and_names_do_not() -> None:
    with csvr.Reader(b"a,b\nc\n", has_header=False, columns=[1]) as r:
        assert r.headers is None
        assert list(r) == [["b"], [""]]
    with pytest.raises(csvr.InvalidArgumentError, match="has_header"):
        csvr.Reader(b"a,b\n", has_header=False, columns=["a"])


def test_an_unknown_name_is_named() -> None:
    with pytest.raises(csvr.InvalidArgumentError, match='"town"') as info:
        csvr.Reader(DATA, columns=["id", "town"])
    assert isinstance(info.value, ValueError)


def test_count_ignores_the_selection() -> None:
    assert csvr.count(DATA, columns=[7]) == 3
    assert csvr.count(DATA, columns=["nowhere"]) == 3
    assert csvr.count(b"a\nb\n", has_header=False, columns=["a"]) == 2
    with csvr.Reader(DATA, columns=[1]) as r:
        assert next(r) == ["Ada"]
        assert r.count() == 2
    with pytest.raises(TypeError):
        csvr.count(DATA, columns=[0, "id"])


def test_empty_or_none_selects_every_field() -> None:
    for columns in (None, [], ()):
        with csvr.Reader(DATA, columns=columns) as r:
            assert r.headers == ["id", "name", "city", "name"]
            assert next(r) == ["1", "Ada", "London", "x"]


@pytest.mark.parametrize(
    "columns, error",
    [
        ([0, "id"], TypeError),
        (["id", 0], TypeError),
        ("id", TypeError),
        (3, TypeError),
        ([True], TypeError),
        ([1.0], TypeError),
        ([-1], ValueError),
        ([1 << 70], ValueError),
        (["a\0b"], ValueError),
        (["\udc80"], ValueError),
    ],
)
def test_bad_selections_are_refused(columns: Any, error: type[Exception]) -> None:
    with pytest.raises(error):
        csvr.Reader(DATA, columns=columns)


def test_file_objects_and_encodings_select_too() -> None:
    text = DATA.decode()
    with csvr.Reader(io.StringIO(text), columns=["city"]) as r:
        assert list(r) == [["London"], [""], ["Oslo"]]
    with csvr.Reader(DATA.decode().encode("cp1252"), encoding="cp1252", columns=[1]) as r:
        assert list(r) == [["Ada"], ["Linus"], [""]]
    with csvr.Reader(text.encode("utf-16"), encoding="utf-16", columns=[2]) as r:
        assert list(r) == [["London"], [""], ["Oslo"]]


def test_many_batches_equal_the_csv_modules_projection() -> None:
    rng = random.Random(9)
    rows = [
        [str(rng.randrange(1000)) for _ in range(rng.randrange(0, 6))] or ["x"]
        for _ in range(20_000)
    ]
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerows(rows)
    data = buffer.getvalue().encode()
    columns = [4, 0, 2, 9]
    expected = [[row[i] if i < len(row) else "" for i in columns] for row in rows]
    for read_ahead in (True, False):
        with csvr.Reader(data, has_header=False, columns=columns, read_ahead=read_ahead) as r:
            assert list(r) == expected


# The C setters themselves, as ctypes passes them what a C caller might.


def _status(value: int) -> csvr.Status:
    return csvr.Status(value)


def test_c_setters_check_their_arguments() -> None:
    indexes = (ctypes.c_size_t * 1)(0)
    names = (ctypes.c_char_p * 2)(b"id", None)
    assert _status(lib.csvr_options_set_columns(None, indexes, 1)) == csvr.Status.ERR_NULL
    assert _status(lib.csvr_options_set_column_names(None, names, 1)) == csvr.Status.ERR_NULL
    opts = lib.csvr_options_new()
    try:
        assert _status(lib.csvr_options_set_columns(opts, None, 1)) == csvr.Status.ERR_NULL
        assert b"indexes" in lib.csvr_last_error_message()
        assert _status(lib.csvr_options_set_columns(opts, None, 0)) == csvr.Status.OK
        assert _status(lib.csvr_options_set_column_names(opts, None, 2)) == csvr.Status.ERR_NULL
        assert _status(lib.csvr_options_set_column_names(opts, names, 2)) == csvr.Status.ERR_NULL
        assert b"names[i]" in lib.csvr_last_error_message()
        bad = (ctypes.c_char_p * 1)(b"caf\xe9")
        assert _status(lib.csvr_options_set_column_names(opts, bad, 1)) == csvr.Status.ERR_INVALID
        assert b"not UTF-8" in lib.csvr_last_error_message()
        assert _status(lib.csvr_options_set_column_names(opts, names, 1)) == csvr.Status.OK
    finally:
        lib.csvr_options_free(opts)


def test_c_batch_missing_flags() -> None:
    opts = lib.csvr_options_new()
    reader = csvr._lib.ReaderPtr()
    try:
        indexes = (ctypes.c_size_t * 2)(1, 2)
        assert lib.csvr_options_set_columns(opts, indexes, 2) == 0
        assert lib.csvr_reader_from_bytes(DATA, len(DATA), opts, ctypes.byref(reader)) == 0
        batch = csvr._lib.Batch()
        assert lib.csvr_reader_next_batch(reader, 100, ctypes.byref(batch)) == 0
        flags = ctypes.POINTER(ctypes.c_bool)()
        assert lib.csvr_reader_batch_missing(reader, ctypes.byref(flags)) == 0
        fields = batch.record_ends[batch.records - 1]
        assert [flags[i] for i in range(fields)] == [False, False, False, True, False, False]
    finally:
        lib.csvr_reader_free(reader)
        lib.csvr_options_free(opts)
