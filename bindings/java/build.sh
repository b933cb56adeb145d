#!/usr/bin/env bash
# Builds the Java binding of csvr with plain javac and runs its tests (or the benchmark).
#
#   ./build.sh          compile, make build/csvr.jar, compile and run the tests
#   ./build.sh jar      compile and make build/csvr.jar only
#   ./build.sh bench    also build and run the benchmark (writes a ~50 MB file to /tmp)
#
# Needs a JDK 17+ and Debian's libjna-java and junit5 (and libcommons-csv-java for the
# benchmark). The native library is $CSVR_LIBRARY, by default the repository's
# target/release/libcsvr.so (build it with `cargo build --release` at the root).
# Exits non-zero if anything fails to build or any test fails.
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
export CSVR_LIBRARY="${CSVR_LIBRARY:-$repo/target/release/libcsvr.so}"
java_share=/usr/share/java
jna="$java_share/jna.jar"
junit="$java_share/junit-platform-console-standalone.jar"
commons_csv="$java_share/commons-csv.jar"
build="$here/build"
mode="${1:-test}"

for f in "$jna" "$CSVR_LIBRARY"; do
    if [ ! -f "$f" ]; then
        echo "build.sh: missing $f (see bindings/java/README.md)" >&2
        exit 2
    fi
done

rm -rf "$build"
mkdir -p "$build/classes" "$build/test-classes"

# The binding itself.
find "$here/src/main/java" -name '*.java' > "$build/main-sources.txt"
javac --release 17 -Xlint:all -Werror -encoding UTF-8 -cp "$jna" -d "$build/classes" @"$build/main-sources.txt"
jar --create --file "$build/csvr.jar" -C "$build/classes" .
echo "built $build/csvr.jar"

run_java() {
    java -Dcsvr.library="$CSVR_LIBRARY" -Dcsvr.repo="$repo" "$@"
}

case "$mode" in
jar)
    exit 0
    ;;
bench)
    if [ ! -f "$commons_csv" ]; then
        echo "build.sh: the benchmark needs $commons_csv (apt-get install libcommons-csv-java)" >&2
        exit 2
    fi
    cp="$build/csvr.jar:$jna:$commons_csv"
    mkdir -p "$build/bench-classes"
    javac --release 17 -encoding UTF-8 -cp "$cp" -d "$build/bench-classes" "$here"/src/bench/java/io/csvr/*.java
    run_java -Xmx4g -cp "$build/bench-classes:$cp" io.csvr.Benchmark "${@:2}"
    exit 0
    ;;
test)
    ;;
*)
    echo "usage: $0 [test|jar|bench]" >&2
    exit 2
    ;;
esac

if [ ! -f "$junit" ]; then
    echo "build.sh: missing $junit (apt-get install junit5)" >&2
    exit 2
fi

find "$here/src/test/java" -name '*.java' > "$build/test-sources.txt"
javac --release 17 -Xlint:all -encoding UTF-8 -cp "$build/csvr.jar:$jna:$junit" \
    -d "$build/test-classes" @"$build/test-sources.txt"

# JUnit's console launcher prints a summary box ("[ N tests successful ]",
# "[ M tests failed ]"); the plain "N passed, M failed" line after it is for tools that
# read only that form. The launcher's exit code (1 on any failure) is the script's.
set +e
run_java -cp "$build/csvr.jar:$jna:$build/test-classes" -jar "$junit" \
    --disable-banner --details=tree --disable-ansi-colors \
    --class-path "$build/csvr.jar:$jna:$build/test-classes" \
    --select-package io.csvr 2>&1 | tee "$build/test-output.txt"
status=${PIPESTATUS[0]}
set -e
passed=$(sed -n 's/^\[ *\([0-9]*\) tests successful *\]$/\1/p' "$build/test-output.txt")
failed=$(sed -n 's/^\[ *\([0-9]*\) tests failed *\]$/\1/p' "$build/test-output.txt")
echo "${passed:-0} passed, ${failed:-0} failed"
if [ "$status" -ne 0 ] || [ -z "$passed" ] || [ "${failed:-1}" -ne 0 ]; then
    exit 1
fi
