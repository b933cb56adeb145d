"""Text mode: which codec turns the library's bytes into ``str``, and how.

The library parses bytes. That is right for every encoding in which a byte below 0x80 is
always that ASCII character and never part of a longer sequence: UTF-8 and the
single-byte codecs (latin-1, cp1252, the ISO 8859 family, ...). For those the library
parses the input as it is and each field is decoded here (UTF-8 with ``errors="strict"``,
the default, is checked by the library itself: the fast path). Any other codec (UTF-16,
UTF-32, Shift-JIS, EBCDIC, ...) would hide delimiters and newlines inside multi-byte
units, so such input is transcoded to UTF-8 in Python before the library sees it (see
:mod:`csvr._stream`).
"""

from __future__ import annotations

import codecs
from functools import lru_cache
from typing import NamedTuple, Optional

from ._errors import InvalidArgumentError, Utf8Error

__all__ = ["Codec", "codec_of", "check_errors", "decode_records", "decode_error"]


class Codec(NamedTuple):
    """A codec as Python names it, and whether the library can parse its bytes."""

    name: str
    parses_as_bytes: bool


def check_errors(errors: object) -> str:
    """``errors`` if it names a codec error handler (``"strict"``, ``"replace"``, ...)."""
    if not isinstance(errors, str):
        raise TypeError(f"errors must be a str, not {type(errors).__name__}")
    try:
        codecs.lookup_error(errors)
    except LookupError as exc:
        raise InvalidArgumentError(f"unknown error handler {errors!r}") from exc
    return errors


def codec_of(encoding: object) -> Codec:
    """The :class:`Codec` for the ``encoding`` argument; :class:`ValueError` if Python
    has no such text encoding."""
    if not isinstance(encoding, str):
        raise TypeError(f"encoding must be a str or None, not {type(encoding).__name__}")
    try:
        name = codecs.lookup(encoding).name
        b"-".decode(name, "replace")  # refuses a bytes-to-bytes codec such as "base64"
    except LookupError as exc:
        raise InvalidArgumentError(f"unknown encoding {encoding!r}: {exc}") from exc
    return _codec(name)


@lru_cache(maxsize=None)
def _codec(name: str) -> Codec:
    if name in ("utf-8", "utf-8-sig"):
        # The library drops a UTF-8 BOM at the start already, so utf-8-sig is utf-8.
        return Codec("utf-8", True)
    return Codec(name, _single_byte_ascii(name))


def _single_byte_ascii(name: str) -> bool:
    """Whether ``name`` decodes each byte alone to one character, and bytes below 0x80
    to the same ASCII character: then delimiters, quotes and newlines are bytes the
    library can find."""
    every_byte = bytes(range(256))
    try:
        whole = every_byte.decode(name, "surrogateescape")
        alone = [every_byte[i : i + 1].decode(name, "surrogateescape") for i in range(256)]
    except (UnicodeError, ValueError, TypeError):
        return False
    if len(whole) != 256 or list(whole) != alone:
        return False
    return whole[:128] == every_byte[:128].decode("ascii")


def decode_error(
    exc: UnicodeDecodeError,
    field: bytes,
    index: int,
    *,
    encoding: str,
    line: Optional[int],
    byte: Optional[int],
    record: Optional[int],
) -> Utf8Error:
    """The :class:`csvr.Utf8Error` for field ``index`` (``field``, its bytes) of a record
    that Python's codec could not decode."""
    where = "" if line is None else f" at line {line}, byte {byte}, record {record}"
    if line is None and record is not None:
        where = f" in record {record}"
    bad = field[exc.start : exc.end]
    message = (
        f"cannot decode field {index} as {encoding} ({exc.reason}: {bad!r} at offset "
        f"{exc.start} of the field){where}"
    )
    return Utf8Error(
        message,
        line=line,
        byte=byte,
        record=record,
        encoding=encoding,  # the name asked for: a charmap codec says "charmap"
        object=field,
        start=exc.start,
        end=exc.end,
        reason=exc.reason,
    )


class Failure(NamedTuple):
    """The first record that did not decode: its index, the field's and the codec's error."""

    record: int
    field: int
    fields: list[bytes]
    error: UnicodeDecodeError


def decode_records(
    records: list[list[bytes]], encoding: str, errors: str
) -> tuple[list[list[str]], Optional[Failure]]:
    """Decode ``records`` up to the first that fails; return the decoded ones and the
    failure (``None`` if all decoded)."""
    rows: list[list[str]] = []
    append = rows.append
    for i, fields in enumerate(records):
        try:
            append([f.decode(encoding, errors) for f in fields])
        except UnicodeDecodeError as exc:
            for j, f in enumerate(fields):
                try:
                    f.decode(encoding, errors)
                except UnicodeDecodeError as field_exc:
                    return rows, Failure(i, j, fields, field_exc)
            return rows, Failure(i, 0, fields, exc)  # pragma: no cover - decode is pure
    return rows, None
