#!/usr/bin/env python3
"""The Dask figure: csvr.dask on a LocalCluster of 1 and then 2 worker processes (one
thread each) against dask.dataframe.read_csv on the same cluster, and single-process
csvr.count / csvr.read_arrow, on one file (default: the 1 GiB `quoted` corpus, whose
quoted newlines dask's own reader miscounts). Prints seconds (the median of --runs, the
contenders interleaved), counts and the scaling from 1 to 2 workers.

dask's reader is run as users call it (it raises pandas' ParserError where a block starts
inside a quoted field), with `on_bad_lines="skip"` (still an error: the quote that a block
starts inside runs to the block's end), and with quotes ignored as well
(`quoting=csv.QUOTE_NONE`), which gives a row count to set beside the true one.

    python bench/dask_bench.py [FILE] [--blocksize 64MiB] [--runs 3]   (make bench-dask)
"""

from __future__ import annotations

import argparse
import csv
import logging
import statistics
import subprocess
import time
import warnings
from pathlib import Path

import csvr
import csvr.dask
import dask.dataframe as dd
import distributed

ROOT = Path(__file__).resolve().parent.parent


def timed(f):  # type: ignore[no-untyped-def]
    t = time.perf_counter()
    value = f()
    return time.perf_counter() - t, value


def run_interleaved(cases, runs, path):  # type: ignore[no-untyped-def]
    """Run each case `runs` times, round-robin, the file read into the page cache before
    each; return {name: (median seconds, value)}. A case that raises is a row too: its
    value is the exception's name (and it is not run again)."""
    times: dict[str, list[float]] = {name: [] for name in cases}
    values: dict[str, object] = {}
    for _ in range(runs):
        for name, case in cases.items():
            if isinstance(values.get(name), str):
                continue
            subprocess.run(["cat", path], stdout=subprocess.DEVNULL, check=False)
            try:
                t, n = timed(case)
            except Exception as e:  # noqa: BLE001 - a failing contender is a row
                t, n = float("nan"), f"failed: {type(e).__name__}"
            times[name].append(t)
            values[name] = n
    return {name: (statistics.median(times[name]), values[name]) for name in cases}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("file", nargs="?", type=Path, default=ROOT / "bench" / "out" / "quoted.csv")
    ap.add_argument("--blocksize", default="64MiB")
    ap.add_argument("--runs", type=int, default=1)
    args = ap.parse_args()
    path = str(args.file)
    logging.getLogger("distributed").setLevel(logging.ERROR)
    warnings.simplefilter("ignore")
    subprocess.run(["cat", path], stdout=subprocess.DEVNULL, check=False)
    rows = []
    single = {
        "single process: csvr.count (all cores)": lambda: csvr.count(path),
        "single process: csvr.read_arrow (all cores)": lambda: csvr.read_arrow(path).num_rows,
    }
    for name, (t, n) in run_interleaved(single, args.runs, path).items():
        rows.append((name, "-", t, n))
    by_workers: dict[int, dict[str, float]] = {}
    for workers in (1, 2):
        with distributed.LocalCluster(
            n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=None
        ) as cluster, distributed.Client(cluster):
            cases = {
                "csvr.dask.count": lambda: csvr.dask.count(path, blocksize=args.blocksize),
                "csvr.dask.read_csv(...).map_partitions(len).sum()": lambda: int(
                    csvr.dask.read_csv(path, blocksize=args.blocksize).map_partitions(len).sum().compute()
                ),
                "dask.dataframe.read_csv(dtype=str) rows": lambda: int(
                    dd.read_csv(path, blocksize=args.blocksize, dtype=str).map_partitions(len).sum().compute()
                ),
                "dask.dataframe.read_csv(dtype=str, on_bad_lines='skip') rows": lambda: int(
                    dd.read_csv(path, blocksize=args.blocksize, dtype=str, on_bad_lines="skip")
                    .map_partitions(len)
                    .sum()
                    .compute()
                ),
                "dask.dataframe.read_csv(dtype=str, quoting=QUOTE_NONE, on_bad_lines='skip') rows":
                lambda: int(
                    dd.read_csv(
                        path,
                        blocksize=args.blocksize,
                        dtype=str,
                        quoting=csv.QUOTE_NONE,
                        on_bad_lines="skip",
                    )
                    .map_partitions(len)
                    .sum()
                    .compute()
                ),
            }
            for name, (t, n) in run_interleaved(cases, args.runs, path).items():
                rows.append((name, str(workers), t, n))
                by_workers.setdefault(workers, {})[name] = t
    size = args.file.stat().st_size
    print(f"# Dask: {args.file.name}, {size / 2**20:.0f} MiB, blocksize {args.blocksize}; "
          f"worker processes with one thread each; median of {args.runs}")
    print("| what | workers | seconds | MB/s | count |")
    print("|---|---|---|---|---|")
    for name, workers, t, n in rows:
        print(f"| {name} | {workers} | {t:.2f} | {size / 1e6 / t:.0f} | {n} |")
    print("\nScaling from 1 to 2 workers (speed-up / 2 = efficiency):")
    for name, t1 in by_workers[1].items():
        t2 = by_workers[2][name]
        print(f"- {name}: {t1 / t2:.2f}x ({t1 / t2 / 2:.0%})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
