"""The exceptions csvr raises, and their construction from the library's last error.

Every ``csvr_status`` maps to one class in :data:`_CLASS_BY_STATUS`; an I/O error is
further refined by its ``errno`` into the matching :class:`OSError` subclass, so a missing
file is a :class:`FileNotFoundError` as well as a :class:`csvr.IoError`. Every class a
caller can meet is public (``csvr.FileNotFoundIoError``, not a private name): tracebacks
show what one can catch.
"""

from __future__ import annotations

import ctypes
import enum
import errno as _errno
import os
from typing import Any, Callable, NoReturn, Optional, Union

from ._lib import lib

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
    "Status",
    "UnknownOptionError",
    "Utf8Error",
    "check",
    "error_from_status",
    "io_error_from",
    "raise_status",
]

_Filename = Union[str, bytes, None]


class Status(enum.IntEnum):
    """The library's ``csvr_status`` codes (``CSVR_OK``, ``CSVR_ERR_IO``, ...)."""

    OK = 0
    DONE = 1
    ERR_NULL = -1
    ERR_INVALID = -2
    ERR_IO = -3
    ERR_PARSE = -4
    ERR_UTF8 = -5
    ERR_PANIC = -6


class Error(Exception):
    """Base class of every error csvr raises.

    Attributes:
        message: what went wrong, as the library (or the binding) said it.
        status: the :class:`Status` of the failed library call, or ``None`` if the
            binding itself rejected an argument before calling the library.
        line: 1-based line of the record concerned, or ``None`` if unknown.
        byte: 0-based byte offset of that record, or ``None`` if unknown.
        record: 0-based index of that record (the header is record 0), or ``None``.
    """

    message: str
    status: Optional[Status]
    line: Optional[int]
    byte: Optional[int]
    record: Optional[int]

    def __init__(
        self,
        message: str,
        *,
        status: Optional[int] = None,
        line: Optional[int] = None,
        byte: Optional[int] = None,
        record: Optional[int] = None,
    ) -> None:
        super().__init__(message)
        self._set(message, status, line, byte, record)

    def _set(
        self,
        message: str,
        status: Optional[int],
        line: Optional[int],
        byte: Optional[int],
        record: Optional[int],
    ) -> None:
        self.message = message
        self.status = _as_status(status)
        self.line = line
        self.byte = byte
        self.record = record

    def __str__(self) -> str:
        return self.message

    def __reduce__(self) -> tuple[Any, ...]:
        # The keyword-only fields are not in self.args (nor, for an OSError, errno and
        # the rest), so pickling rebuilds from the full state instead.
        base_init: Any = Exception.__init__
        fields: tuple[Any, ...] = (self.message,)
        if isinstance(self, OSError):
            base_init, fields = OSError.__init__, (self.errno, self.strerror, self.filename)
        elif isinstance(self, UnicodeDecodeError):
            base_init = UnicodeDecodeError.__init__
            fields = (self.encoding, self.object, self.start, self.end, self.reason)
        return (_rebuild, (type(self), self.__dict__.copy(), base_init, fields))


def _rebuild(
    cls: type[Error],
    state: dict[str, Any],
    base_init: Callable[..., None],
    fields: tuple[Any, ...],
) -> Error:
    error = cls.__new__(cls)
    base_init(error, *fields)
    error.__dict__.update(state)
    return error


def _as_status(status: Optional[int]) -> Optional[Status]:
    if status is None:
        return None
    try:
        return Status(status)
    except ValueError:
        return None


class InvalidArgumentError(Error, ValueError):
    """A bad option or argument: a two-character delimiter, delimiter == quote, ...

    Raised both by the binding's own checks and for the library's ``CSVR_ERR_INVALID``.
    """


class ParseError(Error, ValueError):
    """Malformed CSV under strict options (a ragged record with ``flexible=False``)."""


class Utf8Error(Error, UnicodeDecodeError):
    """A record could not be decoded in text mode (read it with ``raw=True`` instead).

    Raised for bytes that are not UTF-8 (found by the library), and for bytes the chosen
    ``encoding`` cannot decode (found by Python's codec). A :class:`UnicodeDecodeError`
    (so a :class:`ValueError`) with the position of the record as :attr:`line`,
    :attr:`byte` and :attr:`record`. When Python's codec found the error, ``encoding``,
    ``object`` (the field's bytes), ``start`` and ``end`` (the bad bytes in it) and
    ``reason`` are the codec's; when the library's UTF-8 check found it, ``encoding`` is
    ``"utf-8"``, ``object`` is empty and ``reason`` is the library's message.
    """

    def __init__(
        self,
        message: str,
        *,
        status: Optional[int] = Status.ERR_UTF8,
        line: Optional[int] = None,
        byte: Optional[int] = None,
        record: Optional[int] = None,
        encoding: str = "utf-8",
        object: bytes = b"",  # noqa: A002 - UnicodeDecodeError's own name for it
        start: int = 0,
        end: int = 0,
        reason: Optional[str] = None,
    ) -> None:
        UnicodeDecodeError.__init__(
            self, encoding, object, start, end, message if reason is None else reason
        )
        self._set(message, status, line, byte, record)

    def __str__(self) -> str:
        return self.message


class IoError(Error, OSError):
    """The input could not be opened or read.

    Also an :class:`OSError` with ``errno``, ``strerror`` and ``filename`` set where
    known; a missing file is also a :class:`FileNotFoundError`, a directory an
    :class:`IsADirectoryError`, a refused permission a :class:`PermissionError`.
    """

    def __init__(
        self,
        message: str,
        *,
        status: Optional[int] = Status.ERR_IO,
        errno: Optional[int] = None,
        filename: _Filename = None,
        line: Optional[int] = None,
        byte: Optional[int] = None,
        record: Optional[int] = None,
    ) -> None:
        strerror = os.strerror(errno) if errno else message
        # OSError's own __init__ fills .errno, .strerror and .filename from its arguments.
        OSError.__init__(self, errno, strerror, filename)
        self._set(message, status, line, byte, record)

    def __str__(self) -> str:
        return self.message


class FileNotFoundIoError(IoError, FileNotFoundError):
    """An :class:`IoError` for ``ENOENT``: the file does not exist.

    Catch it as :class:`FileNotFoundError` (or :class:`csvr.IoError`, or :class:`OSError`).
    """


class PermissionIoError(IoError, PermissionError):
    """An :class:`IoError` for ``EACCES`` / ``EPERM``; also a :class:`PermissionError`."""


class IsADirectoryIoError(IoError, IsADirectoryError):
    """An :class:`IoError` for ``EISDIR``; also an :class:`IsADirectoryError`."""


class NotADirectoryIoError(IoError, NotADirectoryError):
    """An :class:`IoError` for ``ENOTDIR`` (a path component is a file); also a
    :class:`NotADirectoryError`."""


class UnknownOptionError(InvalidArgumentError, TypeError):
    """An option name that :func:`csvr.count` or :class:`csvr.Reader` does not know.

    A :class:`ValueError` like every bad option, and a :class:`TypeError` like any
    unexpected keyword argument in Python.
    """


class InternalError(Error, RuntimeError):
    """A bug in csvr itself, not in the input; please report it.

    Raised for ``CSVR_ERR_NULL`` (a NULL pointer reached the library).
    """


class PanicError(InternalError):
    """A bug inside the library was caught (``CSVR_ERR_PANIC``); the reader is unusable."""


_CLASS_BY_STATUS: dict[int, type[Error]] = {
    Status.ERR_NULL: InternalError,
    Status.ERR_INVALID: InvalidArgumentError,
    Status.ERR_IO: IoError,
    Status.ERR_PARSE: ParseError,
    Status.ERR_UTF8: Utf8Error,
    Status.ERR_PANIC: PanicError,
}

_IO_CLASS_BY_ERRNO: dict[int, type[IoError]] = {
    _errno.ENOENT: FileNotFoundIoError,
    _errno.EACCES: PermissionIoError,
    _errno.EPERM: PermissionIoError,
    _errno.EISDIR: IsADirectoryIoError,
    _errno.ENOTDIR: NotADirectoryIoError,
}


def error_from_status(status: int, filename: _Filename = None) -> Error:
    """Build the exception for a failed call that returned ``status``.

    Must be called on the thread that made the call, before any other csvr call there:
    it reads that thread's last error (message, ``errno`` and record position).
    ``filename`` is the path the call was given, if any, for :class:`OSError`.
    """
    raw = lib.csvr_last_error_message()
    message = (
        raw.decode("utf-8", "backslashreplace") if raw else f"csvr call failed with status {status}"
    )
    os_error = lib.csvr_last_error_os_error()
    line = ctypes.c_uint64()
    byte = ctypes.c_uint64()
    record = ctypes.c_uint64()
    has_position = lib.csvr_last_error_position(
        ctypes.byref(line), ctypes.byref(byte), ctypes.byref(record)
    )
    where: dict[str, Optional[int]] = (
        {"line": line.value, "byte": byte.value, "record": record.value} if has_position else {}
    )
    cls = _CLASS_BY_STATUS.get(status, Error)
    if cls is IoError:
        io_cls = _IO_CLASS_BY_ERRNO.get(os_error, IoError)
        return io_cls(message, status=status, errno=os_error or None, filename=filename, **where)
    return cls(message, status=status, **where)


def io_error_from(exc: OSError, filename: _Filename = None) -> IoError:
    """The :class:`IoError` for an :class:`OSError` that Python raised opening or reading
    ``filename`` on csvr's behalf, so that it is caught as the library's would be."""
    code = exc.errno
    io_cls = _IO_CLASS_BY_ERRNO.get(code, IoError) if code else IoError
    shown = filename if filename is not None else exc.filename
    message = f"cannot open {shown!r}: {exc.strerror or exc}"
    return io_cls(message, errno=code or None, filename=shown)


def check(status: int, filename: _Filename = None) -> None:
    """Raise the matching :class:`Error` if ``status`` is a failure (negative)."""
    if status < 0:
        raise_status(status, filename)


def raise_status(status: int, filename: _Filename = None) -> NoReturn:
    """Raise the exception for the failed call that returned ``status``."""
    raise error_from_status(status, filename)
