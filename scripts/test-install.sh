#!/usr/bin/env bash
# `make test-install`: what a C or C++ user gets from `make install`.
#
# Installs into a temporary PREFIX, checks the files (the versioned library, its SONAME and
# links, the static library, both headers, csvr.pc), then, in a directory outside the
# repository and with pkg-config as the only source of flags, builds and runs a C program
# (shared), the same C program linked with libcsvr.a (Libs.private), and a C++ program
# (csvr.hpp). Then a staged install (DESTDIR) and `make uninstall`. Prints one `ok: ...` or
# `FAILED: ...` line per check; exit status 1 if any failed.
set -uo pipefail
cd "$(dirname "$0")/.."
root=$PWD
make="${MAKE:-make} -C $root"
version=$(sed -n 's/^version = "\(.*\)"/\1/p' Cargo.toml | head -n 1)
major=${version%%.*}

work=$(mktemp -d /tmp/csvr-install-test.XXXXXX)
trap 'rm -rf "$work"' EXIT
prefix=$work/prefix
failed=0

check() { # description command...
  local what=$1
  shift
  if ("$@") >"$work/out" 2>&1; then
    echo "ok: install: $what"
  else
    echo "FAILED: install: $what"
    sed 's/^/    /' "$work/out"
    failed=1
  fi
}

installed_files() { # dir prefix-dir
  local d=$1$2
  [ -f "$d/lib/libcsvr.so.$version" ] &&
    [ "$(readlink "$d/lib/libcsvr.so.$major")" = "libcsvr.so.$version" ] &&
    [ "$(readlink "$d/lib/libcsvr.so")" = "libcsvr.so.$major" ] &&
    [ -f "$d/lib/libcsvr.a" ] && [ -f "$d/include/csvr.h" ] && [ -f "$d/include/csvr.hpp" ] &&
    [ -f "$d/lib/pkgconfig/csvr.pc" ] &&
    grep -qx "prefix=$2" "$d/lib/pkgconfig/csvr.pc"
}

soname_is_versioned() {
  readelf -d "$prefix/lib/libcsvr.so.$version" | grep -F "Library soname: [libcsvr.so.$major]"
}

echo "== make install PREFIX=$prefix"
check "make install PREFIX=..." $make --no-print-directory install PREFIX="$prefix"
check "the libraries, links, headers and csvr.pc are in PREFIX" installed_files "" "$prefix"
check "the library's SONAME is libcsvr.so.$major" soname_is_versioned

# The programs live outside the repository and know only what pkg-config says.
outside=$work/outside
mkdir -p "$outside"
cat >"$outside/data.csv" <<'CSV'
id,name
1,"Lovelace, Ada"
2,Hopper
CSV
cat >"$outside/prog.c" <<'C'
#include <inttypes.h>
#include <stdio.h>
#include <csvr.h>

int main(void) {
    uint64_t n = 0;
    if (csvr_count_path("data.csv", NULL, &n) != CSVR_OK) {
        fprintf(stderr, "%s\n", csvr_last_error_message());
        return 1;
    }
    printf("csvr %s (header %d.%d.%d): %" PRIu64 " records\n", csvr_version(),
           CSVR_VERSION_MAJOR, CSVR_VERSION_MINOR, CSVR_VERSION_PATCH, n);
    return 0;
}
C
cat >"$outside/prog.cpp" <<'CPP'
#include <iostream>
#include <string_view>
#include <csvr.hpp>

int main() {
    try {
        csvr::Reader reader = csvr::Reader::open("data.csv");
        for (const csvr::Record& record : reader) {
            std::string_view sep;
            for (std::string_view field : record) {
                std::cout << sep << field;
                sep = "|";
            }
            std::cout << '\n';
        }
        std::cout << csvr::count("data.csv") << " records\n";
    } catch (const csvr::Error& e) {
        std::cerr << e.what() << '\n';
        return 1;
    }
    return 0;
}
CPP

export PKG_CONFIG_PATH=$prefix/lib/pkgconfig
pc_version() { [ "$(pkg-config --modversion csvr)" = "$version" ]; }
check "pkg-config --modversion csvr is $version" pc_version

# The temporary prefix is not where the loader looks: the rpath (from pkg-config's libdir)
# stands in for ldconfig, which a system prefix such as /usr/local has.
rpath="-Wl,-rpath,$(pkg-config --variable=libdir csvr)"
expected_c="csvr $version (header $version): 2 records"

build_c() {
  cd "$outside" && cc -std=c11 -Wall -Wextra -Werror prog.c $(pkg-config --cflags --libs csvr) \
    "$rpath" -o prog_c
}
# Output is matched from a variable, not with `| grep -q`: under pipefail, grep leaving at
# the first match can fail the writer with SIGPIPE.
run_c() {
  local out libs
  cd "$outside" && out=$(./prog_c) && libs=$(ldd ./prog_c) || return 1
  printf '%s\n%s\n' "$out" "$libs"
  [ "$out" = "$expected_c" ] && grep -qF "libcsvr.so.$major => $prefix/lib/" <<<"$libs"
}
check "a C program builds with \`pkg-config --cflags --libs csvr\`" build_c
check "it runs, loading libcsvr.so.$major from PREFIX" run_c

# Static: libcsvr.a for -lcsvr, then the system libraries from Libs.private; --as-needed
# drops the shared libcsvr the second -lcsvr names, since nothing is left to resolve.
build_static() {
  cd "$outside" && cc -std=c11 -Wall -Wextra -Werror prog.c $(pkg-config --cflags csvr) \
    -Wl,-Bstatic $(pkg-config --libs csvr) -Wl,-Bdynamic,--as-needed \
    $(pkg-config --libs --static csvr) -o prog_static
}
run_static() {
  local out dynamic
  cd "$outside" && out=$(./prog_static) && dynamic=$(readelf -d prog_static) || return 1
  printf '%s\n%s\n' "$out" "$dynamic"
  [ "$out" = "$expected_c" ] && ! grep -q 'NEEDED.*libcsvr' <<<"$dynamic"
}
check "the C program links libcsvr.a with \`pkg-config --libs --static csvr\`" build_static
check "it runs with no libcsvr.so" run_static

build_cpp() {
  cd "$outside" && c++ -std=c++17 -Wall -Wextra -Werror prog.cpp \
    $(pkg-config --cflags --libs csvr) "$rpath" -o prog_cpp
}
run_cpp() { cd "$outside" && [ "$(./prog_cpp)" = "$(printf '1|Lovelace, Ada\n2|Hopper\n2 records')" ]; }
check "a C++ program (csvr.hpp) builds with pkg-config" build_cpp
check "it runs" run_cpp

stage=$work/stage
check "make install DESTDIR=... PREFIX=/opt/csvr" \
  $make --no-print-directory install DESTDIR="$stage" PREFIX=/opt/csvr
check "a staged install has every file under DESTDIR, csvr.pc naming the real PREFIX" \
  installed_files "$stage" /opt/csvr

uninstalled() { [ -z "$(find "$prefix" ! -type d)" ]; }
check "make uninstall PREFIX=..." $make --no-print-directory uninstall PREFIX="$prefix"
check "nothing is left in PREFIX after uninstall" uninstalled

exit $failed
