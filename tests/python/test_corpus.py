"""The shared corpus (third-party CSV files): counting agrees with reading, file by file."""

from __future__ import annotations

from pathlib import Path

import pytest

import csvr
from conftest import CORPUS

CSV_FILES = sorted(CORPUS.rglob("*.csv")) if CORPUS.is_dir() else []
ABSENT = f"corpus: {CORPUS} is absent, so the corpus comparison did not run"


@pytest.mark.skipif(not CORPUS.is_dir(), reason=ABSENT)
def test_corpus_is_present() -> None:
    assert len(CSV_FILES) > 10


@pytest.mark.skipif(not CSV_FILES, reason=ABSENT)
@pytest.mark.parametrize("path", CSV_FILES, ids=[str(p.relative_to(CORPUS)) for p in CSV_FILES])
def test_count_equals_rows_read(path: Path) -> None:
    with csvr.Reader(path, raw=True) as reader:
        rows = sum(1 for _ in reader)
    assert csvr.count(path) == rows
    assert csvr.count(path, threads=1) == rows
    assert csvr.count(path.read_bytes()) == rows
