#!/usr/bin/env bash
# Runs the whole jest suite against an ASan+UBSan build of libffikit_ref and ASan-built C fixtures
# (npm run test:asan). Exits non-zero on a failing test or on any sanitizer report. Extra
# arguments go to jest (e.g. a test file).
#
# Node itself is not instrumented, so the sanitizer runtimes are preloaded into it (and into
# every process it spawns: LD_PRELOAD is inherited). LeakSanitizer is off because it reports
# node's own allocations at exit; leaks of library memory are caught instead by the
# ffikit_live_allocations() assertions in the suite.
#
# Where reports go: ASan writes each process's report to build/asan/reports/asan.<pid>, so a
# report from a child process whose stderr a test captured is still counted. UBSan ignores
# log_path when it shares a process with ASan, so its reports are counted in jest's own output
# (build/asan/jest.log); one inside a child process also exits that child with status 1
# (halt_on_error), which fails the test that spawned it.
#
# handle_segv=0 (and sigbus/sigfpe): crash tests (tests/executors) kill workers with SIGSEGV on
# purpose and assert on the signal; with ASan's handler they would exit 1 with a report instead.
# ASan's own checks (overflows, use-after-free) fire before any signal and are unaffected.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD

cmake --preset asan >/dev/null
cmake --build --preset asan -j"$(nproc)"
library=$root/build/asan/libffikit_ref.so

# The fixture builder takes a compiler executable (CC), not flags: give it a wrapper that adds
# ASan. Not UBSan: crash.c dereferences NULL on purpose, which UBSan would turn into exit 1
# instead of the SIGSEGV the executor tests expect. The fixtures go to their own directory, so
# the default build/fixtures (loaded by plain `jest`, which has no ASan runtime) is never
# replaced, and are rebuilt every run (the builder compares mtimes, not flags).
fixture_cc=$root/build/asan/fixture-cc
cat >"$fixture_cc" <<'EOF'
#!/bin/sh
exec "${FFIKIT_ASAN_REAL_CC:-cc}" -fsanitize=address -fno-omit-frame-pointer -g "$@"
EOF
chmod +x "$fixture_cc"
rm -rf "$root/build/asan/fixtures"

reports=$root/build/asan/reports
jest_log=$root/build/asan/jest.log
rm -rf "$reports"
mkdir -p "$reports"

asan_runtime=$(gcc -print-file-name=libasan.so)
ubsan_runtime=$(gcc -print-file-name=libubsan.so)
for runtime in "$asan_runtime" "$ubsan_runtime"; do
  [[ -f $runtime ]] || { echo "test-asan: $runtime not found (install gcc's sanitizer runtimes)" >&2; exit 2; }
done

# Tests left out of this run only (they all run in the plain `jest` run), each for a reason that
# lies in ASan itself or in the test, never in a report it would raise:
skip=(
  # Deliberate use-after-free: the control case shows what happens WITHOUT ffikit's pinning, and
  # ASan duly reports it (heap-use-after-free in long_running_operation on a collected buffer).
  # Its pinned twin, which must be clean, does run.
  'control: raw koffi'
  # Kills its children after 1.5 s and expects them to have printed first; a child node with the
  # ASan runtime needs ~1.2 s just to start (0.4 s without), so under load it misses the deadline.
  'a callback never disposed keeps the process alive'
  # The shutdown scenarios run 20 children each against a 1 s exit deadline; with the ASan runtime a
  # child needs ~1.2 s just to start. They run in the plain and scalar jest passes.
  'exit 0 by themselves within'
  'issue 11.4: stop and join the native thread'
  # Bounds RSS growth (< 5 MB over 2M cycles); ASan's allocator and quarantine hold freed memory
  # back by design (observed 14.6 MB), so RSS measures ASan, not ffikit.
  '3M create/dispose cycles leak nothing'
  # Wall-clock speed-up and event-loop lag bounds; the instrumented run is 3-4x slower and uneven.
  'calls of 150 ms CPU on 2 workers'
  # Binds strdup and free from ffikit.load('libc.so.6'): dlsym on that handle returns glibc's own
  # free, while strdup's internal malloc goes through the interposed (preloaded ASan) allocator,
  # so free() aborts with "munmap_chunk(): invalid pointer". Any malloc replacement (jemalloc,
  # tcmalloc via LD_PRELOAD) breaks this pairing the same way; it is not a library bug.
  'so C-allocated strings can be freed'
  # 100 worker crash/respawn cycles within jest's 120 s: every respawned worker is a node with the
  # ASan runtime, ~1.2 s to start instead of ~0.4 s (alone it passed in 113 s; in the suite it
  # times out).
  '100 crash'
)
skip_pattern="^(?!.*($(IFS='|'; echo "${skip[*]}"))).*$"
# Suites that never pass native memory through ffikit's checks (docs, lint, the surface snapshot,
# bindings generation with its compiler probes, the bundlers, the package install), and the API fuzz,
# whose harness test frees JS memory on purpose to show a crash is caught: a sanitizer report by design.
skip_files='/tests/((package|docs|bundlers|api-fuzz|public-surface|lint-layers|lint-cycles)|gen/[a-z]+)\.test\.ts$'

set +e
# The file arguments go first: jest's array options (--testPathIgnorePatterns) take every value that
# follows them, even in the --option=value form.
env \
  LD_PRELOAD="$asan_runtime:$ubsan_runtime" \
  ASAN_OPTIONS="detect_leaks=0:handle_segv=0:handle_sigbus=0:handle_sigfpe=0:log_path=$reports/asan:allocator_may_return_null=1" \
  UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1" \
  FFIKIT_LIBRARY_PATH="$library" \
  FFIKIT_FIXTURES_DIR="$root/build/asan/fixtures" \
  FFIKIT_ASAN_REAL_CC="${CC:-cc}" \
  CC="$fixture_cc" \
  npx jest "$@" --testNamePattern "$skip_pattern" \
  --testPathIgnorePatterns="$skip_files" 2>&1 | tee "$jest_log"
jest_status=${PIPESTATUS[0]}
set -e

# A report file exists only if ASan printed something (log_path opens it lazily).
shopt -s nullglob
files=("$reports"/*)
for file in "${files[@]}"; do
  echo "---- $file" >&2
  cat "$file" >&2
done
asan_reports=${#files[@]}
ubsan_reports=$(grep -cE 'runtime error: |UndefinedBehaviorSanitizer' "$jest_log" || true)
echo "test-asan: jest exit status $jest_status; sanitizer reports: ASan $asan_reports, UBSan $ubsan_reports"
((jest_status == 0 && asan_reports == 0 && ubsan_reports == 0))
