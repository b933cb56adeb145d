"""Finding and loading the csvr shared library, and the ctypes declaration of its C ABI.

Every function of ``include/csvr.h`` is declared here with its ``argtypes`` and
``restype``; the rest of the package calls the library only through :data:`lib`. The
library is the one built by ``pip install`` and shipped inside this package; the
environment variable ``CSVR_LIBRARY`` (a path to a library file) overrides it.
"""

from __future__ import annotations

import ctypes
import os
from pathlib import Path

__all__ = [
    "ArrowArrayStream",
    "ArrowRelease",
    "ArrowSchema",
    "Batch",
    "CRange",
    "CSummary",
    "ReadFn",
    "SUMMARY_WORDS",
    "StreamGetLastError",
    "StreamGetNext",
    "StreamGetSchema",
    "CPosition",
    "LIBRARY_ENV",
    "LIBRARY_PATH",
    "ByteAddress",
    "OptionsPtr",
    "ReaderPtr",
    "find_library",
    "lib",
]

#: The environment variable that, when set, names the library file to load.
LIBRARY_ENV = "CSVR_LIBRARY"

# setuptools-rust names the library after the target ``csvr.libcsvr`` with the
# interpreter's extension suffix (libcsvr.cpython-311-x86_64-linux-gnu.so, ...,
# libcsvr.cp311-win_amd64.pyd); a hand-placed copy has the platform's plain name.
_LIBRARY_PATTERNS = (
    "libcsvr*.so",
    "libcsvr*.dylib",
    "libcsvr*.pyd",
    "libcsvr*.dll",
    "csvr*.dll",
)


def find_library() -> str:
    """Return the path of the library to load.

    ``$CSVR_LIBRARY`` if it is set and not empty, else the single library file inside
    this package. Raises :class:`ImportError` if the package holds none (or several).
    """
    override = os.environ.get(LIBRARY_ENV)
    if override:
        return override
    package_dir = Path(__file__).resolve().parent
    found = sorted({p for pattern in _LIBRARY_PATTERNS for p in package_dir.glob(pattern)})
    if len(found) == 1:
        return str(found[0])
    if not found:
        raise ImportError(
            f"csvr: no native library in {package_dir} (install the package with "
            f"`pip install ./bindings/python`, or set {LIBRARY_ENV} to the library's path)"
        )
    names = ", ".join(p.name for p in found)
    raise ImportError(
        f"csvr: several native libraries in {package_dir} ({names}); reinstall the "
        f"package, or set {LIBRARY_ENV} to the one to use"
    )


def _load(path: str) -> ctypes.CDLL:
    try:
        return ctypes.CDLL(path)
    except OSError as exc:
        origin = f" (from ${LIBRARY_ENV})" if os.environ.get(LIBRARY_ENV) else ""
        raise ImportError(f"csvr: cannot load the native library {path!r}{origin}: {exc}") from exc


class _Options(ctypes.Structure):
    """``struct csvr_options``: opaque, only ever handled through a pointer."""


class _Reader(ctypes.Structure):
    """``struct csvr_reader``: opaque, only ever handled through a pointer."""


#: ``csvr_options *`` (a NULL pointer is falsy).
OptionsPtr = ctypes.POINTER(_Options)
#: ``csvr_reader *`` (a NULL pointer is falsy).
ReaderPtr = ctypes.POINTER(_Reader)


class CPosition(ctypes.Structure):
    """``struct csvr_position``: where a record starts."""

    _fields_ = [
        ("line", ctypes.c_uint64),
        ("byte", ctypes.c_uint64),
        ("record", ctypes.c_uint64),
    ]


class Batch(ctypes.Structure):
    """``struct csvr_batch``: many records at once, from ``csvr_reader_next_batch``.

    Every pointer is borrowed from the reader until its next advancing call.
    """

    _fields_ = [
        ("data", ctypes.c_void_p),
        ("len", ctypes.c_size_t),
        ("field_ends", ctypes.POINTER(ctypes.c_size_t)),
        ("record_ends", ctypes.POINTER(ctypes.c_size_t)),
        ("positions", ctypes.c_void_p),
        ("records", ctypes.c_size_t),
        ("framed", ctypes.c_bool),
    ]


#: ``CSVR_SUMMARY_WORDS``: the 64-bit words of a ``struct csvr_summary``.
SUMMARY_WORDS = 268


class CSummary(ctypes.Structure):
    """``struct csvr_summary``: a chunk's summary, a fixed-size block of integers."""

    _fields_ = [("words", ctypes.c_uint64 * SUMMARY_WORDS)]


class CRange(ctypes.Structure):
    """``struct csvr_range``: a record-aligned range of an input."""

    _fields_ = [
        ("start", ctypes.c_uint64),
        ("end", ctypes.c_uint64),
        ("records", ctypes.c_uint64),
        ("first_record", ctypes.c_uint64),
        ("first_line", ctypes.c_uint64),
    ]


#: The ``release`` callback of ``struct ArrowSchema`` and ``struct ArrowArrayStream``, with
#: the struct as a plain address (``c_void_p``).
ArrowRelease = ctypes.CFUNCTYPE(None, ctypes.c_void_p)


class ArrowSchema(ctypes.Structure):
    """``struct ArrowSchema`` of the Arrow C Data interface (filled by a stream's
    ``get_schema``, or read in a ``requested_schema``). ``release`` is NULL (falsy) once
    it has been released or moved out by a consumer."""


ArrowSchema._fields_ = [
    ("format", ctypes.c_char_p),
    ("name", ctypes.c_char_p),
    ("metadata", ctypes.c_void_p),  # binary, not NUL-terminated
    ("flags", ctypes.c_int64),
    ("n_children", ctypes.c_int64),
    ("children", ctypes.POINTER(ctypes.POINTER(ArrowSchema))),
    ("dictionary", ctypes.POINTER(ArrowSchema)),
    ("release", ArrowRelease),
    ("private_data", ctypes.c_void_p),
]

#: The callbacks of ``struct ArrowArrayStream``, with every pointer as a plain address
#: (``c_void_p``), so that a stream at any address can be called and forwarded to.
StreamGetSchema = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.c_void_p, ctypes.c_void_p)
StreamGetNext = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.c_void_p, ctypes.c_void_p)
StreamGetLastError = ctypes.CFUNCTYPE(ctypes.c_void_p, ctypes.c_void_p)


class ArrowArrayStream(ctypes.Structure):
    """``struct ArrowArrayStream`` of the Arrow C Stream interface: five pointers, the
    producer's callbacks and its private data. ``release`` is NULL (falsy) once the
    stream has been released or moved out by a consumer."""

    _fields_ = [
        ("get_schema", StreamGetSchema),
        ("get_next", StreamGetNext),
        ("get_last_error", StreamGetLastError),
        ("release", ArrowRelease),
        ("private_data", ctypes.c_void_p),
    ]


#: ``typedef ptrdiff_t (*csvr_read_fn)(void *user_data, uint8_t *buf, size_t len)``.
#: ``use_errno``: ctypes copies the errno a callback sets with :func:`ctypes.set_errno`
#: to the C ``errno`` that the library reads when the callback returns -1.
ReadFn = ctypes.CFUNCTYPE(
    ctypes.c_ssize_t, ctypes.c_void_p, ctypes.c_void_p, ctypes.c_size_t, use_errno=True
)

#: ``const uint8_t *`` as an out-parameter target: held as a plain address so that
#: ``ctypes.string_at(addr.value, n)`` copies the bytes without an intermediate cast.
ByteAddress = ctypes.c_void_p

_status = ctypes.c_int  # enum csvr_status: a C enum, int-sized
_trim = ctypes.c_int  # csvr_trim is a typedef of int
_u8 = ctypes.c_uint8
_u64p = ctypes.POINTER(ctypes.c_uint64)
_sizep = ctypes.POINTER(ctypes.c_size_t)
_data = ctypes.c_void_p  # const uint8_t *data: accepts bytes, ctypes arrays and None
_streamp = ctypes.c_void_p  # struct ArrowArrayStream *out: an address (see ArrowArrayStream)

# name: (restype, argtypes), in the order of include/csvr.h.
_SIGNATURES: dict[str, tuple[object, list[object]]] = {
    "csvr_version": (ctypes.c_char_p, []),
    "csvr_status_name": (ctypes.c_char_p, [ctypes.c_int]),
    "csvr_arrow_open": (_status, [ctypes.c_char_p, OptionsPtr, _streamp]),
    "csvr_arrow_from_bytes": (_status, [_data, ctypes.c_size_t, OptionsPtr, _streamp]),
    "csvr_arrow_open_range": (
        _status,
        [ctypes.c_char_p, OptionsPtr, ctypes.POINTER(CRange), _streamp],
    ),
    "csvr_reader_arrow_stream": (_status, [ReaderPtr, ctypes.c_size_t, ctypes.c_int, _streamp]),
    "csvr_count_path": (_status, [ctypes.c_char_p, OptionsPtr, _u64p]),
    "csvr_count_bytes": (_status, [_data, ctypes.c_size_t, OptionsPtr, _u64p]),
    "csvr_last_error_message": (ctypes.c_char_p, []),
    "csvr_last_error_os_error": (ctypes.c_int32, []),
    "csvr_last_error_position": (ctypes.c_bool, [_u64p, _u64p, _u64p]),
    "csvr_options_new": (OptionsPtr, []),
    "csvr_options_clone": (OptionsPtr, [OptionsPtr]),
    "csvr_options_free": (None, [OptionsPtr]),
    "csvr_options_set_delimiter": (_status, [OptionsPtr, _u8]),
    "csvr_options_set_quote": (_status, [OptionsPtr, _u8]),
    "csvr_options_set_escape": (_status, [OptionsPtr, _u8]),
    "csvr_options_set_comment": (_status, [OptionsPtr, _u8]),
    "csvr_options_set_has_header": (_status, [OptionsPtr, ctypes.c_bool]),
    "csvr_options_set_flexible": (_status, [OptionsPtr, ctypes.c_bool]),
    "csvr_options_set_double_quote": (_status, [OptionsPtr, ctypes.c_bool]),
    "csvr_options_set_quoting": (_status, [OptionsPtr, ctypes.c_bool]),
    "csvr_options_set_trim": (_status, [OptionsPtr, _trim]),
    "csvr_options_set_terminator": (_status, [OptionsPtr, _u8]),
    "csvr_options_set_threads": (_status, [OptionsPtr, ctypes.c_size_t]),
    "csvr_options_set_utf8": (_status, [OptionsPtr, ctypes.c_bool]),
    "csvr_options_set_max_record_bytes": (_status, [OptionsPtr, ctypes.c_uint64]),
    "csvr_options_set_read_ahead": (_status, [OptionsPtr, ctypes.c_bool]),
    "csvr_options_set_decompress": (_status, [OptionsPtr, ctypes.c_int]),
    "csvr_options_set_columns": (_status, [OptionsPtr, _sizep, ctypes.c_size_t]),
    "csvr_options_set_column_names": (
        _status,
        [OptionsPtr, ctypes.POINTER(ctypes.c_char_p), ctypes.c_size_t],
    ),
    "csvr_options_set_batch_rows": (_status, [OptionsPtr, ctypes.c_size_t]),
    "csvr_options_set_truncate_ragged": (_status, [OptionsPtr, ctypes.c_bool]),
    "csvr_arrow_stream_new": (_streamp, []),
    "csvr_arrow_stream_free": (None, [_streamp]),
    "csvr_arrow_schema_new": (ctypes.c_void_p, []),
    "csvr_arrow_schema_free": (None, [ctypes.c_void_p]),
    "csvr_pycapsule_stream_destructor": (None, [ctypes.c_void_p]),
    "csvr_pycapsule_schema_destructor": (None, [ctypes.c_void_p]),
    "csvr_reader_open": (_status, [ctypes.c_char_p, OptionsPtr, ctypes.POINTER(ReaderPtr)]),
    "csvr_reader_from_bytes": (
        _status,
        [_data, ctypes.c_size_t, OptionsPtr, ctypes.POINTER(ReaderPtr)],
    ),
    "csvr_reader_from_fd": (_status, [ctypes.c_int, OptionsPtr, ctypes.POINTER(ReaderPtr)]),
    "csvr_reader_from_callback": (
        _status,
        [ReadFn, ctypes.c_void_p, OptionsPtr, ctypes.POINTER(ReaderPtr)],
    ),
    "csvr_count_fd": (_status, [ctypes.c_int, OptionsPtr, _u64p]),
    "csvr_count_callback": (_status, [ReadFn, ctypes.c_void_p, OptionsPtr, _u64p]),
    "csvr_reader_next": (_status, [ReaderPtr]),
    "csvr_reader_field_count": (_status, [ReaderPtr, _sizep]),
    "csvr_reader_field": (
        _status,
        [ReaderPtr, ctypes.c_size_t, ctypes.POINTER(ByteAddress), _sizep],
    ),
    "csvr_reader_header_count": (_status, [ReaderPtr, _sizep]),
    "csvr_reader_header": (
        _status,
        [ReaderPtr, ctypes.c_size_t, ctypes.POINTER(ByteAddress), _sizep],
    ),
    "csvr_reader_position": (_status, [ReaderPtr, _u64p, _u64p, _u64p]),
    "csvr_reader_count": (_status, [ReaderPtr, _u64p]),
    "csvr_reader_free": (None, [ReaderPtr]),
    "csvr_reader_next_batch": (
        _status,
        [ReaderPtr, ctypes.c_size_t, ctypes.POINTER(Batch)],
    ),
    "csvr_reader_open_range": (
        _status,
        [ctypes.c_char_p, OptionsPtr, ctypes.POINTER(CRange), ctypes.POINTER(ReaderPtr)],
    ),
    "csvr_reader_from_bytes_range": (
        _status,
        [_data, ctypes.c_size_t, OptionsPtr, ctypes.POINTER(CRange), ctypes.POINTER(ReaderPtr)],
    ),
    "csvr_summarize_path": (
        _status,
        [ctypes.c_char_p, OptionsPtr, ctypes.c_uint64, ctypes.c_uint64, ctypes.POINTER(CSummary)],
    ),
    "csvr_summarize_bytes": (
        _status,
        [_data, ctypes.c_size_t, ctypes.c_uint64, OptionsPtr, ctypes.POINTER(CSummary)],
    ),
    "csvr_summaries_fold": (
        _status,
        [ctypes.POINTER(CSummary), ctypes.c_size_t, OptionsPtr, ctypes.POINTER(CRange), _u64p],
    ),
    "csvr_split_path": (
        _status,
        [ctypes.c_char_p, OptionsPtr, ctypes.c_size_t, ctypes.POINTER(CRange), _sizep],
    ),
    "csvr_split_bytes": (
        _status,
        [_data, ctypes.c_size_t, OptionsPtr, ctypes.c_size_t, ctypes.POINTER(CRange), _sizep],
    ),
    "csvr_reader_batch_missing": (
        _status,
        [ReaderPtr, ctypes.POINTER(ctypes.POINTER(ctypes.c_bool))],
    ),
}


def _declare(library: ctypes.CDLL) -> ctypes.CDLL:
    for name, (restype, argtypes) in _SIGNATURES.items():
        try:
            function = getattr(library, name)
        except AttributeError as exc:
            raise ImportError(
                f"csvr: the native library {library._name!r} has no {name}(): it is not "
                f"csvr, or not a version this package was written for"
            ) from exc
        function.restype = restype
        function.argtypes = argtypes
    return library


#: The path of the loaded library.
LIBRARY_PATH: str = find_library()
#: The loaded library, with every function of ``include/csvr.h`` declared.
lib: ctypes.CDLL = _declare(_load(LIBRARY_PATH))
