"""encoding= and errors=: codecs decoded per field, transcoded codecs, UTF-16/32 byte order
marks, and decoding errors with their record's position."""

from __future__ import annotations

import codecs
import csv
import io
from pathlib import Path
from typing import Any

import pytest

import csvr

TEXT = 'name,note\r\nZoë,"a, b"\nÅsa,"two\r\nlines"\n€uro,"say ""hi"""\n'


def python_rows(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text, newline="")))


def read_all(source: Any, **options: Any) -> list[list[Any]]:
    with csvr.Reader(source, **options) as reader:
        return [reader.headers or [], *reader]


@pytest.mark.parametrize(
    "encoding",
    ["utf-8", "cp1252", "latin-1", "iso8859-15", "utf-16", "utf-16-le", "utf-16-be",
     "utf-32", "utf-8-sig", "mac-roman"],
)
def test_every_codec_reads_like_python_csv(encoding: str, tmp_path: Path) -> None:
    text = TEXT if encoding not in ("latin-1",) else TEXT.replace("€", "E")
    data = text.encode(encoding)
    path = tmp_path / "data.csv"
    path.write_bytes(data)
    expected = python_rows(text)
    for source in (data, path, io.BytesIO(data)):
        assert read_all(source, encoding=encoding) == expected, source
        assert csvr.count(source if not isinstance(source, io.BytesIO) else io.BytesIO(data),
                          encoding=encoding) == len(expected) - 1


def test_shift_jis_with_a_trail_byte_that_is_a_backslash_or_pipe() -> None:
    # "表" is 0x95 0x5C in Shift-JIS: its second byte is "\\"; "ポ" is 0x83 0x7C: "|".
    text = "a|b\n表|ポ\n"
    data = text.encode("shift_jis")
    assert b"\\" in data and data.count(b"|") == 3
    assert read_all(data, encoding="shift_jis", delimiter="|", escape="\\") == [
        ["a", "b"], ["表", "ポ"]
    ]


@pytest.mark.parametrize("bom_encoding", ["utf-16", "utf-16-be", "utf-32"])
def test_a_utf16_or_utf32_bom_is_read_as_that_without_encoding(
    bom_encoding: str, tmp_path: Path
) -> None:
    mark = {"utf-16": b"", "utf-16-be": codecs.BOM_UTF16_BE, "utf-32": b""}[bom_encoding]
    data = mark + TEXT.encode(bom_encoding)
    assert data[:2] in (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)
    path = tmp_path / "bom.csv"
    path.write_bytes(data)
    expected = python_rows(TEXT)
    for source in (data, path, io.BytesIO(data), memoryview(data)):
        assert read_all(source) == expected
    assert csvr.count(path) == csvr.count(data) == len(expected) - 1
    # raw=True: the fields are the UTF-8 bytes of the transcoded text.
    assert read_all(path, raw=True) == [[f.encode() for f in row] for row in expected]


def test_a_bom_is_not_sniffed_from_a_pipe(tmp_path: Path) -> None:
    # Only a regular file is peeked at: a FIFO must not lose its first bytes.
    import os
    import threading

    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    writer = threading.Thread(target=lambda: fifo.write_bytes(b"a,b\n1,2\n"))
    writer.start()
    assert read_all(fifo) == [["a", "b"], ["1", "2"]]
    writer.join()


def test_invalid_utf16_is_a_utf8_error_with_the_input_offset() -> None:
    data = "a,b\n1,2\n".encode("utf-16") + b"\x00\xdc"  # a lone low surrogate
    with pytest.raises(csvr.Utf8Error) as info:
        read_all(data)
    error = info.value
    assert isinstance(error, UnicodeDecodeError)
    assert error.encoding.startswith("utf-16")
    assert error.byte == len(data) - 2
    assert read_all(data, errors="replace")[-1] == ["\ufffd"]
    assert csvr.count(data) == 2  # counting never fails to decode


def test_errors_handlers_on_invalid_utf8() -> None:
    data = b"a,b\n\xff1,2\n3,\xe9\n"
    raw = read_all(data, raw=True)
    for errors in ("replace", "surrogateescape", "backslashreplace", "ignore"):
        assert read_all(data, errors=errors) == [
            [f.decode("utf-8", errors) for f in row] for row in raw
        ]
    rows = read_all(data, errors="surrogateescape")
    assert [[f.encode("utf-8", "surrogateescape") for f in row] for row in rows] == raw


def test_a_field_a_codec_cannot_decode_names_its_record() -> None:
    # 0x81 is undefined in cp1252; quoted fields make the batch unframed as well.
    records = [f'{i},"x{i}"\n'.encode() for i in range(1000)]
    records[500] = b'500,"\x81bad"\n'
    data = b"n,v\n" + b"".join(records)
    with csvr.Reader(data, raw=True) as raw_reader:
        raw_rows = []
        positions = []
        for row in raw_reader:
            raw_rows.append(row)
            positions.append(raw_reader.position)
    with csvr.Reader(data, encoding="cp1252") as reader:
        rows = []
        with pytest.raises(csvr.Utf8Error) as info:
            for row in reader:
                rows.append(row)
        assert rows == [[f.decode("cp1252") for f in r] for r in raw_rows[:500]]
        error = info.value
        assert isinstance(error, UnicodeDecodeError) and isinstance(error, ValueError)
        assert (error.line, error.byte, error.record) == tuple(positions[500])
        assert (error.encoding, error.object, error.start, error.end) == (
            "cp1252", b"\x81bad", 0, 1
        )
        assert "line 502" in str(error)
        assert reader.position is None
        # Iteration goes on with the next record, as for the library's UTF-8 errors.
        assert next(reader) == ["501", "x501"]
        assert reader.position == positions[501]
        assert reader.count() == 498


def test_count_after_a_pending_decode_error_counts_it() -> None:
    data = b"h\n1\n\x81\n3\n"
    with csvr.Reader(data, encoding="cp1252") as reader:
        assert next(reader) == ["1"]
        assert reader.count() == 2  # the bad record and the next, as csvr.count(data) - 1
    assert csvr.count(data) == 3


def test_a_header_that_does_not_decode() -> None:
    with pytest.raises(csvr.Utf8Error) as info:
        csvr.Reader(b"\x81a,b\n1,2\n", encoding="cp1252")
    assert info.value.record == 0


def test_fast_path_utf8_errors_are_unicode_decode_errors_too() -> None:
    with pytest.raises(UnicodeDecodeError) as info:
        list(csvr.Reader(b"a\n\xff\n"))
    assert isinstance(info.value, csvr.Utf8Error)
    assert info.value.status == csvr.Status.ERR_UTF8
    assert info.value.line == 2


def test_a_text_file_object_ignores_encoding() -> None:
    assert read_all(io.StringIO(TEXT), encoding="cp1252") == python_rows(TEXT)


def test_bad_encoding_and_errors() -> None:
    with pytest.raises(ValueError, match="unknown encoding"):
        csvr.Reader(b"a\n", encoding="no-such-codec")
    with pytest.raises(ValueError, match="encoding"):
        csvr.Reader(b"a\n", encoding="base64")
    with pytest.raises(ValueError, match="error handler"):
        csvr.Reader(b"a\n", errors="no-such-handler")
    with pytest.raises(TypeError):
        csvr.Reader(b"a\n", encoding=8)  # type: ignore[call-overload]


def test_positions_with_a_single_byte_codec_are_the_files() -> None:
    data = TEXT.encode("cp1252")
    with csvr.Reader(data, encoding="cp1252") as a, csvr.Reader(data, raw=True) as b:
        for _ in zip(a, b):
            assert a.position == b.position


def test_transcoding_compressed_input_is_refused_not_garbled(tmp_path: Path) -> None:
    import gzip as _gzip

    data = "h\nä\n".encode("utf-16")
    path = tmp_path / "x.csv.gz"
    path.write_bytes(_gzip.compress(data))
    with pytest.raises(csvr.InvalidArgumentError, match="gzip-compressed"):
        csvr.count(path, encoding="utf-16")
    with pytest.raises(ValueError, match=r"gzip\.open"):
        with csvr.Reader(path, encoding="utf-16") as r:
            list(r)
    # What the message says works.
    with _gzip.open(path) as f, csvr.Reader(f, encoding="utf-16") as r:
        assert list(r) == [["ä"]]
