#!/usr/bin/env bash
# `make test-fuzz`: each fuzz target (FUZZ_TARGETS) for FUZZ_SECONDS under libFuzzer with
# AddressSanitizer, from the committed seeds (fuzz/seeds/<target>) and the local corpus
# (fuzz/corpus/<target>). The stable toolchain takes cargo fuzz's nightly flags through
# RUSTC_BOOTSTRAP.
#
# libFuzzer prints a progress line (`#N NEW cov: ...`, `pulse`, `REDUCE`, ...) for nearly
# every new input: thousands a run. Those are dropped from what is shown; everything else
# (the build, the final `DONE` line and -print_final_stats, and any crash report, whole)
# is shown, and the full output of each target is kept in target/test-logs/fuzz-<target>.log.
# One `ok: fuzz <target>` or `FAILED: fuzz <target>` line a target; all targets run even
# if one fails, and the exit status is 1 if any failed.
set -uo pipefail
cd "$(dirname "$0")/.."

seconds=${FUZZ_SECONDS:-60}
targets=${FUZZ_TARGETS:-differential c_api split}
cargo=${CARGO:-cargo}
logs=$PWD/target/test-logs
mkdir -p "$logs"

# Drops a progress line ("#<n>", a tab, one of libFuzzer's event words, then "cov: ..."),
# the NEW_FUNC lines that follow a NEW one, and the "recommended dictionary" libFuzzer
# prints at the end (one line per entry; it is in the log). DONE, the final line, is kept.
quiet() {
  awk '/^#[0-9]+[ \t]+(INITED|NEW|REDUCE|pulse|RELOAD)[ \t].*cov: / { next }
       /^[ \t]+NEW_FUNC\[/ { next }
       /^###### Recommended dictionary/ { dict = 1; n = 0; next }
       dict && /^###### End of recommended dictionary/ {
         dict = 0; print "(libFuzzer recommended a dictionary of " n " entries: see the log)"
         fflush(); next }
       dict { n++; next }
       { print; fflush() }'
}

failed=0
cd fuzz
for t in $targets; do
  mkdir -p "corpus/$t"
  echo "== fuzz $t for $seconds s"
  RUSTC_BOOTSTRAP=1 $cargo fuzz run "$t" "corpus/$t" "seeds/$t" -- \
    -max_total_time="$seconds" -rss_limit_mb=4096 -timeout=20 -print_final_stats=1 2>&1 |
    tee "$logs/fuzz-$t.log" | quiet
  rc=${PIPESTATUS[0]}
  if [ "$rc" -eq 0 ]; then
    echo "ok: fuzz $t ($(grep -oE '^stat::number_of_executed_units: [0-9]+' "$logs/fuzz-$t.log" |
      grep -oE '[0-9]+$' || echo '?') inputs run)"
  else
    echo "FAILED: fuzz $t (exit status $rc; full output in $logs/fuzz-$t.log)"
    failed=1
  fi
done
exit $failed
