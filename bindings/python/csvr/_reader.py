""":class:`Reader`: a streaming iterator of CSV rows over the library's ``csvr_reader``."""

from __future__ import annotations

import ctypes
import struct
import threading
from collections.abc import Iterator
from itertools import chain, repeat
from operator import length_hint
from types import TracebackType
from typing import (
    TYPE_CHECKING,
    Any,
    Callable,
    Generic,
    NamedTuple,
    Optional,
    TypeVar,
    Union,
    overload,
)

from ._errors import Status, check, raise_status
from ._lib import Batch, ByteAddress, CPosition, ReaderPtr, lib
from ._options import make_options
from ._source import Source, borrow_data, filename_of, path_of

if TYPE_CHECKING:
    from typing import Literal

    from typing_extensions import Unpack

    from ._options import ByteValue, ReaderOptions

__all__ = ["Position", "Reader"]

_OK = int(Status.OK)
_DONE = int(Status.DONE)

#: Records asked for in the first batch; later batches aim at _BATCH_BYTES of fields.
_BATCH_RECORDS = 128
#: Enough that the FFI call and the hand-over from the read-ahead thread are noise, little
#: enough that the rows made from one batch stay in the CPU caches (measured on the
#: benchmark corpora; fixed record counts were up to 1.4x slower on narrow or wide rows).
_BATCH_BYTES = 32 << 10
_BATCH_MIN, _BATCH_MAX = 16, 4096
_POSITION = struct.Struct("=QQQ")
assert _POSITION.size == ctypes.sizeof(CPosition)
_US, _RS = b"\x1f", b"\x1e"  # CSVR_FIELD_SEPARATOR, CSVR_RECORD_SEPARATOR
_US_TEXT, _RS_TEXT = "\x1f", "\x1e"

#: A field as read: ``str`` in text mode, ``bytes`` with ``raw=True``.
Field = TypeVar("Field", str, bytes)


class Position(NamedTuple):
    """Where a record starts, as the Rust ``csv`` crate reports it."""

    line: int
    """1-based line on which the record starts."""
    byte: int
    """0-based byte offset of the record's first byte."""
    record: int
    """0-based record index; the header is record 0 when there is one."""


def _closed() -> ValueError:
    return ValueError("I/O operation on a closed csvr.Reader")


class Reader(Generic[Field]):
    """Read CSV records one at a time, from a file or from bytes in memory.

    ``source`` is a path (``str`` or :class:`os.PathLike`; the file is streamed, never
    held whole in memory) or the data itself (``bytes``, ``bytearray``, ``memoryview``;
    copied by the library, so the caller may change it afterwards). The options are those
    of :func:`csvr.count` (``threads`` has no effect on a reader), plus
    ``max_record_bytes`` and ``read_ahead``: on by default, it lets the library parse the
    next batch of records on a thread of its own while Python builds the rows of this
    one (for files and bytes; the rows are the same either way).

    Iterating yields each record as a ``list[str]``; with ``raw=True`` as a
    ``list[bytes]``, undecoded, so that input in any encoding can be read. In text mode a
    record that is not valid UTF-8 raises :class:`csvr.Utf8Error` naming its position;
    iteration may go on after it with the next record.

    A reader is a context manager, and must be closed (or left to the garbage
    collector) to release the file. Any use of a closed reader raises
    :class:`ValueError`. One reader may be shared between threads: each call is
    serialised by a lock, so every record goes to exactly one caller.

    >>> with Reader(b"name,qty\\nbolt,3\\nnut,7\\n") as r:
    ...     r.headers, list(r)
    (['name', 'qty'], [['bolt', '3'], ['nut', '7']])
    """

    # Class-level defaults so that close() and __del__ work on a reader whose __init__
    # failed half way.
    _ptr: Any = None
    _headers: Optional[list[Field]] = None
    _filename: Optional[Union[str, bytes]] = None
    _raw = False

    @overload
    def __init__(
        self: Reader[str],
        source: Source,
        *,
        raw: Literal[False] = ...,
        has_header: bool = ...,
        delimiter: ByteValue = ...,
        **options: Unpack[ReaderOptions],
    ) -> None: ...

    @overload
    def __init__(
        self: Reader[bytes],
        source: Source,
        *,
        raw: Literal[True],
        has_header: bool = ...,
        delimiter: ByteValue = ...,
        **options: Unpack[ReaderOptions],
    ) -> None: ...

    @overload
    def __init__(
        self: Reader[Any],
        source: Source,
        *,
        raw: bool,
        has_header: bool = ...,
        delimiter: ByteValue = ...,
        **options: Unpack[ReaderOptions],
    ) -> None: ...

    def __init__(
        self,
        source: Source,
        *,
        raw: bool = False,
        has_header: bool = True,
        delimiter: ByteValue = ",",
        **options: Any,
    ) -> None:
        """Open ``source``; with ``has_header`` (the default) its header is read now."""
        if not isinstance(raw, bool):
            raise TypeError(f"raw must be True or False, not {type(raw).__name__}")
        path = path_of(source)
        self._raw = raw
        # The path as given, for repr() and for OSError.filename on a read error.
        self._filename = None if path is None else filename_of(source)
        self._lock = threading.Lock()
        # The current batch: its rows, the iterator handing them out (shared by next()
        # and every `for` loop over this reader, so each row goes out once), and the
        # packed csvr_position of each row.
        self._rows: list[list[Field]] = []
        self._it: Optional[Iterator[list[Field]]] = None
        self._positions = b""
        self._batch = Batch()
        self._ref_batch = ctypes.byref(self._batch)
        self._want = _BATCH_RECORDS
        # Reused out-parameters: reading a field allocates nothing on the ctypes side.
        self._n = ctypes.c_size_t()
        self._data = ByteAddress()
        self._len = ctypes.c_size_t()
        self._ref_n = ctypes.byref(self._n)
        self._ref_data = ctypes.byref(self._data)
        self._ref_len = ctypes.byref(self._len)
        ptr = ReaderPtr()
        # Parsing one batch ahead on a thread of the library's own overlaps it with the
        # building of Python objects, which holds the GIL; read_ahead=False turns it off.
        with make_options(
            {"has_header": has_header, "delimiter": delimiter, "read_ahead": True, **options},
            utf8=not raw,
            caller="Reader",
        ) as opts:
            if path is not None:
                status = lib.csvr_reader_open(path, opts.ptr, ctypes.byref(ptr))
                check(status, self._filename)
            else:
                assert isinstance(source, (bytes, bytearray, memoryview))
                with borrow_data(source) as (data, size):
                    check(lib.csvr_reader_from_bytes(data, size, opts.ptr, ctypes.byref(ptr)))
        self._ptr = ptr
        self._headers = self._read_headers() if has_header else None

    # -- the per-field transfer: the one place that copies fields out of the library --

    def _fields(self, count: Callable[..., int], get: Callable[..., int]) -> list[Field]:
        """Copy out the fields that ``count``/``get`` expose.

        They are the record's functions or the header's. Called with the lock held (or
        from ``__init__``, before anyone else can see the reader).
        """
        ptr = self._ptr
        status = count(ptr, self._ref_n)
        if status != _OK:
            raise_status(status)
        ref_data = self._ref_data
        ref_len = self._ref_len
        data = self._data
        length = self._len
        string_at = ctypes.string_at
        fields: list[bytes] = []
        append = fields.append
        for i in range(self._n.value):
            status = get(ptr, i, ref_data, ref_len)
            if status != _OK:
                raise_status(status)
            size = length.value
            # A non-empty field has a non-NULL pointer; an empty one's must not be read.
            append(string_at(data.value, size) if size else b"")  # type: ignore[arg-type]
        if self._raw:
            return fields  # type: ignore[return-value]
        # In text mode the library has checked that the record is UTF-8.
        return [field.decode("utf-8") for field in fields]  # type: ignore[misc]

    def _read_headers(self) -> list[Field]:
        return self._fields(lib.csvr_reader_header_count, lib.csvr_reader_header)

    # -- the batch transfer: how rows reach Python, one FFI call per batch --

    def _refill(self) -> Optional[Iterator[list[Field]]]:
        """The iterator over the unread rows, fetching a batch if none are left; ``None``
        at the end. Lock held."""
        if self._ptr is None:
            raise _closed()
        it = self._it
        if it is not None and length_hint(it) > 0:
            return it  # another consumer fetched a batch that still has rows
        self._it = None
        self._rows = []
        status = lib.csvr_reader_next_batch(self._ptr, self._want, self._ref_batch)
        if status == _DONE:
            return None
        if status != _OK:
            raise_status(status, self._filename)
        batch = self._batch
        # Size the next batch from this one's bytes per record.
        per_record = batch.len // batch.records + 1
        self._want = min(max(_BATCH_BYTES // per_record, _BATCH_MIN), _BATCH_MAX)
        self._rows = rows = self._decode(batch)
        self._it = it = iter(rows)
        return it

    def _decode(self, batch: Batch) -> list[list[Field]]:
        """Copy a batch out of the library and split it into rows (see ``csvr_batch``)."""
        n = batch.records
        data = ctypes.string_at(batch.data, batch.len) if batch.len else b""
        self._positions = ctypes.string_at(batch.positions, n * _POSITION.size)
        if batch.framed:
            # No field holds a separator byte: splitting on them gives the fields, at C
            # speed. In text mode the library has checked that the bytes are UTF-8.
            if self._raw:
                return list(map(bytes.split, data.split(_RS), repeat(_US, n)))  # type: ignore[arg-type]
            text = data.decode("utf-8")
            return list(map(str.split, text.split(_RS_TEXT), repeat(_US_TEXT, n)))  # type: ignore[arg-type]
        ends = batch.record_ends[:n]
        field_ends = batch.field_ends[: ends[-1]]
        rows: list[list[Any]] = []
        start = first = 0
        for last in ends:
            row = []
            for end in field_ends[first:last]:
                row.append(data[start:end])
                start = end + 1
            first = last
            rows.append(row if self._raw else [f.decode("utf-8") for f in row])
        return rows

    # -- the public interface --

    def __iter__(self) -> Iterator[list[Field]]:
        """An iterator over the records not yet read.

        Loops over the same reader (and :func:`next` on it) share its rows: each record
        is produced once, to whichever asks first.
        """
        if self._ptr is None:
            raise _closed()
        # chain hands out the rows at C speed; a generator's `yield from` costs more per row.
        return chain.from_iterable(self._batches())

    def _batches(self) -> Iterator[Iterator[list[Field]]]:
        """The shared iterator over the current batch's rows, refilled until the end."""
        lock = self._lock
        while True:
            with lock:
                it = self._refill()
            if it is None:
                return
            yield it

    def __next__(self) -> list[Field]:
        """The next record as a list of fields."""
        while True:
            it = self._it
            if it is not None:
                row = next(it, None)
                if row is not None:
                    return row
            with self._lock:
                if self._refill() is None:
                    raise StopIteration

    @property
    def headers(self) -> Optional[list[Field]]:
        """The header's fields; ``[]`` for empty input, ``None`` if ``has_header=False``."""
        if self._ptr is None:
            raise _closed()
        return None if self._headers is None else list(self._headers)

    def count(self) -> int:
        """Count the records not yet read, consuming them (nothing is decoded).

        Afterwards iteration stops. Raises :class:`csvr.ParseError` on a ragged record
        with ``flexible=False`` and :class:`csvr.IoError` on a read error.
        """
        out = ctypes.c_uint64()
        with self._lock:
            if self._ptr is None:
                raise _closed()
            it = self._it
            buffered = 0 if it is None else length_hint(it)
            self._it = None
            self._rows.clear()  # ends any loop still holding the old iterator
            check(lib.csvr_reader_count(self._ptr, ctypes.byref(out)), self._filename)
        return buffered + out.value

    @property
    def position(self) -> Optional[Position]:
        """Where the current record starts, or ``None`` if there is no current record.

        There is none before the first record, after the last, after an error and after
        :meth:`count`.
        """
        with self._lock:
            if self._ptr is None:
                raise _closed()
            it = self._it
            if it is None:
                return None
            # The current record is the last one handed out of this batch.
            index = len(self._rows) - length_hint(it) - 1
            if index < 0:
                return None
            return Position(*_POSITION.unpack_from(self._positions, index * _POSITION.size))

    @property
    def line(self) -> Optional[int]:
        """The 1-based line on which the current record starts, or ``None``.

        ``None`` when there is no current record, as for :attr:`position`.
        """
        position = self.position
        return None if position is None else position.line

    @property
    def raw(self) -> bool:
        """Whether fields are ``bytes`` (``raw=True``) rather than ``str``."""
        return self._raw

    @property
    def closed(self) -> bool:
        """Whether :meth:`close` has been called."""
        return self._ptr is None

    def close(self) -> None:
        """Release the native reader and its file. Calling it again does nothing."""
        lock = self.__dict__.get("_lock")
        if lock is None:  # __init__ failed before the reader existed
            return
        with lock:
            ptr, self._ptr = self._ptr, None
            self._it = None
            self._rows.clear()  # ends any loop still holding the old iterator
            if ptr is not None:
                lib.csvr_reader_free(ptr)

    def __enter__(self) -> Reader[Field]:
        """Return the reader itself; :meth:`close` it on leaving the block."""
        if self._ptr is None:
            raise _closed()
        return self

    def __exit__(
        self,
        exc_type: Optional[type[BaseException]],
        exc: Optional[BaseException],
        tb: Optional[TracebackType],
    ) -> None:
        """Close the reader."""
        self.close()

    def __del__(self, _free: Callable[[Any], None] = lib.csvr_reader_free) -> None:
        # No lock: nobody else can hold a reference to an object being finalised.
        ptr = self.__dict__.get("_ptr")
        if ptr is not None:
            self._ptr = None
            _free(ptr)

    def __repr__(self) -> str:
        state = "closed" if self._ptr is None else "open"
        mode = "raw" if self._raw else "text"
        source = "<bytes>" if self._filename is None else repr(self._filename)
        return f"<csvr.Reader {state} {mode} source={source}>"
