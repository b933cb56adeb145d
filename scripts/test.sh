#!/usr/bin/env bash
# `make test`: every test suite, one after another, then one summary line per suite and an
# overall `N passed, M failed, K skipped` line. A failing suite does not stop the others;
# the exit status is 1 if any suite failed.
#
#   scripts/test.sh [SUITE...]    all suites, or the ones named (see SUITES below)
#
# Prerequisites are checked (and installed where possible) first, by scripts/setup.sh; a
# suite that cannot run here is reported as skipped, with what it needs. Each suite's full
# output is in target/test-logs/<suite>.log.
#
# What the numbers count: tests (Rust: libtest's tests; Python: pytest's; Node: node
# --test's; Go: go test's, subtests too; Java: JUnit's; C and C++: the checks each test
# program counts, summed over its runs), and, for the suites that are one run each
# (readme, install, wheel, fuzz, bench), one per check the suite prints as `ok: ...`.
# A test that printed a `SKIPPED: ...` line (the corpus test without the corpus) counts as
# skipped, not passed; a suite that could not run at all counts as one skipped; a suite
# that failed without saying which test failed counts as one failed.
set -uo pipefail
cd "$(dirname "$0")/.."

# suite: the make target that runs it, and how its output counts tests.
SUITES=(rust c c-valgrind readme install python wheel node go java bench aarch64 fuzz)
declare -A TARGET=(
  [rust]=test-rust [c]=test-c [c-valgrind]=test-c-valgrind [readme]=test-readme
  [install]=test-install [python]=test-python [wheel]=test-wheel [node]=test-node [go]=test-go
  [java]=test-java [bench]=test-bench [aarch64]=test-aarch64 [fuzz]=test-fuzz
)
declare -A KIND=(
  [rust]=libtest [c]=ctest [c-valgrind]=ctest [readme]=checks [install]=checks
  [python]=pytest [wheel]=checks [node]=nodetest [go]=gotest [java]=ctest
  [bench]=checks [aarch64]=libtest [fuzz]=checks
)

if [ $# -gt 0 ]; then
  for s in "$@"; do
    [ -n "${TARGET[$s]:-}" ] || {
      echo "unknown suite '$s'; the suites: ${SUITES[*]}" >&2
      exit 2
    }
  done
  run_suites=("$@")
else
  run_suites=("${SUITES[@]}")
fi

echo "== prerequisites"
bash scripts/setup.sh test || exit 1

logs=target/test-logs
mkdir -p "$logs"
MAKE=${MAKE:-make}

declare -A PASSED FAILED SKIPPED NOTE SECONDS_TAKEN
total_passed=0 total_failed=0 total_skipped=0 any_failed=0

count_tests() { # kind log exit-status -> sets p f s
  local kind=$1 log=$2 rc=$3
  p=0 f=0 s=0
  case "$kind" in
    libtest) # test result: ok. 12 passed; 0 failed; 1 ignored; ...
      read -r p f s < <(awk '/^test result: /{
          for (i = 1; i <= NF; i++) {
            if ($(i+1) ~ /^passed/) p += $i; if ($(i+1) ~ /^failed/) f += $i
            if ($(i+1) ~ /^ignored/) s += $i }
        } END { print p+0, f+0, s+0 }' "$log")
      # A test that checked nothing said so with a SKIPPED line; libtest counted it passed.
      local k
      k=$(grep -c '^SKIPPED: ' "$log")
      p=$((p - k)) s=$((s + k))
      ;;
    pytest) # ===== 3 failed, 120 passed, 2 skipped, 1 error in 4.2s =====
      read -r p f s < <(grep -E '[0-9]+ (passed|failed|skipped|errors?)(,| in [0-9.]+s)' "$log" | tail -n 1 |
        tr -d ',=' | awk '{ for (i = 1; i < NF; i++) {
            if ($(i+1) == "passed") p += $i; if ($(i+1) ~ /^(failed|errors?)$/) f += $i
            if ($(i+1) == "skipped") s += $i }
          } END { print p+0, f+0, s+0 }')
      ;;
    nodetest) # node --test ends with "# pass 50", "# fail 0", "# skipped 1"
      read -r p f s < <(awk '/^# pass /{ p += $3 } /^# fail /{ f += $3 } /^# skipped /{ s += $3 }
        END { print p+0, f+0, s+0 }' "$log")
      ;;
    gotest) # go test -v: a "--- PASS: Name", "--- FAIL: ..." or "--- SKIP: ..." line a test
      read -r p f s < <(awk '/^ *--- PASS: /{ p++ } /^ *--- FAIL: /{ f++ } /^ *--- SKIP: /{ s++ }
        END { print p+0, f+0, s+0 }' "$log")
      ;;
    ctest) # each test program ends with "[name: ]N passed, M failed" (check_summary)
      read -r p f < <(awk '{ sub(/^[A-Za-z0-9_]+: /, "") }
        /^[0-9]+ passed, [0-9]+ failed$/ { p += $1; f += $3 }
        END { print p+0, f+0 }' "$log")
      ;;
    checks)
      p=$(grep -c '^ok: ' "$log")
      f=$(grep -c '^FAILED: ' "$log")
      s=$(grep -c '^SKIPPED: ' "$log")
      ;;
  esac
  p=${p:-0} f=${f:-0} s=${s:-0}
  if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then f=1; fi # failed to build, valgrind, clippy...
  if [ "$rc" -eq 0 ] && [ "$p" -eq 0 ] && [ "$f" -eq 0 ] && [ "$s" -eq 0 ]; then p=1; fi
}

for suite in "${run_suites[@]}"; do
  log="$logs/$suite.log"
  reason=$(awk -F'\t' -v s="$suite" '$1 == s { print $2; exit }' target/prereqs/skipped)
  if [ -n "$reason" ]; then
    PASSED[$suite]=0 FAILED[$suite]=0 SKIPPED[$suite]=1 SECONDS_TAKEN[$suite]=0
    NOTE[$suite]=" (${reason#SKIPPED: })"
    total_skipped=$((total_skipped + 1))
    continue
  fi
  echo
  echo "== $suite: $MAKE ${TARGET[$suite]}"
  start=$SECONDS
  $MAKE --no-print-directory "${TARGET[$suite]}" 2>&1 | tee "$log"
  rc=${PIPESTATUS[0]}
  SECONDS_TAKEN[$suite]=$((SECONDS - start))
  count_tests "${KIND[$suite]}" "$log" "$rc"
  PASSED[$suite]=$p FAILED[$suite]=$f SKIPPED[$suite]=$s
  # Why tests were skipped, once each: our SKIPPED lines and pytest's -rs lines.
  why=$(sed -nE 's/^SKIPPED(: | \[[0-9]+\] [^:]+:[0-9]+: )(.*)/\2/p' "$log" | sort -u | paste -sd'|' - | sed 's/|/; /g')
  NOTE[$suite]=${why:+ (skipped: $why)}
  total_passed=$((total_passed + p)) total_failed=$((total_failed + f))
  total_skipped=$((total_skipped + s))
  [ "$rc" -ne 0 ] && any_failed=1
done

echo
echo "== summary (logs in $logs/)"
for suite in "${run_suites[@]}"; do
  if [ "${SKIPPED[$suite]}" -gt 0 ] && [ "${PASSED[$suite]}" -eq 0 ] && [ "${FAILED[$suite]}" -eq 0 ] &&
    [ "${SECONDS_TAKEN[$suite]}" -eq 0 ]; then
    printf '%-11s skipped%s\n' "$suite:" "${NOTE[$suite]}"
  else
    status=ok
    [ "${FAILED[$suite]}" -gt 0 ] && status=FAILED
    printf '%-11s %-6s %d passed, %d failed, %d skipped in %d s%s\n' "$suite:" "$status" \
      "${PASSED[$suite]}" "${FAILED[$suite]}" "${SKIPPED[$suite]}" "${SECONDS_TAKEN[$suite]}" \
      "${NOTE[$suite]}"
  fi
done
if [ "$total_skipped" -gt 0 ]; then
  echo "$total_passed passed, $total_failed failed, $total_skipped skipped"
else
  echo "$total_passed passed, $total_failed failed"
fi
[ "$any_failed" -eq 0 ] && [ "$total_failed" -eq 0 ]
