"""What a user sees: public, documented names in tracebacks, and help() without the
reader's private helpers."""

from __future__ import annotations

import pydoc
import traceback
from pathlib import Path

import pytest

import csvr

ERRORS = [
    csvr.Error, csvr.InvalidArgumentError, csvr.UnknownOptionError, csvr.ParseError,
    csvr.Utf8Error, csvr.IoError, csvr.FileNotFoundIoError, csvr.PermissionIoError,
    csvr.IsADirectoryIoError, csvr.NotADirectoryIoError, csvr.InternalError, csvr.PanicError,
]


@pytest.mark.parametrize("cls", ERRORS, ids=lambda c: c.__name__)
def test_error_classes_have_public_documented_names(cls: type) -> None:
    assert cls.__module__ == "csvr"
    assert not cls.__qualname__.startswith("_")
    assert getattr(csvr, cls.__qualname__) is cls
    assert cls.__qualname__ in csvr.__all__
    assert cls.__doc__


def test_tracebacks_show_public_names(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError) as missing:
        csvr.count(tmp_path / "missing.csv")
    assert type(missing.value) is csvr.FileNotFoundIoError
    assert "csvr.FileNotFoundIoError:" in "".join(traceback.format_exception(missing.value))
    with pytest.raises(TypeError) as unknown:
        csvr.count(b"a\n", delimeter=";")  # type: ignore[call-overload]
    assert type(unknown.value) is csvr.UnknownOptionError
    assert isinstance(unknown.value, ValueError)
    assert "csvr.UnknownOptionError:" in "".join(traceback.format_exception(unknown.value))
    with pytest.raises(IsADirectoryError) as directory:
        csvr.count(tmp_path)
    assert type(directory.value) is csvr.IsADirectoryIoError


OPTIONS = [
    "delimiter", "quote", "escape", "comment", "double_quote", "quoting", "has_header",
    "flexible", "trim", "terminator", "decompress",
]


def test_help_of_reader_documents_the_options_and_hides_helpers() -> None:
    text = pydoc.render_doc(csvr.Reader, renderer=pydoc.plaintext)
    for option in [*OPTIONS, "raw", "encoding", "errors", "max_record_bytes", "read_ahead"]:
        assert option in text, option
    for private in ("_refill", "_decode", "_fields", "_take", "_open", "_check", "_batches"):
        assert private not in text, private
    assert "**options: Any" not in text and "**options: 'Any'" not in text
    for public in ("headers", "count", "position", "close", "line"):
        assert public in text


def test_help_of_count_documents_the_options() -> None:
    text = pydoc.render_doc(csvr.count, renderer=pydoc.plaintext)
    for option in [*OPTIONS, "threads", "encoding", "mmap"]:
        assert option in text, option
