"""Positions name the record's real start: its first byte and that byte's line.

The Rust csv crate's own Position starts a record where the previous one ended, so blank
lines and the '\\n' of every CRLF would fall inside the next record; csvr's do not.
"""

from __future__ import annotations

import pytest

import csvr


def test_crlf_rows_are_on_their_own_lines() -> None:
    with csvr.Reader(b"a,b\r\n1,2\r\n3,4\r\n") as reader:
        lines = [(reader.line, reader.position) for _ in reader]
    assert lines == [(2, (2, 5, 1)), (3, (3, 10, 2))]


def test_a_ragged_record_after_blank_lines_names_its_own_line() -> None:
    data = b"a,b\n1,2\n\n\n3\n"
    with pytest.raises(csvr.ParseError) as info:
        csvr.count(data, flexible=False)
    assert (info.value.line, info.value.byte, info.value.record) == (5, 10, 2)
    assert "at line 5, byte 10, record 2" in str(info.value)
    with csvr.Reader(data, flexible=False) as reader:
        assert next(reader) == ["1", "2"]
        with pytest.raises(csvr.ParseError) as info:
            next(reader)
    assert (info.value.line, info.value.byte, info.value.record) == (5, 10, 2)


def test_a_bom_blank_lines_and_comments_come_before_the_first_byte() -> None:
    data = b"\xef\xbb\xbf\nh\n# a note\n\nx\n"
    with csvr.Reader(data, comment="#") as reader:
        assert reader.headers == ["h"]
        assert next(reader) == ["x"]
        assert reader.position == (5, 16, 1)


def test_a_utf8_error_names_the_record_that_holds_the_bad_bytes() -> None:
    with csvr.Reader(b"h\r\nok\r\n\r\nbad\xff\r\n") as reader:
        assert next(reader) == ["ok"]
        with pytest.raises(csvr.Utf8Error) as info:
            next(reader)
    assert (info.value.line, info.value.byte, info.value.record) == (4, 9, 2)
