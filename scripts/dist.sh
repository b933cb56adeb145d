#!/usr/bin/env bash
# `make dist`: the Python package as wheels that install without Rust, and an sdist that
# builds from source with Rust, all into dist/:
#
#   dist/csvr-<version>-py3-none-manylinux_2_17_x86_64.whl
#   dist/csvr-<version>-py3-none-manylinux_2_17_aarch64.whl
#   dist/csvr-<version>.tar.gz
#
# Each wheel's library is linked against glibc 2.17 (manylinux2014) without a manylinux
# container: cargo-zigbuild makes zig the C compiler and linker, and zig links against the
# glibc version named in the target, <arch>-unknown-linux-gnu.2.17 (for AArch64 it
# cross-compiles). Both tools come from PyPI (cargo-zigbuild and ziglang), into a tools
# virtualenv, target/dist-tools. The wheels are built from the sdist's tree with the
# library prebuilt (bindings/python/setup.py), and `auditwheel show` must call each
# manylinux_2_17_<arch> with no library but the system's.
#
# The sdist is bindings/python plus the crate as `cargo package` packs it for crates.io, in
# rust/, where setup.py finds it.
set -euo pipefail
cd "$(dirname "$0")/.."

PYTHON=${PYTHON:-python3}
GLIBC=2.17
ARCHES=(x86_64 aarch64)
# Pinned, so that a wheel is linked the same way on every machine.
TOOLS_REQUIREMENTS=(build==1.6.1 setuptools==84.2.1 setuptools-rust==1.13.0
  cargo-zigbuild==0.24.1 ziglang==0.17.1 auditwheel==6.8.2)

if [ "$(uname -s)-$(uname -m)" != Linux-x86_64 ]; then
  echo "make dist: builds the manylinux wheels on x86_64 Linux only (this is $(uname -sm))" >&2
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

# --- the libraries, against glibc 2.17 ----------------------------------------------------
library_of() { echo "$PWD/target/$1-unknown-linux-gnu/release/libcsvr.so"; }
for arch in "${ARCHES[@]}"; do
  triple=$arch-unknown-linux-gnu
  if ! grep -qx "$triple" <<<"$(rustup target list --installed 2>/dev/null)"; then
    command -v rustup >/dev/null || {
      echo "make dist: needs the Rust target $triple, which rustup adds (https://rustup.rs)" >&2
      exit 1
    }
    echo "== rustup target add $triple: the standard library for the $arch wheel"
    rustup target add "$triple"
  fi
  echo "== cargo zigbuild: the library for $triple, glibc $GLIBC"
  cargo zigbuild --release --lib -p csvr --target "$triple.$GLIBC"
  newest=$(objdump -T "$(library_of "$arch")" | grep -o 'GLIBC_[0-9.]*' | sed 's/GLIBC_//' | sort -uV | tail -n 1)
  echo "newest glibc symbol version the $arch library needs: $newest"
done

# --- the source tree of the sdist --------------------------------------------------------
stage=target/dist-stage/csvr-$version
rm -rf target/dist-stage
mkdir -p "$stage/csvr"
cp bindings/python/pyproject.toml bindings/python/setup.py bindings/python/MANIFEST.in \
  bindings/python/README.md "$stage/"
cp bindings/python/csvr/*.py bindings/python/csvr/py.typed "$stage/csvr/"
cp LICENSE-MIT LICENSE-APACHE "$stage/"
echo "== cargo package: the crate, into the sdist's rust/"
cargo package --quiet --no-verify --allow-dirty -p csvr
mkdir -p "$stage/rust"
tar -xzf "target/package/csvr-$version.crate" -C "$stage/rust" --strip-components=1

# --- the sdist and the wheels ---------------------------------------------------------------
mkdir -p dist
rm -f "dist/csvr-$version.tar.gz" dist/csvr-"$version"-*.whl
sdist=dist/csvr-$version.tar.gz
for arch in "${ARCHES[@]}"; do
  platform=manylinux_${GLIBC/./_}_$arch
  wheel=dist/csvr-$version-py3-none-$platform.whl
  if [ "$arch" = "${ARCHES[0]}" ]; then
    # The sdist, then the first wheel built from it (so the sdist is known to be whole).
    echo "== python -m build: the sdist, and from it the $arch wheel with the prebuilt library"
    what=(--outdir dist "$stage")
  else
    echo "== python -m build --wheel: the $arch wheel with the prebuilt library"
    what=(--wheel --outdir dist "$stage")
  fi
  log=target/dist-stage/build-$arch.log
  CSVR_PREBUILT_LIBRARY=$(library_of "$arch") CSVR_WHEEL_PLATFORM=$platform \
    python -m build --no-isolation "${what[@]}" >"$log" 2>&1 || {
    cat "$log" >&2
    exit 1
  }
  [ -f "$wheel" ] || {
    echo "make dist: expected $wheel; dist/ holds: $(ls dist)" >&2
    exit 1
  }

  echo "== auditwheel show $wheel"
  shown=target/dist-stage/auditwheel-show-$arch.txt
  auditwheel show "$wheel" | tee "$shown"
  # (auditwheel folds its lines: compare with the line breaks as spaces)
  tr -s ' \n' '  ' <"$shown" | grep -q "consistent with the following platform tag: \"$platform\"" || {
    echo "make dist: auditwheel does not call the wheel $platform" >&2
    exit 1
  }
  libraries=$(python -m zipfile -l "$wheel" | grep -c 'csvr/libcsvr' || true)
  [ "$libraries" = 1 ] || {
    echo "make dist: the wheel holds $libraries copies of the library, not 1" >&2
    exit 1
  }
done

# (Not `| grep -q`: under pipefail, grep leaving early can fail tar with SIGPIPE.)
grep -qx "csvr-$version/rust/src/lib.rs" <<<"$(tar -tzf "$sdist")" || {
  echo "make dist: the sdist does not carry the crate in rust/" >&2
  exit 1
}
ls -l dist/csvr-"$version"*
