/* Smoke test for a prebuilt libffikit_ref that this machine cannot load into Node (musl, other
 * CPUs): dlopens the file named on the command line, as koffi would, and calls its entry points:
 * every kernel set the build and CPU support against the scalar result, the std::thread event
 * source, the std::mutex processor and a callback. Prints OK and exits 0, or names each failed
 * check. */
#define _POSIX_C_SOURCE 200809L /* nanosleep */

#include <dlfcn.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "ffikit_ref.h"

static int failures = 0;
static void *library = NULL;

#define CHECK(cond)                                           \
  do {                                                        \
    if (!(cond)) {                                            \
      fprintf(stderr, "FAIL line %d: %s\n", __LINE__, #cond); \
      failures++;                                             \
    }                                                         \
  } while (0)

/* Looks a symbol up; a missing export is a failure, and the caller skips what needs it. */
static void *sym(const char *name) {
  void *p = dlsym(library, name);
  if (p == NULL) {
    fprintf(stderr, "FAIL: %s is not exported\n", name);
    failures++;
  }
  return p;
}

/* Object pointers and function pointers are interconvertible on every POSIX system (dlsym relies on
 * it). */
#define FN(type, name) type name = (type)(uintptr_t)sym(#name)

typedef uint32_t (*AbiVersionFn)(void);
typedef const char *(*NameFn)(ErrorCode);
typedef int32_t (*SupportedFn)(const char *);
typedef ErrorCode (*ForceFn)(const char *);
typedef const char *(*LevelFn)(void);
typedef ErrorCode (*AddFn)(const float *, const float *, float *, size_t);
typedef ErrorCode (*DotFn)(const float *, const float *, size_t, double *);
typedef ErrorCode (*SumFn)(const float *, size_t, double *);
typedef ErrorCode (*AxpyFn)(float, const float *, float *, size_t);
typedef ErrorCode (*Process1dFn)(double *, size_t);
typedef double *(*CreateFn)(size_t);
typedef void (*FreeFn)(double *);
typedef int64_t (*CountFn)(void);
typedef ErrorCode (*CallbackFn)(double *, size_t, ProgressCallback);
typedef ErrorCode (*StatsFn)(uint64_t *, double *);
typedef void (*VoidFn)(void);
typedef ErrorCode (*EventsStartFn)(EventCallback, uint32_t, int64_t);
typedef ErrorCode (*StatusFn)(void);
typedef int32_t (*RunningFn)(void);

static int progress_calls = 0;
static void on_progress(int current, int total) {
  (void)total;
  progress_calls = current;
}

/* Written on the event thread; read only after ffikit_events_stop() joined it. */
static int64_t events_seen = 0;
static void on_event(int32_t kind, int64_t value) {
  if (kind == FFIKIT_EVENT_TICK) events_seen = value;
}

enum { kLen = 37 }; /* not a multiple of any vector width, so every kernel runs its tail loop */

static void kernels(void) {
  static const char *const kIsas[] = {"scalar", "sse2", "avx2", "avx512"};
  FN(SupportedFn, ffikit_simd_supported);
  FN(ForceFn, ffikit_simd_force);
  FN(LevelFn, ffikit_simd_level);
  FN(AddFn, simd_add);
  FN(DotFn, simd_dot);
  FN(SumFn, simd_sum);
  FN(AxpyFn, simd_axpy);
  float a[kLen], b[kLen], sum[kLen], y[kLen];
  double dot_ref = 0, sum_ref = 0, dot, total;
  size_t i, k;
  if (!ffikit_simd_supported || !ffikit_simd_force || !ffikit_simd_level || !simd_add ||
      !simd_dot || !simd_sum || !simd_axpy)
    return;
  for (i = 0; i < kLen; i++) {
    a[i] = (float)i * 0.5f;
    b[i] = 100.0f - (float)i;
  }
  CHECK(ffikit_simd_supported("scalar") == 1);
  CHECK(ffikit_simd_force("scalar") == SUCCESS);
  CHECK(simd_dot(a, b, kLen, &dot_ref) == SUCCESS);
  CHECK(simd_sum(a, kLen, &sum_ref) == SUCCESS);
  /* Every kernel set this build and CPU support must agree with scalar: exactly for add and axpy
   * (one rounding per element), within the documented relative bound for the reductions. */
  for (k = 0; k < sizeof kIsas / sizeof kIsas[0]; k++) {
    if (ffikit_simd_supported(kIsas[k]) != 1) continue;
    CHECK(ffikit_simd_force(kIsas[k]) == SUCCESS);
    CHECK(strcmp(ffikit_simd_level(), kIsas[k]) == 0);
    memset(sum, 0, sizeof sum);
    CHECK(simd_add(a, b, sum, kLen) == SUCCESS);
    for (i = 0; i < kLen; i++) CHECK(sum[i] == a[i] + b[i]);
    memcpy(y, b, sizeof y);
    CHECK(simd_axpy(2.0f, a, y, kLen) == SUCCESS);
    for (i = 0; i < kLen; i++) CHECK(y[i] == 2.0f * a[i] + b[i]);
    CHECK(simd_dot(a, b, kLen, &dot) == SUCCESS);
    CHECK(dot > dot_ref * (1 - 1e-6) && dot < dot_ref * (1 + 1e-6));
    CHECK(simd_sum(a, kLen, &total) == SUCCESS);
    CHECK(total > sum_ref * (1 - 1e-6) && total < sum_ref * (1 + 1e-6));
    CHECK(simd_add(NULL, b, sum, kLen) == ERR_NULL_POINTER);
    printf("kernels %s ok\n", ffikit_simd_level());
  }
  CHECK(ffikit_simd_supported("no-such-isa") == 0);
  CHECK(ffikit_simd_force("no-such-isa") == ERR_INVALID_ARGUMENT);
}

static void threads(void) {
  FN(Process1dFn, thread_safe_process);
  FN(StatsFn, ffikit_processor_stats);
  FN(VoidFn, ffikit_processor_reset);
  FN(EventsStartFn, ffikit_events_start);
  FN(StatusFn, ffikit_events_stop);
  FN(RunningFn, ffikit_events_running);
  FN(CountFn, ffikit_events_emitted);
  double data[3] = {1.0, 2.0, 3.0};
  uint64_t calls = 0;
  double total = 0;
  int waited;
  if (!thread_safe_process || !ffikit_processor_stats || !ffikit_processor_reset ||
      !ffikit_events_start || !ffikit_events_stop || !ffikit_events_running ||
      !ffikit_events_emitted)
    return;
  ffikit_processor_reset();
  CHECK(thread_safe_process(data, 3) == SUCCESS);
  CHECK(thread_safe_process(data, 3) == SUCCESS);
  CHECK(ffikit_processor_stats(&calls, &total) == SUCCESS);
  CHECK(calls == 2 && total == 12.0);

  /* The event source runs on a std::thread owned by the library: start it, wait for its events,
   * join it. */
  CHECK(ffikit_events_start(on_event, 100, 5) == SUCCESS);
  for (waited = 0; ffikit_events_emitted() < 5 && waited < 5000; waited++) {
    struct timespec ms = {0, 1000000};
    nanosleep(&ms, NULL);
  }
  CHECK(ffikit_events_stop() == SUCCESS);
  CHECK(ffikit_events_running() == 0);
  CHECK(events_seen == 5 && ffikit_events_emitted() == 5);
  printf("threads ok (%d events)\n", (int)events_seen);
}

int main(int argc, char **argv) {
  if (argc != 2) {
    fprintf(stderr, "usage: %s <path to libffikit_ref>\n", argv[0]);
    return 2;
  }
  library = dlopen(argv[1], RTLD_NOW | RTLD_LOCAL);
  if (library == NULL) {
    fprintf(stderr, "FAIL: dlopen: %s\n", dlerror());
    return 1;
  }
  {
    FN(AbiVersionFn, ffikit_abi_version);
    FN(NameFn, ffikit_error_name);
    FN(Process1dFn, process_1d);
    FN(CreateFn, create_array);
    FN(FreeFn, free_array);
    FN(CountFn, ffikit_live_allocations);
    FN(CallbackFn, process_with_callback);
    double data[4] = {1.0, 2.0, 3.0, 4.0};
    double *owned;
    if (ffikit_abi_version) CHECK(ffikit_abi_version() == FFIKIT_ABI_VERSION);
    if (ffikit_error_name) {
      CHECK(strcmp(ffikit_error_name(ERR_INVALID_SIZE), "ERR_INVALID_SIZE") == 0);
      CHECK(strcmp(ffikit_error_name(12345), "UNKNOWN") == 0);
    }
    if (process_1d) {
      CHECK(process_1d(data, 4) == SUCCESS);
      CHECK(data[0] == 2.0 && data[3] == 8.0);
      CHECK(process_1d(NULL, 4) == ERR_NULL_POINTER);
    }
    if (create_array && free_array && ffikit_live_allocations) {
      owned = create_array(16);
      CHECK(owned != NULL);
      if (owned != NULL) CHECK(owned[0] == 0.0 && owned[15] == 0.0);
      CHECK(ffikit_live_allocations() == 1);
      free_array(owned);
      free_array(NULL);
      CHECK(ffikit_live_allocations() == 0);
    }
    if (process_with_callback) {
      CHECK(process_with_callback(data, 4, on_progress) == SUCCESS);
      CHECK(progress_calls == 4 && data[0] == 4.0);
    }
  }
  kernels();
  threads();
  if (dlclose(library) != 0) CHECK(!"dlclose failed");
  if (failures != 0) {
    fprintf(stderr, "%d check(s) failed\n", failures);
    return 1;
  }
  printf("OK abi=%u\n", (unsigned)FFIKIT_ABI_VERSION);
  return 0;
}
