#!/usr/bin/env bash
# Builds libffikit_ref and tests/native-stress/tsan-stress.cpp with ThreadSanitizer (the tsan
# preset) and runs the stress harness. Exits non-zero on a data race or any other TSan report
# (exit code 66), on a failed check (1) or on a deadlock caught by its watchdog (2).
# STRESS_SCALE scales the iteration counts (default 1).
set -euo pipefail
cd "$(dirname "$0")/.."

cmake --preset tsan >/dev/null
cmake --build --preset tsan -j"$(nproc)" --target ffikit_tsan_stress

# halt_on_error: the first report ends the run with exitcode 66, so it cannot scroll past.
# second_deadlock_stack: lock-order reports then show where both locks were taken.
export TSAN_OPTIONS="halt_on_error=1 exitcode=66 second_deadlock_stack=1 ${TSAN_OPTIONS:-}"
start=$SECONDS
status=0
./build/tsan/ffikit_tsan_stress || status=$?
echo "tsan-stress: exit status $status after $((SECONDS - start)) s"
exit "$status"
