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

from ._arrow import STRING, export_schema, export_stream, handed_over, requested_strings
from ._errors import InvalidArgumentError, Status, Utf8Error, check, raise_status
from ._lib import Batch, ByteAddress, CPosition, ReaderPtr, lib
from ._options import make_options
from ._source import (
    DATA_TYPES,
    Input,
    Source,
    borrow_data,
    check_open,
    filename_of,
    open_input,
    path_of,
)
from ._summary import Range, c_range
from ._text import Failure, decode_error, decode_records

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
    """Where a record really starts: its first byte and that byte's line.

    Blank lines, comment lines, a BOM and the previous record's terminator are not part
    of a record (the Rust ``csv`` crate's own ``Position`` would start where the previous
    record ended). Lines end at ``\\n``.
    """

    line: int
    """1-based line of the record's first byte."""
    byte: int
    """0-based byte offset of the record's first byte."""
    record: int
    """0-based record index; the header is record 0 when there is one."""


def _closed() -> ValueError:
    return ValueError("I/O operation on a closed csvr.Reader")


class _Out:
    """Reused out-parameters of the per-field calls: reading a field allocates nothing on
    the ctypes side."""

    __slots__ = ("data", "length", "n", "ref_data", "ref_length", "ref_n")

    def __init__(self) -> None:
        self.n = ctypes.c_size_t()
        self.data = ByteAddress()
        self.length = ctypes.c_size_t()
        self.ref_n = ctypes.byref(self.n)
        self.ref_data = ctypes.byref(self.data)
        self.ref_length = ctypes.byref(self.length)


def _copy_fields(ptr: Any, out: _Out, count: Callable[..., int], get: Callable[..., int]) -> list[bytes]:
    """Copy out the fields that ``count``/``get`` expose (the header's functions): the
    one place that copies fields one by one out of the library."""
    status = count(ptr, out.ref_n)
    if status != _OK:
        raise_status(status)
    ref_data, ref_length = out.ref_data, out.ref_length
    data, length = out.data, out.length
    string_at = ctypes.string_at
    fields: list[bytes] = []
    append = fields.append
    for i in range(out.n.value):
        status = get(ptr, i, ref_data, ref_length)
        if status != _OK:
            raise_status(status)
        size = length.value
        # A non-empty field has a non-NULL pointer; an empty one's must not be read.
        append(string_at(data.value, size) if size else b"")  # type: ignore[arg-type]
    return fields


def _split_raw(data: bytes, n: int, batch: Batch) -> list[list[bytes]]:
    """The records of a batch whose bytes are ``data`` (see ``csvr_batch``), as bytes."""
    if batch.framed:
        # No field holds a separator byte: splitting on them gives the fields, at C speed.
        return list(map(bytes.split, data.split(_RS), repeat(_US, n)))  # type: ignore[arg-type]
    ends = batch.record_ends[:n]
    field_ends = batch.field_ends[: ends[-1]]
    records: list[list[bytes]] = []
    start = first = 0
    for last in ends:
        fields = []
        for end in field_ends[first:last]:
            fields.append(data[start:end])
            start = end + 1
        first = last
        records.append(fields)
    return records


class _Decoder:
    """How a reader's bytes become rows: not at all (``raw=True``), as UTF-8 the library
    has checked (the fast path), or with a Python codec (``encoding``/``errors``)."""

    __slots__ = ("checked_utf8", "encoding", "errors", "raw")

    def __init__(self, *, raw: bool, encoding: str, errors: str) -> None:
        self.raw = raw
        self.encoding = encoding
        self.errors = errors
        #: The library validates UTF-8 (``csvr_options_set_utf8``): decoding cannot fail.
        self.checked_utf8 = not raw and encoding == "utf-8" and errors == "strict"

    def header(self, fields: list[bytes]) -> list[Any]:
        if self.raw or self.checked_utf8:
            return fields if self.raw else [f.decode("utf-8") for f in fields]
        rows, failure = decode_records([fields], self.encoding, self.errors)
        if failure is not None:
            raise decode_error(
                failure.error,
                failure.fields[failure.field],
                failure.field,
                encoding=self.encoding,
                line=None,
                byte=None,
                record=0,
            )
        return rows[0]

    def batch(self, data: bytes, n: int, batch: Batch) -> tuple[list[list[Any]], Optional[Failure], list[list[bytes]]]:
        """The rows of a batch, up to the first record that does not decode; that
        failure; and the batch's undecoded records (only when there is a failure)."""
        if self.raw:
            return _split_raw(data, n, batch), None, []
        if batch.framed:
            # Separator bytes decode to the same separator characters in every codec
            # used here (UTF-8 and single-byte ASCII-compatible ones).
            try:
                text = data.decode(self.encoding, self.errors)
            except UnicodeDecodeError:
                pass  # find the record below
            else:
                return list(map(str.split, text.split(_RS_TEXT), repeat(_US_TEXT, n))), None, []  # type: ignore[arg-type]
        records = _split_raw(data, n, batch)
        if self.checked_utf8:
            return [[f.decode("utf-8") for f in fields] for fields in records], None, []
        rows, failure = decode_records(records, self.encoding, self.errors)
        return rows, failure, records if failure is not None else []


class Reader(Generic[Field]):
    """Read CSV records one at a time, from a file, from bytes in memory or from a file
    object.

    ``source`` is one of:

    - a path (``str`` or :class:`os.PathLike`): the file is streamed, never held whole
      in memory. A ``str`` is always a path, even one holding CSV text;
    - the data itself (``bytes``, ``bytearray``, ``memoryview``, :class:`mmap.mmap`;
      copied by the library, so the caller may change it afterwards);
    - a binary file object (anything with ``readinto`` or ``read`` returning bytes:
      ``open(p, "rb")``, :class:`io.BytesIO`, :func:`gzip.open`, a socket's
      ``makefile("rb")``, ``sys.stdin.buffer``), or a text one (``open(p, newline="")``,
      :class:`io.StringIO`), read in chunks as the library needs them. An exception its
      ``read`` raises propagates unchanged. A text file opened without ``newline=""``
      has its ``\\r\\n`` turned into ``\\n`` by Python before csvr sees it: quoted fields
      that hold ``\\r\\n`` then hold ``\\n``, and byte offsets shift.

    Options (keyword-only; the same as :func:`csvr.count`'s): ``delimiter`` (``","``),
    ``quote`` (``'"'``), ``escape`` (``None``), ``comment`` (``None``),
    ``double_quote`` (``True``), ``quoting`` (``True``), ``has_header`` (``True``),
    ``flexible`` (``True``; ``False`` makes a record with a different number of fields
    from the first an error), ``trim`` (``"none"``, ``"headers"``, ``"fields"`` or
    ``"all"``), ``terminator`` (``None``: any of ``\\n``, ``\\r\\n``, ``\\r``; or one
    character), ``decompress`` (``"auto"``, ``"none"``, ``"gzip"``, ``"zstd"``), and
    for a reader only:

    - ``raw`` (``False``): fields are ``bytes``, undecoded, instead of ``str``;
    - ``encoding`` (``None``: UTF-8, or UTF-16/UTF-32 when the input starts with such a
      byte order mark) and ``errors`` (``"strict"``; or ``"replace"``,
      ``"surrogateescape"``, ... as in :meth:`bytes.decode`): how fields become ``str``.
      Any Python text codec works: UTF-8 and single-byte codecs (``"latin-1"``,
      ``"cp1252"``, ...) are parsed as they are and each field decoded; others
      (``"utf-16"``, ``"shift_jis"``, ...) are transcoded to UTF-8 in Python before the
      library parses them, and byte offsets then count UTF-8 bytes. With ``raw=True``
      fields stay bytes: the input's own, or UTF-8 for a transcoded input (whose
      undecodable bytes become U+FFFD unless ``errors`` says otherwise);
    - ``max_record_bytes`` (16 MiB; ``None`` for no limit): a longer record is a
      :class:`csvr.ParseError`;
    - ``read_ahead`` (``True``): the library parses the next batch of records on a
      thread of its own while Python builds the rows of this one (for files and bytes;
      the rows are the same either way).

    - ``columns`` (``None``: every field): the fields to read, in this order, as a list
      of 0-based indexes (``[0, 3]``) or of header names (``["id", "city"]``; a name
      the header holds twice means its first field); an index may repeat. Mixing ints
      and strs is a :class:`TypeError`. Rows and :attr:`headers` then hold exactly those
      fields; one past the end of a short record is ``""`` (``b""`` with ``raw=True``).
      A name not in the header, or names with ``has_header=False``, raise
      :class:`csvr.InvalidArgumentError` (a :class:`ValueError`) naming it.
      :meth:`count` and :func:`csvr.count` ignore the selection. Unselected fields are
      never copied, but in text mode (UTF-8 checked by the library) a record must still
      be UTF-8 as a whole.

    - ``batch_rows`` (``None``: about 4 MiB of values per batch) and
      ``truncate_ragged`` (``False``): the most rows in one record batch of the Arrow
      stream (:meth:`__arrow_c_stream__`), and whether that stream drops the fields of a
      record past its last column rather than fail on it. Iterating ignores both.

    ``threads`` is accepted and has no effect on a reader.

    Iterating yields each record as a ``list[str]``; with ``raw=True`` as a
    ``list[bytes]``, undecoded, so that input in any encoding can be read. In text mode a
    record that cannot be decoded raises :class:`csvr.Utf8Error` (a
    :class:`UnicodeDecodeError`) naming its position; iteration may go on after it with
    the next record.

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
    _input: Optional[Input] = None
    _shown = "<bytes>"  # the source in repr()
    _raw = False
    _streamed = False  # handed over to an Arrow stream
    _pending: Optional[object] = None  # that stream's capsule, not yet returned

    @overload
    def __init__(
        self: Reader[str],
        source: Source,
        *,
        raw: Literal[False] = ...,
        encoding: Optional[str] = ...,
        errors: Optional[str] = ...,
        has_header: bool = ...,
        delimiter: ByteValue = ...,
        range: Optional[Range] = ...,
        **options: Unpack[ReaderOptions],
    ) -> None: ...

    @overload
    def __init__(
        self: Reader[bytes],
        source: Source,
        *,
        raw: Literal[True],
        encoding: Optional[str] = ...,
        errors: Optional[str] = ...,
        has_header: bool = ...,
        delimiter: ByteValue = ...,
        range: Optional[Range] = ...,
        **options: Unpack[ReaderOptions],
    ) -> None: ...

    @overload
    def __init__(
        self: Reader[Any],
        source: Source,
        *,
        raw: bool,
        encoding: Optional[str] = ...,
        errors: Optional[str] = ...,
        has_header: bool = ...,
        delimiter: ByteValue = ...,
        range: Optional[Range] = ...,
        **options: Unpack[ReaderOptions],
    ) -> None: ...

    def __init__(
        self,
        source: Source,
        *,
        raw: bool = False,
        encoding: Optional[str] = None,
        errors: Optional[str] = None,
        has_header: bool = True,
        delimiter: ByteValue = ",",
        range: Optional[Range] = None,
        **options: Unpack[ReaderOptions],
    ) -> None:
        """Open ``source``; with ``has_header`` (the default) its header is read now.

        See the class documentation for ``source`` and the options.
        """
        if not isinstance(raw, bool):
            raise TypeError(f"raw must be True or False, not {type(raw).__name__}")
        self._raw = raw
        self._lock = threading.Lock()
        # The current batch: its rows, the iterator handing them out (shared by next()
        # and every `for` loop over this reader, so each row goes out once), and the
        # packed csvr_position of each row.
        self._rows: list[list[Field]] = []
        self._it: Optional[Iterator[list[Field]]] = None
        self._positions = b""
        # A record of the batch that did not decode: its error, raised when iteration
        # reaches it, and the batch's records after it with their positions.
        self._failure: Optional[Utf8Error] = None
        self._rest: list[list[bytes]] = []
        self._rest_positions = b""
        self._batch = Batch()
        self._ref_batch = ctypes.byref(self._batch)
        self._want = _BATCH_RECORDS
        self._out = _Out()
        ptr = ReaderPtr()
        # Parsing one batch ahead on a thread of the library's own overlaps it with the
        # building of Python objects, which holds the GIL; read_ahead=False turns it off.
        settings = {"has_header": has_header, "delimiter": delimiter, "read_ahead": True}
        try:
            if range is None:
                self._open(source, ptr, {**settings, **options}, encoding, errors)
            else:
                self._open_range(source, ptr, {**settings, **options}, encoding, range)
        except BaseException:
            self.close()  # a transcoded file opened here
            raise
        self._ptr = ptr
        if has_header:
            fields = _copy_fields(
                ptr, self._out, lib.csvr_reader_header_count, lib.csvr_reader_header
            )
            self._headers = self._decoder.header(fields)

    def _open(
        self, source: Source, ptr: Any, settings: dict[str, Any], encoding: Any, errors: Any
    ) -> None:
        with make_options(settings, caller="Reader") as opts:
            # Options are checked before the input is opened; text mode is known after.
            if errors is None:
                # Raw mode decodes nothing, so never fails to: a transcoded input's
                # undecodable bytes become U+FFFD there.
                errors = "replace" if self._raw else "strict"
            self._input = source_input = open_input(
                source, encoding=encoding, errors=errors, sniff_bom=True
            )
            # The path as given, for repr() and for OSError.filename on a read error.
            self._filename = source_input.filename
            if self._filename is not None:
                self._shown = repr(self._filename)
            elif source_input.stream is not None:
                self._shown = "<file object>"
            self._decoder = _Decoder(raw=self._raw, encoding=source_input.encoding, errors=errors)
            if self._decoder.checked_utf8:
                check(lib.csvr_options_set_utf8(opts.ptr, True))
            stream = source_input.stream
            if source_input.path is not None:
                status = lib.csvr_reader_open(source_input.path, opts.ptr, ctypes.byref(ptr))
                check_open(status, source)
            elif stream is not None:
                status = lib.csvr_reader_from_callback(
                    stream.fn, None, opts.ptr, ctypes.byref(ptr)
                )
                stream.check(status, self._filename)
            else:
                with borrow_data(source_input.data) as (data, size):
                    check(lib.csvr_reader_from_bytes(data, size, opts.ptr, ctypes.byref(ptr)))

    def _open_range(
        self, source: Source, ptr: Any, settings: dict[str, Any], encoding: Any, where: Range
    ) -> None:
        """Open a reader of one range of ``source`` (see :func:`csvr.split`)."""
        if encoding is not None:
            raise InvalidArgumentError(
                "a range reader reads the bytes as they are: encoding= cannot be used with range="
            )
        crange = c_range(where)
        with make_options(settings, caller="Reader") as opts:
            self._decoder = _Decoder(raw=self._raw, encoding="utf-8", errors="strict")
            if self._decoder.checked_utf8:
                check(lib.csvr_options_set_utf8(opts.ptr, True))
            path = path_of(source)
            if path is not None:
                self._filename = filename_of(source)
                self._shown = repr(self._filename)
                status = lib.csvr_reader_open_range(
                    path, opts.ptr, ctypes.byref(crange), ctypes.byref(ptr)
                )
                check_open(status, source)
            elif isinstance(source, DATA_TYPES):
                with borrow_data(source) as (data, size):
                    status = lib.csvr_reader_from_bytes_range(
                        data, size, opts.ptr, ctypes.byref(crange), ctypes.byref(ptr)
                    )
                    check(status)
            else:
                raise TypeError(
                    "range= needs a path or the data itself (bytes, bytearray, memoryview "
                    "or mmap): a file object cannot be read at byte offsets"
                )

    # -- the batch transfer: how rows reach Python, one FFI call per batch --

    def _check(self, status: int, source_input: Optional[Input] = None) -> None:
        """Raise for a failed call that read the input (a file object's own exception
        first); ``source_input``: the input, if this reader no longer holds it."""
        source_input = self._input if source_input is None else source_input
        stream = None if source_input is None else source_input.stream
        if stream is not None:
            stream.check(status, self._filename)
        else:
            check(status, self._filename)

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
        failure = self._failure
        if failure is not None:
            self._failure = None
            raise failure
        if self._rest:
            records, positions = self._rest, self._rest_positions
            self._rest, self._rest_positions = [], b""
            rows, bad = decode_records(records, self._decoder.encoding, self._decoder.errors)
            return self._take(rows, positions, bad, records)
        status = lib.csvr_reader_next_batch(self._ptr, self._want, self._ref_batch)
        if status == _DONE:
            return None
        if status != _OK:
            self._check(status)
        batch = self._batch
        n = batch.records
        # Size the next batch from this one's bytes per record.
        per_record = batch.len // n + 1
        self._want = min(max(_BATCH_BYTES // per_record, _BATCH_MIN), _BATCH_MAX)
        # Copy the batch out of the library: its pointers die at the next call.
        data = ctypes.string_at(batch.data, batch.len) if batch.len else b""
        positions = ctypes.string_at(batch.positions, n * _POSITION.size)
        rows, bad, records = self._decoder.batch(data, n, batch)
        return self._take(rows, positions, bad, records)

    def _take(
        self,
        rows: list[list[Any]],
        positions: bytes,
        bad: Optional[Failure],
        records: list[list[bytes]],
    ) -> Iterator[list[Field]]:
        """Make ``rows`` the current batch; keep a failure (and what follows it) for the
        moment iteration reaches it."""
        if bad is not None:
            size = _POSITION.size
            where = Position(*_POSITION.unpack_from(positions, bad.record * size))
            self._failure = decode_error(
                bad.error,
                bad.fields[bad.field],
                bad.field,
                encoding=self._decoder.encoding,
                line=where.line,
                byte=where.byte,
                record=where.record,
            )
            self._rest = records[bad.record + 1 :]
            self._rest_positions = positions[(bad.record + 1) * size :]
        self._rows = rows
        self._positions = positions
        self._it = it = iter(rows)
        return it

    # -- the public interface --

    def __arrow_c_stream__(self, requested_schema: object = None) -> object:
        """Hand the records not read yet over as an Arrow C stream: a PyCapsule named
        ``arrow_array_stream`` (the Arrow PyCapsule interface), which ``pyarrow.table``,
        ``pyarrow.RecordBatchReader.from_stream``, ``polars.DataFrame``, DuckDB and
        ``pandas.DataFrame.from_arrow`` read.

        Each record batch has one nullable column per field, named from the header
        (``column_1``, ``column_2``, ... without one; a repeated name becomes
        ``NAME_duplicated_K``): ``utf8`` columns in text mode, ``binary`` with
        ``raw=True``. A field missing from a short record is null. A record with more
        fields than there are columns makes the stream fail, naming its line, unless
        ``truncate_ragged=True``; ``batch_rows`` caps the rows of a batch. Rows this
        reader has already yielded are not in the stream: it starts at the next one.

        ``requested_schema`` (``None``, or a PyCapsule from ``__arrow_c_schema__()``)
        asking for ``large_string``/``large_binary`` or ``string_view``/``binary_view``
        columns gets them; anything else it asks is ignored (the consumer casts).

        Afterwards the reader yields nothing more (close it as usual); a second call
        raises :class:`csvr.InvalidArgumentError`. In text mode the stream's columns are
        the UTF-8 the library checks: with an ``encoding`` or ``errors`` that Python
        decodes itself (``"latin-1"``, ``errors="replace"``, ...) this raises
        :class:`csvr.InvalidArgumentError`; pass ``raw=True`` for the bytes instead.
        """
        return self._arrow_stream(requested_strings(requested_schema))

    def _arrow_stream(self, strings: int) -> object:
        """:meth:`__arrow_c_stream__` with the string layout ``strings`` (a
        ``csvr_arrow_strings``)."""
        with self._lock:
            if self._ptr is None:
                raise _closed()
            capsule = self._pending
            if capsule is None:
                capsule = self._hand_over(strings)
            self._pending = None
            return capsule

    def __arrow_c_schema__(self) -> object:
        """The schema of the Arrow stream :meth:`__arrow_c_stream__` gives, as a PyCapsule
        named ``arrow_schema`` (for consumers that bind a schema before they read, such as
        DuckDB).

        This hands the reader over already: it yields nothing more, and the next
        :meth:`__arrow_c_stream__` call returns that stream (with the default string
        layout, whatever it requests).
        """
        with self._lock:
            if self._ptr is None:
                raise _closed()
            if self._pending is None:
                self._pending = self._hand_over(STRING)
            return export_schema(self._pending)

    def _hand_over(self, strings: int) -> object:
        """Move the records not yet read into an Arrow stream's capsule. Lock held."""
        if self._streamed:
            raise handed_over()
        decoder = self._decoder
        if not (decoder.raw or decoder.checked_utf8):
            raise InvalidArgumentError(
                f"an Arrow stream has UTF-8 string columns that the library checks, "
                f"but this reader decodes its fields in Python (encoding="
                f"{decoder.encoding!r}, errors={decoder.errors!r}): open it with the "
                f"default encoding and errors='strict', or with raw=True for binary "
                f"columns"
            )
        # Only Python-side decoding leaves a failure or records after it.
        assert self._failure is None and not self._rest
        it = self._it
        unread = 0 if it is None else length_hint(it)
        self._streamed = True
        self._it = None
        self._rows.clear()  # ends any loop still holding the old iterator
        ptr = self._ptr
        keep = self._input
        if keep is None or keep.stream is None:
            keep = None
        else:
            # The stream calls the file object's read callback from now on: it owns
            # the input (and closes it when released), not this reader.
            self._input = None

        def fill(address: int) -> None:
            self._check(lib.csvr_reader_arrow_stream(ptr, unread, strings, address), keep)

        return export_stream(fill, keep)

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
            # A record that did not decode is still a record, as for the library's count.
            buffered += len(self._rest) + (self._failure is not None)
            self._it = None
            self._rows.clear()  # ends any loop still holding the old iterator
            self._failure, self._rest, self._rest_positions = None, [], b""
            self._check(lib.csvr_reader_count(self._ptr, ctypes.byref(out)))
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
        """The 1-based line of the current record's first byte, or ``None``.

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
            # A stream only __arrow_c_schema__ asked for: its capsule's destructor
            # releases it when this was the last reference.
            self._pending = None
            # After the free: the library may call a file object's callback until then.
            source_input, self._input = self._input, None
            if source_input is not None:
                source_input.close()

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
        source_input = self.__dict__.get("_input")
        if source_input is not None:
            self._input = None
            source_input.close()

    def __repr__(self) -> str:
        state = "closed" if self._ptr is None else "open"
        mode = "raw" if self._raw else "text"
        source = self._shown
        return f"<csvr.Reader {state} {mode} source={source}>"
