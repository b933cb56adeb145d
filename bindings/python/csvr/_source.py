"""What a ``source`` argument may be, and how it is handed to the library.

A ``str`` or :class:`os.PathLike` is a path, passed as the OS's bytes
(:func:`os.fsencode`), so any path the OS accepts works. ``bytes``, ``bytearray``,
``memoryview`` and :class:`mmap.mmap` are the CSV data itself, lent to the library in place
(any C-contiguous buffer, read-only ones too, through the buffer protocol). Anything else
with a ``read`` method is a file object, streamed through a read callback (see
:mod:`csvr._stream`).
"""

from __future__ import annotations

import codecs
import ctypes
import io
import mmap
import os
import stat
from collections.abc import Iterator
from contextlib import contextmanager
from typing import IO, Any, Optional, Union

from ._errors import FileNotFoundIoError, InvalidArgumentError, check, io_error_from
from ._stream import BOM_PREFIX, Stream, bom_encoding
from ._text import check_errors, codec_of

__all__ = [
    "DATA_TYPES",
    "Input",
    "Source",
    "borrow_data",
    "check_open",
    "filename_of",
    "is_file_object",
    "open_input",
    "path_of",
    "read_prefix",
]

#: What :func:`csvr.count` and :class:`csvr.Reader` read: a path, the data itself, or a
#: binary or text file object.
Source = Union[
    str,
    "os.PathLike[str]",
    "os.PathLike[bytes]",
    bytes,
    bytearray,
    memoryview,
    mmap.mmap,
    "IO[bytes]",
    "IO[str]",
]

#: The in-memory data types (checked before file objects: an mmap has a ``read`` too).
DATA_TYPES = (bytes, bytearray, memoryview, mmap.mmap)


def is_file_object(source: object) -> bool:
    """Whether ``source`` is read as a file object (it is not data or a path and has
    ``read`` or ``readinto``)."""
    if isinstance(source, (DATA_TYPES, str, os.PathLike)):
        return False
    return callable(getattr(source, "read", None)) or callable(getattr(source, "readinto", None))


def path_of(source: object) -> Optional[bytes]:
    """The NUL-free OS path of ``source`` if it names a file; ``None`` if it is data or a
    file object.

    Raises :class:`TypeError` if ``source`` is none of these.
    """
    if isinstance(source, DATA_TYPES):
        return None
    if isinstance(source, (str, os.PathLike)):
        path = os.fsencode(source)
        if b"\0" in path:
            # C would see the path end at the NUL: a different file.
            raise InvalidArgumentError(f"embedded null byte in path {_shown(source)}")
        return path
    if is_file_object(source):
        return None
    raise TypeError(
        "source must be a path (str or os.PathLike), the CSV data (bytes, bytearray, "
        f"memoryview or mmap) or a file object (with read), not {type(source).__name__}"
    )


def filename_of(source: Any) -> Union[str, bytes]:
    """Return the path as the user gave it, for :attr:`OSError.filename`."""
    return os.fspath(source)  # type: ignore[no-any-return]


def _shown(source: Any, limit: int = 40) -> str:
    """``source`` for a one-line message: its repr, cut to ``limit`` characters."""
    name = filename_of(source)
    if len(name) > limit:
        return repr(name[:limit]) + "..."
    return repr(name)


def check_open(status: int, source: Any) -> None:
    """:func:`check` for a call that opened the path ``source``.

    A ``str`` holding CSV text is still a path: when that path is missing and looks like
    CSV (it has a newline or a comma), the error says so, and shows the path as a repr
    rather than with its newlines raw.
    """
    try:
        check(status, filename_of(source))
    except FileNotFoundIoError as error:
        name = filename_of(source)
        if isinstance(name, str) and any(c in name for c in "\n\r,"):
            raise FileNotFoundIoError(
                f"no such file: {_shown(source)} (a str source is a path; did you mean to "
                "pass the CSV itself as bytes, e.g. text.encode(), or as io.StringIO(text)?)",
                status=error.status,
                errno=error.errno,
                filename=error.filename,
            ) from None
        raise


def read_prefix(path: bytes, size: int) -> bytes:
    """The first ``size`` bytes of the regular file at ``path``; ``b""`` for anything else
    (a pipe or a device must not lose bytes to a peek) or if it cannot be opened (the
    library's own open then reports why)."""
    try:
        # stat before opening: opening a FIFO pairs with its writer, and closing it again
        # breaks that writer's pipe, leaving the library's own open waiting for ever.
        if not stat.S_ISREG(os.stat(path).st_mode):
            return b""
        with open(path, "rb", buffering=0) as file:
            # fstat too: the path may have been replaced in between.
            if not stat.S_ISREG(os.fstat(file.fileno()).st_mode):
                return b""
            return file.read(size) or b""
    except OSError:
        return b""


class _PyBuffer(ctypes.Structure):
    """CPython's ``Py_buffer`` (Include/pybuffer.h), filled by ``PyObject_GetBuffer``."""

    _fields_ = [
        ("buf", ctypes.c_void_p),
        ("obj", ctypes.c_void_p),  # a strong reference, dropped by PyBuffer_Release
        ("len", ctypes.c_ssize_t),
        ("itemsize", ctypes.c_ssize_t),
        ("readonly", ctypes.c_int),
        ("ndim", ctypes.c_int),
        ("format", ctypes.c_char_p),
        ("shape", ctypes.c_void_p),
        ("strides", ctypes.c_void_p),
        ("suboffsets", ctypes.c_void_p),
        ("internal", ctypes.c_void_p),
    ]


_PyBUF_SIMPLE = 0  # a contiguous block of bytes, read-only allowed
_get_buffer = ctypes.pythonapi.PyObject_GetBuffer
_get_buffer.argtypes = [ctypes.py_object, ctypes.POINTER(_PyBuffer), ctypes.c_int]
_get_buffer.restype = ctypes.c_int
_release_buffer = ctypes.pythonapi.PyBuffer_Release
_release_buffer.argtypes = [ctypes.POINTER(_PyBuffer)]
_release_buffer.restype = None


@contextmanager
def borrow_data(data: Union[bytes, bytearray, memoryview, mmap.mmap]) -> Iterator[tuple[Any, int]]:
    """Lend ``data`` to a C call as ``(const uint8_t *, size_t)`` arguments.

    Any C-contiguous buffer, writable or not (a ``bytes``, a read-only memoryview, an
    :class:`mmap.mmap` mapped read-only), is lent in place: ``PyObject_GetBuffer`` gives
    its address, and the export it holds (released on leaving the block) keeps the
    buffer from being resized or closed meanwhile. Only a non-contiguous view is copied,
    in C order. The pointer is valid inside the block.
    """
    if isinstance(data, bytes):
        yield (data if data else None), len(data)
        return
    view = _PyBuffer()
    try:
        # SAFETY (of the pointer handed out): the export pins the memory until released.
        _get_buffer(data, ctypes.byref(view), _PyBUF_SIMPLE)
    except BufferError:
        # Not C-contiguous: PyBUF_SIMPLE cannot describe it as one block of bytes.
        copy = memoryview(data).tobytes()
        yield (copy if copy else None), len(copy)
        return
    try:
        yield (view.buf if view.len else None), view.len
    finally:
        _release_buffer(ctypes.byref(view))


def _bytes_view(data: Union[bytearray, bytes, memoryview, mmap.mmap]) -> memoryview:
    """``data`` as a flat view of bytes (a copy if it is not C-contiguous)."""
    view = memoryview(data)
    return view.cast("B") if view.c_contiguous else memoryview(view.tobytes())


class _MemoryFile:
    """In-memory data as a minimal binary file object, for transcoding it."""

    def __init__(self, data: Union[bytearray, bytes, memoryview, mmap.mmap]) -> None:
        self._view = _bytes_view(data)
        self._at = 0

    def read(self, size: int = -1) -> bytes:
        end = len(self._view) if size < 0 else min(self._at + size, len(self._view))
        chunk = self._view[self._at : end].tobytes()
        self._at = end
        return chunk

    def close(self) -> None:
        self._view.release()


class Input:
    """What the library reads for one ``source``: exactly one of :attr:`path` (the
    library opens the file), :attr:`data` (a buffer lent with :func:`borrow_data`) and
    :attr:`stream` (a :class:`~csvr._stream.Stream` behind a read callback).

    :attr:`encoding` is the codec the library's bytes are in (``"utf-8"`` for a text file
    object or a transcoded input, whatever the ``encoding`` asked for).
    """

    __slots__ = ("data", "encoding", "filename", "path", "stream")

    def __init__(
        self,
        *,
        encoding: str,
        path: Optional[bytes] = None,
        data: Any = None,
        stream: Optional[Stream] = None,
        filename: Optional[Union[str, bytes]] = None,
    ) -> None:
        self.path = path
        self.data = data
        self.stream = stream
        self.filename = filename
        self.encoding = encoding

    def close(self) -> None:
        """Close what this input opened itself (a transcoded file)."""
        if self.stream is not None:
            self.stream.close()


def _is_text_file(file: object) -> bool:
    """Whether ``file`` reads ``str``: an :mod:`io` or :mod:`codecs` text stream, or a
    duck-typed one with an ``encoding`` (the text file protocol; binary files have none).
    Nothing is read to find out: a file object must not be read before the library does.
    (A duck-typed file whose ``read`` returns ``str`` is still encoded to UTF-8.)"""
    if isinstance(file, (io.TextIOBase, codecs.StreamReader, codecs.StreamReaderWriter)):
        return True
    if isinstance(file, (io.RawIOBase, io.BufferedIOBase)):
        return False
    return isinstance(getattr(file, "encoding", None), str)


def open_input(
    source: Source, *, encoding: Optional[str], errors: str, sniff_bom: bool
) -> Input:
    """Decide how the library reads ``source``.

    ``encoding`` (``None``: not given) and ``errors`` as :class:`csvr.Reader` takes them;
    ``sniff_bom``: with no ``encoding``, read an input that starts with a UTF-16 or
    UTF-32 byte order mark as that (transcoded to UTF-8).
    """
    path = path_of(source)
    codec = None if encoding is None else codec_of(encoding)
    check_errors(errors)
    if path is None and not isinstance(source, DATA_TYPES):
        text = _is_text_file(source)
        transcode = codec.name if codec and not codec.parses_as_bytes and not text else None
        stream = Stream(
            source,
            transcode=transcode,
            sniff_bom=sniff_bom and codec is None and not text,
            errors=errors,
        )
        utf8 = text or transcode is not None or codec is None
        return Input(stream=stream, encoding="utf-8" if utf8 else codec.name)  # type: ignore[union-attr]
    filename = None if path is None else filename_of(source)
    transcode = None
    if codec is None:
        if sniff_bom:
            if path is not None:
                prefix = read_prefix(path, BOM_PREFIX)
            else:
                prefix = _bytes_view(source)[:BOM_PREFIX].tobytes()  # type: ignore[arg-type]
            transcode = bom_encoding(prefix)
    elif not codec.parses_as_bytes:
        transcode = codec.name
    if transcode is None:
        name = "utf-8" if codec is None else codec.name
        return Input(path=path, data=None if path else source, filename=filename, encoding=name)
    if path is not None:
        try:
            file: Any = open(path, "rb")  # noqa: SIM115 - closed by Input.close
        except OSError as exc:
            raise io_error_from(exc, filename) from None
    else:
        file = _MemoryFile(source)  # type: ignore[arg-type]
    stream = Stream(file, transcode=transcode, errors=errors, close_file=True)
    return Input(stream=stream, filename=filename, encoding="utf-8")
