"""A Python file object lent to the library as a ``csvr_read_fn`` callback.

The library pulls bytes when it needs them, so a file object of any size is read in
constant memory. What the callback hands over:

- a binary file object's bytes as they are, read straight into the library's buffer with
  ``readinto1``/``readinto`` where the object has them (else ``read1``/``read``);
- a text file object's ``str``, encoded to UTF-8 in chunks of at most :data:`CHUNK`
  characters;
- with a ``transcode`` codec (UTF-16, UTF-32, Shift-JIS, ... given as ``encoding``, or a
  UTF-16/32 byte order mark found by ``sniff_bom``), the file's bytes decoded by an
  incremental decoder and encoded to UTF-8, so that the byte-level parser sees UTF-8.

An exception raised by the file object (or by a codec) is kept, the callback returns -1
with ``errno`` set, and :meth:`Stream.check` raises that same exception once the library
call has returned: nothing is swallowed into a generic error. After a failure every
further read fails too, without calling the file object again.
"""

from __future__ import annotations

import codecs
import ctypes
import errno as _errno
from typing import Any, Callable, Optional

from ._errors import InvalidArgumentError, Status, Utf8Error, check
from ._lib import ReadFn

__all__ = ["BOM_PREFIX", "CHUNK", "Stream", "bom_encoding"]


#: The most characters (or bytes) asked of the file object at once: bounds the memory a
#: text or transcoded chunk takes whatever buffer size the library asks to fill.
CHUNK = 64 << 10

_ERR_IO = int(Status.ERR_IO)
_PyBUF_WRITE = 0x200
_memory_at = ctypes.pythonapi.PyMemoryView_FromMemory
_memory_at.argtypes = [ctypes.c_void_p, ctypes.c_ssize_t, ctypes.c_int]
_memory_at.restype = ctypes.py_object

# Byte order marks that make the input UTF-16 or UTF-32 (the longer ones first: a UTF-32LE
# mark starts with the UTF-16LE one). Python's "utf-16"/"utf-32" codecs read the mark and
# take the byte order from it.
_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
#: Enough of the input's start to tell every mark in _BOMS.
BOM_PREFIX = 4


def bom_encoding(prefix: bytes) -> Optional[str]:
    """``"utf-16"`` or ``"utf-32"`` if ``prefix`` starts with such a byte order mark."""
    for mark, encoding in _BOMS:
        if prefix.startswith(mark):
            return encoding
    return None


def _address_of(data: bytes) -> int:
    """The address of the bytes inside ``data`` (no copy; valid while ``data`` lives)."""
    return ctypes.cast(ctypes.c_char_p(data), ctypes.c_void_p).value or 0


def _method(file: object, *names: str) -> Optional[Callable[..., Any]]:
    for name in names:
        method = getattr(file, name, None)
        if callable(method):
            return method
    return None


class Stream:
    """One file object behind one ``csvr_read_fn``; keep it alive as long as the library
    may call :attr:`fn` (the reader's lifetime, or the count call's).

    ``transcode``: the codec the file's bytes are in, to be transcoded to UTF-8 (``None``:
    the bytes as they are). ``sniff_bom``: with no ``transcode``, look at the first bytes
    and transcode from UTF-16/UTF-32 if they are such a byte order mark. ``errors``: the
    codec error handler for decoding and for encoding text to UTF-8. ``close_file``: the
    stream opened the file itself and closes it in :meth:`close`.
    """

    def __init__(
        self,
        file: Any,
        *,
        transcode: Optional[str] = None,
        sniff_bom: bool = False,
        errors: str = "strict",
        close_file: bool = False,
    ) -> None:
        self._file = file
        self._close_file = close_file
        self._errors = errors
        self._sniff = sniff_bom and transcode is None
        self._decoder: Any = None
        if transcode is not None:
            self._decoder = codecs.getincrementaldecoder(transcode)(errors)
        self._readinto = _method(file, "readinto1", "readinto")
        self._read = _method(file, "read1", "read")
        self._started = False
        self._pending = b""  # bytes produced but not handed over yet
        self._offset = 0
        self._eof = False  # 0 was returned: the library may ask again, and gets 0 again
        self._consumed = 0  # bytes of the file fed to the decoder so far
        self._error: Optional[BaseException] = None
        self._errno = 0
        #: Whether what reached the library is UTF-8 made here: from ``str`` (a text
        #: file object) or transcoded. Known once the first read has happened.
        self.made_utf8 = transcode is not None
        #: The codec the input was transcoded from, if any (a byte order mark may set it).
        self.transcoded_from: Optional[str] = transcode
        # One C function pointer per stream: user_data is not needed.
        self.fn = ReadFn(self._callback)

    # -- the callback --

    def _callback(self, _user_data: Any, buf: Optional[int], size: int) -> int:
        if self._error is not None or self._errno:
            ctypes.set_errno(self._errno)
            return -1
        try:
            if size == 0 or buf is None or self._eof:
                return 0
            n = self._fill(buf, size)
            self._eof = n == 0
            return n
        except BaseException as exc:  # noqa: BLE001 - kept and re-raised by check()
            self._error = exc
            code = getattr(exc, "errno", None) if isinstance(exc, OSError) else None
            # EINTR / EAGAIN would make the library retry a read that will fail again.
            retried = (_errno.EINTR, _errno.EAGAIN, _errno.EWOULDBLOCK)
            self._errno = code if isinstance(code, int) and code and code not in retried else (
                _errno.EIO
            )
            ctypes.set_errno(self._errno)
            return -1

    def _fill(self, buf: int, size: int) -> int:
        if not self._started:
            self._start()
        if self._offset < len(self._pending):
            return self._serve(buf, size)
        if self._decoder is None and not self.made_utf8 and self._readinto is not None:
            return self._read_into(buf, size)
        self._pending, self._offset = self._next_chunk(size), 0
        return self._serve(buf, size) if self._pending else 0

    def _serve(self, buf: int, size: int) -> int:
        n = min(size, len(self._pending) - self._offset)
        # SAFETY: the library's buffer holds `size` >= n bytes, and self._pending holds
        # n bytes from self._offset (it is kept alive by self while copied from).
        ctypes.memmove(buf, _address_of(self._pending) + self._offset, n)
        self._offset += n
        if self._offset == len(self._pending):
            self._pending, self._offset = b"", 0
        return n

    def _read_into(self, buf: int, size: int) -> int:
        assert self._readinto is not None
        # A writable view of the library's buffer, valid only during this call.
        view = _memory_at(buf, size, _PyBUF_WRITE)
        try:
            n = self._readinto(view)
        finally:
            try:
                view.release()
            except BufferError:
                pass  # the file object kept an export; it must not use it (documented)
        if n is None:
            raise BlockingIOError(
                _errno.EAGAIN, "the file object is non-blocking and has no data ready"
            )
        if not 0 <= n <= size:
            raise ValueError(f"readinto() returned {n} for a buffer of {size} bytes")
        return int(n)

    def _start(self) -> None:
        """Before the first read: with ``sniff_bom``, read the first bytes and choose."""
        self._started = True
        if not self._sniff:
            return
        head = self._raw_read(BOM_PREFIX)
        if isinstance(head, str):
            self._pending = self._encode(head)
            return
        # A short read is not the end: read up to BOM_PREFIX bytes to tell every mark.
        while head and len(head) < BOM_PREFIX:
            more = self._raw_read(BOM_PREFIX - len(head))
            if not more:
                break
            head += more
        encoding = bom_encoding(head)
        if encoding is None:
            self._pending = head
            return
        self._decoder = codecs.getincrementaldecoder(encoding)(self._errors)
        self.made_utf8 = True
        self.transcoded_from = encoding
        self._pending = self._encode(self._decode(head, final=False))

    def _raw_read(self, size: int) -> Any:
        """Up to ``size`` bytes (or characters) from the file object; empty at the end."""
        reader = self._read
        if reader is None:
            # Only readinto: read through a bytearray.
            assert self._readinto is not None
            chunk = bytearray(size)
            n = self._readinto(chunk)
            if n is None:
                raise BlockingIOError(
                    _errno.EAGAIN, "the file object is non-blocking and has no data ready"
                )
            return bytes(chunk[:n])
        data = reader(size)
        if data is None:
            raise BlockingIOError(
                _errno.EAGAIN, "the file object is non-blocking and has no data ready"
            )
        if isinstance(data, str):
            return data
        if not isinstance(data, bytes):
            try:
                data = memoryview(data).tobytes()  # not bytes(data): bytes(3) is b"\0\0\0"
            except TypeError:
                raise TypeError(
                    f"the file object's read() returned {type(data).__name__}, "
                    "not bytes or str"
                ) from None
        return data

    def _decode(self, data: bytes, *, final: bool) -> str:
        """Transcoding: the characters ``data`` completes. A byte the codec refuses is a
        :class:`csvr.Utf8Error` naming its offset in the file (no record position: the
        library has not seen those bytes)."""
        if self._consumed == 0:
            _refuse_compressed(data, self.transcoded_from)
        try:
            text: str = self._decoder.decode(data, final)
        except UnicodeDecodeError as exc:
            # The decoder keeps an incomplete sequence from the previous chunk: the
            # offset in the file is counted from the bytes fed before this one.
            at = self._consumed + exc.start
            raise Utf8Error(
                f"cannot decode the input as {exc.encoding} ({exc.reason}) at byte {at} "
                f"of the input, before transcoding to UTF-8",
                byte=at,
                encoding=exc.encoding,
                object=exc.object,
                start=exc.start,
                end=exc.end,
                reason=exc.reason,
            ) from None
        self._consumed += len(data)
        return text

    def _encode(self, text: str) -> bytes:
        self.made_utf8 = True
        return text.encode("utf-8", self._errors)

    def _next_chunk(self, size: int) -> bytes:
        """The next non-empty chunk of bytes for the library, or ``b""`` at the end."""
        want = min(size, CHUNK)
        while True:
            data = self._raw_read(want)
            if isinstance(data, str):
                if not data:
                    return b""
                encoded = self._encode(data)
            elif self._decoder is not None:
                encoded = self._encode(self._decode(data, final=not data))
                if not data:
                    return encoded  # the decoder's last characters, or the end
            else:
                return data
            if encoded:
                return encoded

    # -- after the library call --

    def failure(self) -> Optional[BaseException]:
        """The exception reading the file object raised, if any (kept for :meth:`check`)."""
        return self._error

    def check(self, status: int, filename: Any = None) -> None:
        """Raise for a failed library call: the file object's own exception if reading
        it failed (once; later failures are the library's :class:`csvr.IoError`), else
        the library's error."""
        if status == _ERR_IO and self._error is not None:
            error, self._error = self._error, None
            raise error
        check(status, filename)

    def close(self) -> None:
        """Close the file if the stream opened it; drop the reference otherwise."""
        file, self._file = self._file, None
        self._read = self._readinto = None
        if file is not None and self._close_file:
            file.close()


_COMPRESSED_MAGIC = ((b"\x1f\x8b", "gzip"), (b"\x28\xb5\x2f\xfd", "zstd"))


def _refuse_compressed(head: bytes, codec: Optional[str]) -> None:
    """Transcoding happens here, before the library could decompress: decoding gzip or
    zstd bytes as text would give garbage, so say what to do instead."""
    for magic, name in _COMPRESSED_MAGIC:
        if head.startswith(magic):
            hint = "gzip.open(path)" if name == "gzip" else "a zstd decompressing file object"
            raise InvalidArgumentError(
                f"the input is {name}-compressed, and encoding={codec!r} is transcoded "
                f"before csvr could decompress it: pass {hint} instead"
            )

