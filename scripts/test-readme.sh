#!/usr/bin/env bash
# `make test-readme`: the C program in README.md's "## C" section (its first ```c block)
# compiles warning-free against include/csvr.h and target/release, and prints what the
# README says it does for a small file. Prints `ok: ...` or `FAILED: ...`.
set -uo pipefail
cd "$(dirname "$0")/.."
root=$PWD
libdir=${CSVR_LIBDIR:-$root/target/release}

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

awk '/^## C$/ { in_c = 1; next }
     in_c && /^## / { exit }
     in_c && /^```c$/ { code = 1; next }
     code && /^```$/ { exit }
     code { print }' README.md >"$work/readme.c"
if ! grep -q 'int main' "$work/readme.c"; then
  echo "FAILED: readme: no C program (with a main) in README.md's \"## C\" section"
  exit 1
fi

if ! cc -std=c11 -Wall -Wextra -Wpedantic -Werror -I "$root/include" "$work/readme.c" \
  -L "$libdir" -Wl,-rpath,"$libdir" -lcsvr -o "$work/readme"; then
  echo "FAILED: readme: the C program in README.md does not compile ($work/readme.c)"
  exit 1
fi
echo "ok: readme: the C program in README.md compiles"

printf 'city;name\nLondon;Ada\n"New\nYork";"Hopper; G."\n' >"$work/data.csv"
expected=$(printf '2 records\nLondon|Ada\nNew\nYork|Hopper; G.')
if ! got=$(cd "$work" && ./readme data.csv); then
  echo "FAILED: readme: the README's C program exited with an error"
  exit 1
fi
if [ "$got" != "$expected" ]; then
  echo "FAILED: readme: the README's C program printed:"
  echo "$got"
  echo "instead of:"
  echo "$expected"
  exit 1
fi
echo "ok: readme: the C program in README.md prints the records"
