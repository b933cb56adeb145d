""":func:`count`: the exact number of records in a file or in bytes."""

from __future__ import annotations

import ctypes
from typing import TYPE_CHECKING, Any, Optional

from ._errors import check
from ._lib import lib
from ._options import make_options
from ._source import Source, borrow_data, check_open, open_input

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
    encoding: Optional[str] = None,
    **options: Unpack[CountOptions],
) -> int:
    """Return the number of records in ``source``, the header not included.

    ``source`` is a path (``str`` or :class:`os.PathLike`; a ``str`` is always a path),
    the CSV data itself (``bytes``, ``bytearray``, ``memoryview`` or :class:`mmap.mmap`,
    read in place without a copy: pass an ``mmap`` to count a mapped file, and do not let
    the file shrink meanwhile, which would crash the process with ``SIGBUS``), or a
    binary or text file object, streamed in constant memory (see :class:`csvr.Reader`).
    The count is exact: it is the number of rows :class:`csvr.Reader` yields with the
    same options. Blank lines are not records.

    Options (keyword-only): ``delimiter``, ``quote``, ``escape`` (``None``),
    ``comment`` (``None``), ``double_quote`` (``True``), ``quoting`` (``True``),
    ``has_header`` (``True``), ``flexible`` (``True``; ``False`` makes a record with a
    different number of fields from the first an error), ``trim`` (``"none"``,
    ``"headers"``, ``"fields"`` or ``"all"``), ``terminator`` (``None``: any of ``\\n``,
    ``\\r\\n``, ``\\r``; or one character), ``threads`` (``0``: all cores),
    ``decompress`` (``"auto"``: gzip and zstd found by their magic bytes; ``"none"``,
    ``"gzip"``, ``"zstd"``), ``encoding`` (``None``: the bytes as they are, unless they
    start with a UTF-16 or UTF-32 byte order mark; a codec such as ``"utf-16"`` that the
    library cannot parse as bytes is transcoded to UTF-8 first, as for a reader),
    ``columns`` (accepted, and checked as :class:`csvr.Reader` checks it, but ignored:
    every record counts whichever fields are selected). A byte option is a
    one-character ASCII ``str`` (or a one-byte ``bytes``).

    Raises :class:`csvr.IoError` (an :class:`OSError`) if the file cannot be read,
    :class:`csvr.ParseError` for a ragged record with ``flexible=False``, and
    :class:`ValueError` (:class:`csvr.InvalidArgumentError`) for bad options.

    >>> count(b"a,b\\n1,2\\n3,4\\n")
    2
    """
    out = ctypes.c_uint64()
    settings: dict[str, Any] = {
        "has_header": has_header,
        "delimiter": delimiter,
        "quote": quote,
        "threads": threads,
        **options,
    }
    with make_options(settings, caller="count") as opts:
        # Counting decodes nothing: a transcoded input replaces what does not decode.
        source_input = open_input(source, encoding=encoding, errors="replace", sniff_bom=True)
        try:
            stream = source_input.stream
            if source_input.path is not None:
                status = lib.csvr_count_path(source_input.path, opts.ptr, ctypes.byref(out))
                check_open(status, source)
            elif stream is not None:
                status = lib.csvr_count_callback(stream.fn, None, opts.ptr, ctypes.byref(out))
                stream.check(status, source_input.filename)
            else:
                with borrow_data(source_input.data) as (data, size):
                    check(lib.csvr_count_bytes(data, size, opts.ptr, ctypes.byref(out)))
        finally:
            source_input.close()
    return out.value
