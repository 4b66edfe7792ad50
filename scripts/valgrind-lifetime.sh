#!/usr/bin/env bash
# Runs tests/native-stress/lifetime.js (ManagedArray, NDArray, async pinning with GC, dispose
# during an async call, the GC backstop) under valgrind memcheck with node --jitless, against
# build/Release/libffikit_ref.so (npm run build:native), or FFIKIT_LIBRARY_PATH if set.
# Needs the built dist/ (npm run build:ts).
#
# Exits non-zero on any memcheck error (invalid read/write, use of uninitialised memory, bad
# free) and on a leak that grows with the work done: the script runs once with one round and
# once with LIFETIME_REPEAT rounds (default 4) and requires the same amount of unreachable memory,
# "definitely lost" plus "indirectly lost". A fixed amount is koffi's process-lifetime state, which
# it never frees at exit: one tree of 36,104 bytes in 76 blocks here, whatever the number of rounds.
# Which block of that tree memcheck reports as its root ("definitely lost") varies from run to
# run (a 72-byte block or a 4,096-byte one, with the rest "indirectly lost"), so the two figures
# are compared as a sum. Library arrays are also checked by ffikit_live_allocations().
set -euo pipefail
cd "$(dirname "$0")/.."

[[ -f dist/index.js ]] || { echo "valgrind-lifetime: dist/index.js missing; run npm run build:ts" >&2; exit 2; }
command -v valgrind >/dev/null || { echo "valgrind-lifetime: run scripts/install-reliability-tools.sh" >&2; exit 2; }
repeat=${LIFETIME_REPEAT:-4}
# The library just built from this tree, unless the caller chose one (a committed prebuild would
# otherwise win the resolution order).
if [[ -z ${FFIKIT_LIBRARY_PATH:-} && -f build/Release/libffikit_ref.so ]]; then
  export FFIKIT_LIBRARY_PATH=$PWD/build/Release/libffikit_ref.so
fi
mkdir -p build/valgrind

run() {
  local rounds=$1 log=$2 status=0
  # One libuv pool thread: koffi keeps per-thread memory for async calls, so a fixed pool keeps
  # its one-time allocations identical between the two runs.
  UV_THREADPOOL_SIZE=1 LIFETIME_REPEAT=$rounds valgrind --error-exitcode=1 \
    --suppressions=tests/native-stress/node.supp --num-callers=40 \
    --leak-check=full --show-leak-kinds=definite --errors-for-leak-kinds=none \
    node --no-warnings --jitless --expose-gc tests/native-stress/lifetime.js >"$log" 2>&1 || status=$?
  grep -E '^lifetime:' "$log" || true
  if ((status != 0)); then
    echo "valgrind-lifetime: $rounds round(s) exited with status $status" >&2
    tail -80 "$log" >&2
    return 1
  fi
}

# Bytes no pointer reaches at exit: "definitely lost" (roots) plus "indirectly lost" (reached only
# from those roots).
lost() {
  local definite indirect
  definite=$(sed -n 's/.*definitely lost: \([0-9,]*\) bytes.*/\1/p' "$1" | tr -d , | tail -1)
  indirect=$(sed -n 's/.*indirectly lost: \([0-9,]*\) bytes.*/\1/p' "$1" | tr -d , | tail -1)
  echo $((${definite:-0} + ${indirect:-0}))
}

start=$SECONDS
run 1 build/valgrind/lifetime-1.log
run "$repeat" build/valgrind/lifetime-"$repeat".log
one=$(lost build/valgrind/lifetime-1.log)
many=$(lost build/valgrind/lifetime-"$repeat".log)
errors=$(sed -n 's/.*ERROR SUMMARY: \([0-9]*\) errors.*/\1/p' build/valgrind/lifetime-"$repeat".log | tail -1)
echo "valgrind-lifetime: ${errors:-?} memcheck errors; unreachable at exit ${one:-0} B after 1 round, ${many:-0} B after $repeat; $((SECONDS - start)) s"
if [[ ${one:-0} != "${many:-0}" ]]; then
  echo "valgrind-lifetime: memory lost at exit grows with the rounds: a leak" >&2
  grep -A40 'definitely lost in loss record' build/valgrind/lifetime-"$repeat".log >&2 || true
  exit 1
fi
