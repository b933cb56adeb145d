#!/usr/bin/env bash
# The prerequisites of `make run` and `make test`, checked before any long step.
#
#   scripts/setup.sh run     what `make run` needs: cargo, a C and a C++ compiler, Python 3
#                            with venv; fails at once, saying what is missing, if one is
#   scripts/setup.sh test    the same, then what each test suite needs; a suite whose tools
#                            cannot be had is skipped (a `SKIPPED: <suite> needs <tool>;
#                            <how to get it>` line), never left to fail half-way
#
# What is missing is installed where that is possible: Debian packages when running as root
# with apt-get (one `== installing <package>: needed for <what>` line each), the AArch64
# Rust target with rustup, cargo-fuzz with cargo. CSVR_NO_INSTALL=1 installs nothing (it
# only reports). The suites to skip are written to target/prereqs/skipped, one
# `<suite><TAB><SKIPPED line>` a line, for scripts/test.sh.
set -uo pipefail
cd "$(dirname "$0")/.."

mode=${1:-test}
case "$mode" in run | test) ;; *)
  echo "usage: $0 run|test" >&2
  exit 2
  ;;
esac

state=target/prereqs
mkdir -p "$state"
skipped="$state/skipped"
: >"$skipped"

have() { command -v "$1" >/dev/null 2>&1; }
python_has_venv() { have python3 && python3 -c 'import venv, ensurepip' >/dev/null 2>&1; }

can_apt=false
if [ "${CSVR_NO_INSTALL:-0}" = 0 ] && [ "$(id -u)" = 0 ] && have apt-get; then
  can_apt=true
fi

# Missing Debian packages, with why each is needed, installed in one apt-get run.
apt_packages=()
apt_reasons=()
want_apt() { # package reason
  local p
  for p in "${apt_packages[@]}"; do [ "$p" = "$1" ] && return 0; done
  apt_packages+=("$1")
  apt_reasons+=("$2")
}

# How a user gets a Debian package when this script cannot install it.
how_apt() { echo "install it with: apt-get install $* (as root; or your system's package manager)"; }

# --- what both commands need -------------------------------------------------------------
have cc || want_apt gcc "compiling the C example and the C tests"
have c++ || want_apt g++ "compiling the C++ example and the C++ tests"
have make || want_apt make "the build"
have python3 || want_apt python3 "the Python package and its tests"
python_has_venv || want_apt python3-venv "the Python virtualenv in .venv"

# --- what single test suites need --------------------------------------------------------
if [ "$mode" = test ]; then
  have valgrind || want_apt valgrind "the C and C++ tests under valgrind"
  have pkg-config || want_apt pkg-config "the install test (building programs with pkg-config)"
  have node || want_apt nodejs "the Node.js binding's tests"
  have npm || want_apt npm "installing the Node.js binding's dependency (koffi)"
  have go || want_apt golang-go "the Go binding's tests"
  have javac || want_apt openjdk-17-jdk-headless "the Java binding's tests"
  [ -f /usr/share/java/jna.jar ] || want_apt libjna-java "the Java binding (JNA)"
  [ -f /usr/share/java/junit-platform-console-standalone.jar ] ||
    want_apt junit5 "the Java binding's tests (JUnit 5)"
  have qemu-aarch64 || want_apt qemu-user "running the AArch64 unit tests"
  if ! have aarch64-linux-gnu-gcc; then
    want_apt gcc-aarch64-linux-gnu "linking the AArch64 unit tests"
    want_apt libc6-dev-arm64-cross "linking the AArch64 unit tests"
  fi
fi

if [ ${#apt_packages[@]} -gt 0 ] && $can_apt; then
  for i in "${!apt_packages[@]}"; do
    echo "== installing ${apt_packages[$i]}: needed for ${apt_reasons[$i]}"
  done
  log="$state/apt.log"
  if ! { apt-get update -qq &&
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
      "${apt_packages[@]}"; } >"$log" 2>&1; then
    echo "warning: apt-get could not install ${apt_packages[*]} (see $log); going on without" >&2
  fi
fi

# --- the hard requirements: without these nothing runs -----------------------------------
missing=()
have cargo || missing+=("cargo (Rust: https://rustup.rs)")
have cc || missing+=("a C compiler, cc ($(how_apt gcc))")
have c++ || missing+=("a C++ compiler, c++, for the C++ example ($(how_apt g++))")
have python3 || missing+=("python3 ($(how_apt python3))")
have python3 && ! python_has_venv && missing+=("Python's venv and ensurepip ($(how_apt python3-venv))")
if [ ${#missing[@]} -gt 0 ]; then
  echo "error: make $mode needs:" >&2
  for m in "${missing[@]}"; do echo "  - $m" >&2; done
  exit 1
fi
[ "$mode" = run ] && exit 0

# --- per suite: run it or say why not ------------------------------------------------------
skip() { # suite message
  echo "SKIPPED: $2"
  printf '%s\t%s\n' "$1" "SKIPPED: $2" >>"$skipped"
}

{ have node && have npm; } ||
  skip node "node needs Node.js 18 or later and npm; $(how_apt nodejs npm)"
have go ||
  skip go "go needs Go 1.19 or later; $(how_apt golang-go)"
if ! have javac; then
  skip java "java needs a JDK 17; $(how_apt openjdk-17-jdk-headless)"
elif [ ! -f /usr/share/java/jna.jar ] || [ ! -f /usr/share/java/junit-platform-console-standalone.jar ]; then
  skip java "java needs JNA and JUnit 5; $(how_apt libjna-java junit5)"
fi
have valgrind ||
  skip c-valgrind "c-valgrind needs valgrind; $(how_apt valgrind)"
have pkg-config ||
  skip install "install needs pkg-config; $(how_apt pkg-config)"
[ "$(uname -s)-$(uname -m)" = Linux-x86_64 ] ||
  skip wheel "wheel builds and installs the manylinux x86_64 wheel, on x86_64 Linux only"

aarch64=aarch64-unknown-linux-gnu
# (Not `| grep -q`: under pipefail, grep leaving early can fail the writer with SIGPIPE.)
aarch64_target_installed() { grep -qx "$aarch64" <<<"$(rustup target list --installed 2>/dev/null)"; }
if ! have qemu-aarch64; then
  skip aarch64 "aarch64 needs qemu-aarch64; $(how_apt qemu-user)"
elif ! have aarch64-linux-gnu-gcc; then
  skip aarch64 "aarch64 needs aarch64-linux-gnu-gcc; $(how_apt gcc-aarch64-linux-gnu libc6-dev-arm64-cross)"
elif ! have rustup; then
  skip aarch64 "aarch64 needs rustup (for the $aarch64 standard library); see https://rustup.rs"
elif ! aarch64_target_installed; then
  if [ "${CSVR_NO_INSTALL:-0}" = 0 ]; then
    echo "== installing the Rust target $aarch64: needed for the AArch64 unit tests"
    rustup target add "$aarch64" >"$state/rustup.log" 2>&1
  fi
  aarch64_target_installed ||
    skip aarch64 "aarch64 needs the Rust target $aarch64; get it with: rustup target add $aarch64"
fi

if ! have cargo-fuzz; then
  if [ "${CSVR_NO_INSTALL:-0}" = 0 ]; then
    echo "== installing cargo-fuzz (cargo install, from crates.io; a few minutes once): needed for fuzzing"
    cargo install cargo-fuzz --locked >"$state/cargo-fuzz.log" 2>&1 ||
      echo "warning: cargo install cargo-fuzz failed (see $state/cargo-fuzz.log)" >&2
  fi
  have cargo-fuzz ||
    skip fuzz "fuzz needs cargo-fuzz; get it with: cargo install cargo-fuzz --locked"
fi
exit 0
