""":func:`count`: the exact number of records in a file or in bytes."""

from __future__ import annotations

import ctypes
from typing import TYPE_CHECKING, Any

from ._errors import check
from ._lib import lib
from ._options import make_options
from ._source import Source, borrow_data, filename_of, path_of

if TYPE_CHECKING:
    from typing_extensions import Unpack

    from ._options import ByteValue, CountOptions

__all__ = ["count"]


def count(
    source: Source,
    *,
    has_header: bool = True,
    delimiter: ByteValue = ",",
    quote: ByteValue = '"',
    threads: int = 0,
    **options: Unpack[CountOptions],
) -> int:
    """Return the number of records in ``source``, the header not included.

    ``source`` is a path (``str`` or :class:`os.PathLike`) or the CSV data itself
    (``bytes``, ``bytearray`` or ``memoryview``, read in place without a copy where
    possible). The count is exact: it is the number of rows :class:`csvr.Reader` yields
    with the same options. Blank lines are not records.

    Options (keyword-only): ``delimiter``, ``quote``, ``escape`` (``None``),
    ``comment`` (``None``), ``double_quote`` (``True``), ``quoting`` (``True``),
    ``has_header`` (``True``), ``flexible`` (``True``; ``False`` makes a record with a
    different number of fields from the first an error), ``trim`` (``"none"``,
    ``"headers"``, ``"fields"`` or ``"all"``), ``terminator`` (``None``: any of ``\\n``,
    ``\\r\\n``, ``\\r``; or one character), ``threads`` (``0``: all cores). A byte option
    is a one-character ASCII ``str`` (or a one-byte ``bytes``).

    Raises :class:`csvr.IoError` (an :class:`OSError`) if the file cannot be read,
    :class:`csvr.ParseError` for a ragged record with ``flexible=False``, and
    :class:`ValueError` (:class:`csvr.InvalidArgumentError`) for bad options.

    >>> count(b"a,b\\n1,2\\n3,4\\n")
    2
    """
    path = path_of(source)
    out = ctypes.c_uint64()
    settings: dict[str, Any] = {
        "has_header": has_header,
        "delimiter": delimiter,
        "quote": quote,
        "threads": threads,
        **options,
    }
    with make_options(settings, caller="count") as opts:
        if path is not None:
            status = lib.csvr_count_path(path, opts.ptr, ctypes.byref(out))
            check(status, filename_of(source))
        else:
            assert isinstance(source, (bytes, bytearray, memoryview))
            with borrow_data(source) as (data, size):
                check(lib.csvr_count_bytes(data, size, opts.ptr, ctypes.byref(out)))
    return out.value
