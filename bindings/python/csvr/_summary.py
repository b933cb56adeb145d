"""Chunk summaries, folds, splits and ranges: cut one input into exact pieces.

:func:`summarize` reads any byte range of an input into a :class:`Summary`, a small
fixed-size value that may be pickled and sent to another process; :func:`fold` combines
the summaries of consecutive chunks, in order, into one :class:`Range` per chunk;
:func:`split` does both for a whole input. A :class:`Range` is record-aligned: reading it
with ``csvr.Reader(source, range=r)`` yields exactly its records, with the positions the
whole-input reader gives them.
"""

from __future__ import annotations

import ctypes
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any, NamedTuple

from ._errors import InvalidArgumentError, check
from ._lib import SUMMARY_WORDS, CRange, CSummary, lib
from ._options import make_options
from ._source import DATA_TYPES, Source, borrow_data, check_open, path_of

if TYPE_CHECKING:
    from typing_extensions import Unpack

    from ._options import CountOptions

__all__ = ["Range", "Summary", "fold", "split", "summarize"]


class Range(NamedTuple):
    """Records ``[first_record, first_record + records)``, which start in bytes
    ``[start, end)`` of the input; ``first_line`` is the line of the first one's first
    byte (the header, when there is one, is record 0)."""

    start: int
    end: int
    records: int
    first_record: int
    first_line: int


class Summary:
    """What one chunk of an input does, for every state the parser may be in at its
    start: made by :func:`summarize`, combined by :func:`fold`.

    A fixed-size value: ``bytes(summary)`` and :meth:`Summary.from_bytes` turn it into
    bytes and back, and it pickles, so it may be stored or sent to another process that
    runs the same version of csvr. A summary that was changed, is of another input, was
    made with other options or by another version is refused by :func:`fold` (a
    :class:`ValueError`), never answered wrongly.
    """

    __slots__ = ("_data",)

    #: The size of a summary in bytes.
    SIZE = SUMMARY_WORDS * 8

    def __init__(self, data: bytes) -> None:
        if len(data) != self.SIZE:
            raise InvalidArgumentError(
                f"a csvr summary is {self.SIZE} bytes, not {len(data)}"
            )
        self._data = bytes(data)

    @classmethod
    def from_bytes(cls, data: bytes) -> Summary:
        """The summary that ``bytes(summary)`` gave (only its size is checked here; the
        fold checks the rest)."""
        return cls(bytes(data))

    def __bytes__(self) -> bytes:
        return self._data

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Summary) and other._data == self._data

    def __hash__(self) -> int:
        return hash(self._data)

    def __reduce__(self) -> tuple[Any, tuple[bytes]]:
        return (Summary.from_bytes, (self._data,))

    def __repr__(self) -> str:
        return f"<csvr.Summary of {self.SIZE} bytes>"

    def _c(self) -> CSummary:
        return CSummary.from_buffer_copy(self._data)


def _data_or_path(source: Source, caller: str) -> tuple[Any, Any]:
    """``(path, None)`` for a path, ``(None, data)`` for in-memory data; anything else
    (a file object) cannot be cut at byte offsets."""
    path = path_of(source)
    if path is None and not isinstance(source, DATA_TYPES):
        raise TypeError(
            f"{caller}() needs a path or the data itself (bytes, bytearray, memoryview or "
            f"mmap): a file object cannot be read at byte offsets"
        )
    return path, (None if path is not None else source)


def summarize(source: Source, start: int, end: int, **options: Unpack[CountOptions]) -> Summary:
    """Summarize bytes ``[start, end)`` of ``source`` (a path, or the whole input as
    bytes-like data), with the same options as :func:`csvr.count`.

    >>> data = b"id\\n1\\n\\"a\\nb\\"\\n2\\n"
    >>> cut = 7  # inside the quoted field
    >>> parts = [summarize(data, 0, cut), summarize(data, cut, len(data))]
    >>> fold(parts)
    [Range(start=3, end=11, records=2, first_record=1, first_line=2), Range(start=11, end=13, records=1, first_record=3, first_line=5)]
    """
    if not (0 <= start <= end):
        raise InvalidArgumentError(f"need 0 <= start <= end, not start={start}, end={end}")
    path, data = _data_or_path(source, "summarize")
    out = CSummary()
    with make_options(dict(options), caller="summarize") as opts:
        if path is not None:
            check_open(lib.csvr_summarize_path(path, opts.ptr, start, end, ctypes.byref(out)), source)
        else:
            view = memoryview(data).cast("B") if not isinstance(data, bytes) else memoryview(data)
            if end > len(view):
                raise InvalidArgumentError(
                    f"the chunk [{start}, {end}) is not inside the input ({len(view)} bytes)"
                )
            with borrow_data(view[start:end]) as (ptr, size):
                check(lib.csvr_summarize_bytes(ptr, size, start, opts.ptr, ctypes.byref(out)))
    return Summary(bytes(out))


def fold(summaries: Iterable[Summary], **options: Unpack[CountOptions]) -> list[Range]:
    """Fold the summaries of consecutive chunks (from offset 0, in order) into one
    :class:`Range` per chunk: the records after the header that start in it. The sum of
    their ``records`` is :func:`csvr.count` of the input.

    Raises :class:`ValueError` for summaries out of order, of another input or made with
    other options, and :class:`csvr.ParseError` where reading the input would fail."""
    chunks = list(summaries)
    for s in chunks:
        if not isinstance(s, Summary):
            raise TypeError(f"fold() takes csvr.Summary values, not {type(s).__name__}")
    array = (CSummary * max(len(chunks), 1))(*(s._c() for s in chunks))
    ranges = (CRange * max(len(chunks), 1))()
    total = ctypes.c_uint64()
    with make_options(dict(options), caller="fold") as opts:
        check(lib.csvr_summaries_fold(array, len(chunks), opts.ptr, ranges, ctypes.byref(total)))
    return [_range(ranges[i]) for i in range(len(chunks))]


def split(source: Source, n: int, **options: Unpack[CountOptions]) -> list[Range]:
    """Split ``source`` (a path, or the data itself) into at most ``n`` record-aligned
    ranges of about equal size, summarized on ``threads`` threads (``0``: all cores).
    Ranges without records are left out: an input with fewer than ``n`` records gives
    fewer ranges, one without records none.

    >>> split(b"h\\n1\\n2\\n3\\n4\\n", 2)
    [Range(start=2, end=6, records=2, first_record=1, first_line=2), Range(start=6, end=10, records=2, first_record=3, first_line=4)]
    """
    if not isinstance(n, int) or isinstance(n, bool) or n < 1:
        raise InvalidArgumentError(f"split() needs n >= 1 ranges, not {n!r}")
    path, data = _data_or_path(source, "split")
    ranges = (CRange * n)()
    got = ctypes.c_size_t()
    with make_options(dict(options), caller="split") as opts:
        if path is not None:
            check_open(lib.csvr_split_path(path, opts.ptr, n, ranges, ctypes.byref(got)), source)
        else:
            with borrow_data(data) as (ptr, size):
                check(lib.csvr_split_bytes(ptr, size, opts.ptr, n, ranges, ctypes.byref(got)))
    return [_range(ranges[i]) for i in range(got.value)]


def _range(r: CRange) -> Range:
    return Range(r.start, r.end, r.records, r.first_record, r.first_line)


def c_range(r: Range) -> CRange:
    """A :class:`Range` (or any 5-tuple of ints) as a ``struct csvr_range``."""
    try:
        start, end, records, first_record, first_line = (int(x) for x in r)
    except (TypeError, ValueError):
        raise TypeError(f"range must be a csvr.Range, not {type(r).__name__}") from None
    if min(start, end, records, first_record, first_line) < 0:
        raise InvalidArgumentError(f"a range holds no negative numbers: {r!r}")
    return CRange(start, end, records, first_record, first_line)
