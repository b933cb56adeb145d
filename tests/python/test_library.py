"""The package itself: version, where the library comes from, the ctypes declarations."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import csvr
import csvr._lib
from conftest import HEADER, REPO, run_python


def test_version() -> None:
    assert csvr.__version__ == "0.2.0"
    assert csvr._lib.lib.csvr_version() == b"0.2.0"


def test_public_names() -> None:
    for name in csvr.__all__:
        item = getattr(csvr, name)
        if name != "__version__":
            assert item.__doc__, name
    assert {"count", "Reader", "Error", "ParseError", "Utf8Error", "IoError"} <= set(csvr.__all__)


def test_docstring_examples() -> None:
    import doctest

    # The public objects say they belong to csvr, so testmod(csvr) finds their examples.
    result = doctest.testmod(csvr)
    assert result.attempted >= 5
    assert result.failed == 0


def test_library_ships_inside_the_installed_package() -> None:
    package_dir = Path(csvr.__file__).resolve().parent
    library = Path(csvr._lib.LIBRARY_PATH)
    assert library.parent == package_dir
    assert library.name.startswith("libcsvr")
    # The installed package, not the source tree in bindings/python.
    assert REPO / "bindings" / "python" not in package_dir.parents
    assert (package_dir / "py.typed").is_file()


def header_functions() -> set[str]:
    text = HEADER.read_text()
    return set(re.findall(r"^[A-Za-z_][\w \*]*?\b(csvr_\w+)\(", text, re.MULTILINE))


def test_every_header_function_is_declared() -> None:
    declared = set(csvr._lib._SIGNATURES)
    in_header = header_functions()
    assert len(in_header) > 25
    assert declared == in_header
    for name in declared:
        function = getattr(csvr._lib.lib, name)
        assert function.argtypes is not None, name


def test_csvr_library_override(tmp_path: Path) -> None:
    copy = tmp_path / "renamed-csvr-library.so"
    shutil.copyfile(csvr._lib.LIBRARY_PATH, copy)
    code = "import csvr, csvr._lib; print(csvr._lib.LIBRARY_PATH); print(csvr.count(b'a\\n1\\n'))"
    result = run_python(["-c", code], cwd=tmp_path, env={"CSVR_LIBRARY": str(copy)})
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == [str(copy), "1"]
    result = run_python(["-c", code], cwd=tmp_path, env={"CSVR_LIBRARY": csvr._lib.LIBRARY_PATH})
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == [csvr._lib.LIBRARY_PATH, "1"]


def test_bogus_csvr_library_fails_clearly_on_import(tmp_path: Path) -> None:
    bogus = tmp_path / "no-such-libcsvr.so"
    result = run_python(["-c", "import csvr"], cwd=tmp_path, env={"CSVR_LIBRARY": str(bogus)})
    assert result.returncode != 0
    assert "ImportError" in result.stderr
    assert "CSVR_LIBRARY" in result.stderr
    assert str(bogus) in result.stderr


def test_a_library_that_is_not_csvr_fails_clearly(tmp_path: Path) -> None:
    import ctypes.util

    libc = ctypes.util.find_library("c")
    if libc is None:
        import pytest

        pytest.skip("no C library to load")
    result = run_python(["-c", "import csvr"], cwd=tmp_path, env={"CSVR_LIBRARY": libc})
    assert result.returncode != 0
    assert "ImportError" in result.stderr and "csvr_" in result.stderr
