"""Every kind of source: file objects (binary and text) streamed through the read
callback, mmap and read-only buffers lent without a copy, and a str that holds CSV."""

from __future__ import annotations

import csv
import gc
import gzip
import io
import mmap
import socket
import threading
import tracemalloc
from pathlib import Path
from typing import Any, Optional

import pytest

import csvr
from conftest import SAMPLE, SAMPLE_COUNT, run_python

SMALL = b"a,b\n1,2\n3,4\n"


def sample_text() -> str:
    with SAMPLE.open(encoding="utf-8", newline="") as f:
        return f.read()


def python_rows(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text, newline="")))


def read_all(source: Any, **options: Any) -> tuple[Optional[list[Any]], list[list[Any]]]:
    with csvr.Reader(source, **options) as reader:
        return reader.headers, list(reader)


# -- binary file objects --


class OnlyRead:
    """A duck-typed binary file: ``read`` and nothing else, a few bytes at a time."""

    def __init__(self, data: bytes, step: int = 7) -> None:
        self.data, self.at, self.step, self.calls = data, 0, step, 0

    def read(self, size: int = -1) -> bytes:
        self.calls += 1
        n = min(size, self.step) if size >= 0 else len(self.data)
        chunk = self.data[self.at : self.at + n]
        self.at += len(chunk)
        return chunk


class OnlyReadinto:
    """A duck-typed binary file with ``readinto`` only."""

    def __init__(self, data: bytes) -> None:
        self.file = io.BytesIO(data)

    def readinto(self, buffer: Any) -> int:
        return self.file.readinto(buffer)


def gzip_file(data: bytes) -> gzip.GzipFile:
    return gzip.GzipFile(fileobj=io.BytesIO(gzip.compress(data)))


BINARY_FILES = {
    "open_rb": lambda data, path: path.open("rb"),
    "open_rb_unbuffered": lambda data, path: path.open("rb", buffering=0),
    "BytesIO": lambda data, path: io.BytesIO(data),
    "gzip": lambda data, path: gzip_file(data),
    "only_read": lambda data, path: OnlyRead(data),
    "only_readinto": lambda data, path: OnlyReadinto(data),
}


@pytest.mark.parametrize("kind", sorted(BINARY_FILES))
def test_binary_file_objects_read_like_the_file(kind: str, sample_bytes: bytes) -> None:
    expected = python_rows(sample_text())
    file = BINARY_FILES[kind](sample_bytes, SAMPLE)
    headers, rows = read_all(file)
    assert headers == expected[0]
    assert rows == expected[1:]
    assert csvr.count(BINARY_FILES[kind](sample_bytes, SAMPLE)) == SAMPLE_COUNT


def test_raw_rows_and_positions_match_bytes(sample_bytes: bytes) -> None:
    with csvr.Reader(OnlyRead(sample_bytes, step=1000), raw=True) as a:
        with csvr.Reader(sample_bytes, raw=True) as b:
            for row_a, row_b in zip(a, b):
                assert row_a == row_b
                assert a.position == b.position
            assert next(a, None) is None and next(b, None) is None


def test_one_byte_reads_keep_a_utf8_bom_out_of_the_data() -> None:
    data = b"\xef\xbb\xbfa,b\n1,2\n"
    assert read_all(OnlyRead(data, step=1)) == (["a", "b"], [["1", "2"]])
    assert csvr.count(OnlyRead(data, step=1)) == 1


def test_reader_count_on_a_file_object(sample_bytes: bytes) -> None:
    with csvr.Reader(io.BytesIO(sample_bytes)) as reader:
        next(reader)
        assert reader.count() == SAMPLE_COUNT - 1


def test_file_object_is_read_from_its_current_position() -> None:
    file = io.BytesIO(b"junk\n" + SMALL)
    file.readline()
    assert csvr.count(file) == 2


def test_a_socket_file_is_streamed() -> None:
    data = b"h\n" + b"row\n" * 100_000
    left, right = socket.socketpair()

    def send() -> None:
        with left:
            left.sendall(data)

    sender = threading.Thread(target=send)
    sender.start()
    with right, right.makefile("rb") as stream:
        assert csvr.count(stream) == 100_000
    sender.join()


def test_stdin_buffer_is_a_file_object(tmp_path: Path) -> None:
    result = run_python(
        ["-c", "import csvr, sys; print(csvr.count(sys.stdin.buffer), end='')"],
        cwd=tmp_path,
        stdin=b"a,b\n1,2\n3,4\n",
    )
    assert (result.returncode, result.stdout, result.stderr) == (0, "2", "")


class Endless(io.RawIOBase):
    """``records`` records of a repeated pattern, made as they are read (never whole)."""

    def __init__(self, records: int) -> None:
        self.pattern = b'1,"two\nlines",3\n'
        self.left = len(self.pattern) * records
        self.block = self.pattern * (65536 // len(self.pattern))
        self.at = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        view = memoryview(buffer).cast("B")
        n = min(len(view), self.left)
        done = 0
        while done < n:
            start = self.at % len(self.pattern)
            piece = self.block[start : start + n - done]
            view[done : done + len(piece)] = piece
            done += len(piece)
            self.at += len(piece)
        self.left -= n
        return n


def test_a_large_file_object_streams_in_constant_memory() -> None:
    records = 400_000  # 6.4 MB through the callback
    tracemalloc.start()
    try:
        assert csvr.count(Endless(records), has_header=False) == records
        with csvr.Reader(Endless(records), has_header=False, raw=True) as reader:
            assert sum(1 for _ in reader) == records
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 2 << 20, peak


# -- text file objects --


def test_text_file_objects_read_like_python_csv(tmp_path: Path) -> None:
    text = sample_text()
    expected = python_rows(text)
    with SAMPLE.open(newline="", encoding="utf-8") as f:
        assert read_all(f) == (expected[0], expected[1:])
    assert read_all(io.StringIO(text, newline="")) == (expected[0], expected[1:])
    assert csvr.count(io.StringIO(text)) == SAMPLE_COUNT
    with SAMPLE.open(newline="", encoding="utf-8") as f:
        assert csvr.count(f) == SAMPLE_COUNT
    # raw=True on a text file: the UTF-8 bytes of the same rows.
    headers, rows = read_all(io.StringIO(text), raw=True)
    assert rows == [[f.encode() for f in row] for row in expected[1:]]


def test_text_encoded_in_bounded_chunks() -> None:
    # Multi-byte characters across every chunk boundary, and more than one chunk.
    text = "k,v\n" + "".join(f"{i},{'é€𝄞' * (i % 7)}\n" for i in range(30_000))
    assert read_all(io.StringIO(text)) == (["k", "v"], python_rows(text)[1:])


def test_a_text_file_without_newline_translates_crlf(tmp_path: Path) -> None:
    path = tmp_path / "crlf.csv"
    path.write_bytes(b'a,b\r\n"x\r\ny",2\r\n')
    with path.open(newline="") as f:
        assert read_all(f) == (["a", "b"], [["x\r\ny", "2"]])
    # Python's universal newlines turn \r\n into \n before csvr sees it.
    with path.open() as f:
        assert read_all(f) == (["a", "b"], [["x\ny", "2"]])


def test_a_text_file_with_a_bad_encoding_raises_its_own_error(tmp_path: Path) -> None:
    path = tmp_path / "latin1.csv"
    path.write_bytes(b"a\n\xff\n")
    with path.open(encoding="utf-8", newline="") as f:
        with pytest.raises(UnicodeDecodeError) as info:
            csvr.count(f)
        assert not isinstance(info.value, csvr.Error)  # the file object's, unchanged


# -- errors raised by a file object --


class Boom(Exception):
    pass


class FailsAfter:
    """Hands out ``data`` and then raises ``error`` from read()."""

    def __init__(self, data: bytes, error: BaseException) -> None:
        self.file = io.BytesIO(data)
        self.error = error
        self.calls_after = 0

    def read(self, size: int = -1) -> bytes:
        chunk = self.file.read(min(size, 4096))
        if chunk:
            return chunk
        self.calls_after += 1
        raise self.error


def test_an_exception_from_read_propagates_unchanged_from_count() -> None:
    error = Boom("disk on fire")
    with pytest.raises(Boom) as info:
        csvr.count(FailsAfter(SMALL, error))
    assert info.value is error


def test_an_exception_at_open_propagates_unchanged() -> None:
    error = ConnectionResetError(104, "reset by peer")
    with pytest.raises(ConnectionResetError) as info:
        csvr.Reader(FailsAfter(b"", error))
    assert info.value is error
    assert not isinstance(info.value, csvr.Error)


def test_an_exception_mid_iteration_propagates_then_the_reader_reports_io() -> None:
    error = Boom("half way")
    data = b"h\n" + b"x\n" * 50_000
    source = FailsAfter(data, error)
    reader = csvr.Reader(source)
    rows = 0
    with pytest.raises(Boom) as info:
        for _ in reader:
            rows += 1
    assert info.value is error
    assert rows <= 50_000
    # The file object is not called again (the library ends the reader after a failed
    # read); the exception is not raised a second time.
    with pytest.raises((StopIteration, csvr.IoError)):
        next(reader)
    assert source.calls_after == 1
    reader.close()


def test_keyboard_interrupt_in_read_propagates() -> None:
    with pytest.raises(KeyboardInterrupt):
        csvr.count(FailsAfter(SMALL, KeyboardInterrupt()))


def test_an_exception_during_reader_count_propagates() -> None:
    error = Boom("in count")
    with csvr.Reader(FailsAfter(b"a\n" + b"1\n" * 100_000, error)) as reader:
        with pytest.raises(Boom):
            reader.count()


def test_wrong_things_from_read() -> None:
    class ReturnsInt:
        def read(self, size: int = -1) -> int:
            return 3

    class NonBlocking:
        def read(self, size: int = -1) -> None:
            return None

    with pytest.raises(TypeError, match="int"):
        csvr.count(ReturnsInt())
    with pytest.raises(BlockingIOError):
        csvr.count(NonBlocking())


def test_the_callback_lives_as_long_as_the_reader() -> None:
    def make() -> csvr.Reader[str]:
        return csvr.Reader(OnlyRead(b"a\n" + b"1\n" * 10_000, step=100))

    reader = make()
    gc.collect()
    assert sum(1 for _ in reader) == 10_000
    reader.close()
    assert "file object" in repr(reader)


def test_closing_a_reader_does_not_close_the_callers_file() -> None:
    file = io.BytesIO(SMALL)
    with csvr.Reader(file) as reader:
        list(reader)
    assert not file.closed


# -- in-memory buffers: mmap and read-only views, without a copy --


@pytest.fixture
def big_file(tmp_path: Path) -> Path:
    path = tmp_path / "big.csv"
    with path.open("wb") as f:
        f.write(b"id,text\n")
        block = b'1,"a, quoted\nfield"\n2,plain\n' * 4096
        for _ in range(160):  # ~20 MB
            f.write(block)
    return path


def peak_allocated(call: Any) -> tuple[Any, int]:
    tracemalloc.start()
    try:
        result = call()
        return result, tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_a_read_only_mmap_is_counted_in_place(big_file: Path) -> None:
    expected = csvr.count(big_file)
    assert expected == 160 * 4096 * 2
    size = big_file.stat().st_size
    with big_file.open("rb") as f, mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ) as m:
        count, peak = peak_allocated(lambda: csvr.count(m, has_header=False))
        assert (count, peak < size // 100) == (expected + 1, True), peak  # no 20 MB copy
        with memoryview(m) as whole, whole[8:] as body:
            assert body.readonly
            count, peak = peak_allocated(lambda: csvr.count(body, has_header=False))
            assert (count, peak < size // 100) == (expected, True), peak
        # csvr released its exports: the map can be closed.
    assert m.closed


def test_a_read_only_view_of_bytes_is_not_copied() -> None:
    data = b"h\n" + b"1\n" * 4_000_000
    view = memoryview(data)[2:]
    assert view.readonly
    count, peak = peak_allocated(lambda: csvr.count(view, has_header=False))
    assert count == 4_000_000
    assert peak < len(data) // 100, peak


def test_mmap_rows_match_the_file(tmp_path: Path) -> None:
    with SAMPLE.open("rb") as f, mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ) as m:
        assert csvr.count(m) == SAMPLE_COUNT
        with csvr.Reader(m) as reader, csvr.Reader(SAMPLE) as expected:
            assert list(reader) == list(expected)


def test_a_closed_mmap_is_a_value_error(tmp_path: Path) -> None:
    with SAMPLE.open("rb") as f:
        m = mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ)
    m.close()
    with pytest.raises(ValueError):
        csvr.count(m)


def test_a_writable_buffer_cannot_be_resized_during_the_call_and_is_released() -> None:
    data = bytearray(SMALL)
    assert csvr.count(memoryview(data)) == 2
    data.extend(b"5,6\n")  # BufferError if the export were still held
    assert csvr.count(data) == 3


# -- a str is a path --


@pytest.mark.parametrize("text", ["a,b\n1,2\n", "a,b", "x\ny"])
def test_a_str_of_csv_is_a_missing_path_with_a_hint(text: str) -> None:
    for call in (csvr.count, csvr.Reader):
        with pytest.raises(csvr.FileNotFoundIoError) as info:
            call(text)
        message = str(info.value)
        assert "did you mean" in message and "io.StringIO" in message
        assert "\n" not in message  # shown as a repr
        assert info.value.filename == text
        assert isinstance(info.value, FileNotFoundError)


def test_a_plain_missing_path_has_no_hint(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError) as info:
        csvr.count(str(tmp_path / "missing.csv"))
    assert "did you mean" not in str(info.value)
