"""The command line: python -m csvr count FILE."""

from __future__ import annotations

from pathlib import Path

from conftest import SAMPLE, SAMPLE_COUNT, run_python


def test_count_prints_the_count_alone(tmp_path: Path) -> None:
    result = run_python(["-m", "csvr", "count", str(SAMPLE)], cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout == f"{SAMPLE_COUNT}\n"
    assert result.stderr == ""


def test_no_header_and_delimiter(tmp_path: Path) -> None:
    path = tmp_path / "semi.csv"
    path.write_bytes(b"a;b\n1;2\n3;4\n")
    result = run_python(["-m", "csvr", "count", str(path), "--no-header"], cwd=tmp_path)
    assert (result.returncode, result.stdout) == (0, "3\n")
    result = run_python(
        ["-m", "csvr", "count", str(path), "--delimiter", ";", "--threads", "2"], cwd=tmp_path
    )
    assert (result.returncode, result.stdout) == (0, "2\n")


def test_stdin(tmp_path: Path) -> None:
    result = run_python(["-m", "csvr", "count", "-"], cwd=tmp_path, stdin=b"a\n1\n2\n")
    assert (result.returncode, result.stdout) == (0, "2\n")


def test_dev_stdin_is_streamed(tmp_path: Path) -> None:
    """/dev/stdin (a pipe here) is read as a stream, by count and by a reader."""
    data = b"h1,h2\n" + b'1,"x\ny"\n' * 50_000
    result = run_python(["-m", "csvr", "count", "/dev/stdin"], cwd=tmp_path, stdin=data)
    assert (result.returncode, result.stdout) == (0, "50000\n")
    result = run_python(
        ["-c", "import csvr; print(sum(1 for _ in csvr.Reader('/dev/stdin')))"],
        cwd=tmp_path,
        stdin=data,
    )
    assert (result.returncode, result.stdout) == (0, "50000\n")


def test_missing_file_exits_1_with_one_line(tmp_path: Path) -> None:
    result = run_python(["-m", "csvr", "count", "missing.csv"], cwd=tmp_path)
    assert result.returncode == 1
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert "missing.csv" in lines[0]


def test_parse_error_and_bad_option_exit_1(tmp_path: Path) -> None:
    path = tmp_path / "bad.csv"
    path.write_bytes(b"a,b\n1,2\n")
    result = run_python(["-m", "csvr", "count", str(path), "--delimiter", ";;"], cwd=tmp_path)
    assert result.returncode == 1
    assert len(result.stderr.splitlines()) == 1
    result = run_python(["-m", "csvr", "count", str(tmp_path)], cwd=tmp_path)
    assert result.returncode == 1
    assert len(result.stderr.splitlines()) == 1


def test_usage_error_exits_2(tmp_path: Path) -> None:
    result = run_python(["-m", "csvr", "count"], cwd=tmp_path)
    assert result.returncode == 2
    result = run_python(["-m", "csvr"], cwd=tmp_path)
    assert result.returncode == 2


def test_count_a_gzip_file_and_gzip_on_stdin(tmp_path: Path) -> None:
    import gzip

    data = b"a,b\n" + b'1,"x\ny"\n' * 1000
    path = tmp_path / "x.csv.gz"
    path.write_bytes(gzip.compress(data))
    result = run_python(["-m", "csvr", "count", str(path)], cwd=tmp_path)
    assert (result.returncode, result.stdout, result.stderr) == (0, "1000\n", "")
