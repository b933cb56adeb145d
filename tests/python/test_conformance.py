"""The conformance suite (tests/conformance, the csv crate's results as JSON) through the
Python binding: every case's headers, records, positions, first error and count.

The suite's options name the library's: ``utf8`` off is ``raw=True`` (fields are bytes).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Union

import pytest

import csvr

from conftest import CORPUS, REPO

#: The committed cases, then the corpus's when it is there (their expectations are made by
#: `make conformance-corpus`, the Rust test that writes target/conformance/corpus).
EXPECTED = sorted((REPO / "tests" / "conformance" / "expected").glob("*.json"))
CORPUS_EXPECTED = REPO / "target" / "conformance" / "corpus"
if CORPUS.is_dir():
    EXPECTED += sorted(CORPUS_EXPECTED.glob("*.json"))
Field = Union[str, bytes]


def expected_field(value: Any, raw: bool) -> Field:
    """A JSON field: a string (UTF-8), or ``{"hex": ...}`` for other bytes."""
    data = bytes.fromhex(value["hex"]) if isinstance(value, dict) else value.encode()
    return data if raw else data.decode()


def reader_options(case: dict[str, Any]) -> dict[str, Any]:
    o = case["options"]
    return {
        "delimiter": o["delimiter"],
        "quote": o["quote"],
        "has_header": o["has_header"],
        "flexible": o["flexible"],
        "raw": not o["utf8"],
    }


#: Byte order marks of UTF-16 and UTF-32, whose input the Python binding transcodes to
#: UTF-8 first (documented), so that it differs from the csv crate's bytes on purpose.
TRANSCODED = (b"\xff\xfe", b"\xfe\xff", b"\x00\x00\xfe\xff")


def load_case(path: Path) -> dict[str, Any]:
    case: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    with open(REPO / case["file"], "rb") as f:
        if f.read(4).startswith(TRANSCODED):
            pytest.skip(f"{case['name']}: Python transcodes UTF-16/UTF-32 input (its BOM)")
    return case


def check_error(error: csvr.Error, want: dict[str, Any]) -> None:
    assert error.status == want["status"], error
    assert (error.line, error.byte, error.record) == (want["line"], want["byte"], want["record"])


def test_the_suite_is_there() -> None:
    assert len(EXPECTED) >= 15


@pytest.mark.skipif(not CORPUS.is_dir(), reason=f"the corpus cases need {CORPUS}")
def test_the_corpus_cases_are_there() -> None:
    assert any(CORPUS_EXPECTED.glob("*.json")), "run `make conformance-corpus` first"


@pytest.mark.parametrize("path", EXPECTED, ids=lambda p: p.stem)
def test_reading_gives_the_csv_crates_records(path: Path) -> None:
    case = load_case(path)
    options = reader_options(case)
    raw = options["raw"]
    with csvr.Reader(REPO / case["file"], **options) as r:
        if case["headers"] is None:
            assert r.headers is None
        else:
            assert r.headers == [expected_field(f, raw) for f in case["headers"]]
        records, positions = [], []
        error = None
        try:
            for row in r:
                records.append(row)
                p = r.position
                positions.append([p.line, p.byte, p.record])
        except csvr.Error as e:
            error = e
    assert records == [[expected_field(f, raw) for f in rec] for rec in case["records"]]
    assert positions == case["positions"]
    if case["error"] is None:
        assert error is None
    else:
        assert error is not None
        check_error(error, case["error"])


@pytest.mark.parametrize("path", EXPECTED, ids=lambda p: p.stem)
def test_counting_gives_the_csv_crates_count(path: Path) -> None:
    case = load_case(path)
    options = reader_options(case)
    del options["raw"]
    source = REPO / case["file"]
    for threads in (1, 0):
        if case["count_error"] is None:
            assert csvr.count(source, threads=threads, **options) == case["count"]
        else:
            with pytest.raises(csvr.Error) as caught:
                csvr.count(source, threads=threads, **options)
            check_error(caught.value, case["count_error"])
