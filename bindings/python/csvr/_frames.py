""":func:`read_arrow` and :func:`read_polars`: a whole CSV input as a table of string
columns, through the reader's Arrow C stream (no Python object per field)."""

from __future__ import annotations

import importlib
from types import ModuleType
from typing import TYPE_CHECKING, Any, Optional

from ._arrow import STRING_VIEW
from ._reader import Reader
from ._source import Source
from ._summary import Range

if TYPE_CHECKING:
    # Neither is needed to type-check csvr itself (pyarrow has no type information).
    import polars  # type: ignore[import-not-found, unused-ignore]
    import pyarrow  # type: ignore[import-untyped, import-not-found, unused-ignore]
    from typing_extensions import Unpack

    from ._options import ByteValue, ReaderOptions

__all__ = ["read_arrow", "read_polars"]


class _Views:
    """A reader's Arrow stream with ``utf8_view``/``binary_view`` columns: polars keeps
    strings as views, so it takes these without converting them (measured: 1.3x faster
    than ``utf8`` columns converted by polars, on 256 MiB of short fields)."""

    __slots__ = ("_reader",)

    def __init__(self, reader: Reader[Any]) -> None:
        self._reader = reader

    def __arrow_c_stream__(self, requested_schema: object = None) -> object:
        return self._reader._arrow_stream(STRING_VIEW)


def _library(name: str, caller: str) -> ModuleType:
    """Import ``name`` (only when a function that needs it is called)."""
    try:
        return importlib.import_module(name)
    except ImportError as exc:
        raise ImportError(f"csvr.{caller} needs {name}: pip install {name}", name=name) from exc


def read_arrow(
    source: Source,
    *,
    raw: bool = False,
    encoding: Optional[str] = None,
    errors: Optional[str] = None,
    has_header: bool = True,
    delimiter: ByteValue = ",",
    range: Optional[Range] = None,
    **options: Unpack[ReaderOptions],
) -> pyarrow.Table:
    """Read ``source`` whole into a ``pyarrow.Table`` of string columns.

    ``source`` and the options are those of :class:`csvr.Reader` (``raw=True`` gives
    ``binary`` columns), plus ``batch_rows`` (the rows of each chunk) and
    ``truncate_ragged`` (drop the fields of a record past the last column instead of
    failing on it; see :meth:`csvr.Reader.__arrow_c_stream__` for the columns). Needs
    pyarrow (imported when called: :class:`ImportError` without it). A bad record raises
    what pyarrow raises for a failed stream (``pyarrow.ArrowInvalid``, naming its line).

    >>> read_arrow(b"city,pop\\nOslo,709000\\nBergen\\n").to_pydict()  # doctest: +SKIP
    {'city': ['Oslo', 'Bergen'], 'pop': ['709000', None]}
    """
    pa = _library("pyarrow", "read_arrow")
    with Reader(
        source,
        raw=raw,
        encoding=encoding,
        errors=errors,
        has_header=has_header,
        delimiter=delimiter,
        range=range,
        **options,
    ) as reader:
        return pa.RecordBatchReader.from_stream(reader).read_all()


def read_polars(
    source: Source,
    *,
    raw: bool = False,
    encoding: Optional[str] = None,
    errors: Optional[str] = None,
    has_header: bool = True,
    delimiter: ByteValue = ",",
    range: Optional[Range] = None,
    **options: Unpack[ReaderOptions],
) -> polars.DataFrame:
    """Read ``source`` whole into a ``polars.DataFrame`` of ``String`` columns (``Binary``
    with ``raw=True``), with the options of :func:`read_arrow` (those of
    :class:`csvr.Reader`, plus ``batch_rows`` and ``truncate_ragged``). Needs polars
    (imported when called: :class:`ImportError` without it), not pyarrow. A bad record
    raises what polars raises for a failed stream (``polars.exceptions.ComputeError``).

    >>> read_polars(b"city,pop\\nOslo,709000\\n").rows()  # doctest: +SKIP
    [('Oslo', '709000')]
    """
    pl = _library("polars", "read_polars")
    with Reader(
        source,
        raw=raw,
        encoding=encoding,
        errors=errors,
        has_header=has_header,
        delimiter=delimiter,
        range=range,
        **options,
    ) as reader:
        return pl.DataFrame(_Views(reader))
