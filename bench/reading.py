"""The reading section of bench/run.py: every reader reads every field of a file, side by side.

Each reader is a program that prints `RECORDS FIELD_LENGTHS SECONDS` (the sum of the lengths
of every field of every record, the header excluded; `-` for the counters, which read no
fields), timing only its own work, or `n/a: REASON` when what it measures does not exist in
this build (csvr_split_path, columns=). The readers are run interleaved: each round cats the
file to /dev/null, then runs every reader once, starting one reader later than the round
before, so that no reader always runs first after the cat; the slow ones (csv.reader) run in
the first round only. A figure is the median of its rounds.

The check column compares every reader with the csv crate: the same records and the same
field bytes (raw readers), or the same characters as Python's csv.reader (str readers), or
the same records (counters, three-column readers). A csvr reader that disagrees or fails is
a `FAILED:` line, which fails `make test-bench`; the other tools only show it in the table.
"""

from __future__ import annotations

import statistics
import subprocess
import textwrap
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

ROOT = Path(__file__).resolve().parent.parent
RELEASE = ROOT / "target" / "release"
BIN = ROOT / "bench" / "out" / "bin"  # read-csvr and read-zsv (the Makefile's bench-tools)
SPLIT_PARTS = 16  # bench/c/read_csvr.c's SPLIT_PARTS

# The reading section's Python readers: each prints "RECORDS FIELD_LENGTHS SECONDS", having
# looked at every field of every row (len: bytes for raw rows, characters for str rows).
PY_READ_TIMER = """
import sys, time
p = sys.argv[1]
{setup}
t = time.perf_counter()
n = b = 0
for row in {rows}:
    n += 1
    b += sum(map(len, row))
print(n, b, time.perf_counter() - t)
"""

# name: (setup, rows iterable, unit of the lengths). Units: bytes, chars (str rows),
# cols (three columns only: the lengths are not comparable, the records are).
PY_READERS = {
    "py csvr.Reader rows (list[str])": ("import csvr", "csvr.Reader(p)", "chars"),
    "py csvr.Reader rows (raw bytes)": ("import csvr", "csvr.Reader(p, raw=True)", "bytes"),
    # The library parses on the caller's thread: one core.
    "py csvr.Reader rows (str, read_ahead=False)": ("import csvr", "csvr.Reader(p, read_ahead=False)", "chars"),
    "py csvr.Reader rows (raw, read_ahead=False)": (
        "import csvr",
        "csvr.Reader(p, raw=True, read_ahead=False)",
        "bytes",
    ),
    # columns= is newer than some installed csvr: say so instead of failing. Three columns:
    # the header's first, middle and last (by name; by index if names are not taken).
    "py csvr.Reader(columns=[3 columns]) rows": (
        textwrap.dedent("""
            import csvr
            try:
                csvr.Reader(b"a,b\\n1,2\\n", columns=["a"]).close()
            except csvr.UnknownOptionError:
                print("n/a: csvr has no columns= yet")
                sys.exit(0)
            except (TypeError, ValueError):
                pass
            with csvr.Reader(p) as h:
                names = h.headers
            picks = sorted({0, len(names) // 2, len(names) - 1})
            try:
                csvr.Reader(p, columns=[names[i] for i in picks]).close()
                cols = [names[i] for i in picks]
            except (TypeError, ValueError):
                cols = picks
        """),
        "csvr.Reader(p, columns=cols)",
        "cols",
    ),
    "py csv.reader rows": (
        "import csv\nr = csv.reader(open(p, newline='', encoding='utf-8'))\nnext(r, None)",
        "r",
        "chars",
    ),
}

PY_SLOW = {"py csv.reader rows"}

BASELINE = "rust csv crate read_byte_record loop"
OLD_PARSER = "Rust csvr read_batch, 1 thread, old parser (csv crate)"
FAST_PARSER = "Rust csvr read_batch, 1 thread, structural index"
ZSV = "C zsv pull: next_row+get_cell"
CHARS_REFERENCE = "py csv.reader rows"
COUNT = "C csvr_count_path (all cores)"
SPLIT = f"C csvr_split_path(n={SPLIT_PARTS}) (all cores)"


@dataclass
class Reading:
    tool: str
    cmd: list[str]
    unit: str  # bytes, chars, cols, or records (counters: no fields)
    slow: bool = False
    csvr: bool = False  # one of ours: disagreeing is a failure, not a row of the table
    seconds: list[float] = field(default_factory=list)
    records: int | None = None
    lengths: int | None = None
    rss_mib: float = 0.0
    error: str | None = None
    note: str | None = None

    @property
    def median(self) -> float:
        return statistics.median(self.seconds) if self.seconds else float("nan")

    @property
    def ran(self) -> bool:
        return bool(self.seconds) and not self.error and not self.note


def readers(path: Path, python: str, rows: bool) -> tuple[list[Reading], list[str]]:
    """The readers of one file, and notes on those that cannot run here."""
    p = str(path)
    read_csvr, read_zsv = BIN / "read-csvr", BIN / "read-zsv"
    tools = str(RELEASE / "count-tools")
    out = [Reading(BASELINE, [tools, "csv-crate-fields", p], "bytes")]
    # csvr's own batches from Rust on one thread, on the old parser (the csv crate under the
    # record tracker, as before the structural index) and on the structural index.
    out.append(Reading(OLD_PARSER, [tools, "csvr-old-batch-fields", p], "bytes", csvr=True))
    out.append(Reading(FAST_PARSER, [tools, "csvr-batch-fields", p], "bytes", csvr=True))
    notes = []
    for mode, label in (("field", "C csvr next+field"), ("batch", "C csvr next_batch")):
        for threads, cores in ((1, "1 thread"), (0, "all cores")):
            for ahead in (0, 1):
                name = f"{label}, {cores}{', read-ahead' if ahead else ''}"
                out.append(Reading(name, [str(read_csvr), mode, p, str(threads), str(ahead)], "bytes", csvr=True))
    if read_zsv.exists():
        out.append(Reading(ZSV, [str(read_zsv), p], "bytes"))
    else:
        notes.append(f"zsv: skipped, {read_zsv.relative_to(ROOT)} was not built (no mirror of liquidaty/zsv, "
                     "or its build failed: see `make bench-zsv`)")
    if rows:
        for name, (setup, iterable, unit) in PY_READERS.items():
            cmd = [python, "-c", PY_READ_TIMER.format(setup=setup, rows=iterable), p]
            out.append(Reading(name, cmd, unit, slow=name in PY_SLOW, csvr="csvr" in name))
    out.append(Reading(COUNT, [str(read_csvr), "count", p, "0"], "records", csvr=True))
    out.append(Reading(SPLIT, [str(read_csvr), "split", p, "0"], "records", csvr=True))
    return out, notes


def run_round(r: Reading, run_with_rss: Callable[[list[str]], tuple[str, float, float]]) -> None:
    if r.error or r.note:
        return
    try:
        out, _, rss = run_with_rss(r.cmd)
        if out.startswith("n/a"):
            r.note = out.strip()
            return
        records, lengths, seconds = out.split()
        r.records, r.lengths = int(records), None if lengths == "-" else int(lengths)
        r.seconds.append(float(seconds))
        r.rss_mib = max(r.rss_mib, rss)
    except Exception as e:  # a crash or a missing program is a row, not the end of the run
        r.error = str(e)[:60]


def measure(path: Path, runs: int, python: str, rows: bool,
            run_with_rss: Callable[[list[str]], tuple[str, float, float]]) -> tuple[list[Reading], list[str]]:
    rs, notes = readers(path, python, rows)
    for k in range(runs):
        subprocess.run(["cat", str(path)], stdout=subprocess.DEVNULL, check=False)
        for r in rs[k % len(rs):] + rs[:k % len(rs)]:
            if not (r.slow and k > 0):
                run_round(r, run_with_rss)
    return rs, notes


def check(r: Reading, base: Reading | None, chars: Reading | None) -> str:
    if r.error:
        return r.error
    if r.note:
        return r.note
    if base is None or not base.ran:
        return "- (no baseline)"
    if r is base:
        return "baseline"
    if r.records != base.records:
        return f"no: {r.records} records"
    if r.unit == "bytes":
        return "yes" if r.lengths == base.lengths else f"no: {r.lengths} field bytes"
    if r.unit == "chars":
        if r is chars:
            return "yes (records; the chars reference)"
        if chars is None or not chars.ran:
            return "yes (records)"
        return "yes (chars)" if r.lengths == chars.lengths else f"no: {r.lengths} chars"
    return "yes (records)"


def table(label: str, size: int, rs: list[Reading], notes: list[str]) -> tuple[str, list[str]]:
    """The reading table of one file, and its `ok:` / `FAILED:` lines for the smoke run."""
    find = lambda name: next((r for r in rs if r.tool == name and r.ran), None)
    base, zsv, chars = find(BASELINE), find(ZSV), find(CHARS_REFERENCE)
    what = f"{base.records} records, {base.lengths} field bytes" if base else "csv crate failed"
    lines = [f"\n### reading {label}  ({size / 2**20:.1f} MiB, {what}; every field touched)", ""]
    lines.append(f"| {'reader':44} | {'seconds':>8} | {'MB/s':>7} | {'x csv crate':>11} | {'x zsv':>6} "
                 f"| {'RSS MiB':>8} | check |")
    lines.append(f"|{'-' * 46}|{'-' * 10}|{'-' * 9}|{'-' * 13}|{'-' * 8}|{'-' * 10}|-------|")
    verdicts = []
    for r in rs:
        verdict = check(r, base, chars)
        if r.csvr and (r.error or verdict.startswith("no")):
            verdicts.append(f"FAILED: reading {label}: {r.tool}: {verdict}")
        if not r.ran:
            lines.append(f"| {r.tool:44} | {'-':>8} | {'-':>7} | {'-':>11} | {'-':>6} | {'-':>8} | {verdict} |")
            continue
        vs_base = f"{base.median / r.median:10.2f}x" if base else f"{'-':>11}"
        vs_zsv = f"{zsv.median / r.median:5.2f}x" if zsv else f"{'-':>6}"
        rss = f"{r.rss_mib:8.1f}" if r.rss_mib else f"{'-':>8}"
        lines.append(f"| {r.tool:44} | {r.median:8.3f} | {size / 1e6 / r.median:7.0f} | {vs_base} | {vs_zsv} "
                     f"| {rss} | {verdict} |")
    count, split = find(COUNT), find(SPLIT)
    if count and split:
        lines.append(f"\ncsvr_split_path(n={SPLIT_PARTS}) takes {split.median / count.median:.2f}x "
                     f"the time of csvr_count_path on this file.")
    lines += [f"note: {n}" for n in notes]
    if base is None:
        verdicts.append(f"FAILED: reading {label}: the csv crate baseline did not run")
    elif not verdicts:
        agreeing = sum(1 for r in rs if r.csvr and r.ran)
        verdicts.append(f"ok: reading {label}: {agreeing} csvr readers agree with the csv crate ({what})")
    return "\n".join(lines), verdicts
