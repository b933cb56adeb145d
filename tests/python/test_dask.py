"""csvr.dask on a real cluster: worker processes (the library loaded in each) count, cut
and read files exactly, wherever the chunks are cut, and dask's own read_csv does not."""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from pathlib import Path

import pytest

import csvr

dd = pytest.importorskip("dask.dataframe")
distributed = pytest.importorskip("distributed")
pd = pytest.importorskip("pandas")
import csvr.dask  # noqa: E402

from conftest import CORPUS, SAMPLE, SAMPLE_COUNT  # noqa: E402

#: Records whose quoted newlines, doubled quotes and \r\n fall on every chunk boundary for
#: the small blocksizes below.
TRICKY = (
    b'id,text,n\r\n'
    + b"".join(
        b'%d,"line one\nline ""two"", \r\nend",%d\r\n%d,plain,%d\n' % (i, i, i, i * 7) for i in range(20)
    )
)
BLOCKSIZES = [3, 7, 64, 1 << 20]


@pytest.fixture(scope="module")
def client() -> Iterator[object]:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        cluster = distributed.LocalCluster(
            n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
        )
    with cluster, distributed.Client(cluster) as c:
        yield c


@pytest.fixture
def tricky(tmp_path: Path) -> Path:
    path = tmp_path / "tricky.csv"
    path.write_bytes(TRICKY)
    return path


def single_process(path: Path, **options: object) -> object:
    return csvr.read_arrow(path, **options).to_pandas(types_mapper=pd.ArrowDtype)


def same_frame(got: object, want: object) -> None:
    pd.testing.assert_frame_equal(got.reset_index(drop=True), want.reset_index(drop=True))


@pytest.mark.parametrize("blocksize", BLOCKSIZES)
def test_every_cut_counts_and_reads_exactly(client: object, tricky: Path, blocksize: int) -> None:
    want = csvr.count(tricky)
    assert want == 40
    assert csvr.dask.count(tricky, blocksize=blocksize) == want
    parts = csvr.dask.ranges(tricky, blocksize=blocksize)
    assert sum(r.records for _, r in parts) == want
    assert [r.first_record for _, r in parts] == sorted(r.first_record for _, r in parts)
    frame = csvr.dask.read_csv(tricky, blocksize=blocksize)
    assert frame.npartitions == len(parts)
    assert len(frame) == want
    same_frame(frame.compute(), single_process(tricky))


def test_dasks_own_read_csv_gets_these_files_wrong(tricky: Path) -> None:
    try:
        rows = len(dd.read_csv(str(tricky), blocksize=64, dtype=str).compute(scheduler="sync"))
    except Exception as e:  # noqa: BLE001 - any failure is the failure csvr fixes
        return print(f"dask.dataframe.read_csv failed: {type(e).__name__}")
    if rows == csvr.count(tricky):
        pytest.skip("dask.dataframe.read_csv now reads quoted newlines across blocks exactly")
    assert rows != csvr.count(tricky)


def test_the_sample_globs_lists_and_columns(client: object, tmp_path: Path) -> None:
    assert csvr.dask.count(SAMPLE, blocksize="64KiB") == SAMPLE_COUNT
    copies = []
    for name in ("a.csv", "b.csv"):
        copies.append(tmp_path / name)
        copies[-1].write_bytes(SAMPLE.read_bytes())
    assert csvr.dask.count(str(tmp_path / "*.csv"), blocksize="64KiB") == 2 * SAMPLE_COUNT
    assert csvr.dask.count(copies) == 2 * SAMPLE_COUNT
    frame = csvr.dask.read_csv(str(tmp_path / "*.csv"), blocksize="100KiB")
    assert len(frame) == 2 * SAMPLE_COUNT
    want = single_process(SAMPLE)
    same_frame(frame.compute(), pd.concat([want, want]))
    picked = csvr.dask.read_csv(SAMPLE, blocksize="100KiB", columns=["city", "id"])
    same_frame(picked.compute(), want[["city", "id"]])
    projected = csvr.dask.read_csv(SAMPLE, blocksize="100KiB")[["status"]]
    same_frame(projected.compute(), want[["status"]])
    assert str(frame.dtypes.iloc[0]) == "string[pyarrow]"


def test_options_and_empty_inputs(client: object, tmp_path: Path) -> None:
    semi = tmp_path / "semi.csv"
    semi.write_bytes(b"a;b\n1;2\n3;4\n")
    assert csvr.dask.count(semi, blocksize=2, delimiter=";") == 2
    same_frame(
        csvr.dask.read_csv(semi, blocksize=2, delimiter=";").compute(),
        single_process(semi, delimiter=";"),
    )
    empty = tmp_path / "empty.csv"
    empty.write_bytes(b"")
    header_only = tmp_path / "header.csv"
    header_only.write_bytes(b"x,y\n")
    assert csvr.dask.count([empty, header_only]) == 0
    assert len(csvr.dask.read_csv(header_only).compute()) == 0
    with pytest.raises(FileNotFoundError):
        csvr.dask.count(str(tmp_path / "nothing-*.csv"))


def corpus_files() -> list[Path]:
    if not CORPUS.is_dir():
        return []
    return sorted(p for p in CORPUS.rglob("*.csv") if not p.read_bytes()[:4].startswith((b"\xff\xfe", b"\xfe\xff")))


@pytest.mark.skipif(not CORPUS.is_dir(), reason=f"the corpus is absent ({CORPUS})")
def test_the_corpus(client: object) -> None:
    files = corpus_files()
    assert files
    for path in files:
        # About 40 chunks a file, cut at odd offsets.
        blocksize = max(997, path.stat().st_size // 40 | 1)
        assert csvr.dask.count(path, blocksize=blocksize) == csvr.count(path), path
        # Raw (some files are not UTF-8); fields past the header's width dropped, as
        # an Arrow table has the header's columns.
        options = {"raw": True, "truncate_ragged": True}
        frame = csvr.dask.read_csv(path, blocksize=blocksize, **options)
        same_frame(frame.compute(), single_process(path, **options))


def test_a_worker_killed_mid_count_still_counts_exactly(client: object) -> None:
    import os
    import threading
    import time

    got: dict[str, int] = {}
    counting = threading.Thread(target=lambda: got.update(n=csvr.dask.count(SAMPLE, blocksize=200)))
    counting.start()
    time.sleep(0.3)
    killed_while_counting = counting.is_alive()
    worker = sorted(client.scheduler_info()["workers"])[0]
    try:  # the worker process exits at once; its nanny starts another, Dask retries
        client.run(os._exit, 1, workers=[worker])
    except Exception:  # noqa: BLE001 - the run dies with the worker
        pass
    counting.join(timeout=120)
    assert not counting.is_alive()
    assert got["n"] == SAMPLE_COUNT
    if not killed_while_counting:
        pytest.skip("the count finished before the worker was killed: nothing was retried")
