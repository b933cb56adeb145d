"""CPython's floor for list[str] rows, beside csvr.Reader and csv.reader on the same file.

Usage: python bench/py_floor.py FILE   (a framed CSV: no field holding 0x1E or 0x1F)

The floor builds the rows from text shaped as csvr's batches are (fields joined by US,
records by RS, 4096 records a batch, made before the timing) with the least CPython can
do: one decode and one split per batch, a str.split per record, and the reading
benchmark's loop body (count the row, sum its field lengths). What csvr.Reader takes
beyond it is csvr's own cost; what csv.reader takes over it bounds the ratio any reader
of list[str] rows can reach in that benchmark. Holds all rows in memory once: use a
corpus of a few hundred MiB. Prints the fastest of two runs of each.
"""
import sys, time, csv
import csvr
p = sys.argv[1]
# The batch text, made once outside the timing: fields joined by US, records by RS.
with csvr.Reader(p, raw=True) as r:
    rows = list(r)
chunks = []
for i in range(0, len(rows), 4096):
    chunks.append("\x1e".join("\x1f".join(f.decode() for f in row) for row in rows[i:i + 4096]).encode())
del rows
def floor():
    t = time.perf_counter(); n = b = 0
    for data in chunks:
        text = data.decode("utf-8")
        for row in map(str.split, text.split("\x1e"), ["\x1f"] * 4096):
            n += 1; b += sum(map(len, row))
    return time.perf_counter() - t, n, b
def build_only():
    t = time.perf_counter(); n = 0
    for data in chunks:
        text = data.decode("utf-8")
        rows = list(map(str.split, text.split("\x1e"), ["\x1f"] * 4096))
        n += len(rows)
    return time.perf_counter() - t, n, 0
def loop_only():
    # the benchmark's loop body over rows that exist already (one batch at a time)
    total = 0.0; n = 0
    for data in chunks:
        rows = list(map(str.split, data.decode().split("\x1e"), ["\x1f"] * 4096))
        t = time.perf_counter(); b = 0
        for row in rows:
            n += 1; b += sum(map(len, row))
        total += time.perf_counter() - t
    return total, n, 0
def csvr_rows():
    t = time.perf_counter(); n = b = 0
    for row in csvr.Reader(p):
        n += 1; b += sum(map(len, row))
    return time.perf_counter() - t, n, b
def csv_rows():
    t = time.perf_counter(); n = b = 0
    f = open(p, newline="", encoding="utf-8"); r = csv.reader(f); next(r)
    for row in r:
        n += 1; b += sum(map(len, row))
    return time.perf_counter() - t, n, b
for name, fn in [("floor: build + loop", floor), ("floor: build rows only", build_only), ("loop body only", loop_only), ("csvr.Reader rows", csvr_rows), ("csv.reader rows", csv_rows)]:
    runs = [fn() for _ in range(2)]
    print(f"{name:28s} {min(r[0] for r in runs):7.3f} s  rows {runs[0][1]}")
