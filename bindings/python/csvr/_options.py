"""Building a native ``csvr_options`` from keyword arguments.

This module only converts Python values to the C types and checks what C cannot express
(a two-character string, a code point that is not a byte); whether a byte is usable and
whether options contradict each other is the library's call.
"""

from __future__ import annotations

import ctypes
from collections.abc import Iterable, Mapping
from types import TracebackType
from typing import Any, Callable, Optional, Sequence, TypedDict, Union

from ._errors import InvalidArgumentError, UnknownOptionError, check
from ._lib import lib

__all__ = [
    "CountOptions",
    "NativeOptions",
    "OPTION_NAMES",
    "ReaderOptions",
    "make_options",
]

_Setter = Callable[[Any, Any], int]
_Converter = Callable[[str, object], Any]

#: A one-byte option value: a one-character ``str`` or a one-byte ``bytes``.
ByteValue = Union[str, bytes]


class CountOptions(TypedDict, total=False):
    """The options of :func:`csvr.count` besides its explicit keyword arguments."""

    escape: Optional[ByteValue]
    comment: Optional[ByteValue]
    double_quote: bool
    quoting: bool
    flexible: bool
    trim: str
    terminator: Optional[ByteValue]
    decompress: str
    columns: Optional[Union[Sequence[int], Sequence[str]]]
    batch_rows: Optional[int]
    truncate_ragged: bool


class ReaderOptions(CountOptions, total=False):
    """The options of :class:`csvr.Reader` besides its explicit keyword arguments."""

    quote: ByteValue
    threads: int
    max_record_bytes: int
    read_ahead: bool


# csvr_trim values (CSVR_TRIM_NONE ... CSVR_TRIM_ALL in include/csvr.h).
_TRIM = {"none": 0, "headers": 1, "fields": 2, "all": 3}
# csvr_decompress values (CSVR_DECOMPRESS_AUTO ... CSVR_DECOMPRESS_ZSTD in include/csvr.h).
_DECOMPRESS = {"auto": 0, "none": 1, "gzip": 2, "zstd": 3}
_SIZE_MAX = (1 << (8 * ctypes.sizeof(ctypes.c_size_t))) - 1


def _byte(name: str, value: object, *, none_allowed: bool) -> int:
    if value is None and none_allowed:
        return 0  # the C API's "none"
    if isinstance(value, str):
        if len(value) != 1:
            raise InvalidArgumentError(f"{name} must be a single character, got {value!r}")
        code = ord(value)
        if code > 0x7F:
            raise InvalidArgumentError(f"{name} must be an ASCII character, got {value!r}")
    elif isinstance(value, (bytes, bytearray)):
        if len(value) != 1:
            raise InvalidArgumentError(f"{name} must be a single byte, got {value!r}")
        code = value[0]  # a non-ASCII byte is rejected by the library's setter
    else:
        expected = "a one-character str or None" if none_allowed else "a one-character str"
        raise TypeError(f"{name} must be {expected}, not {type(value).__name__}")
    if code == 0 and none_allowed:
        # 0 means "none" in the C API, so a NUL byte cannot be asked for.
        raise InvalidArgumentError(f"{name} cannot be NUL; use None for no {name}")
    return code


def _required_byte(name: str, value: object) -> int:
    return _byte(name, value, none_allowed=False)


def _optional_byte(name: str, value: object) -> int:
    return _byte(name, value, none_allowed=True)


def _bool(name: str, value: object) -> bool:
    if not isinstance(value, bool):
        raise TypeError(f"{name} must be True or False, not {type(value).__name__}")
    return value


def _choice(table: dict[str, int]) -> _Converter:
    def convert(name: str, value: object) -> int:
        if not isinstance(value, str):
            raise TypeError(f"{name} must be a str, not {type(value).__name__}")
        try:
            return table[value]
        except KeyError:
            choices = ", ".join(repr(k) for k in table)
            raise InvalidArgumentError(
                f"{name} must be one of {choices}, got {value!r}"
            ) from None

    return convert


def _threads(name: str, value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"{name} must be an int, not {type(value).__name__}")
    if value < 0:
        raise InvalidArgumentError(f"{name} must be 0 (all cores) or more, got {value}")
    if value > _SIZE_MAX:
        # ctypes would silently truncate it to size_t; the library sets the real limit.
        raise InvalidArgumentError(f"{name} is too large: {value}")
    return value


_U64_MAX = (1 << 64) - 1


def _record_limit(name: str, value: object) -> int:
    if value is None:
        return 0  # the C API's "no limit"
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"{name} must be an int or None, not {type(value).__name__}")
    if value <= 0:
        raise InvalidArgumentError(f"{name} must be positive (None for no limit), got {value}")
    return min(value, _U64_MAX)


def _batch_rows(name: str, value: object) -> int:
    if value is None:
        return 0  # the C API's "about 4 MiB of values per batch"
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"{name} must be an int or None, not {type(value).__name__}")
    if value <= 0:
        raise InvalidArgumentError(f"{name} must be positive (None for the default), got {value}")
    if value > _SIZE_MAX:
        raise InvalidArgumentError(f"{name} is too large: {value}")
    return value


def _columns(name: str, value: object) -> tuple[Any, Any, int]:
    """A column selection as (C setter, C array, length): all ``int`` (indexes) or all
    ``str`` (header names); ``None`` or an empty list selects every field."""
    if value is None:
        return lib.csvr_options_set_columns, None, 0
    if isinstance(value, (str, bytes)) or not isinstance(value, Iterable):
        raise TypeError(
            f"{name} must be a list of ints (indexes) or of strs (header names), "
            f"not {type(value).__name__}"
        )
    items = list(value)
    if all(isinstance(i, int) and not isinstance(i, bool) for i in items):
        for i in items:
            if not 0 <= i <= _SIZE_MAX:
                raise InvalidArgumentError(f"{name}: an index must be 0 or more, got {i}")
        return lib.csvr_options_set_columns, (ctypes.c_size_t * len(items))(*items), len(items)
    if all(isinstance(i, str) for i in items):
        encoded = []
        for i in items:
            try:
                b = i.encode("utf-8")
            except UnicodeEncodeError as exc:
                raise InvalidArgumentError(f"{name}: {i!r} cannot be UTF-8: {exc}") from None
            if b"\0" in b:
                raise InvalidArgumentError(f"{name}: a name cannot hold NUL, got {i!r}")
            encoded.append(b)
        # The array keeps the bytes it points to alive for as long as it lives.
        names = (ctypes.c_char_p * len(encoded))(*encoded)
        return lib.csvr_options_set_column_names, names, len(encoded)
    kinds = sorted({type(i).__name__ for i in items})
    raise TypeError(
        f"{name} must be all ints (indexes) or all strs (header names), not a mix "
        f"of {', '.join(kinds)}"
    )


def _set_columns(ptr: Any, value: tuple[Any, Any, int]) -> int:
    setter, array, n = value
    return int(setter(ptr, array, n))


# option name: (C setter, Python value -> C value)
_OPTIONS: dict[str, tuple[_Setter, _Converter]] = {
    "delimiter": (lib.csvr_options_set_delimiter, _required_byte),
    "quote": (lib.csvr_options_set_quote, _required_byte),
    "escape": (lib.csvr_options_set_escape, _optional_byte),
    "comment": (lib.csvr_options_set_comment, _optional_byte),
    "double_quote": (lib.csvr_options_set_double_quote, _bool),
    "quoting": (lib.csvr_options_set_quoting, _bool),
    "has_header": (lib.csvr_options_set_has_header, _bool),
    "flexible": (lib.csvr_options_set_flexible, _bool),
    "trim": (lib.csvr_options_set_trim, _choice(_TRIM)),
    "terminator": (lib.csvr_options_set_terminator, _optional_byte),
    "threads": (lib.csvr_options_set_threads, _threads),
    "max_record_bytes": (lib.csvr_options_set_max_record_bytes, _record_limit),
    "read_ahead": (lib.csvr_options_set_read_ahead, _bool),
    "decompress": (lib.csvr_options_set_decompress, _choice(_DECOMPRESS)),
    "columns": (_set_columns, _columns),
    "batch_rows": (lib.csvr_options_set_batch_rows, _batch_rows),
    "truncate_ragged": (lib.csvr_options_set_truncate_ragged, _bool),
}

#: Every option name accepted by :func:`csvr.count` and :class:`csvr.Reader`.
OPTION_NAMES: frozenset[str] = frozenset(_OPTIONS)


class NativeOptions:
    """An owned native ``csvr_options``; a context manager that frees it on exit.

    The library copies options into each reader or count, so they are needed only for
    the duration of the call that uses them.
    """

    __slots__ = ("_ptr",)

    def __init__(self, ptr: Any) -> None:
        self._ptr: Any = ptr

    @property
    def ptr(self) -> Any:
        """The ``csvr_options *`` to pass to the library."""
        return self._ptr

    def free(self) -> None:
        """Free the native options (idempotent)."""
        ptr, self._ptr = self._ptr, None
        if ptr:
            lib.csvr_options_free(ptr)

    def __enter__(self) -> NativeOptions:
        return self

    def __exit__(
        self,
        exc_type: Optional[type[BaseException]],
        exc: Optional[BaseException],
        tb: Optional[TracebackType],
    ) -> None:
        self.free()

    def __del__(self, _free: Callable[[Any], None] = lib.csvr_options_free) -> None:
        ptr = getattr(self, "_ptr", None)
        if ptr:
            _free(ptr)


def make_options(
    options: Mapping[str, object], *, utf8: bool = False, caller: str = "csvr"
) -> NativeOptions:
    """Build native options from keyword arguments named as in :data:`OPTION_NAMES`.

    ``utf8`` turns on the library's text mode (UTF-8 validation of every record).
    ``caller`` names the function in the message for an unknown option.
    Raises :class:`TypeError` for a value of the wrong type and
    :class:`csvr.InvalidArgumentError` (a :class:`ValueError`) for a bad value.
    """
    for name in options:
        if name not in _OPTIONS:
            known = ", ".join(sorted(_OPTIONS))
            raise UnknownOptionError(
                f"{caller}() got an unknown option {name!r} (known options: {known})"
            )
    # Convert (and so check) every value before allocating anything.
    converted = []
    for name, value in options.items():
        setter, convert = _OPTIONS[name]
        converted.append((setter, convert(name, value)))
    ptr = lib.csvr_options_new()
    if not ptr:
        raise MemoryError("csvr_options_new failed")
    native = NativeOptions(ptr)
    try:
        for setter, value in converted:
            check(setter(ptr, value))
        if utf8:
            check(lib.csvr_options_set_utf8(ptr, True))
    except BaseException:
        native.free()
        raise
    return native
