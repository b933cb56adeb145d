#!/usr/bin/env python3
"""The Arrow section: whole CSV files into tables of string columns, side by side.

Run it with `make bench-arrow` (1 GiB corpora; `make bench-arrow SIZE=256` for 256 MiB,
`STREAM_SIZE=4096` for the streaming table's file). For each corpus and each real file it
runs, interleaved, each in a process of its own (through `count-tools rss`, for its peak
RSS):

- csvr -> pyarrow.Table (`csvr.read_arrow`), csvr -> polars.DataFrame (`csvr.read_polars`),
  csvr -> DuckDB (`count(*)` over a `csvr.Reader` named in SQL);
- `pyarrow.csv.read_csv` with every column a string (`newlines_in_values=True` where the file
  has a quoted newline), `polars.read_csv(infer_schema=False)`, DuckDB
  `read_csv(all_varchar=true)` counted;
- the csv crate's `read_byte_record` loop, the reference of the check column.

Each figure is the median of --runs rounds: "in-call" times the call alone (the libraries are
imported before it), "process" the whole process (interpreter start and imports included),
from the runner's clock. Each round cats the file to /dev/null first and starts one tool later
than the round before. The check column compares rows and the bytes of all values with the
csv crate (DuckDB's counts: rows only); a csvr row that disagrees prints `FAILED:` and makes
the run exit 1, the others only say so.

Then the streaming table: one larger file (--stream-size MiB of the `quoted` corpus, quoted
newlines and all: polars holding `numeric` whole would need about 19 GiB at 4 GiB) consumed
batch by batch through `pyarrow.RecordBatchReader.from_stream(csvr.Reader(p))`, each batch
dropped once counted, beside pyarrow and polars reading it whole: peak RSS.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import textwrap
import time
from dataclasses import dataclass, field
from pathlib import Path

import run  # run_with_rss, largest_real_csv, CORPORA (run.py imports nothing from here)

ROOT = run.ROOT
RELEASE = run.RELEASE

# Each tool is a snippet run as `python -c SNIPPET PATH START`: it imports its libraries, then
# times `work` (which leaves the result in `out`), prints `time.time()` right after the work
# (the process time is that minus START, the runner's clock before the process started), then
# computes the check (rows, value bytes) outside both timings.
TIMER = """
import sys, time
p, newlines = sys.argv[1], sys.argv[3] == "1"
{setup}
t = time.perf_counter()
{work}
seconds = time.perf_counter() - t
done = time.time()
{check}
print(rows, values, seconds, done)
"""

PA_CHECK = """
import pyarrow.compute as pc
rows = out.num_rows
values = sum(pc.sum(pc.binary_length(c)).as_py() or 0 for c in out.columns)
"""
PL_CHECK = """
rows = out.height
values = int(sum(v or 0 for v in out.select(pl.all().str.len_bytes().sum()).row(0))) if out.width else 0
"""
COUNT_CHECK = "rows, values = out, '-'"

# The names of the header, for pyarrow's column types: every column a string.
HEADER = """
import csv
with open(p, newline="", encoding="utf-8") as f:
    names = next(csv.reader(f), [])
"""

CSVR_PA = "csvr -> pyarrow.Table (read_arrow)"
CSVR_PL = "csvr -> polars.DataFrame (read_polars)"
CSVR_DUCK = "csvr -> DuckDB count(*) over the stream"
PYARROW = "pyarrow.csv.read_csv (all strings)"
POLARS = "polars.read_csv(infer_schema=False)"
DUCKDB = "DuckDB read_csv(all_varchar) count(*)"
CRATE = "rust csv crate read_byte_record loop"
STREAM = "csvr stream batch by batch (RecordBatchReader)"

# name: (setup, work, check)
TOOLS: dict[str, tuple[str, str, str]] = {
    CSVR_PA: ("import csvr, pyarrow", "out = csvr.read_arrow(p)", PA_CHECK),
    CSVR_PL: ("import csvr, polars as pl", "out = csvr.read_polars(p)", PL_CHECK),
    CSVR_DUCK: (
        "import csvr, duckdb\nduckdb.execute('SET enable_progress_bar = false')",
        "r = csvr.Reader(p)\nout = duckdb.sql('select count(*) from r').fetchall()[0][0]",
        COUNT_CHECK,
    ),
    PYARROW: (
        "import pyarrow as pa, pyarrow.csv as pacsv" + HEADER,
        "out = pacsv.read_csv(p, parse_options=pacsv.ParseOptions(newlines_in_values=newlines),\n"
        "    convert_options=pacsv.ConvertOptions(column_types={n: pa.string() for n in names}))",
        PA_CHECK,
    ),
    POLARS: ("import polars as pl", "out = pl.read_csv(p, infer_schema=False)", PL_CHECK),
    DUCKDB: (
        "import duckdb\nduckdb.execute('SET enable_progress_bar = false')",
        "out = duckdb.sql(f\"select count(*) from read_csv('{p}', all_varchar=true)\").fetchall()[0][0]",
        COUNT_CHECK,
    ),
    STREAM: (
        "import csvr, pyarrow as pa, pyarrow.compute as pc",
        "rows = values = 0\n"
        "for batch in pa.RecordBatchReader.from_stream(csvr.Reader(p)):\n"
        "    rows += batch.num_rows\n"
        "    values += sum(pc.sum(pc.binary_length(c)).as_py() or 0 for c in batch.columns)\n"
        "    del batch\n"
        "out = None",
        "",
    ),
}
OURS = {CSVR_PA, CSVR_PL, CSVR_DUCK, STREAM}


@dataclass
class Timing:
    tool: str
    in_call: list[float] = field(default_factory=list)
    process: list[float] = field(default_factory=list)
    rows: int | None = None
    values: int | None = None
    rss_mib: float = 0.0
    error: str | None = None

    @property
    def call(self) -> float:
        return statistics.median(self.in_call) if self.in_call else float("nan")

    @property
    def whole(self) -> float:
        return statistics.median(self.process) if self.process else float("nan")

    @property
    def ran(self) -> bool:
        return bool(self.in_call) and not self.error


def has_quoted_newline(path: Path) -> bool:
    """Whether any value holds a line break: pyarrow must then be told (newlines_in_values)."""
    snippet = ("import csvr, sys, pyarrow.compute as pc\n"
               "t = csvr.read_arrow(sys.argv[1])\n"
               "print(any(pc.any(pc.match_substring_regex(c, '[\\\\r\\\\n]')).as_py() for c in t.columns))")
    out = subprocess.run([sys.executable, "-c", snippet, str(path)], capture_output=True, text=True)
    return out.stdout.strip() == "True"


def run_tool(t: Timing, path: Path, newlines: bool) -> None:
    if t.error:
        return
    try:
        if t.tool == CRATE:
            out, wall, rss = run.run_with_rss([str(RELEASE / "count-tools"), "csv-crate-fields", str(path)])
            rows, values, seconds = out.split()
            done = None
        else:
            setup, work, check = TOOLS[t.tool]
            snippet = TIMER.format(setup=setup, work=work, check=check)
            start = time.time()
            out, wall, rss = run.run_with_rss([sys.executable, "-c", snippet, str(path), str(start),
                                               "1" if newlines else "0"])
            # The last line: a library may print before it (a progress bar, a warning).
            rows, values, seconds, done = out.strip().splitlines()[-1].split()
            wall = float(done) - start
        t.rows = int(rows)
        t.values = None if values == "-" else int(values)
        t.in_call.append(float(seconds))
        t.process.append(wall)
        t.rss_mib = max(t.rss_mib, rss)
    except Exception as e:  # a missing library or a crash is a row, not the end of the run
        t.error = str(e)[:70]


def measure(path: Path, tools: list[str], runs: int) -> list[Timing]:
    newlines = has_quoted_newline(path)
    timings = [Timing(name) for name in tools]
    for k in range(runs):
        subprocess.run(["cat", str(path)], stdout=subprocess.DEVNULL, check=False)
        for t in timings[k % len(timings):] + timings[:k % len(timings)]:
            run_tool(t, path, newlines)
    return timings


def check(t: Timing, base: Timing | None) -> str:
    if t.error:
        return t.error
    if base is None or not base.ran:
        return "- (no reference)"
    if t is base:
        return "reference"
    if t.rows != base.rows:
        return f"no: {t.rows} rows"
    if t.values is None:
        return "yes (rows)"
    return "yes" if t.values == base.values else f"no: {t.values} value bytes"


def table(label: str, size: int, timings: list[Timing]) -> tuple[str, list[str], dict[str, Timing]]:
    ran = {t.tool: t for t in timings if t.ran}
    base = ran.get(CRATE)
    what = f"{base.rows} records, {base.values} value bytes" if base else "the csv crate failed"
    lines = [f"\n### Arrow: {label}  ({size / 2**20:.1f} MiB, {what})", ""]
    lines.append(f"| {'reader':42} | {'in-call s':>9} | {'MB/s':>6} | {'process s':>9} | {'RSS MiB':>8} | check |")
    lines.append(f"|{'-' * 44}|{'-' * 11}|{'-' * 8}|{'-' * 11}|{'-' * 10}|-------|")
    verdicts = []
    for t in timings:
        verdict = check(t, base)
        if t.tool in OURS and (t.error or verdict.startswith("no")):
            verdicts.append(f"FAILED: arrow {label}: {t.tool}: {verdict}")
        if not t.ran:
            lines.append(f"| {t.tool:42} | {'-':>9} | {'-':>6} | {'-':>9} | {'-':>8} | {verdict} |")
            continue
        lines.append(f"| {t.tool:42} | {t.call:9.3f} | {size / 1e6 / t.call:6.0f} | {t.whole:9.3f} "
                     f"| {t.rss_mib:8.1f} | {verdict} |")
    if base is None:
        verdicts.append(f"FAILED: arrow {label}: the csv crate reference did not run")
    elif not verdicts:
        agreeing = sum(1 for t in timings if t.tool in OURS and t.ran)
        verdicts.append(f"ok: arrow {label}: {agreeing} csvr consumers agree with the csv crate ({what})")
    return "\n".join(lines), verdicts, ran


# The targets of the Arrow issue: (label, csvr's tool, the other tool, which timing, at least).
TARGETS = [
    ("csvr->pa vs pyarrow, in-call", CSVR_PA, PYARROW, "call", 2.0),
    ("csvr->pa vs polars, in-call", CSVR_PA, POLARS, "call", 1.5),
    ("csvr->pl vs polars, in-call", CSVR_PL, POLARS, "call", 1.5),
    ("csvr->pa vs pyarrow, process", CSVR_PA, PYARROW, "whole", 1.0),
    ("csvr->pa vs polars, process", CSVR_PA, POLARS, "whole", 1.0),
    ("csvr->duckdb vs duckdb, in-call", CSVR_DUCK, DUCKDB, "call", None),
]


def ratios(results: dict[str, dict[str, Timing]]) -> str:
    """One row per file: each target's ratio (how many times faster csvr is)."""
    head = " | ".join(f"{label} (>= {want}x)" if want else label for label, *_, want in TARGETS)
    lines = ["\n### Arrow targets: how many times faster csvr is (one run; '!' = under the target)", "",
             f"| file | {head} |", "|---|" + "---|" * len(TARGETS)]
    for label, ran in results.items():
        cells = []
        for _, ours, theirs, timing, want in TARGETS:
            a, b = ran.get(ours), ran.get(theirs)
            if a is None or b is None:
                cells.append("-")
                continue
            ratio = getattr(b, timing) / getattr(a, timing)
            # The process target is "faster than": a ratio above 1.
            short = want is not None and (ratio <= want if want == 1.0 else ratio < want)
            cells.append(f"{ratio:.2f}x{' !' if short else ''}")
        lines.append(f"| {label} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def streaming(path: Path, runs: int) -> str:
    timings = measure(path, [STREAM, PYARROW, POLARS, CRATE], runs)
    text, verdicts, _ = table(f"{path.name}, streamed", path.stat().st_size, timings)
    return text.replace("### Arrow:", "### Arrow streaming:") + "\n" + "\n".join(verdicts)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--size", type=int, default=1024, help="corpus size in MiB (default 1024)")
    ap.add_argument("--dir", type=Path, default=ROOT / "bench" / "out", help="where corpora go")
    ap.add_argument("--runs", type=int, default=3, help="rounds (the median is shown)")
    ap.add_argument("--corpus", action="append", choices=run.CORPORA, help="only these corpora")
    ap.add_argument("--real", type=Path, action="append",
                    help="a real CSV to read too (repeatable; default: the largest in ../shared/corpus)")
    ap.add_argument("--stream-size", type=int, default=0,
                    help="MiB of the streaming table's file (0: no streaming table)")
    ap.add_argument("--small", action="store_true",
                    help="smoke run: 4 MiB corpora (and streamed file), one round")
    args = ap.parse_args()
    if args.small:
        args.size, args.runs = 4, 1
        args.stream_size = args.stream_size or 4
        args.dir = args.dir / "small"
    gen = RELEASE / "gen-corpus"
    if not gen.exists() or not (RELEASE / "count-tools").exists():
        print("missing the benchmark's tools: run `make bench-arrow` (it builds them first)", file=sys.stderr)
        return 2
    corpora = args.corpus or list(run.CORPORA)
    args.dir.mkdir(parents=True, exist_ok=True)
    files = []
    for corpus in corpora:
        path = args.dir / f"{corpus}.csv"
        size = path.stat().st_size if path.exists() else 0
        if not (args.size << 20) - (1 << 16) <= size <= args.size << 20:
            subprocess.run([str(gen), str(args.dir), str(args.size), corpus], check=True)
        files.append((f"{corpus}.csv", path))
    reals = args.real if args.real else [p for p in [run.largest_real_csv()] if p]
    files += [(f"{p.name} (real)", p) for p in reals if p.is_file()]

    print(f"# csvr Arrow benchmark: {os.cpu_count()} cores, {args.size} MiB corpora, "
          f"median of {args.runs} rounds, warm cache")
    failed = False
    results: dict[str, dict[str, Timing]] = {}
    for label, path in files:
        timings = measure(path, [CSVR_PA, CSVR_PL, CSVR_DUCK, PYARROW, POLARS, DUCKDB, CRATE], args.runs)
        text, verdicts, ran = table(label, path.stat().st_size, timings)
        print(text)
        print("\n".join(verdicts), flush=True)
        failed |= any(v.startswith("FAILED") for v in verdicts)
        results[label] = ran
    print(ratios(results))
    if args.stream_size:
        big_dir = args.dir / "stream"
        big = big_dir / "quoted.csv"
        if not big.exists() or big.stat().st_size < (args.stream_size << 20) - (1 << 16):
            subprocess.run([str(gen), str(big_dir), str(args.stream_size), "quoted"], check=True)
        text = streaming(big, 1)
        print(text)
        failed |= "FAILED:" in text
    print(textwrap.dedent("""
        Notes: in-call = the call alone, the libraries imported before it; process = the whole
        process from the runner's clock (interpreter start and imports included). csvr reads
        on all cores with read-ahead (csvr.Reader's default). DuckDB rows count only (`count(*)`
        over the stream, or over read_csv); the check compares rows and the bytes of every
        value with the csv crate (a missing field, null, has no bytes)."""))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
