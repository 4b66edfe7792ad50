#!/usr/bin/env bash
# Builds the allocation-fault-injection variant of libffikit_ref with ASan+UBSan (the fault
# preset, build/fault) and runs tests/native-stress/oom-sweep.c against it. Exits non-zero on a
# failed check, on any ASan/UBSan report, and on a leak (LeakSanitizer is on: no node here).
set -euo pipefail
cd "$(dirname "$0")/.."

cmake --preset fault >/dev/null
cmake --build --preset fault -j"$(nproc)" --target ffikit_oom_sweep

export ASAN_OPTIONS="detect_leaks=1:abort_on_error=0:${ASAN_OPTIONS:-}"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1:${UBSAN_OPTIONS:-}"
start=$SECONDS
status=0
./build/fault/ffikit_oom_sweep || status=$?
echo "oom-sweep: exit status $status after $((SECONDS - start)) s"
exit "$status"
