"""The exceptions csvr raises, and their construction from the library's last error.

Every ``csvr_status`` maps to one class in :data:`_CLASS_BY_STATUS`; an I/O error is
further refined by its ``errno`` into the matching :class:`OSError` subclass, so a missing
file is a :class:`FileNotFoundError` as well as a :class:`csvr.IoError`.
"""

from __future__ import annotations

import ctypes
import enum
import errno as _errno
import os
from typing import Any, NoReturn, Optional, Union

from ._lib import lib

__all__ = [
    "Error",
    "InternalError",
    "InvalidArgumentError",
    "IoError",
    "PanicError",
    "ParseError",
    "Status",
    "Utf8Error",
    "check",
    "error_from_status",
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
        os_fields = (
            (self.errno, self.strerror, self.filename) if isinstance(self, OSError) else None
        )
        return (_rebuild, (type(self), self.__dict__.copy(), os_fields))


def _rebuild(
    cls: type[Error], state: dict[str, Any], os_fields: Optional[tuple[Any, ...]]
) -> Error:
    error = cls.__new__(cls)
    if os_fields is not None:
        OSError.__init__(error, *os_fields)
    else:
        Exception.__init__(error, state.get("message", ""))
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


class Utf8Error(Error, ValueError):
    """A record is not valid UTF-8 in text mode (read it with ``raw=True`` instead)."""


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


class _FileNotFoundIoError(IoError, FileNotFoundError):
    """An :class:`IoError` for ``ENOENT``."""


class _PermissionIoError(IoError, PermissionError):
    """An :class:`IoError` for ``EACCES`` / ``EPERM``."""


class _IsADirectoryIoError(IoError, IsADirectoryError):
    """An :class:`IoError` for ``EISDIR``."""


class _NotADirectoryIoError(IoError, NotADirectoryError):
    """An :class:`IoError` for ``ENOTDIR`` (a path component is a file)."""


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
    _errno.ENOENT: _FileNotFoundIoError,
    _errno.EACCES: _PermissionIoError,
    _errno.EPERM: _PermissionIoError,
    _errno.EISDIR: _IsADirectoryIoError,
    _errno.ENOTDIR: _NotADirectoryIoError,
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


def check(status: int, filename: _Filename = None) -> None:
    """Raise the matching :class:`Error` if ``status`` is a failure (negative)."""
    if status < 0:
        raise_status(status, filename)


def raise_status(status: int, filename: _Filename = None) -> NoReturn:
    """Raise the exception for the failed call that returned ``status``."""
    raise error_from_status(status, filename)
