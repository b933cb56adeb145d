"""The Arrow hand-off: a reader's ``__arrow_c_stream__`` read by pyarrow, polars, DuckDB and
pandas equals the rows the reader yields (a short record's missing fields null), on the
sample and on every file of the corpus; the capsule's life (consumed once, freed when
dropped); requested layouts; the Arrow options; ``read_arrow`` and ``read_polars``."""

from __future__ import annotations

import gc
import io
import os
import re
import sys
import threading
import weakref
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import pytest

import csvr
from conftest import CORPUS, REPO, SAMPLE, SAMPLE_COUNT, run_python

pa = pytest.importorskip("pyarrow", reason="pyarrow is a test requirement (make test-python)")
pl = pytest.importorskip("polars", reason="polars is a test requirement (make test-python)")
duckdb = pytest.importorskip("duckdb", reason="duckdb is a test requirement (make test-python)")
pd = pytest.importorskip("pandas", reason="pandas is a test requirement (make test-python)")

CSV_FILES = sorted(CORPUS.rglob("*.csv")) if CORPUS.is_dir() else []
ABSENT = f"corpus: {CORPUS} is absent, so the Arrow corpus comparison did not run"

Row = tuple[Any, ...]
Open = Callable[[], "csvr.Reader[Any]"]


# -- what a stream should hold, and how each consumer reads it back as rows --


def expected_rows(rows: Sequence[Sequence[Any]], width: int) -> list[Row]:
    """The table the rows make: each padded with nulls to ``width`` (a record may be cut
    to ``width`` only with ``truncate_ragged``; see the callers)."""
    return [tuple(row[:width]) + (None,) * (width - len(row)) for row in rows]


def rows_of_table(table: Any) -> list[Row]:
    """A pyarrow table's rows as tuples."""
    columns = [column.to_pylist() for column in table.columns]
    return list(zip(*columns)) if columns else [()] * table.num_rows


def via_pa_table(open_reader: Open) -> list[Row]:
    return rows_of_table(pa.table(open_reader()))


def via_record_batch_reader(open_reader: Open) -> list[Row]:
    return rows_of_table(pa.RecordBatchReader.from_stream(open_reader()).read_all())


def via_polars_dataframe(open_reader: Open) -> list[Row]:
    return list(pl.DataFrame(open_reader()).rows())


def via_polars_from_arrow(open_reader: Open) -> list[Row]:
    # A stream is a Series of structs to polars' from_arrow: one field per column.
    return list(pl.from_arrow(open_reader()).struct.unnest().rows())


def via_duckdb(open_reader: Open) -> list[Row]:
    r = open_reader()  # noqa: F841 - DuckDB finds the Python variable named in the query
    return list(duckdb.sql("select * from r").fetchall())


def via_pandas(open_reader: Open) -> list[Row]:
    from_arrow = getattr(pd.DataFrame, "from_arrow", None)  # pandas >= 3
    frame = from_arrow(open_reader()) if from_arrow else pa.table(open_reader()).to_pandas()
    rows = frame.itertuples(index=False, name=None)
    return [tuple(None if pd.isna(v) else v for v in row) for row in rows]


CONSUMERS = {
    "pa.table": via_pa_table,
    "RecordBatchReader.from_stream": via_record_batch_reader,
    "pl.DataFrame": via_polars_dataframe,
    "pl.from_arrow": via_polars_from_arrow,
    "duckdb.sql": via_duckdb,
    "pandas": via_pandas,
}
consumers = pytest.mark.parametrize("consume", list(CONSUMERS.values()), ids=list(CONSUMERS))


def schema_of(reader: csvr.Reader[Any]) -> Any:
    return pa.RecordBatchReader.from_stream(reader).schema


# -- every consumer, on the sample and on the corpus --


@consumers
def test_the_sample_through_every_consumer(consume: Callable[[Open], list[Row]]) -> None:
    with csvr.Reader(SAMPLE) as r:
        headers, rows = r.headers, list(r)
    assert len(rows) == SAMPLE_COUNT
    assert consume(lambda: csvr.Reader(SAMPLE)) == expected_rows(rows, len(headers))


@consumers
def test_short_records_have_nulls_and_raw_gives_bytes(consume: Callable[[Open], list[Row]]) -> None:
    data = b"a,b,c\n1,2,3\n4\n\n5,,\n6,7\n"
    assert consume(lambda: csvr.Reader(data)) == [
        ("1", "2", "3"),
        ("4", None, None),
        ("5", "", ""),
        ("6", "7", None),
    ]
    assert consume(lambda: csvr.Reader(data, raw=True)) == [
        (b"1", b"2", b"3"),
        (b"4", None, None),
        (b"5", b"", b""),
        (b"6", b"7", None),
    ]


def corpus_case(path: Path) -> tuple[dict[str, Any], list[Row], bool]:
    """The options to read ``path`` with (``raw=True`` when it is not UTF-8), the table
    expected, and whether some record is wider than the header (then the stream needs
    ``truncate_ragged=True``, and fails without it)."""
    options: dict[str, Any] = {}
    try:
        with csvr.Reader(path) as r:
            headers, rows = r.headers, list(r)
    except csvr.Utf8Error:
        options["raw"] = True
        with csvr.Reader(path, raw=True) as r:
            headers, rows = r.headers, list(r)
    assert headers is not None
    wide = any(len(row) > len(headers) for row in rows)
    return options, expected_rows(rows, len(headers)), wide


@pytest.mark.skipif(not CSV_FILES, reason=ABSENT)
@consumers
@pytest.mark.parametrize("path", CSV_FILES, ids=[str(p.relative_to(CORPUS)) for p in CSV_FILES])
def test_every_corpus_file_through_every_consumer(
    path: Path, consume: Callable[[Open], list[Row]]
) -> None:
    options, expected, wide = corpus_case(path)
    if wide:
        options["truncate_ragged"] = True
    assert consume(lambda: csvr.Reader(path, **options)) == expected


@pytest.mark.skipif(not CSV_FILES, reason=ABSENT)
@pytest.mark.parametrize("path", CSV_FILES, ids=[str(p.relative_to(CORPUS)) for p in CSV_FILES])
def test_corpus_names_and_wide_records(path: Path) -> None:
    options, _, wide = corpus_case(path)
    with csvr.Reader(path, **options) as r:
        headers = r.headers
    assert headers is not None
    names = schema_of(csvr.Reader(path, **options)).names
    decoded = [h.decode("utf-8", "replace") if isinstance(h, bytes) else h for h in headers]
    # (A C string cannot hold NUL: the library escapes it in a name.)
    if len(set(decoded)) == len(decoded) and all(d and "\0" not in d for d in decoded):
        assert names == decoded
    assert len(names) == len(headers)
    if wide:
        with pytest.raises(pa.ArrowInvalid, match="truncate_ragged"):
            pa.table(csvr.Reader(path, **options))


# -- column names and the Arrow options --


def test_column_names_follow_the_documented_rule() -> None:
    assert schema_of(csvr.Reader(b"a,a,,b,a\n")).names == [
        "a",
        "a_duplicated_0",
        "column_3",
        "b",
        "a_duplicated_1",
    ]
    assert schema_of(csvr.Reader(b"x,y\n1,2\n", has_header=False)).names == ["column_1", "column_2"]
    table = pa.table(csvr.Reader(b"x,y\n1,2\n", has_header=False))
    assert rows_of_table(table) == [("x", "y"), ("1", "2")]


def test_types_are_utf8_in_text_mode_and_binary_in_raw_mode() -> None:
    assert schema_of(csvr.Reader(b"a,b\n1,2\n")).types == [pa.string(), pa.string()]
    assert schema_of(csvr.Reader(b"a,b\n1,2\n", raw=True)).types == [pa.binary(), pa.binary()]
    assert all(f.nullable for f in schema_of(csvr.Reader(b"a,b\n")))


def test_a_wide_record_fails_naming_its_line_unless_truncated() -> None:
    data = b"a,b\n1,2\n3,4\n\n5,6,7\n8,9\n"
    with pytest.raises(pa.ArrowInvalid, match=r"3 fields.*line 5\b") as info:
        pa.table(csvr.Reader(data))
    assert "truncate_ragged" in str(info.value)
    with pytest.raises(pa.ArrowInvalid, match=r"line 5\b"):
        pa.table(csvr.Reader(io.BytesIO(data)))  # a file object's stream too
    with pytest.raises(pl.exceptions.ComputeError, match=r"line 5\b"):
        pl.DataFrame(csvr.Reader(data))
    expected = [("1", "2"), ("3", "4"), ("5", "6"), ("8", "9")]
    assert rows_of_table(pa.table(csvr.Reader(data, truncate_ragged=True))) == expected
    assert csvr.read_polars(data, truncate_ragged=True).rows() == expected
    # Iterating is not concerned: the record is yielded whole.
    assert list(csvr.Reader(data, truncate_ragged=True))[2] == ["5", "6", "7"]


def test_invalid_utf8_fails_in_text_mode_and_reads_in_raw_mode() -> None:
    data = b"a,b\n1,2\n3,\xff\n"
    with pytest.raises(pa.ArrowInvalid, match=r"line 3\b"):
        pa.table(csvr.Reader(data))
    assert rows_of_table(pa.table(csvr.Reader(data, raw=True))) == [(b"1", b"2"), (b"3", b"\xff")]


@pytest.mark.parametrize("batch_rows", [1, 7, 1000])
def test_batch_rows_caps_each_batch(batch_rows: int) -> None:
    data = b"n\n" + b"".join(b"%d\n" % i for i in range(100))
    batches = list(pa.RecordBatchReader.from_stream(csvr.Reader(data, batch_rows=batch_rows)))
    assert [b.num_rows for b in batches[:-1]] == [batch_rows] * (len(batches) - 1)
    assert 0 < batches[-1].num_rows <= batch_rows
    assert sum(b.num_rows for b in batches) == 100


def test_the_arrow_options_are_checked_and_count_ignores_them() -> None:
    for bad in (0, -1):
        with pytest.raises(csvr.InvalidArgumentError, match="batch_rows"):
            csvr.Reader(b"a\n", batch_rows=bad)
    with pytest.raises(TypeError, match="batch_rows"):
        csvr.Reader(b"a\n", batch_rows="10")  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="batch_rows"):
        csvr.Reader(b"a\n", batch_rows=True)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="truncate_ragged"):
        csvr.Reader(b"a\n", truncate_ragged=1)  # type: ignore[arg-type]
    assert schema_of(csvr.Reader(b"a\n1\n", batch_rows=None)).names == ["a"]
    data = b"a\n1\n2,3\n"
    assert csvr.count(data, batch_rows=1, truncate_ragged=True) == 2
    assert csvr.count(data, batch_rows=None, truncate_ragged=False) == 2


def test_columns_and_ranges_are_honoured(tmp_path: Path) -> None:
    data = b"id,name,city\n1,Ada,London\n2,Linus\n3,,Oslo\n"
    table = pa.table(csvr.Reader(data, columns=["city", "id"]))
    assert table.schema.names == ["city", "id"]
    # A selected field past a short record's end is null here ("" when iterating).
    assert rows_of_table(table) == [("London", "1"), (None, "2"), ("Oslo", "3")]
    path = tmp_path / "big.csv"
    path.write_bytes(b"n,sq\n" + b"".join(b"%d,%d\n" % (i, i * i) for i in range(5000)))
    pieces = [csvr.read_arrow(path, range=part) for part in csvr.split(path, 4)]
    assert all(piece.schema.names == ["n", "sq"] for piece in pieces)
    assert pa.concat_tables(pieces).equals(csvr.read_arrow(path))


# -- a reader that already yielded rows streams the rest --


def numbered(n: int) -> bytes:
    return b"i,text\n" + b"".join(b'%d,"row %d, of many"\n' % (i, i) for i in range(n))


@pytest.mark.parametrize("read_ahead", [True, False])
@pytest.mark.parametrize("raw", [False, True])
@pytest.mark.parametrize("taken", [0, 1, 127, 128, 129, 200, 1000, 1500, 2999, 3000])
def test_a_reader_that_yielded_rows_streams_the_rest(
    taken: int, raw: bool, read_ahead: bool
) -> None:
    data = numbered(3000)
    with csvr.Reader(data, raw=raw, read_ahead=read_ahead) as r:
        everything = list(r)
    with csvr.Reader(data, raw=raw, read_ahead=read_ahead) as r:
        first = [next(r) for _ in range(taken)]
        table = pa.table(r)
        assert list(r) == [] and r.count() == 0  # handed over: nothing more here
    assert first == everything[:taken]
    assert rows_of_table(table) == [tuple(row) for row in everything[taken:]]


@pytest.mark.parametrize("taken", [0, 1, 128, 129, 700])
def test_a_for_loop_stopped_half_way_streams_the_rest(taken: int) -> None:
    data = numbered(1000)
    with csvr.Reader(io.BytesIO(data)) as r:  # a file object: no read-ahead, a relay
        for i, _ in enumerate(r if taken else ()):
            if i + 1 == taken:
                break
        rest = rows_of_table(pa.table(r))
    assert rest == [(str(i), f"row {i}, of many") for i in range(taken, 1000)]


# -- the capsule: consumed once, and freed when dropped --


def test_a_capsule_consumed_twice_raises() -> None:
    capsule = csvr.Reader(SAMPLE).__arrow_c_stream__()
    stream = pa.RecordBatchReader._import_from_c_capsule(capsule)
    with pytest.raises(pa.ArrowInvalid, match="released"):
        pa.RecordBatchReader._import_from_c_capsule(capsule)
    assert stream.read_all().num_rows == SAMPLE_COUNT


def test_a_reader_hands_over_once() -> None:
    with csvr.Reader(SAMPLE) as r:
        assert pa.table(r).num_rows == SAMPLE_COUNT
        with pytest.raises(csvr.InvalidArgumentError, match="once per reader"):
            r.__arrow_c_stream__()
        with pytest.raises(csvr.InvalidArgumentError, match="once per reader"):
            pa.RecordBatchReader.from_stream(r)
        assert r.headers is not None and r.position is None
    with pytest.raises(ValueError, match="closed"):
        r.__arrow_c_stream__()


def open_fds() -> int:
    return len(os.listdir("/proc/self/fd"))


@pytest.mark.skipif(not Path("/proc/self/fd").is_dir(), reason="needs /proc/self/fd")
def test_dropped_unconsumed_capsules_leak_no_file_descriptor(tmp_path: Path) -> None:
    path = tmp_path / "small.csv"
    path.write_bytes(b"a,b\n1,2\n3,4\n")
    gc.collect()
    before = open_fds()
    for i in range(10_000):
        csvr.Reader(path).__arrow_c_stream__()  # the reader and the capsule dropped at once
        if i % 1000 == 999:
            # Each capsule's destructor released its stream (file, workers) as it went.
            assert open_fds() == before, i
    assert open_fds() == before


@pytest.mark.skipif(not Path("/proc/self/fd").is_dir(), reason="needs /proc/self/fd")
def test_a_dropped_capsule_frees_its_stream_at_once(tmp_path: Path) -> None:
    path = tmp_path / "small.csv"
    path.write_bytes(b"a\n1\n")
    gc.collect()
    before = open_fds()
    capsule = csvr.Reader(path).__arrow_c_stream__()
    assert open_fds() > before  # the stream holds the file now (its workers too)
    del capsule  # the capsule's destructor releases the stream: no collection needed
    assert open_fds() == before
    # So does a schema capsule's, and a stream only a schema was asked of.
    r = csvr.Reader(path)
    schema = r.__arrow_c_schema__()
    assert open_fds() > before
    del schema
    r.close()
    assert open_fds() == before


def test_dropping_a_capsule_on_an_error_path_keeps_the_error() -> None:
    # A capsule destructor written with ctypes would turn this TypeError into a
    # SystemError: csvr's is the library's, which sets the exception aside meanwhile,
    # even while releasing a stream over a file object (which runs Python code).
    def takes_two(a: object, b: object) -> None: ...

    with pytest.raises(TypeError, match="missing 1 required"):
        takes_two(csvr.Reader(SAMPLE).__arrow_c_stream__())  # type: ignore[call-arg]
    with pytest.raises(TypeError, match="missing 1 required"):
        takes_two(csvr.Reader(io.BytesIO(b"a\n1\n")).__arrow_c_stream__())  # type: ignore[call-arg]


class TrackedBytesIO(io.BytesIO):
    """A file object that can be watched with a weak reference."""


def test_a_file_object_lives_exactly_as_long_as_its_stream() -> None:
    file = TrackedBytesIO(numbered(2000))
    watch = weakref.ref(file)
    stream = pa.RecordBatchReader.from_stream(csvr.Reader(file, batch_rows=100))
    del file
    gc.collect()
    assert watch() is not None  # the reader is gone; the stream still reads the file
    assert stream.read_next_batch().num_rows == 100
    assert sum(b.num_rows for b in stream) == 1900
    gc.collect()
    assert watch() is None  # read to the end: let go at once, before the release
    del stream

    file = TrackedBytesIO(numbered(2000))
    watch = weakref.ref(file)
    stream = pa.RecordBatchReader.from_stream(csvr.Reader(file, batch_rows=100))
    del file
    assert stream.read_next_batch().num_rows == 100
    del stream  # released half way
    gc.collect()
    assert watch() is None

    file = TrackedBytesIO(numbered(10))
    watch = weakref.ref(file)
    csvr.Reader(file).__arrow_c_stream__()  # never consumed
    del file
    gc.collect()
    assert watch() is None


def test_a_file_objects_error_fails_the_stream() -> None:
    class Failing(io.RawIOBase):
        def __init__(self) -> None:
            self.sent = False

        def readable(self) -> bool:
            return True

        def readinto(self, buf: Any) -> int:
            if self.sent:
                raise OSError(5, "the disk is on fire")
            self.sent = True
            line = b"a,b\n1,2\n"
            buf[: len(line)] = line
            return len(line)

    # The library knows an I/O error; the message says what the file object raised.
    with pytest.raises(OSError, match="the file object raised OSError: .*the disk is on fire"):
        pa.table(csvr.Reader(Failing(), batch_rows=1))
    with pytest.raises(pl.exceptions.ComputeError, match="the disk is on fire"):
        pl.DataFrame(csvr.Reader(Failing()))


def test_a_transcoding_error_fails_the_stream_saying_where() -> None:
    data = "a,b\n1,2\n".encode("utf-16") + b"\x00\xd8" + "x,y\n".encode("utf-16-le")
    with pytest.raises(OSError, match="utf-16.* at byte 18 of the input"):
        pa.table(csvr.Reader(data))


def test_a_file_object_stream_read_on_another_thread() -> None:
    stream = pa.RecordBatchReader.from_stream(csvr.Reader(io.StringIO(numbered(3000).decode())))
    out: list[Any] = []
    worker = threading.Thread(target=lambda: out.append(stream.read_all()))
    worker.start()
    worker.join(60)
    assert out and out[0].num_rows == 3000


# -- requested_schema --


def requested(*types: Any) -> object:
    return pa.schema([(f"c{i}", t) for i, t in enumerate(types)]).__arrow_c_schema__()


@pytest.mark.parametrize(
    ("raw", "asked", "given"),
    [
        (False, pa.large_string(), pa.large_string()),
        (False, pa.string_view(), pa.string_view()),
        (False, pa.string(), pa.string()),
        (True, pa.large_binary(), pa.large_binary()),
        (True, pa.binary_view(), pa.binary_view()),
        (False, pa.int64(), pa.string()),  # not a string layout: ignored
    ],
)
def test_a_requested_layout_is_given(raw: bool, asked: Any, given: Any) -> None:
    data = b"a,b\n1,2\n3\n"
    with csvr.Reader(data, raw=raw) as r:
        capsule = r.__arrow_c_stream__(requested(asked, asked))
    table = pa.RecordBatchReader._import_from_c_capsule(capsule).read_all()
    assert table.schema.types == [given, given]
    assert table.schema.names == ["a", "b"]
    one, two, three = (b"1", b"2", b"3") if raw else ("1", "2", "3")
    assert rows_of_table(table) == [(one, two), (three, None)]


def test_pyarrow_honours_a_schema_through_the_request() -> None:
    schema = pa.schema([("a", pa.large_string()), ("b", pa.large_string())])
    table = pa.table(csvr.Reader(b"a,b\n1,2\n"), schema=schema)
    assert table.schema == schema


def test_a_mixed_request_is_ignored_and_a_bad_one_refused() -> None:
    capsule = csvr.Reader(b"a,b\n1,2\n").__arrow_c_stream__(
        requested(pa.large_string(), pa.string_view())
    )
    assert pa.RecordBatchReader._import_from_c_capsule(capsule).schema.types == [pa.string()] * 2
    with pytest.raises(TypeError, match="arrow_schema"):
        csvr.Reader(b"a\n").__arrow_c_stream__("large_string")
    with pytest.raises(TypeError, match="arrow_schema"):
        csvr.Reader(b"a\n").__arrow_c_stream__(csvr.Reader(b"a\n").__arrow_c_stream__())


def test_the_schema_alone_then_the_stream() -> None:
    with csvr.Reader(b"a,a\n1,2\n3,4\n") as r:
        assert next(r) == ["1", "2"]
        schema = pa.schema(r)  # through __arrow_c_schema__: the reader is handed over
        assert schema.names == ["a", "a_duplicated_0"]
        assert pa.schema(r) == schema
        assert list(r) == []
        assert rows_of_table(pa.table(r)) == [("3", "4")]
        with pytest.raises(csvr.InvalidArgumentError, match="once per reader"):
            r.__arrow_c_schema__()


# -- encodings --


def test_python_side_decoding_is_refused_with_a_way_out() -> None:
    data = "name\ncafé\n".encode("latin-1")
    for options in ({"encoding": "latin-1"}, {"encoding": "cp1252"}, {"errors": "replace"}):
        with csvr.Reader(data, **options) as r:
            with pytest.raises(csvr.InvalidArgumentError, match="raw=True"):
                r.__arrow_c_stream__()
            field = data[5:-1].decode(
                options.get("encoding", "utf-8"), options.get("errors", "strict")
            )
            assert list(r) == [[field]]  # still readable here
    assert rows_of_table(pa.table(csvr.Reader(data, raw=True))) == [(b"caf\xe9",)]


def test_transcoded_inputs_stream_as_utf8() -> None:
    text = "name,city\nZoë,Zürich\n"
    for source in (text.encode("utf-16"), io.BytesIO(text.encode("utf-16")), io.StringIO(text)):
        assert rows_of_table(pa.table(csvr.Reader(source))) == [("Zoë", "Zürich")]
    sjis = "名前\n東京\n".encode("shift_jis")
    assert rows_of_table(pa.table(csvr.Reader(sjis, encoding="shift_jis"))) == [("東京",)]


# -- read_arrow and read_polars --


def test_read_arrow_and_read_polars() -> None:
    with csvr.Reader(SAMPLE) as r:
        headers, rows = r.headers, list(r)
    table = csvr.read_arrow(SAMPLE)
    assert isinstance(table, pa.Table)
    assert table.schema.names == headers
    assert rows_of_table(table) == expected_rows(rows, len(headers))
    frame = csvr.read_polars(SAMPLE)
    assert isinstance(frame, pl.DataFrame)
    assert frame.columns == headers
    assert frame.dtypes == [pl.String] * len(headers)
    assert frame.rows() == expected_rows(rows, len(headers))
    raw = csvr.read_polars(b"a;b\n1;\xff\n", raw=True, delimiter=";")
    assert raw.dtypes == [pl.Binary, pl.Binary] and raw.rows() == [(b"1", b"\xff")]
    assert csvr.read_arrow(io.BytesIO(b"x\n1\n"), columns=[0]).to_pydict() == {"x": ["1"]}
    with pytest.raises(csvr.FileNotFoundIoError):
        csvr.read_arrow("no such file.csv")


@pytest.mark.parametrize(
    ("function", "library"), [("read_arrow", "pyarrow"), ("read_polars", "polars")]
)
def test_a_missing_library_is_a_clear_import_error(
    function: str, library: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, library, None)
    with pytest.raises(
        ImportError, match=f"csvr.{function} needs {library}: pip install {library}"
    ):
        getattr(csvr, function)(b"a\n1\n")


def test_the_package_imports_no_data_library(tmp_path: Path) -> None:
    code = (
        "import sys, csvr; csvr.Reader(b'a\\n1\\n').__arrow_c_stream__(); "
        "print(sorted({'pyarrow', 'polars', 'duckdb', 'pandas', 'numpy', 'cffi', 'nanoarrow'} "
        "& set(sys.modules)))"
    )
    result = run_python(["-c", code], cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"
    assert result.stderr == ""


def test_help_documents_the_arrow_interface() -> None:
    for item in (csvr.Reader.__arrow_c_stream__, csvr.read_arrow, csvr.read_polars):
        assert item.__doc__ and "truncate_ragged" in item.__doc__


def test_the_readmes_python_data_tools_run() -> None:
    text = (REPO / "README.md").read_text(encoding="utf-8")
    section = text.split("\n## Python data tools\n", 1)[1].split("\n## ", 1)[0]
    match = re.search(r"```python\n(.*?)```", section, re.DOTALL)
    assert match is not None
    result = run_python(["-c", match.group(1)], cwd=REPO)
    assert result.returncode == 0, result.stderr
    assert "('Lisbon', 572)" in result.stdout
