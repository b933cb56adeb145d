#!/usr/bin/env python3
"""Side-by-side benchmark: csvr against the tools a user would pick instead, in one run.

Run it with `make bench` (1 GiB corpora; `make bench SIZE=100` for 100 MiB) or
`make bench-small` (the smoke run the tests use). It generates the corpora (bench/gen-corpus),
warms the page cache, and measures every tool on every corpus in a subprocess of its own,
so that each peak RSS is that tool's alone (os.wait4). Each figure is the median of
--runs runs (the slow naive Python count runs once). It prints one table per corpus: time,
MB/s, csvr's speed as a multiple of each tool's, peak RSS, and whether each tool's count
equals csvr's.

Then a reading section per corpus, and for the largest real CSV in ../shared/corpus: every
reader reads every field (the sum of the field lengths is printed, so that the tools can be
cross-checked), side by side and interleaved: the csv crate's read_byte_record loop (the
baseline), csvr from C per field and in batches (1 thread and all cores, with and without
read-ahead; bench/c/read_csvr.c), zsv's pull parser (bench/c/read_zsv.c, when zsv could be
built from a local mirror: see the Makefile's bench-zsv), csvr and csv.reader rows from
Python, csvr.Reader(columns=...) when the installed csvr has it, and csvr_split_path(n=16)
beside csvr_count_path when the library has it.

Tools that are not installed are reported as such and skipped; polars, pyarrow and duckdb
live only in the benchmark's own virtualenv (bench/requirements.txt).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import textwrap
import time
from dataclasses import dataclass, field
from pathlib import Path

import reading

ROOT = Path(__file__).resolve().parent.parent
RELEASE = ROOT / "target" / "release"
CORPORA = ("numeric", "quoted", "wide", "crlf", "stray")

# Each Python snippet gets the path as sys.argv[1] and prints "COUNT SECONDS", timing only
# the work (not the interpreter's start or the imports).
PY_TIMER = """
import sys, time
p = sys.argv[1]
{setup}
t = time.perf_counter()
n = {expr}
print(n, time.perf_counter() - t)
"""

PY_TOOLS = {
    "csvr.count (all cores)": ("import csvr", "csvr.count(p)"),
    "csvr.count (1 thread)": ("import csvr", "csvr.count(p, threads=1)"),
    "python csv: sum(1 for _ in reader)": (
        "import csv",
        "sum(1 for _ in csv.reader(open(p, newline='', encoding='utf-8'))) - 1",
    ),
    "python csv: len(list(reader))": (
        "import csv",
        "len(list(csv.reader(open(p, newline='', encoding='utf-8')))) - 1",
    ),
    "polars scan_csv().select(pl.len())": (
        "import polars as pl",
        "pl.scan_csv(p).select(pl.len()).collect().item()",
    ),
    "pyarrow.csv.read_csv(newlines_in_values)": (
        "import pyarrow.csv as pc",
        "pc.read_csv(p, parse_options=pc.ParseOptions(newlines_in_values=True)).num_rows",
    ),
    "duckdb count(*) from read_csv": (
        "import duckdb; duckdb.execute('SET enable_progress_bar = false')",
        "duckdb.execute(f\"SELECT count(*) FROM read_csv('{p}')\").fetchone()[0]",
    ),
}

SLOW = {"python csv: len(list(reader))", "python csv: sum(1 for _ in reader)"}


@dataclass
class Result:
    tool: str
    seconds: list[float] = field(default_factory=list)
    count: int | None = None
    rss_mib: float = 0.0
    error: str | None = None

    @property
    def median(self) -> float:
        return statistics.median(self.seconds) if self.seconds else float("nan")


TOOLS = RELEASE / "count-tools"


def run_with_rss(cmd: list[str], stdin_path: Path | None = None) -> tuple[str, float, float]:
    """Runs cmd under `count-tools rss`; returns (stdout, wall seconds, peak RSS MiB)."""
    stdin = open(stdin_path, "rb") if stdin_path else subprocess.DEVNULL
    try:
        t = time.perf_counter()
        proc = subprocess.run([str(TOOLS), "rss", *cmd], stdin=stdin, capture_output=True)
        wall = time.perf_counter() - t
    finally:
        if stdin_path:
            stdin.close()
    err = proc.stderr.decode(errors="replace")
    rss = next((float(line.split()[1]) / 1024 for line in err.splitlines() if line.startswith("maxrss_kib ")), 0.0)
    if proc.returncode != 0:
        last = [line for line in err.splitlines() if not line.startswith("maxrss_kib ")]
        raise RuntimeError(last[-1][:60] if last else f"exit {proc.returncode}")
    return proc.stdout.decode(), wall, rss


def measure(tool: str, cmd: list[str], runs: int) -> Result:
    """For commands that print "COUNT SECONDS", timing only their work."""
    res = Result(tool)
    try:
        for _ in range(runs):
            out, _, rss = run_with_rss(cmd)
            words = out.split()
            res.count = int(words[0])
            res.seconds.append(float(words[1]))
            res.rss_mib = max(res.rss_mib, rss)
    except Exception as e:  # a missing tool or a crash is a row, not the end of the run
        res.error = str(e)[:60]
    return res


def measure_wall(tool: str, cmd: list[str], runs: int, stdin_path: Path | None = None) -> Result:
    """For commands that print only a count (last word): wall time of the whole process."""
    res = Result(tool)
    try:
        for _ in range(runs):
            out, wall, rss = run_with_rss(cmd, stdin_path)
            res.seconds.append(wall)
            words = out.split()
            res.count = int(words[-1]) if words and words[-1].isdigit() else None
            res.rss_mib = max(res.rss_mib, rss)
    except Exception as e:
        res.error = str(e)[:60]
    return res


def fmt_rss(r: Result) -> str:
    return f"{r.rss_mib:8.1f}" if r.rss_mib else "       -"


def table(corpus: str, size: int, reference: Result, results: list[Result]) -> str:
    lines = [f"\n## {corpus}.csv  ({size / 2**20:.0f} MiB, csvr count {reference.count})", ""]
    lines.append(f"| {'tool':46} | {'seconds':>8} | {'MB/s':>8} | {'csvr is':>8} | {'RSS MiB':>8} | count ok |")
    lines.append(f"|{'-' * 48}|{'-' * 10}|{'-' * 10}|{'-' * 10}|{'-' * 10}|----------|")
    for r in results:
        if r.error:
            lines.append(f"| {r.tool:46} | {'-':>8} | {'-':>8} | {'-':>8} | {'-':>8} | {r.error} |")
            continue
        mbs = size / 1e6 / r.median
        ratio = r.median / reference.median
        ok = "n/a" if r.count is None else ("yes" if r.count == reference.count else f"no ({r.count})")
        lines.append(
            f"| {r.tool:46} | {r.median:8.3f} | {mbs:8.0f} | {ratio:7.2f}x | {fmt_rss(r)} | {ok} |"
        )
    return "\n".join(lines)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--size", type=int, default=1024, help="corpus size in MiB (default 1024)")
    ap.add_argument("--dir", type=Path, default=ROOT / "bench" / "out", help="where corpora go")
    ap.add_argument("--runs", type=int, default=3, help="runs per fast tool (median)")
    ap.add_argument("--corpus", action="append", choices=CORPORA, help="only these corpora")
    ap.add_argument("--no-naive", action="store_true", help="skip len(list(csv.reader)) (slow, ~10x RSS)")
    ap.add_argument("--no-rows", action="store_true", help="skip the Python readers of the reading section")
    ap.add_argument("--no-reading", action="store_true", help="skip the reading section")
    ap.add_argument("--no-counting", action="store_true", help="skip the counting tables (reading only)")
    ap.add_argument("--real", type=Path, default=largest_real_csv(),
                    help="the real CSV the reading section also reads (default: the largest in ../shared/corpus)")
    ap.add_argument("--json", type=Path, help="also write the results here")
    ap.add_argument("--small", action="store_true", help="smoke run: 4 MiB corpora, one run each")
    args = ap.parse_args()
    if args.small:
        args.size, args.runs, args.no_naive = 4, 1, True
        args.dir = args.dir / "small"

    corpora = args.corpus or list(CORPORA)
    gen = RELEASE / "gen-corpus"
    tools = RELEASE / "count-tools"
    c_example = ROOT / "bindings" / "c" / "csvr-count"
    for needed in (gen, tools, c_example, reading.BIN / "read-csvr"):
        if not needed.exists():
            print(f"missing {needed}: run `make bench` (it builds everything first)", file=sys.stderr)
            return 2

    args.dir.mkdir(parents=True, exist_ok=True)
    missing = [k for k in corpora if not (args.dir / f"{k}.csv").exists()
               or (args.dir / f"{k}.csv").stat().st_size < (args.size << 20) - (1 << 16)
               or (args.dir / f"{k}.csv").stat().st_size > (args.size << 20)]
    if missing:
        subprocess.run([str(gen), str(args.dir), str(args.size), *missing], check=True)

    py = sys.executable
    report: dict[str, list[dict]] = {}
    failed = False
    print(f"# csvr benchmark: {os.cpu_count()} cores, {args.size} MiB corpora, median of {args.runs} runs, warm cache")
    for corpus in corpora:
        path = args.dir / f"{corpus}.csv"
        size = path.stat().st_size
        for _ in range(2):  # warm the page cache
            with open(path, "rb") as f:
                while f.read(1 << 24):
                    pass
        if args.no_counting:
            if not args.no_reading:
                failed |= read_section(f"{corpus}.csv", path, args, report)
            continue
        results: list[Result] = []
        py_cmd = lambda setup, expr: [py, "-c", PY_TIMER.format(setup=setup, expr=expr), str(path)]
        ref = measure("csvr.count (all cores)", py_cmd(*PY_TOOLS["csvr.count (all cores)"]), args.runs)
        results.append(ref)
        results.append(measure("csvr.count (1 thread)", py_cmd(*PY_TOOLS["csvr.count (1 thread)"]), args.runs))
        results.append(measure("csvr Rust count_path (all cores)", [str(tools), "csvr", str(path), "0"], args.runs))
        results.append(measure("csvr Rust count_path (1 thread)", [str(tools), "csvr", str(path), "1"], args.runs))
        results.append(measure_wall("csvr C example (process, all cores)", [str(c_example), str(path)], args.runs))
        results.append(measure("rust csv crate read_byte_record loop", [str(tools), "csv-crate", str(path)], args.runs))
        for name in ("python csv: sum(1 for _ in reader)", "python csv: len(list(reader))"):
            if name.startswith("python csv: len") and args.no_naive:
                continue
            results.append(measure(name, py_cmd(*PY_TOOLS[name]), 1 if name in SLOW else args.runs))
        for name in ("polars scan_csv().select(pl.len())", "pyarrow.csv.read_csv(newlines_in_values)", "duckdb count(*) from read_csv"):
            results.append(measure(name, py_cmd(*PY_TOOLS[name]), args.runs))
        results.append(measure("ceiling: memchr newlines, 1 core", [str(tools), "memchr", str(path)], args.runs))
        results.append(measure("ceiling: memchr newlines, all cores", [str(tools), "memchr-mt", str(path)], args.runs))
        results.append(measure("ceiling: pread only, no scan, all cores", [str(tools), "pread-mt", str(path)], args.runs))
        results.append(measure("ceiling: mmap + memchr newlines, all cores", [str(tools), "mmap-memchr-mt", str(path)], args.runs))
        if shutil.which("wc"):
            results.append(measure_wall("ceiling: wc -l", ["wc", "-l"], args.runs, stdin_path=path))
        results.append(measure_wall("ceiling: cat > /dev/null", ["sh", "-c", f"cat '{path}' > /dev/null; echo 0"], args.runs))
        for r in results:  # newline counts are not record counts: say so, not "no"
            if r.tool.startswith("ceiling"):
                r.count = None
        print(table(corpus, size, ref, results), flush=True)
        report[corpus] = [r.__dict__ | {"median": r.median} for r in results]
        if not args.no_reading:
            failed |= read_section(f"{corpus}.csv", path, args, report)
    if not args.no_reading:
        if args.real and args.real.is_file():
            failed |= read_section(f"{args.real.name} (real)", args.real, args, report)
        else:
            print(f"\nnote: no real CSV to read ({args.real or '../shared/corpus is absent'}): "
                  "the reading section skips it")
    print(textwrap.dedent("""
        Notes: "csvr is" = the tool's time / csvr.count's (all cores): above 1 means csvr is
        faster. RSS is each process's peak (a Python process starts near 10 MiB). Newline
        counts (memchr, wc) are ceilings, not record counts. polars counts blank lines as
        rows, so it disagrees on `crlf`; pyarrow and duckdb may sniff types or dialects."""))
    if not args.no_reading:
        print(textwrap.dedent("""
            Reading: "x csv crate" and "x zsv" = how many times faster than the csv crate's
            read_byte_record loop and zsv's pull parser, measured in the same run. Every reader
            sums the lengths of all fields (bytes; characters for Python str rows); check = the
            same records and field bytes as the csv crate (chars: as csv.reader). Python rows
            include building the row objects; "1 thread"/"all cores" is csvr_options_set_threads.
            "next+field" = csvr_reader_next + csvr_reader_field per field, "next_batch" =
            csvr_reader_next_batch (4096 records a call). zsv and Python's csv.reader yield
            blank lines as rows, so they disagree on `crlf`'s records."""))
    if args.json:
        args.json.write_text(json.dumps(report, indent=1))
    return 1 if failed else 0


def largest_real_csv() -> Path | None:
    """The largest CSV under ../shared/corpus (the corpus beside the checkout), if any."""
    corpus = ROOT.parent / "shared" / "corpus"
    files = [p for p in corpus.rglob("*.csv") if p.is_file()] if corpus.is_dir() else []
    return max(files, key=lambda p: p.stat().st_size, default=None)


def read_section(label: str, path: Path, args: argparse.Namespace, report: dict) -> bool:
    """Prints the reading table of one file; returns whether a csvr reader failed its check."""
    readings, notes = reading.measure(path, args.runs, sys.executable, not args.no_rows, run_with_rss)
    text, verdicts = reading.table(label, path.stat().st_size, readings, notes)
    print(text)
    print("\n".join(verdicts), flush=True)
    report[f"reading {label}"] = [r.__dict__ | {"median": r.median} for r in readings]
    return any(v.startswith("FAILED") for v in verdicts)


if __name__ == "__main__":
    sys.exit(main())
