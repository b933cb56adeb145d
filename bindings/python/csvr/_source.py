"""What a ``source`` argument may be, and how it is handed to the library.

A ``str`` or :class:`os.PathLike` is a path, passed as the OS's bytes
(:func:`os.fsencode`), so any path the OS accepts works. ``bytes``, ``bytearray`` and
``memoryview`` are the CSV data itself, lent to the library without a copy where ctypes
allows it.
"""

from __future__ import annotations

import ctypes
import os
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, Optional, Union

from ._errors import InvalidArgumentError

__all__ = ["Source", "borrow_data", "filename_of", "path_of"]

#: What :func:`csvr.count` and :class:`csvr.Reader` read: a path or the data itself.
Source = Union[str, "os.PathLike[str]", "os.PathLike[bytes]", bytes, bytearray, memoryview]

_DATA_TYPES = (bytes, bytearray, memoryview)


def path_of(source: object) -> Optional[bytes]:
    """The NUL-free OS path of ``source`` if it names a file; ``None`` if it is data.

    Raises :class:`TypeError` if ``source`` is neither.
    """
    if isinstance(source, _DATA_TYPES):
        return None
    if isinstance(source, (str, os.PathLike)):
        path = os.fsencode(source)
        if b"\0" in path:
            # C would see the path end at the NUL: a different file.
            raise InvalidArgumentError(f"embedded null byte in path {filename_of(source)!r}")
        return path
    raise TypeError(
        "source must be a path (str or os.PathLike) or the CSV data (bytes, bytearray "
        f"or memoryview), not {type(source).__name__}"
    )


def filename_of(source: Any) -> Union[str, bytes]:
    """Return the path as the user gave it, for :attr:`OSError.filename`."""
    return os.fspath(source)  # type: ignore[no-any-return]


@contextmanager
def borrow_data(data: Union[bytes, bytearray, memoryview]) -> Iterator[tuple[Any, int]]:
    """Lend ``data`` to a C call as ``(const uint8_t *, size_t)`` arguments.

    ``bytes`` and writable buffers are passed without a copy; a read-only memoryview of
    something other than a whole ``bytes`` object, or a non-contiguous one, is copied
    (ctypes can only borrow a writable buffer). The pointer is valid inside the block.
    """
    if isinstance(data, bytes):
        yield (data if data else None), len(data)
        return
    with memoryview(data) as view:
        if view.nbytes == 0:
            yield None, 0
        elif isinstance(view.obj, bytes) and view.nbytes == len(view.obj) and view.contiguous:
            yield view.obj, view.nbytes  # a view of a whole bytes object: lend the bytes
        elif view.readonly or not view.c_contiguous:
            yield view.tobytes(), view.nbytes
        else:
            with view.cast("B") as flat:
                array = (ctypes.c_char * flat.nbytes).from_buffer(flat)
                try:
                    yield array, flat.nbytes
                finally:
                    # The array holds an export of the buffer; drop it before release.
                    del array
