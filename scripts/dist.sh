#!/usr/bin/env bash
# `make dist`: the Python package as a wheel that installs without Rust, and an sdist that
# builds from source with Rust, both into dist/:
#
#   dist/csvr-<version>-py3-none-manylinux_2_17_x86_64.whl
#   dist/csvr-<version>.tar.gz
#
# The wheel's library is linked against glibc 2.17 (manylinux2014) without a manylinux
# container: cargo-zigbuild makes zig the C compiler and linker, and zig links against the
# glibc version named in the target, x86_64-unknown-linux-gnu.2.17. Both tools come from
# PyPI (cargo-zigbuild and ziglang), into a tools virtualenv, target/dist-tools. The wheel
# is then built from the sdist with that library prebuilt (bindings/python/setup.py), and
# `auditwheel show` must call it manylinux_2_17_x86_64 with no library but the system's.
#
# The sdist is bindings/python plus the crate as `cargo package` packs it for crates.io, in
# rust/, where setup.py finds it.
set -euo pipefail
cd "$(dirname "$0")/.."

PYTHON=${PYTHON:-python3}
TRIPLE=x86_64-unknown-linux-gnu
GLIBC=2.17
PLATFORM=manylinux_${GLIBC/./_}_x86_64
# Pinned, so that a wheel is linked the same way on every machine.
TOOLS_REQUIREMENTS=(build==1.6.1 setuptools==84.2.1 setuptools-rust==1.13.0
  cargo-zigbuild==0.24.1 ziglang==0.17.1 auditwheel==6.8.2)

if [ "$(uname -s)-$(uname -m)" != Linux-x86_64 ]; then
  echo "make dist: builds the $PLATFORM wheel on x86_64 Linux only (this is $(uname -sm))" >&2
  exit 1
fi

version=$(sed -n 's/^version = "\(.*\)"/\1/p' Cargo.toml | head -n 1)
py_version=$(sed -n 's/^version = "\(.*\)"/\1/p' bindings/python/pyproject.toml | head -n 1)
if [ "$version" != "$py_version" ]; then
  echo "make dist: Cargo.toml says version $version, bindings/python/pyproject.toml $py_version" >&2
  exit 1
fi

# --- the tools ---------------------------------------------------------------------------
tools=target/dist-tools
stamp=$tools/.installed
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "${TOOLS_REQUIREMENTS[*]}" ]; then
  echo "== installing the packaging tools into $tools: ${TOOLS_REQUIREMENTS[*]}"
  rm -rf "$tools"
  "$PYTHON" -m venv "$tools"
  "$tools/bin/python" -m pip install --quiet --upgrade pip
  "$tools/bin/python" -m pip install --quiet "${TOOLS_REQUIREMENTS[@]}"
  echo "${TOOLS_REQUIREMENTS[*]}" >"$stamp"
fi
# cargo-zigbuild runs zig as `python3 -m ziglang` when there is no zig on PATH.
export PATH="$PWD/$tools/bin:$PATH"

# --- the library, against glibc 2.17 -----------------------------------------------------
echo "== cargo zigbuild: the library for $TRIPLE, glibc $GLIBC"
cargo zigbuild --release --lib -p csvr --target "$TRIPLE.$GLIBC"
library=$PWD/target/$TRIPLE/release/libcsvr.so
newest=$(objdump -T "$library" | grep -o 'GLIBC_[0-9.]*' | sed 's/GLIBC_//' | sort -uV | tail -n 1)
echo "newest glibc symbol version the library needs: $newest"

# --- the source tree of the sdist --------------------------------------------------------
stage=target/dist-stage/csvr-$version
rm -rf target/dist-stage
mkdir -p "$stage/csvr"
cp bindings/python/pyproject.toml bindings/python/setup.py bindings/python/MANIFEST.in "$stage/"
cp bindings/python/csvr/*.py bindings/python/csvr/py.typed "$stage/csvr/"
cp LICENSE-MIT LICENSE-APACHE "$stage/"
echo "== cargo package: the crate, into the sdist's rust/"
cargo package --quiet --no-verify --allow-dirty -p csvr
mkdir -p "$stage/rust"
tar -xzf "target/package/csvr-$version.crate" -C "$stage/rust" --strip-components=1

# --- sdist, then the wheel built from it -------------------------------------------------
mkdir -p dist
rm -f "dist/csvr-$version.tar.gz" dist/csvr-"$version"-*.whl
echo "== python -m build: the sdist, and from it the wheel with the prebuilt library"
CSVR_PREBUILT_LIBRARY=$library CSVR_WHEEL_PLATFORM=$PLATFORM \
  python -m build --no-isolation --outdir dist "$stage" >target/dist-stage/build.log 2>&1 || {
  cat target/dist-stage/build.log >&2
  exit 1
}
wheel=dist/csvr-$version-py3-none-$PLATFORM.whl
sdist=dist/csvr-$version.tar.gz
[ -f "$wheel" ] || {
  echo "make dist: expected $wheel; dist/ holds: $(ls dist)" >&2
  exit 1
}

# --- checks ------------------------------------------------------------------------------
echo "== auditwheel show $wheel"
auditwheel show "$wheel" | tee target/dist-stage/auditwheel-show.txt
# (auditwheel folds its lines: compare with the line breaks as spaces)
tr -s ' \n' '  ' <target/dist-stage/auditwheel-show.txt |
  grep -q "consistent with the following platform tag: \"$PLATFORM\"" || {
  echo "make dist: auditwheel does not call the wheel $PLATFORM" >&2
  exit 1
}
libraries=$(python -m zipfile -l "$wheel" | grep -c 'csvr/libcsvr' || true)
[ "$libraries" = 1 ] || {
  echo "make dist: the wheel holds $libraries copies of the library, not 1" >&2
  exit 1
}
# (Not `| grep -q`: under pipefail, grep leaving early can fail tar with SIGPIPE.)
grep -qx "csvr-$version/rust/src/lib.rs" <<<"$(tar -tzf "$sdist")" || {
  echo "make dist: the sdist does not carry the crate in rust/" >&2
  exit 1
}
ls -l "$wheel" "$sdist"
