"""Shared paths and helpers for the csvr Python tests.

These tests exercise the installed package (``make python`` builds it into .venv), so the
real Rust library is loaded: nothing here imports from bindings/python directly.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Optional

import pytest

REPO = Path(__file__).resolve().parents[2]
SAMPLE = REPO / "examples" / "data" / "sample.csv"
SAMPLE_COUNT = int((REPO / "examples" / "data" / "sample.count").read_text().strip())
HEADER = REPO / "include" / "csvr.h"
#: Third-party CSV files beside the repository, or where CSVR_CORPUS says.
CORPUS = Path(os.environ.get("CSVR_CORPUS") or REPO.parent / "shared" / "corpus")


def run_python(
    args: Sequence[str],
    *,
    cwd: Path,
    env: Optional[Mapping[str, str]] = None,
    stdin: Optional[bytes] = None,
) -> subprocess.CompletedProcess[str]:
    """Run ``sys.executable`` with ``args`` in ``cwd`` (away from any source tree)."""
    full_env = dict(os.environ)
    full_env.pop("CSVR_LIBRARY", None)
    if env:
        full_env.update(env)
    return subprocess.run(
        [sys.executable, *args],
        cwd=cwd,
        env=full_env,
        input=stdin.decode() if stdin is not None else None,
        capture_output=True,
        text=True,
        timeout=60,
    )


@pytest.fixture
def sample_bytes() -> bytes:
    """Return the bundled sample file's contents."""
    return SAMPLE.read_bytes()
