"""Exact CSV on Dask: counts, record-aligned ranges and DataFrames of files cut into byte
chunks anywhere, even inside a quoted field or a ``\\r\\n``.

Byte-offset readers (``dask.dataframe.read_csv`` among them) start each chunk at the next
newline, so a quoted newline near a cut adds or drops rows. Here each chunk is summarized
on a worker (:func:`csvr.summarize`: 2,144 bytes, about 150 compressed, whatever the
chunk's size), the summaries are folded on the client (:func:`csvr.fold`: exact, no serial scan
of the file), and each resulting range is read on a worker by a range reader. Workers
load csvr from their own installed package; tasks carry paths, offsets and summaries as
bytes, never a library handle.

Needs ``pip install "csvr[dask]"`` (dask, distributed, pandas, pyarrow); imported
lazily, so ``import csvr`` does not need them. Paths must be readable by every worker
(local files, a shared mount).

>>> import csvr.dask  # doctest: +SKIP
>>> csvr.dask.count("big-*.csv", blocksize="64MiB")  # doctest: +SKIP
"""

from __future__ import annotations

import glob
import os
import zlib
from typing import TYPE_CHECKING, Any, Optional, Sequence, Union

from ._summary import Range, Summary, fold, summarize

if TYPE_CHECKING:
    import dask.dataframe
    import pandas

__all__ = ["count", "ranges", "read_csv"]

Paths = Union[str, "os.PathLike[str]", Sequence[Union[str, "os.PathLike[str]"]]]


def _expand(paths: Paths) -> list[str]:
    """A path, a glob or a list of either, as the files in order (a glob's sorted)."""
    items = [paths] if isinstance(paths, (str, os.PathLike)) else list(paths)
    out: list[str] = []
    for item in items:
        text = os.fspath(item)
        if glob.has_magic(text):
            matched = sorted(glob.glob(text))
            if not matched:
                raise FileNotFoundError(f"no file matches {text!r}")
            out.extend(matched)
        else:
            out.append(text)
    if not out:
        raise ValueError("no paths given")
    return out


def _blocksize(blocksize: Union[int, str]) -> int:
    from dask.utils import parse_bytes

    size = parse_bytes(blocksize) if isinstance(blocksize, str) else int(blocksize)
    if size <= 0:
        raise ValueError(f"blocksize must be positive, not {blocksize!r}")
    return size


def _cuts(size: int, blocksize: int) -> list[tuple[int, int]]:
    """The chunks of a file of ``size`` bytes (one, empty, for an empty file)."""
    return [(a, min(a + blocksize, size)) for a in range(0, size, blocksize)] or [(0, 0)]


def _summarize(path: str, start: int, end: int, options: dict[str, Any]) -> bytes:
    """One chunk's summary, on a worker, as the bytes that go to the client: plain data
    that pickles, zlib-compressed. A summary is 268 words (2,144 bytes), one outcome per
    start state of the parser, mostly zeros; compressed it is 100 to 200 bytes, whatever
    the chunk's size."""
    return zlib.compress(bytes(summarize(path, start, end, **options)), 9)


def _summary_options(options: dict[str, Any]) -> dict[str, Any]:
    """The options that shape records (a summary's); reading-only ones are left out."""
    reading_only = {"raw", "encoding", "errors", "columns", "batch_rows", "truncate_ragged",
                    "read_ahead"}
    return {k: v for k, v in options.items() if k not in reading_only}


def ranges(
    paths: Paths, blocksize: Union[int, str] = "64MiB", **options: Any
) -> list[tuple[str, Range]]:
    """The exact record-aligned ranges of each file, one per ``blocksize`` chunk that
    holds a record start, in file order: chunks summarized on the workers, folded here.

    ``options`` are those of :func:`csvr.count`. The ranges of a file cover every record
    after its header; ``sum(r.records)`` is :func:`csvr.count` of it.
    """
    import dask

    files = _expand(paths)
    size = _blocksize(blocksize)
    shape = _summary_options(options)
    cuts = [(path, _cuts(os.path.getsize(path), size)) for path in files]
    summarize_task = dask.delayed(_summarize, pure=True)
    tasks = [summarize_task(p, a, b, shape) for p, chunks in cuts for a, b in chunks]
    summaries = iter(dask.compute(*tasks))
    out: list[tuple[str, Range]] = []
    for path, chunks in cuts:
        compressed = [next(summaries) for _ in chunks]
        folded = fold([Summary.from_bytes(zlib.decompress(c)) for c in compressed], **shape)
        out.extend((path, r) for r in folded if r.records)
    return out


def count(paths: Paths, blocksize: Union[int, str] = "64MiB", **options: Any) -> int:
    """The exact number of records (after each file's header) of all the files, counted
    on the workers chunk by chunk: ``sum(csvr.count(p) for p in files)``."""
    return sum(r.records for _, r in ranges(paths, blocksize, **options))


def _read_range(
    part: tuple[str, Optional[Range]],
    columns: Optional[list[str]] = None,
    options: Optional[dict[str, Any]] = None,
) -> pandas.DataFrame:
    """One partition, on a worker: the range's records as pandas. Dask passes the
    columns a computation needs as ``columns`` (its projection), csvr's column selection."""
    import pandas as pd

    from ._frames import read_arrow

    path, rng = part
    selected = dict(options or {})
    if columns is not None:
        selected["columns"] = list(columns)
    table = read_arrow(path, range=rng, **selected)
    # Strings stay Arrow strings (pd.ArrowDtype(pa.string())): no Python object per value,
    # and a missing field (null) stays distinct from "".
    return table.to_pandas(types_mapper=pd.ArrowDtype)


def read_csv(
    paths: Paths,
    blocksize: Union[int, str] = "64MiB",
    columns: Optional[list[str]] = None,
    **options: Any,
) -> dask.dataframe.DataFrame:
    """The files as a ``dask.dataframe.DataFrame``: one partition per exact range (see
    :func:`ranges`), in file order, each read on a worker by a range reader through the
    Arrow stream, its columns ``pd.ArrowDtype(pa.string())`` named from the header.

    ``columns`` (names) selects columns inside csvr; so does Dask's projection
    (``df[["a", "b"]]`` reads only those).
    ``options`` are those of :class:`csvr.Reader` (``raw=True`` gives binary columns).
    """
    import dask.dataframe as dd

    parts: list[tuple[str, Optional[Range]]] = list(ranges(paths, blocksize, **options))
    if not parts:
        parts = [(_expand(paths)[0], None)]  # no record anywhere: one empty partition
    selected = list(columns) if columns is not None else None
    meta = _meta(parts[0], selected, options)
    return dd.from_map(
        _read_range, parts, columns=selected, options=options, meta=meta, enforce_metadata=False
    )


def _meta(
    part: tuple[str, Optional[Range]], columns: Optional[list[str]], options: dict[str, Any]
) -> pandas.DataFrame:
    """The empty frame of the columns and types a partition has, from its first record."""
    import pandas as pd
    import pyarrow as pa

    from ._reader import Reader

    path, rng = part
    selected = dict(options)
    if columns is not None:
        selected["columns"] = columns
    with Reader(path, range=rng, batch_rows=1, **selected) as r:
        schema = pa.RecordBatchReader.from_stream(r).schema
    return schema.empty_table().to_pandas(types_mapper=pd.ArrowDtype)
