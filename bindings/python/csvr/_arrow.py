"""The Arrow PyCapsule interface with ctypes alone: a library ``ArrowArrayStream`` handed to
pyarrow, polars, DuckDB or pandas as a PyCapsule named ``arrow_array_stream``.

The stream lives on the library's heap (``csvr_arrow_stream_new``), and the capsule's
destructor is the library's ``csvr_pycapsule_stream_destructor``: dropping a capsule that
no consumer took releases its stream and frees it. A destructor written in Python could
not do this safely: CPython runs a capsule's destructor even while an exception is being
raised (a consumer such as ``pyarrow.table`` drops the capsule on its error path), and a
ctypes callback run then turns that exception into a ``SystemError``. The library's
destructor sets the exception aside while it releases. A consumer that takes the stream
(pyarrow, polars and DuckDB move it out, setting ``release`` to NULL) owns it from then
on; the destructor then only frees the emptied struct.

A stream that reads a Python file object calls back into Python (the reader's read
callback), so the objects behind that callback must live exactly as long as the stream:
such a stream is wrapped in a :class:`_Relay`, whose callbacks forward to the library's
and which drops those objects when the stream is released. When the library's stream
ends or fails it reads nothing more, so the relay then steps aside: the consumer's struct
gets the library's own callbacks, and releasing it later runs no Python code.
"""

from __future__ import annotations

import ctypes
import errno
import itertools
from typing import Any, Callable, Optional

from ._errors import Error, InvalidArgumentError
from ._lib import (
    ArrowArrayStream,
    ArrowRelease,
    ArrowSchema,
    StreamGetLastError,
    StreamGetNext,
    StreamGetSchema,
    lib,
)

__all__ = [
    "STRING",
    "STRING_VIEW",
    "export_schema",
    "export_stream",
    "handed_over",
    "requested_strings",
]

#: ``csvr_arrow_strings``: 32-bit offsets (``utf8``/``binary``), 64-bit offsets
#: (``large_utf8``/``large_binary``), views (``utf8_view``/``binary_view``).
STRING, LARGE_STRING, STRING_VIEW = 0, 1, 2
#: The Arrow formats of a requested column, and the layout that gives them.
_LAYOUTS = {
    b"u": STRING,
    b"z": STRING,
    b"U": LARGE_STRING,
    b"Z": LARGE_STRING,
    b"vu": STRING_VIEW,
    b"vz": STRING_VIEW,
}

_api = ctypes.pythonapi
_capsule_new = _api.PyCapsule_New
_capsule_new.argtypes = [ctypes.c_void_p, ctypes.c_void_p, ctypes.c_void_p]
_capsule_new.restype = ctypes.py_object
_capsule_is_valid = _api.PyCapsule_IsValid
_capsule_is_valid.argtypes = [ctypes.py_object, ctypes.c_char_p]
_capsule_is_valid.restype = ctypes.c_int
_capsule_pointer = _api.PyCapsule_GetPointer
_capsule_pointer.argtypes = [ctypes.py_object, ctypes.c_char_p]
_capsule_pointer.restype = ctypes.c_void_p

#: The names of the PyCapsule interface. A capsule keeps a pointer to its name, so each is
#: a buffer that is never freed (not even at interpreter exit, when a consumer may still
#: look at a capsule).
_STREAM_NAME = ctypes.create_string_buffer(b"arrow_array_stream")
_SCHEMA_NAME = ctypes.create_string_buffer(b"arrow_schema")
_api.Py_IncRef(ctypes.py_object(_STREAM_NAME))
_api.Py_IncRef(ctypes.py_object(_SCHEMA_NAME))
_STREAM_NAME_AT = ctypes.addressof(_STREAM_NAME)
_SCHEMA_NAME_AT = ctypes.addressof(_SCHEMA_NAME)

# Offsets in struct ArrowArrayStream and struct ArrowArray (pointers and int64s).
_STREAM_SIZE = ctypes.sizeof(ArrowArrayStream)
_STREAM_RELEASE = ArrowArrayStream.release.offset
_ARRAY_RELEASE = 8 * 8


def requested_strings(requested_schema: object) -> int:
    """The ``csvr_arrow_strings`` layout that a ``requested_schema`` asks for.

    ``None`` asks for nothing. Otherwise it must be a PyCapsule named ``arrow_schema``
    (what ``__arrow_c_schema__()`` returns); when its string and binary columns all ask
    for one layout (``U``/``Z``: large, ``vu``/``vz``: views), that one is given. Anything
    else that differs (types, names, a mix) is ignored, as the PyCapsule interface allows:
    the consumer casts if it must. The capsule stays the caller's.
    """
    if requested_schema is None:
        return STRING
    if not _capsule_is_valid(requested_schema, _SCHEMA_NAME.value):
        raise TypeError(
            "requested_schema must be None or a PyCapsule named 'arrow_schema' (as "
            f"__arrow_c_schema__() returns), not {type(requested_schema).__name__}"
        )
    address = _capsule_pointer(requested_schema, _SCHEMA_NAME.value)
    schema = ArrowSchema.from_address(address)
    if schema.format != b"+s":
        return STRING
    layouts = set()
    for i in range(schema.n_children):
        child = schema.children[i]
        if child:
            layout = _LAYOUTS.get(child.contents.format or b"")
            if layout is not None:
                layouts.add(layout)
    return layouts.pop() if len(layouts) == 1 else STRING


# -- capsules: the library's structs, freed by the library's destructors --

#: The library's PyCapsule destructors, as the C function pointers PyCapsule_New takes.
_STREAM_DESTRUCTOR = ctypes.cast(lib.csvr_pycapsule_stream_destructor, ctypes.c_void_p).value
_SCHEMA_DESTRUCTOR = ctypes.cast(lib.csvr_pycapsule_schema_destructor, ctypes.c_void_p).value

_keys = itertools.count(1)  # relay keys, never 0: a NULL private_data is no key


def export_stream(fill: Callable[[int], None], keep: Optional[Any] = None) -> object:
    """A capsule named ``arrow_array_stream`` holding the stream that ``fill(address)``
    writes at ``address`` (a ``struct ArrowArrayStream``; ``fill`` raises if it cannot).

    ``keep``: what the stream calls back into (a reader's :class:`~csvr._source.Input`
    over a file object), closed when the stream is released, or here if ``fill`` fails.
    """
    address = lib.csvr_arrow_stream_new()
    if not address:
        if keep is not None:
            keep.close()
        raise MemoryError("csvr_arrow_stream_new: out of memory")
    try:
        if keep is None:
            fill(address)
        else:
            _Relay.wrap(fill, keep, address)
        return _capsule_new(address, _STREAM_NAME_AT, _STREAM_DESTRUCTOR)
    except BaseException:
        lib.csvr_arrow_stream_free(address)  # releases the stream (and the relay) if made
        raise


def export_schema(stream_capsule: object) -> object:
    """A capsule named ``arrow_schema`` holding the schema of the stream in
    ``stream_capsule`` (one :func:`export_stream` made, not yet consumed)."""
    address = _capsule_pointer(stream_capsule, _STREAM_NAME.value)
    stream = _stream_at(address)
    schema = lib.csvr_arrow_schema_new()
    if not schema:
        raise MemoryError("csvr_arrow_schema_new: out of memory")
    try:
        status = stream.get_schema(address, schema)
        if status != 0:
            message = stream.get_last_error(address)
            text = ctypes.string_at(message).decode("utf-8", "replace") if message else ""
            raise Error(f"cannot get the Arrow stream's schema (errno {status}): {text}")
        return _capsule_new(schema, _SCHEMA_NAME_AT, _SCHEMA_DESTRUCTOR)
    except BaseException:
        lib.csvr_arrow_schema_free(schema)
        raise


# -- relays: streams that call back into Python --


def _stream_at(address: int) -> ArrowArrayStream:
    return ArrowArrayStream.from_address(address)


class _Relay:
    """A library stream reading a file object, behind callbacks of our own that keep the
    file object's read callback alive until the stream is released or done reading.

    The consumer's struct holds the relay's callbacks and, as private data, a key of
    :data:`_RELAYS`; the library's stream is in :attr:`inner`.
    """

    __slots__ = ("inner", "keep")

    def __init__(self, keep: Any) -> None:
        self.inner = ArrowArrayStream()
        self.keep = keep

    @classmethod
    def wrap(cls, fill: Callable[[int], None], keep: Any, address: int) -> None:
        """Fill the stream at ``address`` with a relay to the stream ``fill`` makes."""
        relay = cls(keep)
        try:
            fill(ctypes.addressof(relay.inner))
        except BaseException:
            keep.close()
            raise
        key = next(_keys)
        _RELAYS[key] = relay
        stream = _stream_at(address)
        stream.get_schema = _relay_get_schema
        stream.get_next = _relay_get_next
        stream.get_last_error = _relay_get_last_error
        stream.release = _relay_release
        stream.private_data = key

    def step_aside(self, address: int) -> None:
        """Give the consumer's struct at ``address`` the library's stream itself, which
        reads nothing more, and let the file object go."""
        ctypes.memmove(address, ctypes.addressof(self.inner), _STREAM_SIZE)
        self._close()

    def failure(self) -> Optional[str]:
        """What the file object (or the transcoding of it) raised, if the library's
        read callback failed: the library only knows it as an I/O error."""
        stream = None if self.keep is None else self.keep.stream
        error = None if stream is None else stream.failure()
        if error is None:
            return None
        return f"{type(error).__name__}: {error}"

    def release(self, address: int) -> None:
        """Release the library's stream and mark the consumer's struct released."""
        inner = self.inner
        if inner.release:
            inner.release(ctypes.addressof(inner))
        ctypes.c_void_p.from_address(address + _STREAM_RELEASE).value = None
        self._close()

    def _close(self) -> None:
        keep, self.keep = self.keep, None
        if keep is not None:
            keep.close()


#: key (the consumer struct's private data) -> its relay.
_RELAYS: dict[int, _Relay] = {}


def _relay_of(address: int) -> Optional[_Relay]:
    return _RELAYS.get(_stream_at(address).private_data or -1)


def _get_schema(address: int, out: int) -> int:
    try:
        relay = _relay_of(address)
        if relay is None:
            return errno.EINVAL
        inner = relay.inner
        return int(inner.get_schema(ctypes.addressof(inner), out))
    except BaseException:  # noqa: BLE001 - C has no exceptions: say the call failed
        return errno.EIO


def _get_next(address: int, out: int) -> int:
    try:
        relay = _relay_of(address)
        if relay is None:
            return errno.EINVAL
        inner = relay.inner
        status = int(inner.get_next(ctypes.addressof(inner), out))
        if status != 0 or not ctypes.c_void_p.from_address(out + _ARRAY_RELEASE).value:
            # The end, or an error that every later call repeats: nothing more is read.
            del _RELAYS[_stream_at(address).private_data]
            failure = relay.failure() if status != 0 else None
            if failure is not None:
                message = inner.get_last_error(ctypes.addressof(inner))
                said = ctypes.string_at(message).decode("utf-8", "replace") if message else ""
                _describe(inner.private_data, f"{said} (the file object raised {failure})")
            relay.step_aside(address)
            if failure is not None:
                _stream_at(address).get_last_error = _described_get_last_error
        return status
    except BaseException:  # noqa: BLE001 - C has no exceptions: say the call failed
        return errno.EIO


def _get_last_error(address: int) -> Optional[int]:
    try:
        relay = _relay_of(address)
        if relay is None:
            return None
        inner = relay.inner
        return inner.get_last_error(ctypes.addressof(inner))  # type: ignore[no-any-return]
    except BaseException:  # noqa: BLE001 - C has no exceptions: no message then
        return None


def _release(address: int) -> None:
    try:
        relay = _RELAYS.pop(_stream_at(address).private_data or -1, None)
        if relay is not None:
            relay.release(address)
    finally:
        ctypes.c_void_p.from_address(address + _STREAM_RELEASE).value = None


#: The messages of failed streams whose file object raised, by the library stream's
#: private data; the most recent ones only (a consumer asks right after the failure).
_MESSAGES: dict[int, Any] = {}
_MESSAGES_KEPT = 64


def _describe(key: int, message: str) -> None:
    _MESSAGES.pop(key, None)  # a key again (its memory reused): the newest message
    _MESSAGES[key] = ctypes.create_string_buffer(message.encode("utf-8", "replace"))
    while len(_MESSAGES) > _MESSAGES_KEPT:
        del _MESSAGES[next(iter(_MESSAGES))]


def _get_described_error(address: int) -> Optional[int]:
    """``get_last_error`` of a library stream that failed because its file object
    raised: the library's message with that exception."""
    try:
        message = _MESSAGES.get(_stream_at(address).private_data or -1)
        return None if message is None else ctypes.addressof(message)
    except BaseException:  # noqa: BLE001 - C has no exceptions: no message then
        return None


# The C function pointers of the relay; each is referenced for ever (never freed, not even
# at interpreter exit), since a consumer may call it from C at any time.
_relay_get_schema = StreamGetSchema(_get_schema)
_relay_get_next = StreamGetNext(_get_next)
_relay_get_last_error = StreamGetLastError(_get_last_error)
_relay_release = ArrowRelease(_release)
_described_get_last_error = StreamGetLastError(_get_described_error)
for _callback in (
    _relay_get_schema,
    _relay_get_next,
    _relay_get_last_error,
    _relay_release,
    _described_get_last_error,
):
    _api.Py_IncRef(ctypes.py_object(_callback))
del _callback


def handed_over() -> InvalidArgumentError:
    """The error for a second ``__arrow_c_stream__`` call on one reader."""
    return InvalidArgumentError(
        "this csvr.Reader was already handed over to an Arrow stream: __arrow_c_stream__ "
        "can be called once per reader (open a new csvr.Reader to read the input again)"
    )
