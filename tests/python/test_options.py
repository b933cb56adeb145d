"""Options: bad values are rejected, and each option changes what is read."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

import csvr

SMALL = b"a,b\n1,2\n3,4\n"


def rows(data: bytes, **options: Any) -> list[list[str]]:
    with csvr.Reader(data, **options) as reader:
        return list(reader)


BAD_VALUES = [
    {"delimiter": ";;"},
    {"delimiter": ""},
    {"delimiter": '"'},  # == quote: the library's contradiction check
    {"quote": ","},
    {"delimiter": "é"},
    {"delimiter": "€"},
    {"delimiter": b"\xe9"},  # a non-ASCII byte: the library's setter check
    {"quote": b"ab"},
    {"escape": "\\\\"},
    {"comment": "é"},
    {"comment": "\0"},
    {"trim": "sides"},
    {"trim": "NONE"},
    {"terminator": "\r\n"},
    {"terminator": "ab"},
    {"terminator": "\u00ff"},
    {"threads": -1},
    {"threads": 1 << 70},
    {"unknown_option": 1},
]


@pytest.mark.parametrize("options", BAD_VALUES, ids=lambda o: repr(o)[1:-1])
def test_bad_option_values_are_value_errors(options: dict[str, Any]) -> None:
    with pytest.raises(ValueError) as info:
        csvr.count(SMALL, **options)
    assert isinstance(info.value, csvr.InvalidArgumentError)
    assert isinstance(info.value, csvr.Error)
    assert str(info.value)
    if "threads" not in options:  # a reader has the same checks
        with pytest.raises(csvr.InvalidArgumentError):
            csvr.Reader(SMALL, **options)


def test_contradiction_is_reported_by_the_library() -> None:
    with pytest.raises(csvr.InvalidArgumentError) as info:
        csvr.count(SMALL, delimiter=";", quote=";")
    assert info.value.status == csvr.Status.ERR_INVALID
    assert isinstance(info.value, ValueError)


def test_unknown_option_is_also_a_type_error() -> None:
    with pytest.raises(TypeError, match="unknown option 'delimeter'"):
        csvr.Reader(SMALL, delimeter=";")  # type: ignore[call-overload]


BAD_TYPES = [
    {"delimiter": 44},
    {"delimiter": None},
    {"quote": None},
    {"escape": 92},
    {"has_header": "yes"},
    {"has_header": 1},
    {"flexible": None},
    {"double_quote": "false"},
    {"quoting": 0},
    {"trim": 1},
    {"trim": None},
    {"threads": "4"},
    {"threads": 2.0},
    {"threads": True},
]


@pytest.mark.parametrize("options", BAD_TYPES, ids=lambda o: repr(o)[1:-1])
def test_bad_option_types_are_type_errors(options: dict[str, Any]) -> None:
    with pytest.raises(TypeError):
        csvr.count(SMALL, **options)


def test_byte_options_accept_one_byte_bytes() -> None:
    assert csvr.count(b"a;b\n1;2\n", delimiter=b";") == 1
    assert rows(b"a;b\n1;2\n", delimiter=b";", quote=b"'") == [["1", "2"]]


def test_defaults_written_out_change_nothing() -> None:
    options: dict[str, Any] = dict(
        delimiter=",",
        quote='"',
        escape=None,
        comment=None,
        double_quote=True,
        quoting=True,
        has_header=True,
        flexible=True,
        trim="none",
        terminator=None,
    )
    assert csvr.count(SMALL, threads=0, **options) == 2
    assert rows(SMALL, threads=0, **options) == [["1", "2"], ["3", "4"]]


def test_delimiter() -> None:
    data = b"a;b\n1;2,5\n"
    assert rows(data, delimiter=";") == [["1", "2,5"]]
    assert rows(data) == [["1;2", "5"]]
    assert rows(b"a\tb\n1\t2\n", delimiter="\t") == [["1", "2"]]


def test_quote() -> None:
    data = b"a,b\n'x,y',z\n"
    assert rows(data, quote="'") == [["x,y", "z"]]
    assert rows(data) == [["'x", "y'", "z"]]


def test_comment() -> None:
    data = b"a,b\n#note,x\n1,2\n"
    assert rows(data, comment="#") == [["1", "2"]]
    assert csvr.count(data, comment="#") == 1
    assert csvr.count(data) == 2


def test_escape() -> None:
    data = b'h\n"x\\"y"\n'
    assert rows(data, escape="\\") == [['x"y']]
    assert rows(data) == [['x\\y"']]


def test_double_quote() -> None:
    data = b'h\n"x""y"\n'
    assert rows(data) == [['x"y']]
    assert rows(data, double_quote=False) == [['x"y"']]


def test_quoting_off() -> None:
    data = b'h,i\n"x,y"\n'
    assert rows(data) == [["x,y"]]
    assert rows(data, quoting=False) == [['"x', 'y"']]
    assert csvr.count(b'h\n"a\nb"\n', quoting=False) == 2
    assert csvr.count(b'h\n"a\nb"\n') == 1


def test_trim() -> None:
    data = b" a , b \n 1 , 2 \n"
    cases = {
        "none": ([" a ", " b "], [[" 1 ", " 2 "]]),
        "headers": (["a", "b"], [[" 1 ", " 2 "]]),
        "fields": ([" a ", " b "], [["1", "2"]]),
        "all": (["a", "b"], [["1", "2"]]),
    }
    for trim, (headers, expected_rows) in cases.items():
        with csvr.Reader(data, trim=trim) as reader:
            assert reader.headers == headers, trim
            assert list(reader) == expected_rows, trim


def test_terminator() -> None:
    data = b"a,b;1,2;3\n,4;"
    assert csvr.count(data, terminator=";") == 2
    assert rows(data, terminator=";") == [["1", "2"], ["3\n", "4"]]
    assert csvr.count(data) == 1  # only the \n ends a record by default


def test_has_header_off() -> None:
    assert csvr.count(SMALL, has_header=False) == 3
    with csvr.Reader(SMALL, has_header=False) as reader:
        assert reader.headers is None
        assert reader.count() == 3


def test_flexible() -> None:
    data = b"a,b\n1\n"
    assert rows(data) == [["1"]]
    with pytest.raises(csvr.ParseError):
        rows(data, flexible=False)


def test_decompress_option(tmp_path: Path) -> None:
    import gzip
    import io

    data = b"a,b\n1,2\n3,4\n"
    packed = gzip.compress(data)
    path = tmp_path / "x.csv.gz"
    path.write_bytes(packed)
    for source in (path, packed, io.BytesIO(packed)):
        fresh = io.BytesIO(packed) if isinstance(source, io.BytesIO) else source
        assert csvr.count(fresh) == 2
        assert csvr.count(fresh if not isinstance(fresh, io.BytesIO) else io.BytesIO(packed),
                          decompress="gzip") == 2
    with csvr.Reader(path) as reader:
        assert list(reader) == [["1", "2"], ["3", "4"]]
    with csvr.Reader(packed, decompress="none", raw=True) as reader:
        assert reader.headers != [b"a", b"b"]  # the compressed bytes, as they are
    with pytest.raises(ValueError, match="decompress"):
        csvr.count(data, decompress="bzip2")
    with pytest.raises(TypeError):
        csvr.count(data, decompress=1)  # type: ignore[call-overload]
