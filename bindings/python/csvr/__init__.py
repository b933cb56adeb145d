"""csvr: a streaming, exact CSV reader and counter, backed by a Rust library.

>>> import csvr
>>> csvr.count(b"city,pop\\nOslo,709000\\nBergen,291000\\n")
2
>>> with csvr.Reader(b"city,pop\\nOslo,709000\\n") as reader:
...     reader.headers, list(reader)
(['city', 'pop'], [['Oslo', '709000']])

:func:`count` counts the records of a file or of bytes (fast, in parallel, exact);
:class:`Reader` yields them one by one as ``list[str]`` (or ``list[bytes]`` with
``raw=True``), and hands the rest of its records to pyarrow, polars, DuckDB or pandas
as an Arrow stream (``pyarrow.table(reader)``); :func:`read_arrow` and
:func:`read_polars` read a whole input into a table. Every failure is a
:class:`csvr.Error`; see its subclasses.

The native library is the one shipped inside this package; the environment variable
``CSVR_LIBRARY`` (a path to a library file) overrides it.
"""

from __future__ import annotations

from ._count import count
from ._errors import (
    Error,
    FileNotFoundIoError,
    InternalError,
    InvalidArgumentError,
    IoError,
    IsADirectoryIoError,
    NotADirectoryIoError,
    PanicError,
    ParseError,
    PermissionIoError,
    Status,
    UnknownOptionError,
    Utf8Error,
)
from ._frames import read_arrow, read_polars
from ._lib import lib as _native
from ._reader import Position, Reader
from ._summary import Range, Summary, fold, split, summarize

#: The version of the loaded library (``csvr_version()``), e.g. ``"0.2.0"``.
__version__: str = _native.csvr_version().decode("ascii")

__all__ = [
    "Error",
    "FileNotFoundIoError",
    "InternalError",
    "InvalidArgumentError",
    "IoError",
    "IsADirectoryIoError",
    "NotADirectoryIoError",
    "PanicError",
    "ParseError",
    "PermissionIoError",
    "Position",
    "Range",
    "Reader",
    "Status",
    "Summary",
    "UnknownOptionError",
    "Utf8Error",
    "__version__",
    "count",
    "fold",
    "read_arrow",
    "read_polars",
    "split",
    "summarize",
]

# Show the public names as csvr.X (not csvr._errors.X) in reprs, help() and tracebacks.
for _name in __all__:
    _public = globals()[_name]
    if hasattr(_public, "__module__"):
        _public.__module__ = __name__
del _name, _public
