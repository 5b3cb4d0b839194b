#!/bin/sh
# Run one fuzz target for a bounded time: fuzz/run.sh TARGET SECONDS [BUILD_DIR]
#
# The target starts from a copy of its seeds in BUILD_DIR/corpus/TARGET
# (fuzz/corpus/TARGET, the reproducers in fuzz/crashes/TARGET-*, and for
# lambda_event the repository's event fixtures, tests/fixtures/events, plus
# the AWS samples of CG_SHARED_FIXTURES when that folder exists),
# so that what it learns stays in the build directory. Crashes go to
# BUILD_DIR/crashes/. Prints one line of figures and appends it to
# BUILD_DIR/summary.txt; exits non-zero when the fuzzer found anything (a
# crash, a leak, a sanitizer report, a timeout), 77 when the target is not
# built (no clang: see tools/deps.sh fuzz).
set -eu

target=$1
seconds=$2
src=$(cd "$(dirname "$0")/.." && pwd)
build=${3:-$src/build/fuzz}
bin=$build/bin/fuzz_$target

if [ ! -x "$bin" ] || ! command -v clang >/dev/null 2>&1; then
    echo "skipped: $bin is not built (make fuzz builds it; tools/deps.sh fuzz installs clang)"
    exit 77
fi

corpus=$build/corpus/$target
mkdir -p "$corpus" "$build/crashes"
cp "$src/fuzz/corpus/$target/"* "$corpus/"
for f in "$src/fuzz/crashes/$target"-*; do
    [ -e "$f" ] && cp "$f" "$corpus/"
done
# Fixture names repeat across folders: each seed is named by its path.
if [ "$target" = lambda_event ]; then
    for fixtures in "$src/tests/fixtures/events" "${CG_SHARED_FIXTURES:-$src/../shared/fixtures}/events"; do
        [ -d "$fixtures" ] || continue
        find "$fixtures" -name '*.json' | while read -r f; do
            cp "$f" "$corpus/seed-$(echo "${f#"$fixtures"/}" | tr / -)"
        done
    done
fi

# The app's own error lines (a refused header, a handler failing on
# purpose) would fill the log with one line per input: they are dropped.
log=$build/fuzz_$target.log
{
    rc=0
    UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
        "$bin" -max_total_time="$seconds" -rss_limit_mb=2048 -timeout=10 -error_exitcode=1 -timeout_exitcode=2 \
        -print_final_stats=1 -artifact_prefix="$build/crashes/$target-" "$corpus" 2>&1 || rc=$?
    echo "$rc" >"$log.status"
} | grep -av '^[0-9-]*T[0-9:.]*Z ERROR ' >"$log" || true
status=$(cat "$log.status")

# "#123456  DONE   cov: 754 ft: 1213 corp: 263/5500b lim: 4096 exec/s: 33120 rss: 360Mb"
done_line=$(grep -aE '^#[0-9]+[[:space:]]+DONE' "$log" | tail -n 1 || true)
if [ "$status" -eq 0 ] && [ -n "$done_line" ]; then
    line=$(echo "$done_line" | awk -v t="$target" -v s="$seconds" '{
        for (i = 1; i <= NF; i++) f[$i] = $(i + 1);
        sub("#", "", $1);
        printf "%-13s %4ss %12s execs %8s exec/s  cov %5s  ft %6s  corpus %s", t, s, $1, f["exec/s:"], f["cov:"], f["ft:"], f["corp:"]
    }')
else
    line=$(printf '%-13s FAILED (exit %s): see %s and %s/crashes/' "$target" "$status" "$log" "$build")
    grep -aE 'ERROR|SUMMARY|fuzz check failed|runtime error' "$log" | head -n 5 >&2 || true
    [ "$status" -ne 0 ] || status=1
fi
echo "$line"
echo "$line" >>"$build/summary.txt"
exit "$status"
