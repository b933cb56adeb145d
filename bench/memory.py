#!/usr/bin/env python3
"""Peak memory by file size: csvr must not grow with the input.

Run it with `make bench-memory` (SIZES="100 1024 4096" MiB by default). For each size it
generates the `quoted` corpus (quoted fields with embedded newlines) and measures, each in
a process of its own through `count-tools rss`, the peak RSS of: counting in Rust
(count_path), counting from Python (csvr.count), and reading every row from Python
(csvr.Reader, text and raw). It prints one table: the peak RSS of each by file size.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RELEASE = ROOT / "target" / "release"
TOOLS = RELEASE / "count-tools"

CASES = {
    "count, Rust count_path (all cores)": lambda p: [str(TOOLS), "csvr", p, "0"],
    "count, Python csvr.count": lambda p: [sys.executable, "-c", "import csvr,sys; print(csvr.count(sys.argv[1]))", p],
    "read, Python csvr.Reader rows (str)": lambda p: [
        sys.executable, "-c", "import csvr,sys; print(sum(1 for _ in csvr.Reader(sys.argv[1])))", p],
    "read, Python csvr.Reader rows (raw)": lambda p: [
        sys.executable, "-c", "import csvr,sys; print(sum(1 for _ in csvr.Reader(sys.argv[1], raw=True)))", p],
    "read, Python rows (str), read_ahead=False": lambda p: [
        sys.executable, "-c",
        "import csvr,sys; print(sum(1 for _ in csvr.Reader(sys.argv[1], read_ahead=False)))", p],
}


def peak_rss_mib(cmd: list[str]) -> tuple[float, str]:
    proc = subprocess.run([str(TOOLS), "rss", *cmd], capture_output=True, text=True, check=True)
    rss = next(float(l.split()[1]) / 1024 for l in proc.stderr.splitlines() if l.startswith("maxrss_kib "))
    return rss, proc.stdout.split()[0]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sizes", type=int, nargs="+", default=[100, 1024, 4096], help="MiB")
    ap.add_argument("--dir", type=Path, default=ROOT / "bench" / "out" / "memory")
    args = ap.parse_args()
    rows: dict[str, list[str]] = {name: [] for name in CASES}
    for size in args.sizes:
        d = args.dir / str(size)
        path = d / "quoted.csv"
        if not path.exists():
            subprocess.run([str(RELEASE / "gen-corpus"), str(d), str(size), "quoted"], check=True)
        counts = set()
        for name, cmd in CASES.items():
            rss, count = peak_rss_mib(cmd(str(path)))
            counts.add(count)
            rows[name].append(f"{rss:8.1f}")
        if len(counts) != 1:
            print(f"counts differ at {size} MiB: {counts}", file=sys.stderr)
            return 1
    head = " | ".join(f"{s:>5} MiB file" for s in args.sizes)
    print(f"| peak RSS (MiB)                          | {head} |")
    print(f"|{'-' * 41}|" + "|".join("-" * 16 for _ in args.sizes) + "|")
    for name, values in rows.items():
        print(f"| {name:39} | " + " | ".join(f"{v:>14}" for v in values) + " |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
