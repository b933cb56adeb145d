#!/usr/bin/env bash
# `make test-wheel`: what `make dist` built, used the way users get it.
#
# 1. The wheel goes into a fresh virtualenv by a PATH without cargo or rustc (so nothing can
#    be compiled), and the sample count and the whole Python test suite (tests/python, the
#    Dask cluster tests among them, whose worker processes load the wheel's library) run
#    against it.
# 2. The sdist is built into a wheel from source, with Rust, by pip, installed into another
#    fresh virtualenv, and counts the sample.
# 3. The AArch64 wheel's library counts the sample under qemu, from the C example built
#    for AArch64 against it (there is no AArch64 Python here to install the wheel into).
#
# One `ok: ...` or `FAILED: ...` line a check; the exit status is 1 if any failed.
set -uo pipefail
cd "$(dirname "$0")/.."

PYTHON=${PYTHON:-python3}
version=$(sed -n 's/^version = "\(.*\)"/\1/p' Cargo.toml | head -n 1)
wheel=$PWD/dist/csvr-$version-py3-none-manylinux_2_17_x86_64.whl
arm_wheel=$PWD/dist/csvr-$version-py3-none-manylinux_2_17_aarch64.whl
sdist=$PWD/dist/csvr-$version.tar.gz
sample=$PWD/examples/data/sample.csv
expected=$(cat examples/data/sample.count)
work=$PWD/target/test-wheel
rm -rf "$work"
mkdir -p "$work/elsewhere"

failed=0
ok() { echo "ok: $*"; }
fail() {
  echo "FAILED: $*"
  failed=1
}

for f in "$wheel" "$arm_wheel" "$sdist"; do
  [ -f "$f" ] || {
    echo "FAILED: $f is missing (make dist builds it)"
    exit 1
  }
done

# --- 1. the wheel, without Rust ------------------------------------------------------------
# PATH without any directory that holds cargo or rustc; python3 must stay.
no_rust_path=
IFS=: read -ra dirs <<<"$PATH"
for d in "${dirs[@]}"; do
  [ -n "$d" ] || continue
  [ -e "$d/cargo" ] || [ -e "$d/rustc" ] && continue
  no_rust_path=${no_rust_path:+$no_rust_path:}$d
done
python_bin=$(command -v "$PYTHON")
venv=$work/wheel-venv
if PATH=$no_rust_path "$python_bin" -m venv "$venv"; then
  ok "a fresh virtualenv for the wheel"
else
  fail "could not make a virtualenv with $python_bin"
  exit 1
fi
without_rust() { env -u CSVR_LIBRARY -u CARGO -u RUSTC PATH="$venv/bin:$no_rust_path" "$@"; }

if without_rust sh -c '! command -v cargo && ! command -v rustc' >/dev/null; then
  ok "no cargo or rustc on the PATH the wheel is installed and tested with"
else
  fail "cargo or rustc is still on the stripped PATH"
fi

if without_rust python -m pip install --quiet --upgrade pip &&
  without_rust python -m pip install --quiet --only-binary=:all: "$wheel"; then
  ok "pip installs $(basename "$wheel") (binary only, nothing built)"
else
  fail "pip could not install $(basename "$wheel")"
fi

loaded=$(cd "$work/elsewhere" && without_rust python -c 'import csvr._lib as l; print(l.find_library())')
case "$loaded" in
"$venv"/lib/python3*/site-packages/csvr/libcsvr.so) ok "csvr loads the wheel's library, $loaded" ;;
*) fail "csvr loads '$loaded', not the wheel's library in $venv" ;;
esac

counted=$(cd "$work/elsewhere" && without_rust python -m csvr count "$sample")
if [ "$counted" = "$expected" ]; then
  ok "the wheel counts the sample: $counted records"
else
  fail "the wheel counts '$counted' records in the sample, not $expected"
fi

if without_rust python -m pip install --quiet pytest -r tests/python/requirements.txt; then
  ok "the Python tests' requirements install beside the wheel"
else
  fail "pip could not install tests/python/requirements.txt"
fi
log=$work/pytest.log
without_rust python -m pytest -q -rs -p no:cacheprovider tests/python >"$log" 2>&1
rc=$?
summary=$(grep -E '[0-9]+ (passed|failed)' "$log" | tail -n 1 | tr -d '=' | sed 's/^ *//; s/ *$//')
if [ "$rc" -eq 0 ]; then
  ok "the Python tests pass against the wheel: $summary"
else
  cat "$log"
  fail "the Python tests against the wheel: ${summary:-pytest exited with $rc}"
fi

# --- 2. the sdist, built from source with Rust ----------------------------------------------
# (CARGO_TARGET_DIR keeps the build's compiled dependencies between runs.)
built=$work/from-sdist
if CARGO_TARGET_DIR=$PWD/target/sdist-build \
  "$python_bin" -m pip wheel --quiet --no-deps --wheel-dir "$built" "$sdist" >"$work/sdist.log" 2>&1; then
  ok "pip builds a wheel from $(basename "$sdist") with Rust: $(cd "$built" && ls)"
else
  cat "$work/sdist.log"
  fail "pip could not build a wheel from $(basename "$sdist")"
fi
venv2=$work/sdist-venv
if "$python_bin" -m venv "$venv2" && "$venv2/bin/python" -m pip install --quiet --no-deps "$built"/csvr-*.whl; then
  counted=$(cd "$work/elsewhere" && env -u CSVR_LIBRARY "$venv2/bin/python" -m csvr count "$sample")
  if [ "$counted" = "$expected" ]; then
    ok "the sdist's build counts the sample: $counted records"
  else
    fail "the sdist's build counts '$counted' records in the sample, not $expected"
  fi
else
  fail "the wheel built from the sdist does not install"
fi

# --- 3. the AArch64 wheel, under qemu --------------------------------------------------------
if command -v qemu-aarch64 >/dev/null && command -v aarch64-linux-gnu-gcc >/dev/null &&
  [ -d /usr/aarch64-linux-gnu ]; then
  arm=$work/aarch64
  mkdir -p "$arm"
  # The C example links against libcsvr.so and loads it by its SONAME, libcsvr.so.0.
  "$python_bin" -c 'import sys, zipfile; sys.stdout.buffer.write(zipfile.ZipFile(sys.argv[1]).read("csvr/libcsvr.so"))' \
    "$arm_wheel" >"$arm/libcsvr.so"
  ln -sf libcsvr.so "$arm/libcsvr.so.0"
  if aarch64-linux-gnu-gcc -I include bindings/c/count.c -L "$arm" -lcsvr -o "$arm/count" 2>"$arm/gcc.log"; then
    out=$(LD_LIBRARY_PATH=$arm qemu-aarch64 -L /usr/aarch64-linux-gnu "$arm/count" "$sample" 2>&1)
    if grep -qx "records: $expected" <<<"$out"; then
      ok "the AArch64 wheel's library counts the sample under qemu: $expected records"
    else
      fail "the AArch64 wheel's library under qemu printed: $out"
    fi
  else
    cat "$arm/gcc.log"
    fail "the C example does not link for AArch64 against the AArch64 wheel's library"
  fi
else
  echo "SKIPPED: the AArch64 wheel's run needs qemu-aarch64 and gcc-aarch64-linux-gnu (apt-get install qemu-user gcc-aarch64-linux-gnu libc6-dev-arm64-cross)"
fi

exit "$failed"
