"""The command line: ``python -m csvr count FILE [--no-header] [--delimiter C] [--threads N]``.

Prints the number of records alone on stdout and exits 0; on an error prints one line on
stderr and exits 1 (2 for a usage error).
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from typing import BinaryIO, Optional, Union

from . import Error, __version__, count


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m csvr", description="Exact CSV record counting with csvr."
    )
    parser.add_argument("--version", action="version", version=f"csvr {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    counting = commands.add_parser(
        "count", help="print the number of records in FILE (the header not included)"
    )
    counting.add_argument("file", metavar="FILE", help="the CSV file ('-' for stdin)")
    counting.add_argument(
        "--no-header",
        dest="has_header",
        action="store_false",
        help="the first record is data, not a header",
    )
    counting.add_argument(
        "--delimiter", default=",", metavar="C", help="the field delimiter (default ',')"
    )
    counting.add_argument(
        "--threads",
        type=int,
        default=0,
        metavar="N",
        help="how many threads to count with (default 0: all cores)",
    )
    return parser


def main(argv: Optional[Sequence[str]] = None) -> int:
    """Run the command line with ``argv`` (default ``sys.argv[1:]``); return the exit status."""
    args = _parser().parse_args(argv)
    try:
        source = _stdin() if args.file == "-" else args.file
        n = count(
            source, has_header=args.has_header, delimiter=args.delimiter, threads=args.threads
        )
    except (Error, OSError, ValueError) as exc:
        return _fail(exc)
    print(n)
    return 0


def _stdin() -> Union[str, BinaryIO]:
    """Standard input as the library can stream it (constant memory, whatever the size):
    ``/dev/stdin`` where the OS has one (read by the library itself), else the binary
    file object, read through the callback."""
    if os.path.exists("/dev/stdin"):
        return "/dev/stdin"
    return sys.stdin.buffer


def _fail(exc: BaseException) -> int:
    message = " ".join(str(exc).split()) or type(exc).__name__
    print(f"csvr: error: {message}", file=sys.stderr)
    return 1


if __name__ == "__main__":
    sys.exit(main())
