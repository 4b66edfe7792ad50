#!/usr/bin/env bash
# Builds the libFuzzer harnesses in tests/fuzz (clang-14, -fsanitize=fuzzer,address,undefined,
# the fuzz preset in build/fuzz) and runs each for FUZZ_SECONDS seconds (default 60), starting
# from the committed seed corpus tests/fuzz/corpus/<target>/. New inputs go to
# build/fuzz/corpus/<target>/, crashing ones to build/fuzz/artifacts/<target>/.
# Usage: scripts/fuzz.sh [target...]   (targets: the names after fuzz- in tests/fuzz/*.cpp)
# Exits non-zero if any target crashed, leaked, timed out or broke an oracle.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${FUZZ_SECONDS:-60}

if (($# > 0)); then
  targets=("$@")
else
  targets=()
  for src in tests/fuzz/fuzz-*.cpp; do
    name=$(basename "$src" .cpp)
    targets+=("${name#fuzz-}")
  done
fi

command -v clang++-14 >/dev/null || {
  echo "fuzz: clang++-14 not found; run scripts/install-reliability-tools.sh" >&2
  exit 2
}
cmake --preset fuzz >/dev/null
cmake --build --preset fuzz -j"$(nproc)"

# allocator_may_return_null: create_array must return NULL for unsatisfiable sizes, which ASan
# would otherwise turn into a report. Leak checking stays on (LSan after every run).
export ASAN_OPTIONS="allocator_may_return_null=1:detect_leaks=1:${ASAN_OPTIONS:-}"
export UBSAN_OPTIONS="halt_on_error=1:print_stacktrace=1:${UBSAN_OPTIONS:-}"

failed=0
summary=()
for target in "${targets[@]}"; do
  binary=build/fuzz/fuzz_${target//-/_}
  seeds=tests/fuzz/corpus/$target
  work=build/fuzz/corpus/$target
  artifacts=build/fuzz/artifacts/$target
  log=build/fuzz/$target.log
  [[ -x $binary ]] || { echo "fuzz: no harness $binary" >&2; exit 2; }
  mkdir -p "$work" "$artifacts" "$seeds"
  echo "=== fuzz $target for ${seconds}s"
  status=0
  # -timeout: any single input running 25 s is a hang worth a report.
  "$binary" -max_total_time="$seconds" -timeout=25 -print_final_stats=1 \
    -artifact_prefix="$artifacts/" "$work" "$seeds" >"$log" 2>&1 || status=$?
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
  cov=$(grep -o 'cov: [0-9]*' "$log" | tail -1 || true)
  if ((status != 0)); then
    failed=1
    tail -60 "$log" >&2
    ls -1 "$artifacts" >&2 || true
  fi
  summary+=("$(printf '%-15s exit %-3s %10s executions  %s' "$target" "$status" "${execs:-?}" "$cov")")
done

echo "=== fuzz summary (${seconds}s per target)"
printf '%s\n' "${summary[@]}"
exit "$failed"
